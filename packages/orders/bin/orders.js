#!/usr/bin/env node
// The `orders` command (`npx orders …`, `npm run orders -- …`). The application's TypeScript runs
// through tsx (not Node's own type stripping, as the npm scripts do): a syntax error in it is
// reported from tsx's error, with its file, line and column.
// The framework's modules the commands use are loaded first, by Node itself, and tsx's loader is
// registered after them: every module a loader hook sees costs it time, and the AWS SDK clients
// and the framework's packages are most of what this command loads (`orders --help` took about
// 0.1 s less CPU, 0.48 s against 0.58). The application's modules, the commands' and those they
// import later (the order store, by the commands that read orders), all load through tsx.
// Should the CLI's code itself not load, that is said in one line with the file and the error,
// the stack only with --debug, as the CLI kit reports any failure.
import { register } from 'tsx/esm/api';

const { main } = await import('@sluice/cli');
let registered = false;
const registerTsx = () => {
  if (!registered) register();
  registered = true;
};
let ordersProgram;
try {
  await import('@sluice/ops');
  await import('@sluice/runtime/publisher');
  registerTsx();
  ({ ordersProgram } = await import('../src/cli/orders-cli.ts'));
} catch (error) {
  registerTsx();
  const { moduleLoadFailure } = await import('../src/cli/load-failure.ts');
  const failure = moduleLoadFailure(error);
  process.stderr.write(`orders: ${failure.message}\n${failure.options.next}\n`);
  const debug = process.argv.includes('--debug') || process.env.DEBUG === '1';
  process.stderr.write(debug ? `${error instanceof Error ? error.stack : String(error)}\n` : '(run again with --debug for the stack trace)\n');
  process.exit(1);
}
await main(ordersProgram);
