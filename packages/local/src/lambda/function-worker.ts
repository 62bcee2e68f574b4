/**
 * One consumer function, in a process of its own (`functionProcesses: 'separate'`, and whenever
 * the host gives each function a debugger port): its own environment, its own debugger port, and
 * the function itself as `runFunction` runs it (its event-source poller and its worker-thread
 * instances). Started by the function host (`npm start`, `npm run subscriber`), which passes
 * the {@link FunctionSpec} in `SLUICE_FUNCTION_SPEC` and the function's environment as the
 * process environment.
 *
 * Talks to its host over IPC: `ready`, one `batch` report per invocation, `init-error`, `init-retry`
 * (an init that passed Lambda's init limit, retried within the first invocation); and obeys
 * `stop` (finish the batches in flight, then exit). When the host dies, the IPC channel closes and
 * this process exits at once, unacknowledged messages coming back after the visibility timeout,
 * as when a Lambda instance is lost.
 */
import { onShutdownSignals } from '@sluice/cli';
import type { FunctionSpec } from './function-environment.ts';
import { sourceChangesSince } from './source-files.ts';
import { runFunction, type RunningFunction } from './function-runner.ts';
import { CODE_CHANGES_ENV, FUNCTION_SPEC_ENV, INSTANCE_IDLE_ENV, INSTANCE_INIT_TIMEOUT_ENV, INSTANCE_SCALE_UP_ENV, instanceSetting, type HostMessage, type WorkerMessage } from './worker-protocol.ts';

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
  // The host's switches, read (in the try below: a bad value is this function's init error) and
  // kept from the handler's environment.
  const switches = { [INSTANCE_IDLE_ENV]: process.env[INSTANCE_IDLE_ENV], [INSTANCE_SCALE_UP_ENV]: process.env[INSTANCE_SCALE_UP_ENV], [INSTANCE_INIT_TIMEOUT_ENV]: process.env[INSTANCE_INIT_TIMEOUT_ENV] };
  delete process.env[INSTANCE_IDLE_ENV];
  delete process.env[INSTANCE_SCALE_UP_ENV];
  delete process.env[INSTANCE_INIT_TIMEOUT_ENV];
  // A host without the watch: check the code before each instance starts (the project is the cwd).
  const announceCodeChanges = process.env[CODE_CHANGES_ENV] === '1';
  delete process.env[CODE_CHANGES_ENV];
  // The host decides when to stop (a message, or SIGTERM): a terminal's Ctrl-C reaches the whole
  // process group, and is the host's to handle. A SIGTERM before the worker is up ends it at once,
  // with the status a SIGTERM gives (128 + 15).
  let stopWorker: () => unknown = () => process.exit(143);
  onShutdownSignals({ stop: () => stopWorker(), interrupt: 'ignore' });
  // The host is gone (killed, crashed): so is this sandbox, without finishing anything.
  process.on('disconnect', () => process.exit(1));

  let fn: RunningFunction;
  try {
    const idle = instanceSetting(switches, INSTANCE_IDLE_ENV);
    const scaleUpDelayMs = instanceSetting(switches, INSTANCE_SCALE_UP_ENV);
    const initTimeoutMs = instanceSetting(switches, INSTANCE_INIT_TIMEOUT_ENV);
    fn = await runFunction(spec, {
      ...(idle !== undefined ? { idleTimeoutMs: idle } : {}),
      ...(scaleUpDelayMs !== undefined ? { scaleUpDelayMs } : {}),
      ...(initTimeoutMs !== undefined ? { initTimeoutMs } : {}),
      // Said by the host, as the shared process says it (before 'ready' when the first init passed the limit).
      onInitRetry: (message) => send({ type: 'init-retry', operationId: spec.operationId, message }),
      // Once the host is gone, nobody would hear of a batch: delete nothing more.
      isAlive: () => process.connected,
      onBatch: (report) => send({ type: 'batch', operationId: spec.operationId, report }),
      onPollerError: (message) => send({ type: 'poller-error', operationId: spec.operationId, message }),
      ...(announceCodeChanges ? { codeChangedSince: sourceChangesSince(spec.handlerFile, process.cwd()), onCodeChange: (files: string[]) => send({ type: 'code-changed', operationId: spec.operationId, files }) } : {}),
    });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'init-error', operationId: spec.operationId, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
    process.exitCode = 1;
    process.disconnect();
    return;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const batches = await fn.stop();
    send({ type: 'stopped', operationId: spec.operationId, batches });
    process.disconnect();
  };
  process.on('message', (message: HostMessage) => {
    if (message?.type === 'stop') void stop();
  });
  stopWorker = stop;
  send({ type: 'ready', operationId: spec.operationId });
}

await run();
