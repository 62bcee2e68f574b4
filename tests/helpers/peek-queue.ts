/**
 * A look at what a queue holds, leaving it there: the messages are received (hidden a few seconds,
 * so that the next receive of the look returns others), then made visible again at once
 * (`ChangeMessageVisibilityBatch` with 0), so the next look or a redrive finds them all. Before
 * this, the tests that looked at a queue slept out the visibility timeout instead (1.1–2.1 s per
 * look).
 *
 * A look is still a receive: it adds one to each message's receive count, which on a queue with a
 * redrive policy moves a message to its dead-letter queue after maxReceiveCount looks; and a FIFO
 * queue shows at most ten messages of a group. The tests look at queues without a redrive policy
 * (the unrouted queue), or at a consumer's queue once per message.
 */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/** Receives requests of one look: at most 5 × 10 messages, as the tests' queues hold a few. */
const RECEIVES = 5;

/**
 * Every message `queueUrl` holds now (up to 50), each once, left visible.
 *
 * @param sqs - the client of the stack the queue is on
 * @param queueUrl - the queue to look at
 * @param messageAttributeNames - the message attributes to read (`['All']` for all of them)
 * @returns the messages, in the order they were received
 * @throws when a message cannot be made visible again (a later look would miss it)
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { peekQueue } from '../helpers/peek-queue.ts';
 *
 * const messages = await peekQueue(new SQSClient({ endpoint: 'http://127.0.0.1:4566' }), 'http://127.0.0.1:4566/000000000000/OrderQueue');
 * console.log(messages.map((m) => m.Body));
 * ```
 */
export async function peekQueue(sqs: SQSClient, queueUrl: string, messageAttributeNames: string[] = []): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (let i = 0; i < RECEIVES; i++) {
    // Hidden long enough for the look to finish; released explicitly below, not by expiry.
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageAttributeNames: messageAttributeNames }));
    for (const m of Messages) if (!seen.has(m.MessageId!)) seen.set(m.MessageId!, m);
    if (Messages.length === 0) break;
  }
  const messages = [...seen.values()];
  for (let at = 0; at < messages.length; at += 10) {
    const batch = messages.slice(at, at + 10);
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) }),
    );
    if (out.Failed?.length) throw new Error(`peekQueue: ${out.Failed.length} message(s) of ${queueUrl} could not be made visible again: ${out.Failed.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`);
  }
  return messages;
}
