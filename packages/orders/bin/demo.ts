#!/usr/bin/env node
/**
 * `npm run demo`: starts the local runtime, publishes the contract's examples and a poison
 * message, waits until everything has settled, prints the stored orders and the DLQ, and exits.
 */
import path from 'node:path';
import { integerOption, isEntry, main, shellWord, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { loadProject } from '@sluice/model';

export const demoProgram: ProgramSpec = {
  name: 'demo',
  invocation: 'npm run demo --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'publish the examples and a poison message, show the orders and the DLQ, exit',
  description: `Starts the local runtime (on the data folder of \`npm start\`, or --data-dir's), publishes the contract's
OrderPlaced examples and one poison message (quantity 0, sent past the validating publisher),
waits until the queue has drained and the poison message is dead-lettered, prints the stored
orders and the DLQ, and exits. The visibility timeout is 2 s, so this takes about 10 s.`,
  options: {
    port: { type: 'string', valueName: 'n', description: 'endpoint port (0 = any free port)', defaultText: '4566' },
    'in-memory': { type: 'boolean', description: 'keep everything in memory' },
    'data-dir': { type: 'string', valueName: 'path', path: true, description: "where queues, messages and tables are kept (as npm start's --data-dir)", defaultText: '.sluice-data/' },
  },
  async run({ values, io }) {
    const port = integerOption('port', values.port, { min: 0, max: 65535 }) ?? 4566;
    const dataDirGiven = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
    if (values['in-memory'] && dataDirGiven !== undefined) throw new UsageError('--in-memory and --data-dir exclude each other: drop one');
    // Loaded here, not at the top: the local runtime takes seconds to load, and --help or a usage error should not wait for it.
    const [{ batchLine, clock, deadLetterRouteOf, leftoversLine, loadApplication, startLocalRuntime }, { demoBannerLines, demoOperatorCommand, runDemo }] = await Promise.all([
      import('@sluice/local'),
      import('../src/demo.ts'),
    ]);
    const project = loadProject();
    const application = await loadApplication(project);
    const defaultDataDir = path.join(project.root, '.sluice-data');
    const dataDir = values['in-memory'] ? undefined : dataDirGiven !== undefined ? path.resolve(dataDirGiven) : defaultDataDir;
    // A folder of its own: npm start (and so the operator commands) find another one once the demo has ended.
    const elsewhere = dataDir !== undefined && dataDir !== defaultDataDir;
    let runtime: Awaited<ReturnType<typeof startLocalRuntime>> | undefined;
    // The batch lines name a command that lists a dead-letter queue only if it works once the demo
    // has stopped its stack (the default endpoint, on npm start's data folder): else none.
    const operatorView = () => {
      const operatorCommand = runtime ? demoOperatorCommand(application.project.operatorCommand, runtime.endpoint, { inMemory: values['in-memory'] === true, elsewhere }) : undefined;
      return { topology: application.topology, project: { ...application.project, operatorCommand } };
    };
    runtime = await startLocalRuntime({
      application,
      port,
      ...(dataDir ? { dataDir } : {}),
      visibilityTimeoutSeconds: 2,
      logLevel: 'WARN',
      // The contract's consumers and the framework's triage functions (not operations of the contract) alike.
      // The dead-letter queue it goes to, and the command that lists it when that command outlives the demo.
      onBatch: (operationId, report) => io.out(batchLine(operationId, report, deadLetterRouteOf(operatorView(), operationId))),
      onEvent: (line) => io.out(`${clock()} ${line}`),
    });
    try {
      // npm start's banner, but for a command that would not reach this stack once the demo has stopped it.
      io.out([...demoBannerLines(runtime, { inMemory: values['in-memory'] === true, elsewhere }), '', 'Demo:'].join('\n'));
      const settled = await runDemo(runtime, { asyncapiPath: project.spec, print: (t) => io.out(t) });
      if (settled) {
        io.out(
          values['in-memory']
            ? "\nNext: this demo's stack was in memory and is gone with it. npm start runs one that keeps its data (or, if it runs already, npx orders publish / list / dlq list there)."
            : elsewhere
              ? `\nNext: npm start -- --data-dir ${shellWord(dataDirGiven!)} (it keeps what this demo made), then npx orders list / dlq list / dlq redrive`
              : '\nNext: npm start (it keeps what this demo made), then npx orders list / dlq list / dlq redrive',
        );
      }
      await runtime.stopFunctions();
      io.out(`${clock()} stopped.${await leftoversLine(runtime)}`);
      return settled ? 0 : 1;
    } finally {
      await runtime.stop();
    }
  },
};

if (isEntry(import.meta)) await main(demoProgram);
