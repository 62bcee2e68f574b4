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
