/**
 * How many messages a queue holds: the one place that asks SQS (the CLIs, `npm start`'s summary,
 * the demo and the tests all use it).
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

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
 * SQS's approximate counts for one queue.
 *
 * @example
 * const { total } = await queueDepth(sqs, queueUrl);
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
