/**
 * One consumer function, in a process of its own: its own environment, its own debugger port, its
 * event-source poller (up to `maximumConcurrency` batches at once) and its instances (worker
 * threads, one invocation at a time each, as Lambda runs instances). Started by the function host (`npm start`, `npm run subscriber`), which passes
 * the {@link FunctionSpec} in `SLUICE_FUNCTION_SPEC` and the function's environment as the
 * process environment.
 *
 * Talks to its host over IPC: `ready`, one `batch` report per invocation, `init-error`; and obeys
 * `stop` (finish the batches in flight, then exit). When the host dies, the IPC channel closes and
 * this process exits at once, unacknowledged messages coming back after the visibility timeout,
 * as when a Lambda instance is lost.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { onShutdownSignals } from '@sluice/cli';
import { EventSourcePoller } from './event-source-poller.ts';
import type { FunctionSpec } from './function-environment.ts';
import { InstancePool } from './instance-pool.ts';
import { FUNCTION_SPEC_ENV, INSTANCE_IDLE_ENV, type HostMessage, type WorkerMessage } from './worker-protocol.ts';

/** To the host, while it is there: a report to a host that has gone is dropped, not an EPIPE crash. */
const send = (message: WorkerMessage) => {
  if (process.connected) process.send?.(message, undefined, {}, () => {});
};

async function run(): Promise<void> {
  const raw = process.env[FUNCTION_SPEC_ENV];
  if (!raw || !process.send) {
    process.stderr.write('function-worker: started without a host; it is run by `npm start` and `npm run subscriber`.\n');
    process.exit(2);
  }
  const spec = JSON.parse(raw) as FunctionSpec;
  delete process.env[FUNCTION_SPEC_ENV];
  const idle = process.env[INSTANCE_IDLE_ENV] ? Number(process.env[INSTANCE_IDLE_ENV]) : undefined;
  delete process.env[INSTANCE_IDLE_ENV];
  // The host decides when to stop (a message, or SIGTERM): a terminal's Ctrl-C reaches the whole
  // process group, and is the host's to handle. A SIGTERM before the worker is up ends it at once,
  // with the status a SIGTERM gives (128 + 15).
  let stopWorker: () => unknown = () => process.exit(143);
  onShutdownSignals({ stop: () => stopWorker(), interrupt: 'ignore' });
  // The host is gone (killed, crashed): so is this sandbox, without finishing anything.
  process.on('disconnect', () => process.exit(1));

  // The function's instances: worker threads, each with its own copy of the handler's module and
  // one invocation at a time, as many as the function's concurrency, started on demand and retired
  // when idle. One is started now, so that a handler that cannot load fails here, loudly, instead
  // of on the first message (it is retired in turn if no message comes).
  const pool = new InstancePool({
    handlerFile: spec.handlerFile,
    operationId: spec.operationId,
    size: spec.settings.maximumConcurrency,
    memoryMB: spec.settings.memoryMB,
    ...(idle !== undefined && idle >= 0 ? { idleTimeoutMs: idle } : {}),
  });
  try {
    await pool.warm();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'init-error', operationId: spec.operationId, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
    await pool.close();
    process.exitCode = 1;
    process.disconnect();
    return;
  }

  // The event source's own client, as the function's environment configures SQS (an
  // AWS_ENDPOINT_URL_SQS there, e.g. a fault-injecting proxy in the reliability suite, wins).
  const env = spec.environment;
  const sqs = new SQSClient({
    endpoint: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL!,
    region: spec.region,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    ...(env.AWS_MAX_ATTEMPTS ? { maxAttempts: Number(env.AWS_MAX_ATTEMPTS) } : {}),
    // A hung receive or delete must not stall the event source: long polls last 1 s here.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
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
    // The pool times each invocation from when an instance takes it (init apart, as on Lambda).
    handlerEnforcesTimeout: true,
    ...(spec.visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds } : {}),
    // Once the host is gone, nobody would hear of a batch: delete nothing more.
    isAlive: () => process.connected,
    onBatch: (report) => send({ type: 'batch', operationId: spec.operationId, report }),
    metricsOf: (context) => pool.metricsOf(context),
    onError: (error) => send({ type: 'poller-error', operationId: spec.operationId, message: error instanceof Error ? error.message : String(error) }),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await poller.stop();
    await pool.close();
    sqs.destroy();
    send({ type: 'stopped', operationId: spec.operationId, batches: poller.batches });
    process.disconnect();
  };
  process.on('message', (message: HostMessage) => {
    if (message?.type === 'stop') void stop();
  });
  stopWorker = stop;
  poller.start();
  send({ type: 'ready', operationId: spec.operationId });
}

await run();
