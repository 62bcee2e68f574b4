/**
 * How the Lambda SQS event source reads a handler's partial batch response
 * (`ReportBatchItemFailures`), following AWS's rules:
 *
 * - complete success: the function returns nothing/null, `{}`, or `batchItemFailures` null or empty;
 * - the listed ids failed, the rest succeeded;
 * - complete failure (the whole batch stays on the queue): the response is not a JSON object, the
 *   list is not an array, an entry is not an object with a non-empty string `itemIdentifier`
 *   (empty, null, a wrong key name), or an `itemIdentifier` is not a message id of this batch.
 */
import type { SQSBatchResponse } from 'aws-lambda';

/**
 * How the event source treats a batch: `partial` deletes every message but `failedIds` (none on a
 * complete success); `malformed` keeps the whole batch on the queue, with the reason.
 */
export type BatchVerdict =
  | { kind: 'partial'; failedIds: ReadonlySet<string> }
  | { kind: 'malformed'; reason: string };

/**
 * Interprets a handler's return value for a batch of `messageIds`.
 *
 * @example
 * ```ts
 * import { interpretBatchResponse } from '@sluice/local';
 *
 * interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: 'a' }] }, ['a', 'b']); // { kind: 'partial', failedIds: Set {'a'} }
 * interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, ['a']); // { kind: 'malformed', reason: '...' }
 * interpretBatchResponse(undefined, ['a']); // { kind: 'partial', failedIds: Set {} }: complete success
 * ```
 */
export function interpretBatchResponse(response: unknown, messageIds: readonly string[]): BatchVerdict {
  // Lambda sees the JSON serialisation of what the handler returned.
  let json: unknown;
  try {
    json = response === undefined ? null : JSON.parse(JSON.stringify(response) ?? 'null');
  } catch (error) {
    return { kind: 'malformed', reason: `response is not serialisable to JSON (${(error as Error).message})` };
  }
  if (json === null) return { kind: 'partial', failedIds: new Set() };
  if (typeof json !== 'object' || Array.isArray(json)) {
    return { kind: 'malformed', reason: `response is ${Array.isArray(json) ? 'an array' : typeof json}, not an object` };
  }
  const failures = (json as Partial<SQSBatchResponse>).batchItemFailures as unknown;
  if (failures === undefined || failures === null) return { kind: 'partial', failedIds: new Set() };
  if (!Array.isArray(failures)) return { kind: 'malformed', reason: 'batchItemFailures is not an array' };
  const known = new Set(messageIds);
  const failedIds = new Set<string>();
  for (const [index, entry] of failures.entries()) {
    const id = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') {
      return { kind: 'malformed', reason: `batchItemFailures[${index}] has no non-empty string itemIdentifier` };
    }
    if (!known.has(id)) return { kind: 'malformed', reason: `batchItemFailures[${index}].itemIdentifier ${JSON.stringify(id)} is not in this batch` };
    failedIds.add(id);
  }
  return { kind: 'partial', failedIds };
}
