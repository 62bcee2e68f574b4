/**
 * What a function worker and its host say to each other over IPC.
 */
import type { BatchReport } from './event-source-poller.ts';

/** Messages from the worker to its host. */
export type WorkerMessage =
  | { type: 'ready'; operationId: string }
  | { type: 'batch'; operationId: string; report: BatchReport }
  | { type: 'init-error'; operationId: string; message: string; stack?: string }
  | { type: 'poller-error'; operationId: string; message: string }
  | { type: 'code-changed'; operationId: string; files: string[] }
  /** An instance's init passed Lambda's init limit and is retried within the first invocation, or how that retry ended (see `InstancePoolOptions.onInitRetry`). */
  | { type: 'init-retry'; operationId: string; message: string }
  | { type: 'stopped'; operationId: string; batches: number };

/** Messages from the host to the worker. */
export type HostMessage = { type: 'stop' };

/** The environment variable that carries the {@link FunctionSpec} (JSON) to the worker. */
export const FUNCTION_SPEC_ENV = 'SLUICE_FUNCTION_SPEC';

/**
 * Overrides how long a function's idle instance lives (milliseconds; `Infinity` keeps them), read
 * by the worker from its host's environment and removed before the handler runs. The bench's
 * memory section sets it to see a consumer at rest without waiting for the default.
 */
export const INSTANCE_IDLE_ENV = 'SLUICE_INSTANCE_IDLE_MS';

/**
 * Overrides how long an invocation that finds every instance busy waits before another instance
 * starts (milliseconds; `0` starts one at once, as Lambda scales out with a backlog, at the cost of
 * an instance's memory each), read as {@link INSTANCE_IDLE_ENV} is. The reliability scenarios whose
 * premise is the function's concurrency in instances set it (each instance's SDK client retries
 * within a quota of its own).
 */
export const INSTANCE_SCALE_UP_ENV = 'SLUICE_INSTANCE_SCALE_UP_DELAY_MS';

/**
 * Overrides Lambda's init limit for a function's instances (milliseconds; `INIT_TIMEOUT_MS`, 10 s,
 * by default), read as {@link INSTANCE_IDLE_ENV} is: an init that passes it is retried within the
 * first invocation, with the function's timeout. Tests set it to see that retry without waiting 10 s.
 */
export const INSTANCE_INIT_TIMEOUT_ENV = 'SLUICE_INSTANCE_INIT_TIMEOUT_MS';

/**
 * Set (to `1`) by a host that does not watch the sources: the function checks its code before
 * each instance starts and says when it changed (`code-changed`), retiring the instances on the
 * old code first. Read by the worker and removed before the handler runs.
 */
export const CODE_CHANGES_ENV = 'SLUICE_ANNOUNCE_CODE_CHANGES';

/** The longest delay a Node timer takes (ms, about 24.8 days); a longer one fires after 1 ms. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * The number in `name` of `env`, or undefined when unset; throws, naming it, when it is not a
 * number of milliseconds from 0 to {@link LONGEST_TIMER_MS} (or Infinity for
 * {@link INSTANCE_IDLE_ENV}: never retired). For {@link INSTANCE_INIT_TIMEOUT_ENV}, a limit: from
 * 1 ms (0 would stop every init at once, a longer one would pass at once, Infinity would be none).
 */
export function instanceSetting(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (name === INSTANCE_INIT_TIMEOUT_ENV) {
    if (!(value >= 1 && value <= LONGEST_TIMER_MS)) throw new Error(`${name}=${raw}: not a number of milliseconds from 1 to ${LONGEST_TIMER_MS} (unset it for Lambda's 10 s)`);
    return value;
  }
  // A timer's delay: beyond the longest, Node fires it after 1 ms (idle instances retired at once,
  // every scale-up at once). Infinity only where it means never: an idle instance kept.
  if (!(value >= 0) || (value > LONGEST_TIMER_MS && !(value === Infinity && name === INSTANCE_IDLE_ENV))) {
    throw new Error(`${name}=${raw}: not a number of milliseconds from 0 to ${LONGEST_TIMER_MS}${name === INSTANCE_IDLE_ENV ? ', or Infinity' : ''} (unset it for the default)`);
  }
  return value;
}
