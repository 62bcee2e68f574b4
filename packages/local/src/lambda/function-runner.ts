/**
 * One consumer function at work, wherever it runs: its event-source poller (up to
 * `maximumConcurrency` batches at once) and its instances (worker threads, one invocation at a time
 * each, as Lambda runs instances, retired when idle). The function host runs every function this
 * way in its own process (`functionProcesses: 'shared'`, the default), or each in a process of its
 * own through `function-worker.ts` (`'separate'`, and whenever a debugger port per function is
 * wanted): the Lambda-like isolation is the instances', worker threads with their own module state,
 * in either case.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { BatchReport } from './event-source-poller.ts';
import type { FunctionSpec } from './function-environment.ts';
import { INIT_TIMEOUT_MS, InstancePool } from './instance-pool.ts';

/** What {@link runFunction} needs besides the function's spec. */
export interface RunFunctionOptions {
  /** How long an idle instance lives (ms); the pool's default when undefined. */
  idleTimeoutMs?: number;
  /** How long an invocation waits for a busy instance before another starts (ms); the pool's default when undefined. */
  scaleUpDelayMs?: number;
  /** The limit of an instance's init (ms), past which it is retried within the first invocation; Lambda's (10 s) when undefined. */
  initTimeoutMs?: number;
  /** Each instance's environment (see {@link InstancePool}); by default this process's. */
  instanceEnv?: Record<string, string | undefined>;
  /** Node options of each instance; by default this process's. */
  instanceExecArgv?: string[];
  /** What an instance writes; by default written to this process's stdout and stderr. */
  onLog?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** One report per batch. */
  onBatch: (report: BatchReport) => void;
  /** A receive or delete that failed (the poller retries). */
  onPollerError: (message: string) => void;
  /**
   * An instance's init passed Lambda's init limit and is retried within the first invocation with
   * the function's timeout, as Lambda retries it; then how that retry ended (see the pool's
   * `onInitRetry`). Nothing else says it when it finishes: the invocation does not fail.
   */
  onInitRetry?: (message: string) => void;
  /** False once nobody would hear of a batch: the poller then deletes nothing more. */
  isAlive?: () => boolean;
  /**
   * Checks the code before each instance starts (but the first): which files of the code the
   * instances loaded changed since a moment (epoch ms), e.g. `sourceChangesSince` of the handler.
   * A change is told to {@link onCodeChange}, and the instances on the old code are retired (after
   * their invocation in flight) before the new one starts: old and new code never run side by
   * side. Without it, an instance started later loads whatever is on disk then, unsaid (`--watch`
   * reloads the whole function instead).
   */
  codeChangedSince?: (since: number) => Promise<string[]>;
  /** Told once per change found by {@link codeChangedSince}, with the files that changed (absolute). */
  onCodeChange?: (files: string[]) => void;
}

/** A function at work: {@link RunningFunction.stop} finishes its batches in flight. */
export interface RunningFunction {
  /** Stops polling, waits for the batches in flight, stops the instances; resolves with the batches handled. */
  stop(): Promise<number>;
}

/**
 * Starts one function: one instance first, whose init must not throw (else this rejects with the
 * init error and nothing keeps running; one that passes the init limit is left to be retried
 * within the first invocation, said through `onInitRetry`), then the poller.
 *
 * @param spec - the function (see `functionSpec`)
 * @param options - where its reports and its instances' output go
 * @returns the running function
 * @throws the handler's init error (it cannot be loaded, exports no handler, handles another operation)
 *
 * @example
 * ```ts
 * import { runFunction, type FunctionSpec } from '@sluice/local';
 *
 * declare const spec: FunctionSpec;
 * const fn = await runFunction(spec, { onBatch: (r) => console.log(r.records.length), onPollerError: console.error });
 * await fn.stop();
 * ```
 */
