/**
 * The instances of one function, as Lambda scales them: an invocation goes to an idle instance;
 * when all are busy it waits for one, and a new instance is started (a cold start) once an
 * invocation has waited {@link InstancePoolOptions.scaleUpDelayMs} (the backlog persists), one
 * start at a time, up to the function's concurrency; an instance whose invocation times out is
 * discarded, as Lambda discards a timed-out sandbox, and so is one whose handler ends its runtime
 * (`process.exit`): its invocation fails at once with Lambda's `Runtime.ExitError` ("Runtime
 * exited with error: exit status 3"), its messages retried and dead-lettered as for any error.
 *
 * Scaling with demand, as Lambda scales an event source's concurrency with the queue's depth:
 * locally every instance shares one machine (and, with `functionProcesses: 'shared'`, the
 * emulators' event loop), so an instance started the instant the others are busy often buys no
 * throughput, only its ~30 MiB. An invocation that waits only a moment for a busy instance is the
 * sign that the instances keep up; one that waits longer starts another, if the host has capacity
 * to spare ({@link hasSpareCapacity}: its event loop not saturated, half a core idle), and in any
 * case once it has waited {@link MAX_HOLD_MS} (a slow instance, not a busy host). On 2 cores
 * the 10,000-order run of bench section 4 thus kept one instance per function (5 + 2 before) at the
 * same throughput, and the runtime's peak RSS fell from ~600–690 MiB to ~320–390 MiB.
 * The function timeout counts from when an instance takes the invocation: a cold start's init
 * has its own limit ({@link INIT_TIMEOUT_MS}, 10 s), as on Lambda. An init that passes it is not a
 * failure, as Lambda's is not: the instance is stopped and the init retried in a fresh one (its
 * module run again from scratch) within the first invocation, with the function's timeout
 * ({@link InstancePoolOptions.timeoutMs}) as its limit, counted from the retry's start; the time
 * the retry took is that invocation's, whose handler has the rest of its timeout
 * (`getRemainingTimeInMillis()` and the invocation's timer both). A retry that passes the function's
 * timeout too, or throws, fails the invocation as any init failure does; an init that throws the
 * first time is not retried. Both the init's timeout and how its retry ended are said
 * ({@link InstancePoolOptions.onInitError}, {@link InstancePoolOptions.onInitRetry}). The start of
 * {@link InstancePool.warm}, which no invocation waits for, leaves the retry to the first invocation.
 *
 * Memory: an instance idle for {@link InstancePoolOptions.idleTimeoutMs} is retired (its worker
 * stopped, as Lambda reclaims idle sandboxes), so a consumer at rest holds no instance and a busy
 * one only as many as its batches need; the next invocation starts one cold. Each instance's heap
 * is bounded as Lambda bounds a sandbox by the function's memory ({@link instanceResourceLimits}).
 *
 * Code: each instance loads the handler from disk when it starts, so an instance started after the
 * handler (or a file it imports) was edited would run the edited code, beside instances still on the
 * old. With {@link InstancePoolOptions.codeChangedSince} (plain `npm start`; `--watch` reloads the
 * function itself) the pool asks, before each start after the first, whether the code changed since
 * the instances alive loaded it; if so it says so once ({@link InstancePoolOptions.onCodeChange}),
 * retires those instances (idle ones at once, busy ones once their invocation ends) and starts the
 * new one after them: old and new code never run side by side.
 */
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Context, SQSEvent } from 'aws-lambda';
import { lineSplitter } from '@sluice/cli';
import { cpuQuota, idleCoresOver, type CpuQuota, type IdleCounters } from './cpu-quota.ts';
import type { ContextData, InstanceData, InstanceReply, InstanceRequest, InvocationMetrics } from './instance.ts';

