#!/usr/bin/env node
/** Entry point of `npm run orders -- <command>`. */
import { processIO, runOrdersCli } from '../cli/orders-cli.ts';

// Node 20 is this project's pinned runtime; the SDK's notice about Node 22 (2027) is known noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await runOrdersCli(process.argv.slice(2), processIO());