export async function runFunction(spec: FunctionSpec, options: RunFunctionOptions): Promise<RunningFunction> {
  // The function's instances: worker threads, each with its own copy of the handler's module and
  // one invocation at a time, as many as the function's concurrency, started on demand and retired
  // when idle. One is started now, so that a handler that cannot load fails here, loudly, instead
  // of on the first message (it is retired in turn if no message comes).
  const idle = options.idleTimeoutMs;
  const pool = new InstancePool({
    handlerFile: spec.handlerFile,
    operationId: spec.operationId,
    size: spec.settings.maximumConcurrency,
    memoryMB: spec.settings.memoryMB,
    // The limit of an init retried after passing the init limit (Lambda's "configured function timeout").
    timeoutMs: spec.settings.timeoutSeconds * 1000,
    ...(options.initTimeoutMs !== undefined ? { initTimeoutMs: options.initTimeoutMs } : {}),
    ...(options.onInitRetry ? { onInitRetry: options.onInitRetry } : {}),
    ...(idle !== undefined && idle >= 0 ? { idleTimeoutMs: idle } : {}),
    ...(options.scaleUpDelayMs !== undefined ? { scaleUpDelayMs: options.scaleUpDelayMs } : {}),
    ...(options.instanceEnv ? { env: options.instanceEnv } : {}),
    ...(options.instanceExecArgv ? { execArgv: options.instanceExecArgv } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
    ...(options.codeChangedSince ? { codeChangedSince: options.codeChangedSince } : {}),
    ...(options.onCodeChange ? { onCodeChange: options.onCodeChange } : {}),
  });
  try {
    await pool.warm();
  } catch (error) {
    await pool.close();
    throw error;
  }

  // Loaded once the handler is: a function whose init fails costs no SDK and no poller.
  const [{ SQSClient }, { EventSourcePoller }] = await Promise.all([import('@aws-sdk/client-sqs'), import('./event-source-poller.ts')]);
  // The event source's own client, as the function's environment configures SQS (an
  // AWS_ENDPOINT_URL_SQS there, e.g. a fault-injecting proxy in the reliability suite, wins).
  const env = spec.environment;
  const sqs: SQSClient = new SQSClient({
    endpoint: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL!,
    region: spec.region,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    ...(env.AWS_MAX_ATTEMPTS ? { maxAttempts: Number(env.AWS_MAX_ATTEMPTS) } : {}),
    // A hung receive or delete must not stall the event source: long polls last 1 s here.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    // The local Lambda service's own client, not the function's: the emulators check no signature,
    // and the MD5 of each body was computed by fauxqs in this process an instant before. Signing
    // every receive and delete and hashing every body again cost about a quarter of its CPU per message.
    md5: false,
    signer: { sign: async (request) => request },
  });
  const poller = new EventSourcePoller({
    sqs,
    queueUrl: spec.queueUrl,
    queueArn: spec.queueArn,
    handler: pool.handler,
    function: { functionName: spec.functionName, timeoutSeconds: spec.settings.timeoutSeconds, memoryMB: spec.settings.memoryMB, region: spec.region },
    batchSize: spec.settings.batchSize,
    batchWindowSeconds: spec.settings.batchWindowSeconds,
    concurrency: spec.settings.maximumConcurrency,
    // The pool times each invocation from when an instance takes it (init apart, as on Lambda, but
    // for an init retried within the invocation after passing the init limit, which counts).
    handlerEnforcesTimeout: true,
    // Its batch kept hidden while it runs, at most this long after the receive: a start (an init up
    // to the limit, then one retried within the function timeout), as many more as the pool may
    // make while its starts fail, and the handler.
    longestInvocationMs: (spec.settings.maximumConcurrency + 2) * ((options.initTimeoutMs ?? INIT_TIMEOUT_MS) + spec.settings.timeoutSeconds * 1000),
    ...(spec.visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds } : {}),
    isAlive: options.isAlive ?? (() => true),
    onBatch: options.onBatch,
    metricsOf: (context) => pool.metricsOf(context),
    onError: (error) => options.onPollerError(error instanceof Error ? error.message : String(error)),
  });
  poller.start();
  let stopping: Promise<number> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await poller.stop();
        await pool.close();
        sqs.destroy();
        return poller.batches;
      })();
      return stopping;
    },
  };
}
