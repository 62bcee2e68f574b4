/**
 * The instances of one function, as Lambda scales them: an invocation goes to an idle instance,
 * a new instance is started (a cold start) when all are busy, up to the function's concurrency;
 * an instance whose invocation times out is discarded, as Lambda discards a timed-out sandbox.
 * The function timeout counts from when an instance takes the invocation: a cold start's init
 * has its own limit ({@link INIT_TIMEOUT_MS}), as on Lambda.
 *
 * Memory: an instance idle for {@link InstancePoolOptions.idleTimeoutMs} is retired (its worker
 * stopped, as Lambda reclaims idle sandboxes), so a consumer at rest holds no instance and a busy
 * one only as many as its batches need; the next invocation starts one cold. Each instance's heap
 * is bounded as Lambda bounds a sandbox by the function's memory ({@link instanceResourceLimits}).
 */
import { Worker } from 'node:worker_threads';
import type { Context, SQSEvent } from 'aws-lambda';
import type { ContextData, InstanceData, InstanceReply, InstanceRequest, InvocationMetrics } from './instance.ts';

/** The instance beside this module: `.ts` in this workspace, the compiled `.js` in an installed copy. */
const INSTANCE = new URL(`./instance${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/** Lambda's limit on an instance's init phase. */
export const INIT_TIMEOUT_MS = 10_000;

/** How long an instance may stay idle before it is retired, unless the pool is told otherwise. */
export const IDLE_INSTANCE_TIMEOUT_MS = 30_000;

/**
 * A young generation of at most this many MiB per instance: V8's default (up to 48 MiB per
 * isolate, sized for one big heap per process) kept every instance's RSS high under load, for
 * short-lived batch garbage that a smaller nursery collects as well.
 */
export const INSTANCE_YOUNG_GENERATION_MB = 8;

/**
 * The V8 limits of one instance (worker thread): the old generation bounded by the function's
 * memory (`memoryMB`, what Lambda gives a sandbox: an instance that outgrows it fails as an
 * out-of-memory sandbox does), the young generation by {@link INSTANCE_YOUNG_GENERATION_MB}.
 *
 * @example
 * instanceResourceLimits(512); // { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 8 }
 * instanceResourceLimits(undefined); // { maxYoungGenerationSizeMb: 8 }
 */
export function instanceResourceLimits(memoryMB: number | undefined): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb: number } {
  return { ...(memoryMB !== undefined && memoryMB > 0 ? { maxOldGenerationSizeMb: memoryMB } : {}), maxYoungGenerationSizeMb: INSTANCE_YOUNG_GENERATION_MB };
}

interface Instance {
  worker: Worker;
  busy: boolean;
  /** Retires the instance once it has been idle long enough (set while it is idle). */
  idleTimer?: NodeJS.Timeout;
  /** Settles the invocation in flight, if any. */
  pending?: { id: number; context: Context; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
}

export interface InstancePoolOptions extends InstanceData {
  /** Most instances at once. */
  size: number;
  /** Started once, with an instance's init failure (the pool is then unusable). */
  onInitError?: (message: string) => void;
  /** An instance idle this long is retired; `Infinity` keeps instances until {@link InstancePool.close}. @default {@link IDLE_INSTANCE_TIMEOUT_MS} */
  idleTimeoutMs?: number;
  /** The function's memory: bounds each instance's heap (see {@link instanceResourceLimits}). */
  memoryMB?: number;
  /**
   * Each instance's `process.env` (its own copy): the function's environment. By default a copy of
   * this process's, which is the function's own when the function has a process to itself.
   */
  env?: Record<string, string | undefined>;
  /** Node options of each instance (e.g. `--import tsx`); by default this process's. */
  execArgv?: string[];
  /** What an instance writes to stdout and stderr; by default written to this process's. */
  onLog?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * A Lambda-like error thrown into the caller when an invocation runs out of time. Lambda names the
 * function's timeout, a whole number of seconds; the time left when the invocation started can be
 * a few milliseconds under it, so it is rounded up to the second it belongs to.
 */
function timeoutError(ms: number): Error {
  return new Error(`Task timed out after ${Math.ceil(ms / 1000).toFixed(2)} seconds`);
}

/**
 * @example
 * const pool = new InstancePool({ handlerFile, operationId: 'consumePaymentCaptured', size: 5 });
 * await pool.warm();                       // one instance, its init run: fails loudly if the handler cannot load
 * const response = await pool.handler(event, context);
 * await pool.close();
 */
export class InstancePool {
  private readonly instances: Instance[] = [];
  private readonly waiting: ((instance: Instance) => void)[] = [];
  private nextId = 0;
  private closed = false;
  /** Instances started so far (cold starts). */
  coldStarts = 0;
  /** Instances retired after being idle for `idleTimeoutMs`. */
  retired = 0;
  private readonly metrics = new WeakMap<Context, InvocationMetrics>();

  constructor(private readonly options: InstancePoolOptions) {}

  /** Instances alive now (busy or idle). */
  get size(): number {
    return this.instances.length;
  }

  /** Starts one instance and waits for its init; rejects with the init error. */
  async warm(): Promise<void> {
    if (this.instances.length === 0) this.release(await this.start());
  }

  /** The Lambda handler signature, routed to an instance. */
  readonly handler = async (event: SQSEvent, context: Context): Promise<unknown> => {
    const { getRemainingTimeInMillis, done: _d, fail: _f, succeed: _s, ...fields } = context;
    // The function's time, counted once an instance (warm, or cold once its init is done) has it.
    const remaining = getRemainingTimeInMillis();
    const instance = await this.acquire();
    const data: ContextData = { ...fields, deadline: Date.now() + remaining };
    const id = this.nextId++;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          // Lambda stops the sandbox of a timed-out invocation; the next one starts cold.
          this.discard(instance);
          reject(timeoutError(remaining));
        }, remaining);
        instance.pending = { id, context, resolve, reject, timer };
        instance.worker.postMessage({ type: 'invoke', id, event, context: data } satisfies InstanceRequest);
      });
    } finally {
      if (this.instances.includes(instance)) this.release(instance);
    }
  };

  /** The metrics the invocation with this `context` wrote, once it has ended. */
  metricsOf(context: Context): InvocationMetrics | undefined {
    return this.metrics.get(context);
  }

  /** Stops every instance (the poller has stopped invoking). */
  async close(): Promise<void> {
    this.closed = true;
    for (const i of this.instances) clearTimeout(i.idleTimer);
    await Promise.all(this.instances.splice(0).map((i) => i.worker.terminate()));
  }

  private async acquire(): Promise<Instance> {
    const idle = this.instances.find((i) => !i.busy);
    if (idle) {
      idle.busy = true;
      clearTimeout(idle.idleTimer);
      idle.idleTimer = undefined;
      return idle;
    }
    if (this.instances.length < this.options.size) return this.start();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(instance: Instance): void {
    instance.pending = undefined;
    const next = this.waiting.shift();
    if (next) next(instance);
    else {
      instance.busy = false;
      this.retireWhenIdle(instance);
    }
  }

  /** Stops `instance` once it has been idle for `idleTimeoutMs`, unless an invocation takes it first. */
  private retireWhenIdle(instance: Instance): void {
    const ms = this.options.idleTimeoutMs ?? IDLE_INSTANCE_TIMEOUT_MS;
    if (!Number.isFinite(ms) || this.closed) return;
    clearTimeout(instance.idleTimer);
    instance.idleTimer = setTimeout(() => {
      if (instance.busy || !this.instances.includes(instance)) return;
      this.instances.splice(this.instances.indexOf(instance), 1);
      this.retired++;
      void instance.worker.terminate();
    }, ms);
    // A retirement pending must not keep the process alive.
    instance.idleTimer.unref();
  }

  private discard(instance: Instance): void {
    clearTimeout(instance.idleTimer);
    this.instances.splice(this.instances.indexOf(instance), 1);
    void instance.worker.terminate();
    // Someone waiting for an instance gets a fresh one.
    const next = this.waiting.shift();
    if (next && !this.closed) this.start().then(next, () => this.waiting.unshift(next));
  }

  private start(): Promise<Instance> {
    const worker = new Worker(INSTANCE, {
      workerData: { handlerFile: this.options.handlerFile, operationId: this.options.operationId } satisfies InstanceData,
      resourceLimits: instanceResourceLimits(this.options.memoryMB),
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(this.options.execArgv ? { execArgv: this.options.execArgv } : {}),
    });
    const instance: Instance = { worker, busy: true };
    this.instances.push(instance);
    this.coldStarts++;
    return new Promise<Instance>((resolve, reject) => {
      let ready = false;
      // An init that never ends is an init error, as Lambda's 10 s limit makes it.
      const initTimer = setTimeout(() => {
        if (ready) return;
        this.options.onInitError?.(`init did not finish within ${INIT_TIMEOUT_MS / 1000} s`);
        if (this.instances.includes(instance)) this.instances.splice(this.instances.indexOf(instance), 1);
        void worker.terminate();
        reject(new Error(`${this.options.handlerFile}: init did not finish within ${INIT_TIMEOUT_MS / 1000} s (Lambda's limit)`));
      }, INIT_TIMEOUT_MS);
      worker.on('message', (reply: InstanceReply) => {
        switch (reply.type) {
          case 'log':
            if (this.options.onLog) this.options.onLog(reply.text, reply.stream);
            else process[reply.stream].write(reply.text);
            break;
          case 'ready':
            ready = true;
            clearTimeout(initTimer);
            resolve(instance);
            break;
          case 'init-error':
            clearTimeout(initTimer);
            this.options.onInitError?.(reply.message);
            reject(new Error(reply.message));
            break;
          case 'result':
          case 'failure': {
            const pending = instance.pending;
            if (!pending || pending.id !== reply.id) break;
            clearTimeout(pending.timer);
            if (reply.metrics) this.metrics.set(pending.context, reply.metrics);
            if (reply.type === 'result') pending.resolve(reply.response);
            else pending.reject(Object.assign(new Error(reply.message), { name: reply.name, stack: reply.stack }));
            break;
          }
        }
      });
      worker.on('error', (error) => {
        clearTimeout(initTimer);
        // An exception escaping the handler's module (an unhandled rejection, a throw in a timer):
        // the sandbox is gone, and so is the invocation in it.
        if (!ready) reject(error);
        const pending = instance.pending;
        if (pending) {
          clearTimeout(pending.timer);
          pending.reject(error);
        }
        if (this.instances.includes(instance)) this.instances.splice(this.instances.indexOf(instance), 1);
      });
    });
  }
}
