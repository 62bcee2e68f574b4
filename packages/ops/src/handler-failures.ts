/**
 * Why a message that decodes fine failed: what its consumer said the last time it handled it.
 *
 * A dead letter the consumer's decoder accepts failed in the handler (it threw, or rejected it
 * with `RecordRejected`), or its whole batch failed (a throw outside the records, a timeout). The
 * decoder cannot say which; the consumer's log can. On AWS that log is in CloudWatch. The local
 * stack keeps the last failure of each message it saw ({@link HandlerFailure}) and answers
 * `POST /_sluice/failures` on its endpoint with those of the ids asked, so that `dlq list` and the
 * console show the handler's own words beside the message.
 */

/** What a consumer said of a message the last time it failed to handle it. */
export interface HandlerFailure {
  /** The SQS message id (the same in the source queue and the dead-letter queue). */
  messageId: string;
  /** The consumer (its operation id). */
  operationId: string;
  /** When it was seen, ISO-8601. */
  at: string;
  /** `failed`: the handler threw; `invalid`: it rejected the record (`RecordRejected`); `batch failed`: the whole invocation failed. */
  outcome: 'failed' | 'invalid' | 'batch failed';
  /** The error's name (`TypeError`, `ConditionalCheckFailedException`) or the rejection's code. */
  code?: string;
  /** The error's message, the rejection's reasons, or why the batch failed. */
  reasons: string[];
  /** `ApproximateReceiveCount` on that receive, when known. */
  receiveCount?: number;
}

/** The path on the local endpoint that answers which ids have a {@link HandlerFailure}. */
export const HANDLER_FAILURES_PATH = '/_sluice/failures';

/**
 * How `dlq list` shows a {@link HandlerFailure}: what happened, on which receive, and the
 * handler's words.
 *
 * @example
 * ```ts
 * import { describeHandlerFailure } from '@sluice/ops';
 *
 * describeHandlerFailure({ messageId: 'm-1', operationId: 'consumeOrderPlaced', at: '2026-12-06T10:00:00.000Z', outcome: 'failed', code: 'Error', reasons: ['table is read-only'], receiveCount: 3 });
 * // 'consumeOrderPlaced threw on receive 3: Error: table is read-only'
 * ```
 */
export function describeHandlerFailure(failure: HandlerFailure): string {
  const when = failure.receiveCount ? ` on receive ${failure.receiveCount}` : '';
  const what = failure.outcome === 'failed' ? 'threw' : failure.outcome === 'invalid' ? 'rejected it' : 'failed the whole batch';
  const words = failure.reasons.join('; ');
  return `${failure.operationId} ${what}${when}: ${failure.code ? `${failure.code}: ` : ''}${words || '(no message)'}`;
}

/**
 * Asks the local stack at `endpoint` for the last handler failure of each id. An older stack, one
 * that keeps none, or one that does not answer gives an empty map: the listing then says to look
 * in the consumer's log, as before.
 *
 * @param endpoint - the local stack's endpoint (`http://127.0.0.1:4566`)
 * @param messageIds - the SQS message ids to look up
 * @example
 * ```ts
 * import { localHandlerFailures } from '@sluice/ops';
 *
 * const failures = await localHandlerFailures('http://127.0.0.1:4566', ['0b5b…']);
 * failures.get('0b5b…')?.reasons; // ['table is read-only']
 * ```
 */
export async function localHandlerFailures(endpoint: string, messageIds: readonly string[]): Promise<Map<string, HandlerFailure>> {
  const found = new Map<string, HandlerFailure>();
  if (messageIds.length === 0) return found;
  try {
    const res = await fetch(`${endpoint}${HANDLER_FAILURES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messageIds }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) return found;
    const answer = (await res.json()) as { failures?: Record<string, HandlerFailure> };
    for (const [id, failure] of Object.entries(answer.failures ?? {})) if (isHandlerFailure(failure)) found.set(id, failure);
  } catch {
    // Not this stack's business to fail the listing: the table says where else to look.
  }
  return found;
}

/**
 * Whether `value` has the shape of a {@link HandlerFailure} (what a stack answers is checked, not trusted).
 *
 * @example
 * ```ts
 * import { isHandlerFailure } from '@sluice/ops';
 *
 * isHandlerFailure({ messageId: 'm-1', operationId: 'consumeOrderPlaced', at: '2026-12-06T10:00:00.000Z', outcome: 'failed', reasons: ['boom'] }); // true
 * isHandlerFailure({ messageId: 'm-1', reasons: 'boom' }); // false
 * ```
 */
export function isHandlerFailure(value: unknown): value is HandlerFailure {
  const v = value as Partial<HandlerFailure> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.messageId === 'string' &&
    typeof v.operationId === 'string' &&
    typeof v.at === 'string' &&
    (v.outcome === 'failed' || v.outcome === 'invalid' || v.outcome === 'batch failed') &&
    Array.isArray(v.reasons) &&
    v.reasons.every((r) => typeof r === 'string') &&
    (v.code === undefined || typeof v.code === 'string') &&
    (v.receiveCount === undefined || typeof v.receiveCount === 'number')
  );
}
