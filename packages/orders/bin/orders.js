#!/usr/bin/env node
// The `orders` command (`npx orders …`, `npm run orders -- …`). TypeScript sources run through tsx
// (not Node's own type stripping, as the npm scripts do): the application's code is loaded here,
// and a syntax error in it is reported from tsx's error, with its file, line and column.
// The commands load without the application's own code (the order store is imported by the
// commands that read orders); should the CLI's code itself not load, that is said in one line
// with the file and the error, the stack only with --debug, as the CLI kit reports any failure.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('@sluice/cli');
let ordersProgram;
try {
  ({ ordersProgram } = await import('../src/cli/orders-cli.ts'));
} catch (error) {
  const { moduleLoadFailure } = await import('../src/cli/load-failure.ts');
  const failure = moduleLoadFailure(error);
  process.stderr.write(`orders: ${failure.message}\n${failure.options.next}\n`);
  const debug = process.argv.includes('--debug') || process.env.DEBUG === '1';
  process.stderr.write(debug ? `${error instanceof Error ? error.stack : String(error)}\n` : '(run again with --debug for the stack trace)\n');
  process.exit(1);
}
await main(ordersProgram);
