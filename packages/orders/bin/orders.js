#!/usr/bin/env node
// The `orders` command (`npx orders …`, `npm run orders -- …`). TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('@sluice/cli');
const { ordersProgram } = await import('../src/cli/orders-cli.ts');
await main(ordersProgram);
