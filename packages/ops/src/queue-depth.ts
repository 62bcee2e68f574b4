/**
 * How many messages a queue holds: the one place that asks SQS (the CLIs, `npm start`'s summary,
 * the demo and the tests all use it).
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS's approximate message counts of one queue, by state. */
export interface QueueDepth {
  /** Ready to be received. */
  visible: number;
  /** Received, not yet deleted, hidden until their visibility timeout ends. */
  inFlight: number;
  /** Not yet visible (delivery delay). */
  delayed: number;
  /** All of them. */
  total: number;
}

/**
 * SQS's approximate counts for one queue (one `GetQueueAttributes` call).
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { queueDepth } from '@sluice/ops';
 *
 * declare const queueUrl: string;
 * const { visible, inFlight, total } = await queueDepth(new SQSClient({}), queueUrl);
 * ```
 */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = out.Attributes ?? {};
  const visible = Number(a.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  const delayed = Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  return { visible, inFlight, delayed, total: visible + inFlight + delayed };
}
