#!/usr/bin/env node
// The `orders` command (`npx orders …`, `npm run orders -- …`). TypeScript sources run on Node's
// own type stripping (Node 24, which npm puts first on the PATH); through tsx on a Node without it,
// so that the CLI's own check can say which Node it needs.
// The commands load without the application's own code (the order store is imported by the
// commands that read orders); should the CLI's code itself not load, that is said in one line
// with the file and the error, the stack only with --debug, as the CLI kit reports any failure.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
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
