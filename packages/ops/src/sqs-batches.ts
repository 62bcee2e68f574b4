/**
 * SQS's batch requests (`DeleteMessageBatch`, `ChangeMessageVisibilityBatch`) take at most ten
 * entries: these helpers split any number of messages into requests of ten, sent one after the
 * other, so every caller (the DLQ tools, the local stack's Lambda event source) does it once, the
 * same way. Entry ids are the message's index in its request; results name the index in the list
 * the caller gave.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The most entries one SQS batch request takes. */
export const SQS_BATCH_LIMIT = 10;

/**
 * `items` in runs of at most {@link SQS_BATCH_LIMIT}, in order.
 *
 * @example
 * ```ts
 * import { sqsBatches } from '@sluice/ops';
 *
 * sqsBatches(Array.from({ length: 23 }, (_, i) => i)).map((b) => b.length); // [10, 10, 3]
 * ```
 */
export function sqsBatches<T>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += SQS_BATCH_LIMIT) batches.push(items.slice(i, i + SQS_BATCH_LIMIT));
  return batches;
}

/** What one batch request did: the indexes (in the caller's list) it succeeded and failed for. */
export interface SqsBatchOutcome {
  /** Indexes of the entries SQS accepted. */
  successful: number[];
  /** The entries SQS refused, each with its index and SQS's error code and message. */
  failed: { index: number; code: string | undefined; message: string | undefined }[];
}

/**
 * Deletes messages by receipt handle, ten per `DeleteMessageBatch`. `onBatch` sees each request's
 * outcome as it returns (a failed entry stays on the queue and is received again); the result is
 * every request's together, in order. A request that throws stops there and throws.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { deleteMessagesInBatches } from '@sluice/ops';
 *
 * const sqs = new SQSClient({});
 * const { successful } = await deleteMessagesInBatches(sqs, 'https://sqs.eu-west-1.amazonaws.com/123456789012/payments-dlq', ['handle-1', 'handle-2']);
 * ```
 */
export async function deleteMessagesInBatches(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandles: readonly string[],
  onBatch?: (outcome: SqsBatchOutcome) => void,
): Promise<SqsBatchOutcome> {
  const all: SqsBatchOutcome = { successful: [], failed: [] };
  let offset = 0;
  for (const batch of sqsBatches(receiptHandles)) {
    const out = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle })) }));
    const outcome = outcomeOf(out, offset);
    onBatch?.(outcome);
    all.successful.push(...outcome.successful);
    all.failed.push(...outcome.failed);
    offset += batch.length;
  }
  return all;
}

/**
 * Sets the visibility timeout of messages by receipt handle, ten per
 * `ChangeMessageVisibilityBatch`: `0` makes them visible at once, more hides them longer. A request
 * that throws stops there and throws.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { changeVisibilityInBatches } from '@sluice/ops';
 *
 * const sqs = new SQSClient({});
 * await changeVisibilityInBatches(sqs, 'https://sqs.eu-west-1.amazonaws.com/123456789012/payments-dlq', ['handle-1'], 0);
 * ```
 */
export async function changeVisibilityInBatches(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[], visibilityTimeout: number): Promise<void> {
  for (const batch of sqsBatches(receiptHandles)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: visibilityTimeout })),
      }),
    );
  }
}

/** A batch response's entries as indexes in the caller's list (entry ids are indexes in the request). */
function outcomeOf(out: { Successful?: { Id?: string | undefined }[] | undefined; Failed?: { Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] | undefined }, offset: number): SqsBatchOutcome {
  return {
    successful: (out.Successful ?? []).map((s) => offset + Number(s.Id)),
    failed: (out.Failed ?? []).map((f) => ({ index: offset + Number(f.Id), code: f.Code, message: f.Message })),
  };
}