/** The instance beside this module: `.ts` in this workspace, the compiled `.js` in an installed copy. */
const INSTANCE = new URL(`./instance${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/** Lambda's limit on an instance's init phase. */
export const INIT_TIMEOUT_MS = 10_000;

/**
 * How long a line an instance has begun without ending it (`process.stdout.write('progress')`) waits
 * for more of its output before it is handed on as a line: see {@link InstancePoolOptions.onLog}.
 */
export const UNFINISHED_LINE_MS = 200;

/** How long an instance may stay idle before it is retired, unless the pool is told otherwise. */
export const IDLE_INSTANCE_TIMEOUT_MS = 30_000;

/**
 * How long an invocation waits for a busy instance before the pool starts another (when it may),
 * unless the pool is told otherwise: see {@link InstancePoolOptions.scaleUpDelayMs}.
 */
export const SCALE_UP_DELAY_MS = 100;

/**
 * However little capacity the host has to spare, an invocation that has waited this long for an
 * instance gets one started (below the pool's size), unless the pool is told otherwise: see
 * {@link InstancePoolOptions.maxHoldMs}.
 */
export const MAX_HOLD_MS = 1000;

/**
 * The share of the host's event loop (this thread's) busy over the last wait above which the pool
 * starts no more instances: see {@link hasSpareCapacity}.
 */
export const HOST_BUSY_UTILIZATION = 0.9;

/** The machine's idle CPU, in cores, over the last wait below which the pool starts no more instances: see {@link hasSpareCapacity}. */
export const SPARE_CORES_TO_SCALE = 0.5;

/** What the host looked like over an invocation's wait for a busy instance. */
export interface HostSample {
  /** Share of the time this thread's event loop was busy (0–1). */
  loopUtilization: number;
  /** The machine's idle CPU time over the span, in cores (2 idle cores for the whole span: 2), under a cgroup CPU cap no more than the cap leaves ({@link idleCoresOver}). */
  idleCores: number;
}

/**
 * Whether another instance could run faster than the busy ones, judged from the host over the
 * invocation's wait: its event loop not saturated (above {@link HOST_BUSY_UTILIZATION} the
 * invocations wait on the host, with `functionProcesses: 'shared'` the emulators' and gateway's
 * loop, not on the instances) and the machine with CPU to spare (at least
 * {@link SPARE_CORES_TO_SCALE} of a core idle: a new instance needs one to run on). Either way
 * short, another instance would add only its memory and its share of a contended CPU.
 *
 * @param sample - the host over the wait
 * @returns true when an instance may be added
 *
 * @example
 * hasSpareCapacity({ loopUtilization: 0.3, idleCores: 1.2 }); // true: the instances are what is busy
 * hasSpareCapacity({ loopUtilization: 1, idleCores: 0.8 });   // false: the invocations wait on the host
 * hasSpareCapacity({ loopUtilization: 0.4, idleCores: 0.1 }); // false: no core for another instance
 */
export function hasSpareCapacity(sample: HostSample): boolean {
  return sample.loopUtilization <= HOST_BUSY_UTILIZATION && sample.idleCores >= SPARE_CORES_TO_SCALE;
}

/** The CPU cap on this process, read once (undefined: none). */
let quota: CpuQuota | undefined | null = null;

/** The host's idle CPU time and, under a cgroup cap, the capped group's use: see {@link idleCoresOver}. */
function idleCounters(): IdleCounters {
  if (quota === null) quota = cpuQuota();
  const hostIdleMs = cpus().reduce((n, c) => n + c.times.idle, 0);
  return quota ? { hostIdleMs, quota: { cores: quota.cores, usageMs: quota.usageMs() } } : { hostIdleMs };
}

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

/** An invocation waiting for an instance. */
interface Waiter {
  /** The function's time the invocation has (ms): bounds an init retried for it, when the pool was given no {@link InstancePoolOptions.timeoutMs}. */
  remaining: number;
  resolve: (instance: Instance) => void;
  /** Fails the invocation: the pool has no instance, and the one started for it did not init. */
  reject: (error: Error) => void;
  /** When it started waiting, or when a start held back for it was last judged (`performance.now()`). */
  since: number;
  /** When it started waiting (`performance.now()`). */
  queuedAt: number;
}

interface Instance {
  worker: Worker;
  busy: boolean;
  /** Retires the instance once it has been idle long enough (set while it is idle). */
  idleTimer?: NodeJS.Timeout;
  /** Stopped, or known to be dead: its worker's exit is no news. */
  ended?: boolean;
  /** Runs code that has changed since it loaded it: retired once its invocation ends. */
  stale?: boolean;
  /** Settles the invocation in flight, if any. */
  pending?: { id: number; context: Context; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
  /** Its output so far, line by line: see {@link instanceOutput}. */
  output: InstanceOutput;
  /**
   * How long its init took (ms), when it was an init retried after the first passed the init limit:
   * that time is the first invocation's, and comes off its function timeout (cleared once charged,
   * or when the instance goes idle with no invocation to take it).
   */
  retriedInitMs?: number;
}

/** A start whose init passed its limit (the instance stopped): retried, unless it already was. */
class InitTimeout extends Error {}

export interface InstancePoolOptions extends InstanceData {
  /** Most instances at once. */
  size: number;
  /**
   * Told of each instance's init failure: a throw or an exit (the start fails), an init that passed
   * {@link initTimeoutMs} (said to be retried within the first invocation, which it then is), and
   * such a retry that passed the function's timeout in turn (the invocation waiting for it fails, unless an instance alive takes it first).
   */
  onInitError?: (message: string) => void;
  /**
   * Told of an init retried as Lambda retries it, for whoever shows the function's events: that an
   * init passed {@link initTimeoutMs} and is retried within the first invocation, then how the retry
   * ended (finished, and in how long; passed the function's timeout; or failed, why).
   */
  onInitRetry?: (message: string) => void;
  /** The limit of an instance's init phase (ms); one that passes it is retried within the first invocation. @default {@link INIT_TIMEOUT_MS} */
  initTimeoutMs?: number;
  /**
   * The function's configured timeout (ms): the limit of an init retried after passing
   * {@link initTimeoutMs}. By default the time the invocation it is retried for has left.
   */
  timeoutMs?: number;
  /** An instance idle this long is retired; `Infinity` keeps instances until {@link InstancePool.close}. @default {@link IDLE_INSTANCE_TIMEOUT_MS} */
  idleTimeoutMs?: number;
  /**
   * An invocation that finds every instance busy waits this long for one before the pool starts
   * another (below `size`, and while no other start is under way); `0` starts one at once, as
   * soon as all are busy. A pool with no instance starts one at once either way.
   * @default {@link SCALE_UP_DELAY_MS}
   */
  scaleUpDelayMs?: number;
  /**
   * The longest a start is held back for lack of host capacity: once the oldest waiting
   * invocation has waited this long, an instance is started whatever the host looks like. A wait
   * for an instance counts toward no function timeout, but the invocation's messages stay
   * received: behind one slow instance, the batches queued for it would outlast their visibility
   * timeout (when it is not shorter than the function's, nothing renews it) and come back, their
   * receive count one nearer the dead-letter queue, while still waiting. Only a slow instance
   * makes invocations wait this long; fast ones on a saturated host never do.
   * @default {@link MAX_HOLD_MS}
   */
  maxHoldMs?: number;
  /**
   * Whether a start waits for the host to have capacity to spare ({@link hasSpareCapacity}, judged
   * over the invocation's wait; checked again after each further delay while invocations wait).
   * `false` adds instances on waiting alone.
   * @default true
   */
  checkHostCapacity?: boolean;
  /** The function's memory: bounds each instance's heap (see {@link instanceResourceLimits}). */
  memoryMB?: number;
  /**
   * Each instance's `process.env` (its own copy): the function's environment. By default a copy of
   * this process's, which is the function's own when the function has a process to itself.
   */
  env?: Record<string, string | undefined>;
  /** Node options of each instance (e.g. `--import tsx`); by default this process's. */
  execArgv?: string[];
  /**
   * What an instance writes to stdout and stderr, by default written to this process's: whole
   * lines, each with its newline, so that the lines of instances running side by side are never
   * mixed. A line an instance has not ended waits for its newline only a moment: it is ended, as
   * CloudWatch ends a partial line with its invocation, when the instance's init or invocation
   * ends (before its answer is acted on), when the instance ends (it exits, crashes or is stopped),
   * or after {@link UNFINISHED_LINE_MS} without more output from it (a line a timer wrote).
   */
  onLog?: (text: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Asked before each instance starts, but the first: the files of the code the instances loaded
   * that changed after `since` (epoch ms: when the instances alive began to load it), none when
   * none did. Must not reject. When some did, {@link onCodeChange} hears of them, the instances
   * alive are retired (idle ones at once, busy ones once their invocation ends) and the new
   * instance starts once they are gone. Without it, each instance loads what is on disk, unsaid.
   */
  codeChangedSince?: (since: number) => Promise<string[]>;
  /** Told once per change {@link codeChangedSince} found, with its files, before the instances on the old code are retired. */
  onCodeChange?: (files: string[]) => void;
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
 * Lambda's error for an invocation whose runtime exited under it (`process.exit` in the handler):
 * `Runtime.ExitError`, saying the exit status.
 */
function exitError(code: number): Error {
  const error = new Error(code === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${code}`);
  error.name = 'Runtime.ExitError';
  return error;
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
  private readonly waiting: Waiter[] = [];
  /** Starts another instance once the oldest waiter has waited long enough (set while one waits). */
  private scaleTimer: NodeJS.Timeout | undefined;
  /** Instances started to meet a backlog whose init has not finished yet. */
  private scaling = 0;
  /** This thread's event-loop use, the machine's idle CPU and the time when the scale-up timer was armed. */
  private hostAtArm: { loop: EventLoopUtilization; idle: IdleCounters; at: number } | undefined;
  /** Scale-ups held back because the host had no capacity to spare. */
  heldBack = 0;
  private nextId = 0;
  /** The init of {@link warm}'s instance passed the init limit: the next start, for an invocation, is its retry. */
  private initRetryDue = false;
  private closed = false;
  /** Instances started so far (cold starts). */
  coldStarts = 0;
  /** Instances retired after being idle for `idleTimeoutMs`. */
  retired = 0;
  private readonly metrics = new WeakMap<Context, InvocationMetrics>();
  /** When the instances alive began to load their code (epoch ms; set by the first start). */
  private loadedSince: number | undefined;
  /** A check of the code under way ({@link InstancePoolOptions.codeChangedSince}): the starts meanwhile wait for it. */
  private checking: Promise<void> | undefined;
  /** Starts waiting for that check, or for the instances on the old code to finish: counted as instances. */
  private pendingStarts = 0;
  /** Starts waiting for the instances on the old code to be gone. */
  private readonly drainWaiters: (() => void)[] = [];

  private readonly options: InstancePoolOptions;

  constructor(options: InstancePoolOptions) {
    this.options = options;
  }

  /** Instances alive now (busy or idle). */
  get size(): number {
    return this.instances.length;
  }

  /** Most instances alive at once so far. */
  peakSize = 0;

  /**
   * Starts one instance and waits for its init; rejects with the init error. An init that passes
   * the init limit is no error: no invocation waits for it, so its retry is left to the first
   * invocation (said through {@link InstancePoolOptions.onInitError}), and this resolves with no
   * instance alive.
   */
  async warm(): Promise<void> {
    if (this.instances.length > 0 || this.initRetryDue) return;
    try {
      this.release(await this.start());
    } catch (error) {
      if (!(error instanceof InitTimeout)) throw error;
    }
  }

  /** The Lambda handler signature, routed to an instance. */
  readonly handler = async (event: SQSEvent, context: Context): Promise<unknown> => {
    const { getRemainingTimeInMillis, done: _d, fail: _f, succeed: _s, ...fields } = context;
    // The function's time, counted once an instance (warm, or cold once its init is done) has it,
    // less an init retried within the invocation (below).
    const remaining = getRemainingTimeInMillis();
    const entered = performance.now();
    const instance = await this.acquire(remaining);
    // An init retried within this invocation (the first passed the init limit) took its time, as
    // on Lambda: the handler has the rest. Only the part this invocation waited for: the retry may
    // have been started for another one, served meanwhile by an instance that came free.
    const charged = Math.min(instance.retriedInitMs ?? 0, Math.ceil(performance.now() - entered));
    const left = Math.max(0, remaining - charged);
    instance.retriedInitMs = undefined;
    const data: ContextData = { ...fields, deadline: Date.now() + left };
    const id = this.nextId++;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          // Lambda stops the sandbox of a timed-out invocation; the next one starts cold.
          instance.output.end();
          this.discard(instance);
          reject(timeoutError(remaining));
        }, left);
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
    clearTimeout(this.scaleTimer);
    // Nothing left unsettled: an invocation waiting for an instance, or running in one, fails now
    // and says why (it timed out later, or never ended, and no caller heard of it).
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`${this.options.operationId}: its instances were stopped before one was free for this invocation`));
    for (const i of this.instances) {
      clearTimeout(i.idleTimer);
      const pending = i.pending;
      if (pending) {
        i.pending = undefined;
        clearTimeout(pending.timer);
        pending.reject(new Error(`${this.options.operationId}: its instances were stopped during this invocation`));
      }
    }
    const stopped = Promise.all(this.instances.splice(0).map((i) => this.terminate(i)));
    for (const resume of this.drainWaiters.splice(0)) resume();
    await stopped;
  }

  /** An instance for an invocation that has `remaining` ms of the function's time. */
  private async acquire(remaining: number): Promise<Instance> {
    if (this.closed) throw new Error(`${this.options.operationId}: its instances were stopped before this invocation`);
    const idle = this.instances.find((i) => !i.busy);
    if (idle) {
      idle.busy = true;
      clearTimeout(idle.idleTimer);
      idle.idleTimer = undefined;
      return idle;
    }
    // Nothing to wait for (none alive, none starting), or no patience asked for: a cold start now.
    const alive = this.alive();
    if (alive < this.options.size && (alive === 0 || this.scaleUpDelay() <= 0)) {
      return this.start(remaining).catch((error: unknown) => {
        // Those that queued behind this start, counting on it, are served otherwise.
        this.serveWaiters();
        throw error;
      });
    }
    return new Promise((resolve, reject) => {
      const now = performance.now();
      this.waiting.push({ remaining, resolve, reject, since: now, queuedAt: now });
      this.scaleWhenWaiting();
    });
  }

  /** Instances alive, and those whose start waits for a check of the code or for the old ones to go. */
  private alive(): number {
    return this.instances.length + this.pendingStarts;
  }

  private scaleUpDelay(): number {
    return this.options.scaleUpDelayMs ?? SCALE_UP_DELAY_MS;
  }

  /** The host since the scale-up timer was armed. */
  private hostSample(): HostSample {
    const armed = this.hostAtArm!;
    const span = Math.max(1, performance.now() - armed.at);
    return { loopUtilization: performance.eventLoopUtilization(armed.loop).utilization, idleCores: idleCoresOver(armed.idle, idleCounters(), span) };
  }

  /**
   * Arms the scale-up: once the oldest waiting invocation has waited {@link scaleUpDelay}, one
   * more instance is started (below `size`, one start at a time); when it is ready it takes the
   * oldest waiter, and the next start is armed if invocations still wait.
   */
  private scaleWhenWaiting(): void {
    if (this.scaleTimer || this.closed || this.scaling > 0 || this.waiting.length === 0 || this.alive() >= this.options.size) return;
    // Due when the oldest has waited the delay, and never before a whole delay of the host's
    // event loop has been seen (each start judged on its own span, one at a time).
    const delay = this.scaleUpDelay();
    const due = Math.max(this.waiting[0]!.since + delay - performance.now(), delay);
    this.hostAtArm = { loop: performance.eventLoopUtilization(), idle: idleCounters(), at: performance.now() };
    this.scaleTimer = setTimeout(() => {
      this.scaleTimer = undefined;
      if (this.closed || this.scaling > 0 || this.waiting.length === 0 || this.alive() >= this.options.size) return;
      if (performance.now() - this.waiting[0]!.since < this.scaleUpDelay()) {
        // The one that was due got an instance meanwhile: wait for the next one's turn.
        this.scaleWhenWaiting();
        return;
      }
      const host = this.hostSample();
      const heldLong = performance.now() - this.waiting[0]!.queuedAt >= (this.options.maxHoldMs ?? MAX_HOLD_MS);
      if (this.options.checkHostCapacity !== false && !hasSpareCapacity(host) && !heldLong) {
        // Another instance would not run faster than the busy ones: look again after another delay.
        this.heldBack++;
        this.waiting[0]!.since = performance.now();
        this.scaleWhenWaiting();
        return;
      }
      this.scaling++;
      // For the oldest waiter, which it serves when it is ready (if no other instance did first).
      this.start(this.waiting[0]!.remaining).then(
        (instance) => {
          this.scaling--;
          this.release(instance);
        },
        () => {
          // Reported through onInitError; the waiters keep waiting for the instances alive (a
          // pool left with none starts one for the next waiter, whose invocation then fails with it).
          this.scaling--;
          this.serveWaiters();
        },
      );
    }, due);
  }

  /** The pool has no instance left while invocations wait: the oldest gets a cold start of its own. */
  private takeOverWaiter(): void {
    const next = this.waiting.shift();
    if (next && !this.closed)
      this.start(next.remaining).then(next.resolve, (error: Error) => {
        next.reject(error);
        this.serveWaiters();
      });
  }

  /**
   * After a start failed: the invocations still waiting are served. With no instance alive, none
   * starting and none being scaled up, nothing else would ever wake them (their batches hidden, their
   * pollers stuck, a stop waiting for them): each gets a start of its own, side by side up to the
   * pool's size (one after the other, the last of five waited five failed starts); else the scale-up
   * is armed again.
   */
  private serveWaiters(): void {
    if (this.closed || this.waiting.length === 0) return;
    if (this.instances.length === 0 && this.pendingStarts === 0 && this.scaling === 0) {
      // Each start counts as alive from the moment it is made (in `instances` or `pendingStarts`).
      while (this.waiting.length > 0 && this.alive() < this.options.size) this.takeOverWaiter();
    } else this.scaleWhenWaiting();
  }

  private release(instance: Instance): void {
    instance.pending = undefined;
    if (instance.stale) {
      // Its code changed: it goes, and the start waiting for it serves whoever waits.
      this.remove(instance);
      void this.terminate(instance);
      this.scaleWhenWaiting();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      instance.busy = true;
      next.resolve(instance);
      this.scaleWhenWaiting();
    } else {
      instance.busy = false;
      // No invocation took it from its retried init: its next one owes that init nothing.
      instance.retriedInitMs = undefined;
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
      this.remove(instance);
      this.retired++;
      void this.terminate(instance);
    }, ms);
    // A retirement pending must not keep the process alive.
    instance.idleTimer.unref();
  }

  /** Text for the function's stdout or stderr: to {@link InstancePoolOptions.onLog}, or this process's. */
  private log(text: string, stream: 'stdout' | 'stderr'): void {
    if (this.options.onLog) this.options.onLog(text, stream);
    else process[stream].write(text);
  }

  /** Stops an instance's worker on purpose: its exit is then no failure. */
  private terminate(instance: Instance): Promise<number> {
    instance.ended = true;
    return instance.worker.terminate();
  }

  /** Takes `instance` out of the pool; the last one on old code gone, the starts waiting for that go ahead. */
  private remove(instance: Instance): void {
    const at = this.instances.indexOf(instance);
    if (at >= 0) this.instances.splice(at, 1);
    if (this.drainWaiters.length > 0 && !this.instances.some((i) => i.stale)) for (const resume of this.drainWaiters.splice(0)) resume();
  }

  private discard(instance: Instance): void {
    clearTimeout(instance.idleTimer);
    this.remove(instance);
    void this.terminate(instance);
    // Someone waiting for an instance gets a fresh one; if it cannot start, the waiter goes on
    // waiting for the instances alive, or fails with its init error when there are none.
    const next = this.waiting.shift();
    if (next && !this.closed) {
      this.start(next.remaining).then(next.resolve, (error: Error) => {
        if (this.instances.length > 0) {
          this.waiting.unshift(next);
          this.scaleWhenWaiting();
        } else {
          next.reject(error);
          this.serveWaiters();
        }
      });
    }
  }

  /**
   * Starts an instance: the first at once; any other once the code is checked
   * ({@link InstancePoolOptions.codeChangedSince}) and, when it changed, once the instances on the
   * old code are gone. Its init is retried once it passes the init limit (see {@link launch}).
   *
   * @param remaining - the function's time the invocation it is started for has (ms); undefined
   *   for none ({@link warm})
   */
  private start(remaining?: number): Promise<Instance> {
    if (!this.options.codeChangedSince || this.loadedSince === undefined) {
      this.loadedSince ??= Date.now();
      return this.launch(remaining);
    }
    return this.codeChecked().then(() => this.launch(remaining));
  }

  /**
   * Before a start after the first, with {@link InstancePoolOptions.codeChangedSince}: the code
   * checked and, when it changed, the instances on the old code gone (counted as a start meanwhile).
   */
  private async codeChecked(): Promise<void> {
    const check = this.options.codeChangedSince!;
    this.pendingStarts++;
    try {
      await (this.checking ??= this.checkCode(check).finally(() => (this.checking = undefined)));
      if (this.instances.some((i) => i.stale) && !this.closed) await new Promise<void>((resume) => this.drainWaiters.push(resume));
    } finally {
      this.pendingStarts--;
    }
    if (this.closed) throw new Error(`${this.options.operationId}: its instances were stopped before this one started`);
  }

  /**
   * Lambda's init, as its documentation says of the init phase: "If all three tasks do not complete
   * within 10 seconds, Lambda retries the Init phase at the time of the first function invocation
   * with the configured function timeout." An instance whose init passes the init limit is stopped
   * and its init run again in a fresh one, limited by the function's timeout from the retry's start;
   * the time it takes comes off the timeout of the invocation the instance then takes (see
   * {@link Instance.retriedInitMs}). With no invocation waiting (`remaining` undefined: {@link warm}),
   * the retry is left to the next start, which is one for an invocation.
   */
  private async launch(remaining: number | undefined): Promise<Instance> {
    if (!this.initRetryDue) {
      try {
        return await this.spawn(this.initLimit());
      } catch (error) {
        if (!(error instanceof InitTimeout)) throw error;
        if (remaining === undefined || this.closed) {
          if (!this.closed) this.initRetryDue = true;
          throw error;
        }
      }
    }
    this.initRetryDue = false;
    // A start of its own: the code checked again (it may have been saved during the first init),
    // so that old and new code never run side by side.
    if (this.options.codeChangedSince && this.loadedSince !== undefined) await this.codeChecked();
    const limit = this.options.timeoutMs ?? remaining!;
    const started = performance.now();
    try {
      const instance = await this.spawn(limit, true);
      // Whole milliseconds, as the time Lambda's context says is left.
      instance.retriedInitMs = Math.ceil(performance.now() - started);
      this.options.onInitRetry?.(`its init, retried within the first invocation, finished in ${(instance.retriedInitMs / 1000).toFixed(1)} s: the handler has the rest of the function's timeout (${functionSeconds(limit)} s)`);
      return instance;
    } catch (error) {
      // One that passed the function's timeout is said as it times out (spawn).
      if (!(error instanceof InitTimeout)) this.options.onInitRetry?.(`its init, retried within the first invocation, failed: ${(error as Error).message}`);
      throw error;
    }
  }

  private initLimit(): number {
    return this.options.initTimeoutMs ?? INIT_TIMEOUT_MS;
  }

  /**
   * Whether the code changed since the instances alive loaded it: if so, says so, and marks them
   * to go (the idle ones at once, the busy ones once their invocation ends).
   */
  private async checkCode(check: (since: number) => Promise<string[]>): Promise<void> {
    const at = Date.now();
    const changed = await check(this.loadedSince!);
    if (changed.length === 0 || this.closed) return;
    // The instances started from now on load the code as of this check: a later change is another.
    this.loadedSince = at;
    this.options.onCodeChange?.(changed);
    for (const instance of [...this.instances]) {
      instance.stale = true;
      if (!instance.busy) {
        clearTimeout(instance.idleTimer);
        this.remove(instance);
        void this.terminate(instance);
      }
    }
  }

  /**
   * Starts an instance's worker and waits for its init, for at most `limitMs`: the init limit, or
   * the function's timeout for a `retried` init. One that passes it is stopped, said, and rejects
   * with an {@link InitTimeout}.
   */
  private spawn(limitMs: number, retried = false): Promise<Instance> {
    const worker = new Worker(INSTANCE, {
      workerData: { handlerFile: this.options.handlerFile, operationId: this.options.operationId } satisfies InstanceData,
      resourceLimits: instanceResourceLimits(this.options.memoryMB),
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(this.options.execArgv ? { execArgv: this.options.execArgv } : {}),
    });
    const output = instanceOutput((text, stream) => this.log(text, stream));
    const instance: Instance = { worker, busy: true, output };
    this.instances.push(instance);
    this.peakSize = Math.max(this.peakSize, this.instances.length);
    this.coldStarts++;
    return new Promise<Instance>((resolve, reject) => {
      let ready = false;
      let timedOut = false;
      // An init that does not end within its limit: stopped, and retried within the first
      // invocation (launch), unless it was that retry, which fails the invocation. (No limit is
      // Infinity, which a timer would take for 1 ms.)
      const initTimer = !Number.isFinite(limitMs) ? undefined : setTimeout(() => {
        if (ready) return;
        timedOut = true;
        const initLimit = `${this.initLimit() / 1000} s (Lambda's init limit)`;
        let message: string;
        if (retried) {
          message = `${this.options.handlerFile}: init did not finish within ${initLimit}, and its retry within the first invocation did not finish within the function's timeout (${functionSeconds(limitMs)} s) either`;
          this.options.onInitError?.(message);
          this.options.onInitRetry?.(`its init, retried within the first invocation, did not finish within the function's timeout (${functionSeconds(limitMs)} s) either: the invocation waiting for it fails, unless an instance alive takes it first`);
        } else {
          const timeout = this.options.timeoutMs === undefined ? '' : ` (${functionSeconds(this.options.timeoutMs)} s)`;
          message = `init did not finish within ${initLimit}: retried, as Lambda retries it, in a fresh instance within the first invocation, where the init and the handler share the function's timeout${timeout}`;
          this.options.onInitError?.(message);
          this.options.onInitRetry?.(message);
        }
        this.remove(instance);
        void this.terminate(instance);
        reject(new InitTimeout(retried ? message : `${this.options.handlerFile}: ${message}`));
      }, limitMs);
      worker.on('message', (reply: InstanceReply) => {
        switch (reply.type) {
          case 'log':
            output.write(reply.text, reply.stream);
            break;
          case 'ready':
            // Its init is over: what it left unfinished is a line of the init.
            output.end();
            // Past its limit, stopped: too late to be ready.
            if (timedOut) break;
            ready = true;
            clearTimeout(initTimer);
            resolve(instance);
            break;
          case 'init-error': {
            clearTimeout(initTimer);
            output.end();
            const message = initFailureText(reply.message, reply.stack);
            this.options.onInitError?.(message);
            reject(new Error(message));
            break;
          }
          case 'result':
          case 'failure': {
            // The invocation's output came before its answer, on this port: its unfinished line
            // is said before the answer is acted on (its messages deleted).
            output.end();
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
      // An exception escaping the handler's module (an unhandled rejection, a throw in a timer):
      // the sandbox is gone, and so is the invocation in it. Acted on at the worker's exit, which
      // follows: this event comes on another port than the messages the instance posted before the
      // throw (its output among them) and can overtake them, while the exit comes once they have
      // all been delivered. Acted on here, the handler's last words were said after its failure,
      // or lost: a function's own process exits on its init failure (seen 1 in 40 inits).
      let thrown: Error | undefined;
      worker.on('error', (error) => {
        clearTimeout(initTimer);
        thrown = error;
        // Given no more work meanwhile.
        instance.ended = true;
        this.remove(instance);
      });
      worker.on('exit', (code) => {
        clearTimeout(initTimer);
        output.end();
        if (thrown) {
          const error = thrown;
          // During the init, the same throw also comes as the 'init-error' message, which may have
          // settled the start already: said the same way.
          if (!ready) reject(Object.assign(new Error(initFailureText(error.message, error.stack)), { stack: error.stack }));
          const pending = instance.pending;
          if (pending) {
            clearTimeout(pending.timer);
            pending.reject(error);
          }
          // Invocations waiting for an instance get a new one in its place, in their turn.
          this.scaleWhenWaiting();
          return;
        }
        if (instance.ended) return;
        // The handler ended its runtime (process.exit): Lambda fails the invocation in it with
        // Runtime.ExitError at once and discards the sandbox; the next invocation starts cold.
        instance.ended = true;
        const error = exitError(code);
        if (!ready) {
          // A start: whoever asked for it (warm, a waiter) hears of it through this rejection.
          this.options.onInitError?.(error.message);
          this.remove(instance);
          reject(error);
          return;
        }
        const pending = instance.pending;
        if (pending) {
          clearTimeout(pending.timer);
          pending.reject(error);
        } else {
          // Between invocations (a timer or callback of the handler ended it): no invocation to
          // fail, so said here, where its logs go.
          this.log(`${this.options.operationId}: an idle instance ended its runtime (${error.name}: ${error.message}), from a timer or callback of the handler; the next invocation starts a fresh one\n`, 'stderr');
        }
        this.discard(instance);
      });
    });
  }
}

/**
 * A function timeout in whole seconds, as Lambda's are: the time an invocation has left can be a
 * few milliseconds under it, rounded up to the second it belongs to (as {@link timeoutError}).
 */
function functionSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** An init failure's message, with where the application's code threw when its message names no file (a throw at a module's top level). */
function initFailureText(message: string, stack: string | undefined): string {
  const at = thrownAt(stack);
  return at && !message.includes(at) ? `${message} (thrown at ${at})` : message;
}

/**
 * The framework's folders whose frames are not the application's, wherever they are installed (in
 * this workspace they are not under node_modules): the instance's loader, and @sluice/runtime,
 * whose defineConsumer or resolveTableName throw for the line of the application that called them.
 */
const FRAMEWORK_FOLDERS = [path.dirname(fileURLToPath(import.meta.url)), path.dirname(fileURLToPath(import.meta.resolve('@sluice/runtime')))].map((dir) => `${dir}${path.sep}`);

/**
 * The first place of a stack that is the application's own code (`/abs/consumers/x.ts:12:7`): not
 * Node's internals, nor a package under node_modules (a library the code called), nor the
 * framework's ({@link FRAMEWORK_FOLDERS}). Undefined for a compile error (no frame of the code: it never ran).
 *
 * @param stack - an Error's stack, as the instance sent it
 * @returns `file:line:column`, the file absolute
 */
export function thrownAt(stack: string | undefined): string | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    // `at fn (/abs/x.ts:1:2)` or `at /abs/x.ts:1:2`, the path absolute or a file: URL (never node:internal/…).
    const frame = /(?:\(|^at )((?:file:\/\/)?\/[^\s()]+?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!frame) continue;
    const file = frame[1]!.startsWith('file://') ? fileURLToPath(frame[1]!) : frame[1]!;
    if (file.split(path.sep).includes('node_modules') || FRAMEWORK_FOLDERS.some((dir) => file.startsWith(dir))) continue;
    return `${file}:${frame[2]}:${frame[3]}`;
  }
  return undefined;
}

/** An instance's output on its way to the pool's log: see {@link instanceOutput}. */
interface InstanceOutput {
  /** Takes what the instance wrote: each line it completes is handed on at once. */
  write(text: string, stream: 'stdout' | 'stderr'): void;
  /** Hands on the line each stream has begun and not ended, if any, as a whole line. */
  end(): void;
}

/**
 * One instance's output for `log`, as whole lines (each with its newline; blank ones too): a line
 * begun without its newline is handed on when more output ends it, when {@link InstanceOutput.end}
 * is called (the pool does at the end of an init or invocation, and of the instance), or after
 * {@link UNFINISHED_LINE_MS} without more output, whichever comes first.
 */
function instanceOutput(log: (text: string, stream: 'stdout' | 'stderr') => void): InstanceOutput {
  const lines = { stdout: lineSplitter((line) => log(`${line}\n`, 'stdout')), stderr: lineSplitter((line) => log(`${line}\n`, 'stderr')) };
  let silence: NodeJS.Timeout | undefined;
  const end = () => {
    clearTimeout(silence);
    silence = undefined;
    lines.stdout.end();
    lines.stderr.end();
  };
  return {
    write(text, stream) {
      lines[stream].write(text);
      if (text === '' || text.endsWith('\n')) {
        // Nothing left unfinished on this stream; the other's silence goes on counting.
        return;
      }
      clearTimeout(silence);
      // A line left unfinished must not keep the process alive.
      silence = setTimeout(end, UNFINISHED_LINE_MS).unref();
    },
    end,
  };
}
