/**
 * The whole system on one machine: the emulated AWS services behind one endpoint, the topology's
 * resources and the application's tables, and the consumers: each its own poller and Lambda-like
 * worker-thread instances, in this process by default (`functionProcesses`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { resolvePlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { FAILURE_LINE_PREFIX, FAILURE_LINES_ENV } from '@sluice/runtime/settings';
import { loadApplication, type Application } from './application.ts';
import type { BatchReport } from './lambda/event-source-poller.ts';
import { functionSpec } from './lambda/function-environment.ts';
import { triageFunctionSpecs } from './lambda/triage-function.ts';
import { FunctionHost, type FunctionProcesses } from './lambda/function-host.ts';
import { startEmulators, type Emulators } from './stack/emulators.ts';
import type { FailureJournal } from './stack/failure-journal.ts';
import { provisionTopology, type LocalResources } from './stack/provision.ts';

/** What {@link startLocalRuntime} starts, and how; every option has a default. */
export interface LocalRuntimeOptions {
  /** The application (contract manifest, settings, handlers). @default loadApplication() */
  application?: Application;
  /** Port of the single endpoint; 0 picks a free one. @default 4566 */
  port?: number;
  /** Folder for the emulators' data; in memory when absent. */
  dataDir?: string;
  /**
   * Visibility timeout of the consumed queues, overriding the deployed one so that retries take
   * seconds. Never below a consumer's batch window + 1 s: a message must stay hidden while its
   * batch is gathered, or a concurrent poller receives it again.
   */
  visibilityTimeoutSeconds?: number;
  /** Overrides every consumer's batch window (seconds). */
  batchWindowSeconds?: number;
  /** Which consumers run in this process: all (default), none (`false`), or these operation ids. */
  consumers?: boolean | readonly string[];
  /** Reload a consumer when a source file it imports changes. */
  watch?: boolean;
  /** Open a debugger port per consumer: 9229, 9230, …, or from the port given (a process per consumer, then). */
  inspect?: boolean | number;
  /**
   * Where the consumers' pollers run: `'shared'`, all in this process (each consumer's instances
   * are worker threads of it); `'separate'`, a child process per consumer. @default `'separate'`
   * with `inspect`, else `'shared'`
   */
  functionProcesses?: FunctionProcesses;
  /** Overrides every consumer's log level. */
  logLevel?: string;
  /** Overrides every consumer's concurrency. */
  concurrency?: number;
  /** Extra environment for every consumer (tests inject faults this way). */
  functionEnvironment?: Record<string, string>;
  /** Called after each batch a consumer handled, with what became of its records. */
  onBatch?: (operationId: string, report: BatchReport) => void;
  /** Each line a consumer writes (its logs); without it they go to this process's stdout and stderr. */
  onLog?: (operationId: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Lifecycle lines: resources changed, consumers started, reloaded, crashed. */
  onEvent?: (line: string) => void;
  /** Pause before a crashed consumer starts again. @default 2000 */
  restartDelayMs?: number;
  /** Whether a consumer's operation left the contract since the start: see `FunctionHostOptions.outOfContract`. */
  outOfContract?: (operationId: string) => string | undefined;
}

/** A running local stack, returned by {@link startLocalRuntime}. */
export interface LocalRuntime {
  /** The application it runs, with the options' overrides applied. */
  readonly application: Application;
  /** The emulated SNS, SQS and DynamoDB behind one endpoint. */
  readonly emulators: Emulators;
  /** Shorthand of `emulators.endpoint`: the one URL for SNS, SQS and DynamoDB. */
  readonly endpoint: string;
  /** Shorthand of `emulators.clientConfig`: what an AWS SDK client needs to reach the stack. */
  readonly clientConfig: Emulators['clientConfig'];
  /** The topics, queues, subscriptions and tables it created or found. */
  readonly resources: LocalResources;
  /** Absent when no consumer runs in this process. */
  readonly functions: FunctionHost | undefined;
  /**
   * Stops the consumers only: the batches in flight finish, and each poller's receive in flight is
   * answered at once instead of at the end of its long poll; from then on every receive on the
   * stack's queues is answered at once too (`Emulators.endLongPolls`), which is for its last moments.
   * The emulators keep running (for a last look at the queues before {@link LocalRuntime.stop}).
   * Does nothing when no consumer runs in this process: then the long polls stay as they are.
   */
  stopFunctions(): Promise<void>;
  /** Stops the consumers ({@link LocalRuntime.stopFunctions}), then the emulators. */
  stop(): Promise<void>;
}

/**
 * Starts the whole system on one machine: the emulators, the topology's topics, queues and
 * subscriptions and the application's tables (created, or found from an earlier run), then the
 * consumers. Stop it with `stop()`.
 *
 * @param options - what to start and how; the application in the working directory on port 4566 by default
 * @returns the running stack
 * @throws when the application does not load, the port is taken, or a resource cannot be created
 *   (the emulators are stopped again first)
 * @example
 * ```ts
 * import { startLocalRuntime } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime({ port: 4566, dataDir: '.sluice-data' });
 * const topicArns = Object.values(runtime.resources.topics).map((t) => t.arn);
 * await runtime.stop();
 * ```
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const application = withOverrides(options.application ?? (await loadApplication()), options);
  const emulators = await startEmulators({ port: options.port ?? 4566, ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  let resources: LocalResources;
  const sqs = new SQSClient(emulators.clientConfig);
  const sns = new SNSClient(emulators.clientConfig);
  const dynamodb = new DynamoDBClient(emulators.clientConfig);
  try {
    resources = await provisionTopology(application.topology, application.settings, {
      sqs,
      sns,
      dynamodb,
      region: emulators.clientConfig.region,
      ...(options.visibilityTimeoutSeconds !== undefined ? { visibilityTimeouts: localVisibilityTimeouts(application, options.visibilityTimeoutSeconds, options.onEvent) } : {}),
      ...(options.onEvent ? { onChange: options.onEvent } : {}),
    });
  } catch (error) {
    await emulators.stop();
    throw error;
  } finally {
    sqs.destroy();
    sns.destroy();
    dynamodb.destroy();
  }

  let functions: FunctionHost | undefined;
  try {
    functions = await startFunctions(application, resources, emulators.clientConfig, { ...options, failures: emulators.failures, endLongPolls: (queue) => emulators.endLongPollsOn(queue) });
    // Named by the endpoint's health answer: npm run subscriber warns before running them a second time.
    for (const f of functions?.functions ?? []) if (f.operationId in application.handlers) emulators.consumers.add(f.operationId);
  } catch (error) {
    await emulators.stop();
    throw error;
  }
  const stopFunctions = async () => {
    if (!functions) return;
    const stopping = functions.stop();
    // Each poller's receive in flight is answered now, not at the end of its long poll.
    emulators.endLongPolls();
    await stopping;
  };
  return {
    application,
    emulators,
    endpoint: emulators.endpoint,
    clientConfig: emulators.clientConfig,
    resources,
    functions,
    stopFunctions,
    async stop() {
      await stopFunctions();
      await emulators.stop();
    },
  };
}

/**
 * What `npm start` and `npm run subscriber` tell their function host about a consumer whose
 * operation `npm run codegen` removed ({@link FunctionHostOptions.outOfContract}): why its init
 * fails and what applies the change, when `operationId` was in the topology the process started
 * with and is not in the one generated now; undefined otherwise (still there, not an operation of
 * the contract, such as a topic's triage, or the manifest unreadable while codegen writes it).
 *
 * @param running - the topology the process started with
 * @param readNow - reads the topology generated now
 * @param operationId - the consumer's operation
 * @param command - the command whose restart applies the change: `npm start` (the default), or
 *   `npm run subscriber`, whose consumers are those of the contract it started with
 *
 * @example
 * ```ts
 * import { loadApplication, outOfContractReason, readTopology } from '@sluice/local';
 *
 * const application = await loadApplication(process.cwd());
 * outOfContractReason(application.topology, () => readTopology(application.project), 'consumeAudit');
 * // 'its operation is no longer in the contract (npm run codegen removed it): this stack keeps the topology it started with until you restart npm start'
 * ```
 */
export function outOfContractReason(running: Topology, readNow: () => Topology, operationId: string, command: 'npm start' | 'npm run subscriber' = 'npm start'): string | undefined {
  if (!(operationId in running.operations)) return undefined;
  let now: Topology;
  try {
    now = readNow();
  } catch {
    return undefined;
  }
  if (operationId in now.operations) return undefined;
  const keeps = command === 'npm start' ? 'this stack keeps the topology it started with until you restart npm start' : 'this subscriber keeps the consumers it started with until you restart npm run subscriber';
  return `its operation is no longer in the contract (npm run codegen removed it): ${keeps}`;
}

/**
 * What {@link startFunctions} takes from the runtime's options, and where the consumers' failures
 * are kept: the stack's {@link FailureJournal} (`emulators.failures`), which reads each consumer's
 * record lines and batch ends, so that `dlq list` can show why a message failed.
 */
export type FunctionOptions = Pick<LocalRuntimeOptions, 'consumers' | 'watch' | 'inspect' | 'functionProcesses' | 'logLevel' | 'concurrency' | 'functionEnvironment' | 'onBatch' | 'onLog' | 'onEvent' | 'restartDelayMs' | 'outOfContract'> & {
  failures?: Pick<FailureJournal, 'fromLogLine' | 'fromBatch'>;
  /** Ends the long polls waiting on a queue, for a stop or reload of its function (the stack's `Emulators.endLongPollsOn`; `npm run subscriber` asks the stack's gateway, see `END_LONG_POLLS_PATH`). */
  endLongPolls?: (queue: string) => void;
};

/**
 * Starts the application's consumers (all, or `options.consumers`) against resources that exist,
 * on this stack or on one another process runs (`npm run subscriber`). Undefined when none runs.
 *
 * @param application - the application whose handlers to run
 * @param resources - the queues (and topics, tables) the consumers use
 * @param clientConfig - how the consumers reach the stack
 * @param options - which consumers, and overrides of their settings
 * @returns the host of the consumers, or undefined when no consumer was wanted
 * @throws when `options.consumers` names an operation that has no handler
 * @example
 * ```ts
 * import { startFunctions, startLocalRuntime } from '@sluice/local';
 *
 * const stack = await startLocalRuntime({ consumers: false }); // the resources only
 * const host = await startFunctions(stack.application, stack.resources, stack.clientConfig, { watch: true });
 * await host?.stop();
 * await stack.stop();
 * ```
 */
export async function startFunctions(application: Application, resources: LocalResources, clientConfig: Emulators['clientConfig'], options: FunctionOptions = {}): Promise<FunctionHost | undefined> {
  const wanted = options.consumers ?? true;
  if (wanted === false) return undefined;
  const ids = Object.keys(application.handlers).filter((id) => wanted === true || wanted.includes(id));
  if (Array.isArray(wanted)) {
    const unknown = wanted.filter((id) => !application.handlers[id]);
    if (unknown.length) throw new Error(`no consumer ${unknown.join(', ')}: the contract's receive operations are ${Object.keys(application.handlers).join(', ')}`);
  }
  // The framework's triage of each topic runs whenever functions run: without it a publish with
  // no message attribute would reach no queue.
  const triage = triageFunctionSpecs({ topology: application.topology, settings: application.settings, resources, clientConfig, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  if (ids.length === 0 && triage.length === 0) return undefined;
  // The failures journal reads every line and batch end; what it reads goes on as before, but
  // for the lines the consumers write for it alone (FAILURE_LINES_ENV: the failures their log
  // level would hide), which the terminal never shows.
  const journal = options.failures;
  const functionEnvironment = journal ? { ...options.functionEnvironment, [FAILURE_LINES_ENV]: '1' } : options.functionEnvironment;
  const onLog = journal
    ? (operationId: string, line: string, stream: 'stdout' | 'stderr') => {
        journal.fromLogLine(operationId, line);
        if (line.startsWith(FAILURE_LINE_PREFIX)) return;
        if (options.onLog) options.onLog(operationId, line, stream);
        else process[stream].write(`${line}\n`);
      }
    : options.onLog;
  const onBatch = journal
    ? (operationId: string, report: BatchReport) => {
        journal.fromBatch(operationId, report);
        options.onBatch?.(operationId, report);
      }
    : options.onBatch;
  const host = new FunctionHost({
    root: application.project.root,
    functions: [...ids.map((operationId) =>
      functionSpec({
        topology: application.topology,
        settings: application.settings,
        operationId,
        handlerFile: application.handlers[operationId]!,
        resources,
        clientConfig,
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(functionEnvironment ? { extraEnvironment: functionEnvironment } : {}),
      }),
    ), ...triage],
    ...(options.watch ? { watch: true, settingsFile: application.project.settings } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
    ...(options.functionProcesses ? { functionProcesses: options.functionProcesses } : {}),
    ...(onBatch ? { onBatch } : {}),
    ...(onLog ? { onLog } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    ...(options.outOfContract ? { outOfContract: options.outOfContract } : {}),
    ...(options.endLongPolls ? { endLongPolls: options.endLongPolls } : {}),
  });
  try {
    await host.start();
  } catch (error) {
    await host.stop();
    throw error;
  }
  return host;
}

/** The application with the local overrides of its consumers' settings applied. */
function withOverrides(application: Application, options: LocalRuntimeOptions): Application {
  if (options.batchWindowSeconds === undefined && options.concurrency === undefined) return application;
  const consumers = Object.fromEntries(
    Object.keys(application.handlers).map((id) => [
      id,
      {
        ...application.settings.consumers?.[id],
        ...(options.batchWindowSeconds !== undefined ? { batchWindowSeconds: options.batchWindowSeconds } : {}),
        ...(options.concurrency !== undefined ? { maximumConcurrency: options.concurrency } : {}),
      },
    ]),
  );
  return { ...application, settings: { ...application.settings, consumers } };
}

/** The local visibility timeout of each consumed queue: the override, but never under its batch window + 1 s. */
function localVisibilityTimeouts(application: Application, override: number, onEvent?: (line: string) => void): Record<string, number> {
  const timeouts: Record<string, number> = {};
  for (const fn of resolvePlan({ topology: application.topology, settings: application.settings, check: false }).functions) {
    const floor = fn.batchWindowSeconds + 1;
    if (override < floor) onEvent?.(`${fn.queue}: visibility timeout ${floor} s, not ${override} s: a message must stay hidden while ${fn.operationId} gathers its batch (window ${floor - 1} s)`);
    timeouts[fn.queue] = Math.max(override, floor);
  }
  return timeouts;
}
