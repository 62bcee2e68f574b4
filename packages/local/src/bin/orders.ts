#!/usr/bin/env node
/** Entry point of `npm run orders -- <command>`. */
import { processIO, runOrdersCli } from '../cli/orders-cli.ts';

process.exitCode = await runOrdersCli(process.argv.slice(2), processIO());
