/**
 * One instance of a function (a worker thread), as Lambda runs each instance in its own sandbox:
 * its own copy of the handler's module (its init phase runs here, once), and one invocation at a
 * time, so module-level state (a batch processor, a logger's keys, a metrics buffer) belongs to
 * one invocation, as the handler's authors may assume.
 *
 * Receives `{ type: 'invoke', event, context }` and answers `{ type: 'result', response }` or
 * `{ type: 'failure', error }`. Answers `{ type: 'ready' }` once the handler is loaded, or
 * `{ type: 'init-error' }`.
 *
 * The metrics an invocation writes (CloudWatch embedded metric format lines on stdout, which
 * CloudWatch would turn into metrics) are taken out of the output and returned with its answer:
 * the local runtime shows them in its line for the batch.
 *
 * Everything else the handler writes to stdout and stderr travels as `{ type: 'log' }` on the same
 * port as the answer, so it is written out before the answer is acted on: a record's log line
 * always comes before its message is deleted (a worker's own stdout is forwarded on another
 * channel, with no order against the port).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { SqsHandler } from './event-source-poller.ts';

/** The serializable part of a Lambda context; functions are rebuilt here. */
export type ContextData = Omit<Context, 'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'> & { deadline: number };

export type InstanceRequest = { type: 'invoke'; id: number; event: unknown; context: ContextData };
export type InstanceReply =
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'ready' }
  | { type: 'init-error'; message: string; stack?: string }
  | { type: 'result'; id: number; response: unknown; metrics?: InvocationMetrics }
  | { type: 'failure'; id: number; name: string; message: string; stack?: string; metrics?: InvocationMetrics };

/** The metrics one invocation wrote: every value of each, by metric name (`RecordsStored: [8]`, `MessageAgeMs: [12, 40, …]`). */
export type InvocationMetrics = Record<string, number[]>;

/** Adds the metric values of one embedded-metric-format document to `into`; false when `line` is not one. */
export function collectEmf(line: string, into: InvocationMetrics): boolean {
  let doc: { _aws?: { CloudWatchMetrics?: { Metrics?: { Name?: string }[] }[] } } & Record<string, unknown>;
  try {
    doc = JSON.parse(line) as typeof doc;
  } catch {
    return false;
  }
  const sets = doc?._aws?.CloudWatchMetrics;
  if (!Array.isArray(sets)) return false;
  for (const set of sets) {
    for (const { Name } of set.Metrics ?? []) {
      const value = Name === undefined ? undefined : doc[Name];
      const values = (Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === 'number');
      if (Name !== undefined && values.length) (into[Name] ??= []).push(...values);
    }
  }
  return true;
}

export interface InstanceData {
  handlerFile: string;
  /** The operation the handler must consume (`defineConsumer(operations.<id>, …)`). */
  operationId: string;
}

function contextOf(data: ContextData): Context {
  const { deadline, ...fields } = data;
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is the legacy Lambda callback API; return a value (async handler) instead`);
  };
  return { ...fields, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done: unsupported('done'), fail: unsupported('fail'), succeed: unsupported('succeed') };
}

async function load(data: InstanceData): Promise<SqsHandler> {
  const module = (await import(pathToFileURL(data.handlerFile).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${data.handlerFile} exports no function named handler`);
  const operation = (module.handler as { operation?: { id?: string; action?: string } }).operation;
  if (operation?.action === 'receive' && operation.id !== data.operationId) {
    throw new Error(`${data.handlerFile} handles ${operation.id}, but the file is named after ${data.operationId}: use defineConsumer(operations.${data.operationId}, …)`);
  }
  return module.handler as SqsHandler;
}

const port = parentPort!;
const post = (reply: InstanceReply) => port.postMessage(reply);
// One invocation at a time: what is written while it runs is its own.
let metrics: InvocationMetrics | undefined;
for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    if (!(stream === 'stdout' && metrics && text.startsWith('{"_aws"') && collectEmf(text, metrics))) port.postMessage({ type: 'log', stream, text } satisfies InstanceReply);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

let handler: SqsHandler;
try {
  handler = await load(workerData as InstanceData);
  post({ type: 'ready' });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'init-error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  throw e;
}
port.on('message', async (request: InstanceRequest) => {
  if (request.type !== 'invoke') return;
  metrics = {};
  try {
    const response = await handler(request.event as never, contextOf(request.context));
    // What Lambda would serialise: the poller judges the JSON, not live objects.
    post({ type: 'result', id: request.id, response: response === undefined ? undefined : JSON.parse(JSON.stringify(response) ?? 'null'), metrics });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ type: 'failure', id: request.id, name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), metrics });
  } finally {
    metrics = undefined;
  }
});
