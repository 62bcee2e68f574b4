#!/usr/bin/env node
/**
 * `npm run subscriber`: only the Lambda side (the consumers, run as `npm start` runs them)
 * against a stack that runs elsewhere (`npm start -- --no-consumers`).
 *
 * Two processes mirror AWS, where the queue outlives any function instance: killing this process
 * (even with SIGKILL) loses nothing, because unacknowledged messages reappear on the queue after
 * the visibility timeout. Several of these processes may run at once, as Lambda runs several
 * instances; the reliability suite does both.
 */
import { integerOption, isEntry, main, onShutdownSignals, urlOption, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { endpointEnv, localEndpoint } from '@sluice/ops';

export const subscriberProgram: ProgramSpec = {
  name: 'subscriber',
  invocation: 'npm run subscriber --',
  version: versionOf(new URL('../../package.json', import.meta.url)),
  summary: 'run the consumers against a stack started elsewhere',
  description: `Runs the application's consumers (each its poller and Lambda-like worker-thread instances, all in
this process unless --inspect or --function-processes separate) against a local stack
started elsewhere, e.g. \`npm start -- --no-consumers\` in another terminal. As with npm start, a
consumer whose operation npm run codegen removed is said once and not retried, and a topology change
is said (a restart applies it), as is a generated/topology.json that stays missing or invalid. Ctrl-C stops them after the batches in flight.`,
  options: {
    endpoint: { type: 'string', valueName: 'url', description: "the stack's endpoint", defaultText: `$${endpointEnv}, else http://127.0.0.1:4566` },
    only: { type: 'string', multiple: true, valueName: 'operationId', description: 'run only this consumer (repeatable)' },
    'log-level': { type: 'string', valueName: 'level', description: "consumers' log level", choices: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'], defaultText: 'WARN' },
    concurrency: { type: 'string', valueName: 'n', description: 'batches each consumer handles at once', defaultText: 'maximumConcurrency in the settings, else 5' },
    watch: { type: 'boolean', description: 'reload a consumer when a source file it imports changes (the batches in flight finish first); the code is loaded as it is, its types are not checked: npm run typecheck does' },
    inspect: { type: 'boolean', description: 'a debugger port per consumer (9229, 9230, …)' },
    'function-processes': { type: 'string', valueName: 'model', description: "where the consumers' pollers run: all in one process (their instances are its worker threads), or a process per consumer", choices: ['shared', 'separate'], defaultText: 'shared; separate with --inspect' },
    quiet: { type: 'boolean', description: 'no line per batch' },
  },
  async run({ values, io }) {
    const v = values as Record<string, unknown>;
    const concurrency = integerOption('concurrency', v.concurrency, { min: 1, max: 1000 });
    if (v.inspect && v['function-processes'] === 'shared') throw new UsageError('--inspect gives each consumer a debugger port of its own, so a process of its own: drop --function-processes shared');
    const endpoint = localEndpoint(urlOption('endpoint', v.endpoint));
    // Loaded here, not at the top: the local runtime takes seconds to load, and --help or a usage error should not wait for it.
    const [{ startSubscriber }, { clock }] = await Promise.all([import('../subscriber.ts'), import('../terminal-report.ts')]);
    const subscriber = await startSubscriber({
      endpoint,
      ...(v.only ? { only: v.only as string[] } : {}),
      watch: v.watch === true,
      inspect: v.inspect === true,
      ...(v['function-processes'] ? { functionProcesses: v['function-processes'] as 'shared' | 'separate' } : {}),
      logLevel: (v['log-level'] as string | undefined) ?? 'WARN',
      ...(concurrency !== undefined ? { concurrency } : {}),
      quiet: v.quiet === true,
      out: (line) => io.out(line),
    });
    const { host } = subscriber;
    // Ctrl-C is handled from before the line that says it polls (see npm start's banner).
    const stopped = new Promise<void>((resolve) => {
      // First Ctrl-C (or SIGTERM): finish the batches in flight; a second Ctrl-C typed later: exit 130.
      onShutdownSignals({
        stop: async () => {
          await subscriber.stop();
          io.out(`${clock()} subscriber stopped after ${host.batches} batch(es).`);
          resolve();
        },
        forceMessage: 'Second Ctrl-C: exiting now (messages in flight come back after their visibility timeout).',
        print: (line) => io.err(line),
      });
    });
    io.out(`subscriber: ${host.functions.map((f) => f.operationId).join(', ')} polling at ${endpoint}`);
    await stopped;
    return 0;
  },
};

if (isEntry(import.meta)) await main(subscriberProgram);
