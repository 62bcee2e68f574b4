#!/usr/bin/env node
/**
 * `npm start`: the whole system on this machine, until Ctrl-C. What it suggests trying comes from
 * the application (`eventContract.startHints` and `operatorCommand` in its package.json).
 */
import path from 'node:path';
import { CliError, integerOption, isEntry, main, onShutdownSignals, terminalSafe, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { loadProject, type ProjectConfig } from '@sluice/model';
import { staleGeneratedReason } from '@sluice/codegen/freshness';
// Types only at the top: the local runtime is loaded in `run` (it needs Node 24's node:sqlite, so a
// static import would fail on an older Node before `main` could say which Node it needs).
import type { LocalRuntime } from '../local-runtime.ts';
import type { LocalConsole } from '../console/index.ts';
import { endpointAssignment, localVisibilityTimeoutSeconds, operatorCommandAt } from '@sluice/ops';
import { watchTopology } from '../topology-watch.ts';

/**
 * The "Try:" lines of the banner: the application's own hints (`eventContract.startHints`), then
 * the AWS CLI against the local endpoint. When the operator commands would not find the stack by
 * themselves (`endpointAssignment` of @sluice/ops: `--port` other than 4566, or `$SLUICE_ENDPOINT`
 * elsewhere), the hints start with `export SLUICE_ENDPOINT=<endpoint>`, which they read: the
 * hints are the application's own lines, several commands to a line, so the endpoint cannot be
 * added to each.
 *
 * @param env - the environment the hints would run in; the process's by default
 */
export function tryLines(project: Pick<ProjectConfig, 'startHints'>, endpoint: string, region: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const assignment = endpointAssignment(endpoint, env);
  return [
    ...(assignment && project.startHints.length ? [`export ${assignment}`] : []),
    ...project.startHints,
    `AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${endpoint} --region ${region} sqs list-queues`,
  ].map((line, i) => `${i === 0 ? 'Try:' : ''}`.padEnd(6) + line);
}

export const startProgram: ProgramSpec = {
  name: 'start',
  invocation: 'npm start --',
  version: versionOf(new URL('../../package.json', import.meta.url)),
  summary: 'run the whole system locally',
  description: `Runs the application locally: SNS + SQS (fauxqs) and DynamoDB (dynalite) behind one AWS
endpoint, the topics, queues, dead-letter queues and subscriptions of the contract's topology
manifest (generated/topology.json), the application's tables, and the consumers: each its own
event-source poller and Lambda-like instances (worker threads), all in this process (a process per
consumer with --inspect or --function-processes separate). Queued and dead-lettered messages, subscriptions and tables are kept
in the data folder and survive a restart. When npm run codegen changes the topology while it runs,
one line says so (restart to apply it: the resources are made when it starts); while
generated/topology.json stays missing or invalid, one line says that too (run npm run codegen). Ctrl-C stops it
after the batches in flight.`,
  options: {
    port: { type: 'string', valueName: 'n', description: 'endpoint port (0 = any free port)', defaultText: '4566' },
    'data-dir': { type: 'string', valueName: 'path', path: true, description: 'where queues, messages and tables are kept', defaultText: '.sluice-data/' },
    'in-memory': { type: 'boolean', description: 'keep everything in memory: nothing survives a restart' },
    'visibility-timeout': { type: 'string', valueName: 's', description: `consumed queues' visibility timeout, so retries take seconds (deployed: 6 × the function timeout)`, defaultText: String(localVisibilityTimeoutSeconds) },
    'log-level': { type: 'string', valueName: 'level', description: 'consumers\' log level', choices: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'], defaultText: 'WARN: rejected and failed records only' },
    'no-consumers': { type: 'boolean', description: 'run only the stack; run the consumers with `npm run subscriber` (they can then be stopped or killed on their own)' },
    'no-subscriber': { type: 'boolean', description: 'the same as --no-consumers' },
    only: { type: 'string', multiple: true, valueName: 'operationId', description: 'run only this consumer (repeatable)' },
    concurrency: { type: 'string', valueName: 'n', description: 'batches each consumer handles at once', defaultText: 'maximumConcurrency in the settings, else 5' },
    watch: { type: 'boolean', description: 'reload a consumer when a source file it imports changes (the batches in flight finish first); the code is loaded as it is, its types are not checked: npm run typecheck does' },
    inspect: { type: 'boolean', description: 'a debugger port per consumer (9229, 9230, …): chrome://inspect or VS Code "Attach"' },
    'function-processes': { type: 'string', valueName: 'model', description: "where the consumers' pollers run: all in one process (their instances are its worker threads), or a process per consumer", choices: ['shared', 'separate'], defaultText: 'shared; separate with --inspect' },
    'console-port': { type: 'string', valueName: 'n', description: 'port of the local console (the topology, live; dead letters; publishing), on 127.0.0.1; a free one if taken', defaultText: 'endpoint port + 1 (4567); 0 with --port 0' },
  },
  examples: ['npm start', 'npm start -- --watch', 'npm start -- --watch --inspect --only <operationId>', 'npm start -- --in-memory --port 0'],
  async run({ values, io }) {
    const v = values as Record<string, unknown>;
    const port = integerOption('port', v.port, { min: 0, max: 65535 }) ?? 4566;
    const visibility = integerOption('visibility-timeout', v['visibility-timeout'], { min: 0, max: 43200 }) ?? localVisibilityTimeoutSeconds;
    const concurrency = integerOption('concurrency', v.concurrency, { min: 1, max: 1000 });
    if (v.inspect && v['function-processes'] === 'shared') throw new UsageError('--inspect gives each consumer a debugger port of its own, so a process of its own: drop --function-processes shared');
    const consolePort = integerOption('console-port', v['console-port'], { min: 0, max: 65535 }) ?? (port === 0 || port === 65535 ? 0 : port + 1);
    if (v['in-memory'] && v['data-dir'] !== undefined) throw new UsageError('--in-memory and --data-dir exclude each other: drop one');
    const noConsumers = v['no-consumers'] === true || v['no-subscriber'] === true;
    if (noConsumers && (v.only || v.watch || v.inspect)) throw new UsageError('--no-consumers runs no consumer: drop --only, --watch and --inspect (give them to `npm run subscriber`)');
    // Loaded here, not at the top: the local runtime takes seconds to load, and --help or a usage error should not wait for it.
    const [{ loadApplication, readTopology }, { outOfContractReason, startLocalRuntime }, { bannerLines, batchLine, clock, deadLetterRouteOf, eventLine, leftoversLine }] = await Promise.all([
      import('../application.ts'),
      import('../local-runtime.ts'),
      import('../terminal-report.ts'),
    ]);
    const project = loadProject();
    // The local stack is the manifest's: one that no longer matches the contract would run the previous contract.
    const stale = staleGeneratedReason(project);
    if (stale) throw new CliError(stale); // It ends with what to run: `Run npm run codegen, then try again.`
    const dataDir = v['in-memory'] ? undefined : path.resolve(typeof v['data-dir'] === 'string' ? v['data-dir'] : path.join(project.root, '.sluice-data'));
    const application = await loadApplication(project);
    for (const id of (v.only as string[] | undefined) ?? []) {
      if (!application.handlers[id]) throw new UsageError(`--only ${JSON.stringify(id)} is not a consumer of the contract: ${Object.keys(application.handlers).join(', ') || 'it has none'}`);
    }

    // The port actually bound is known once the stack is up (--port 0): set to the operator command with it then.
    let operatorProject: ProjectConfig = project;
    const routeOf = (operationId: string) => deadLetterRouteOf({ topology: application.topology, project: operatorProject }, operationId);
    let runtime: LocalRuntime;
    // Started once the stack is up; the batches and logs before that are not shown in it.
    let localConsole: LocalConsole | undefined;
    try {
      runtime = await startLocalRuntime({
        application,
        port,
        ...(dataDir ? { dataDir } : {}),
        visibilityTimeoutSeconds: visibility,
        consumers: noConsumers ? false : ((v.only as string[] | undefined) ?? true),
        watch: v.watch === true,
        inspect: v.inspect === true,
        ...(v['function-processes'] ? { functionProcesses: v['function-processes'] as 'shared' | 'separate' } : {}),
        logLevel: (v['log-level'] as string | undefined) ?? 'WARN',
        ...(concurrency !== undefined ? { concurrency } : {}),
        onBatch: (operationId, report) => {
          io.out(batchLine(operationId, report, routeOf(operationId)));
          localConsole?.recordBatch(operationId, report);
        },
        // Events and the consumers' log lines carry message content (errors, ids): shown terminal-safe.
        onEvent: (line) => io.out(eventLine(clock(), line)),
        // A consumer that npm run codegen removed fails its init for that: said once, not retried.
        outOfContract: (operationId) => outOfContractReason(application.topology, () => readTopology(project), operationId),
        // …and kept for the console, which shows what a consumer logged about a dead letter.
        onLog: (operationId, line, stream) => {
          (stream === 'stderr' ? io.err : io.out)(terminalSafe(line));
          localConsole?.recordLog(operationId, line);
        },
      });
    } catch (error) {
      // The user's situation (the folder in use, the application not matching its contract, a kept
      // resource the contract changed) stays said as such: no "--debug for the stack trace".
      if (error instanceof CliError) throw new CliError(`could not start the local runtime: ${error.message}`, { ...error.options, cause: error });
      throw new Error(`could not start the local runtime: ${(error as Error).message}`, { cause: error });
    }
    // The commands the banner and the batch lines name reach this stack as printed: with its
    // endpoint in front when the commands would not find it by themselves (--port, --port 0).
    const operator = operatorCommandAt(project.operatorCommand, runtime.endpoint);
    if (operator !== project.operatorCommand) operatorProject = { ...project, operatorCommand: operator! };
    try {
      const { startConsole } = await import('../console/index.ts');
      localConsole = await startConsole({ runtime, port: consolePort });
    } catch (error) {
      await runtime.stop();
      throw new Error(`could not start the local console: ${(error as Error).message}`, { cause: error });
    }
    const status = operator ? `${operator} status` : 'the status command';
    const shown = { ...runtime, application: { ...runtime.application, project: operatorProject } };
    // Ctrl-C is handled from before the banner says so: a Ctrl-C (or a script's SIGINT) right after
    // it once met Node's default action, and the stack died without stopping its consumers.
    let stopTopologyWatch = () => {};
    const stopped = new Promise<void>((resolve) => {
      const shutdown = async () => {
        stopTopologyWatch();
        io.out(`\n${clock()} stopping: finishing the batches in flight…`);
        await runtime.stopFunctions();
        const note = await leftoversLine(runtime);
        await localConsole?.stop();
        await runtime.stop();
        io.out(`${clock()} stopped${runtime.functions ? ` after ${runtime.functions.batches} batch(es)` : ''}.${note}`);
        resolve();
      };
      // First Ctrl-C (or SIGTERM): finish the batches in flight; a second Ctrl-C typed later: exit 130.
      onShutdownSignals({
        stop: shutdown,
        forceMessage: 'Second Ctrl-C: exiting now (messages in flight come back after their visibility timeout).',
        print: (line) => io.err(line),
      });
    });
    io.out(
      [
        ...bannerLines(shown, { consumersElsewhere: noConsumers, watch: v.watch === true }),
        `  console       ${localConsole.url}   (open in a browser; this machine only: the topology live, dead letters, publishing)`,
        '',
        ...(runtime.resources.orphanQueues.length
          ? [`Note: queue(s) ${runtime.resources.orphanQueues.join(', ')} from an earlier run are no longer in the contract; kept with their messages (${status}).`, '']
          : []),
        ...tryLines(project, runtime.endpoint, runtime.resources.region),
        `Ctrl-C to stop. One line per processed batch:`,
      ].join('\n'),
    );

    // A topology that codegen changed needs a restart (--watch or not: it reloads code only): say so when it happens.
    // A manifest that stays unreadable (truncated, invalid, deleted) is said too, and when it reads again.
    stopTopologyWatch = watchTopology({
      generated: project.generated,
      running: application.topology,
      readNow: () => readTopology(project),
      report: (line) => io.out(eventLine(clock(), line)),
      apply: 'restart npm start to apply it',
      read: () => runtime.functions?.contractChanged(),
    });

    await stopped;
    return 0;
  },
};

if (isEntry(import.meta)) await main(startProgram);
