/**
 * Inspecting and redriving the dead-letter queue through plain SQS calls (the same on AWS and on
 * the local stack). fauxqs 1.9.2 does not implement `StartMessageMoveTask`, and a move task cannot
 * pick messages by id anyway, so redrive here is: receive from the DLQ, send to the source queue
 * with the same body and attributes, then delete from the DLQ. At-least-once: a crash between send
 * and delete duplicates a message (the subscriber is idempotent), never loses one.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { decodeOrderRecord, type DecodeError } from '@orders/core';

/** A dead-lettered message and why it failed. */
export interface DeadLetter {
  messageId: string;
  /** `ApproximateReceiveCount`: the receives in the source queue plus any since in the DLQ. */
  receiveCount: number;
  /** When the message was first sent (to the source queue), ISO-8601. */
  sentAt: string | undefined;
  body: string;
  /** The decoder's verdict: why the subscriber rejected it, or `undefined` when it decodes fine. */
  reason: DecodeError | undefined;
  /** The order id, when the payload was readable enough to name it. */
  orderId: string | undefined;
  message: Message;
}

export interface DeadLetterQueueOptions {
  sqs: SQSClient;
  deadLetterQueueUrl: string;
  /** Where redriven messages go (the queue whose redrive policy points here). */
  sourceQueueUrl: string;
  /** How long inspected messages stay hidden from others while collected. @default 30 */
  holdSeconds?: number;
}

function orderIdIn(body: string): string | undefined {
  try {
    const outer = JSON.parse(body) as Record<string, unknown>;
    const payload = typeof outer?.Message === 'string' ? (JSON.parse(outer.Message) as Record<string, unknown>) : outer;
    return typeof payload?.orderId === 'string' ? payload.orderId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const dlq = new DeadLetterQueue({ sqs, deadLetterQueueUrl, sourceQueueUrl });
 * for (const letter of await dlq.list()) console.log(letter.messageId, letter.reason?.message);
 * await dlq.redrive();                 // all
 * await dlq.redrive(['<messageId>']);  // some
 */
export class DeadLetterQueue {
  private readonly options: DeadLetterQueueOptions;

  constructor(options: DeadLetterQueueOptions) {
    this.options = options;
  }

  /** Approximate number of messages (visible and in flight). */
  async count(): Promise<number> {
    const out = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /** Every message, with the reason it failed. Non-destructive: messages are released at the end. */
  async list(): Promise<DeadLetter[]> {
    const held = await this.hold();
    await this.release(held);
    return held.map((m) => this.explain(m));
  }

  /**
   * Moves messages back to the source queue: all, or those whose message id is in `ids`.
   * Returns what was moved and which requested ids were not found.
   */
  async redrive(ids?: readonly string[], onMoved?: (done: number, total: number) => void): Promise<{ moved: string[]; notFound: string[] }> {
    const held = await this.hold();
    const wanted = ids ? new Set(ids) : undefined;
    const selected = held.filter((m) => !wanted || wanted.has(m.MessageId!));
    await this.release(held.filter((m) => !selected.includes(m)));
    const moved: string[] = [];
    for (const message of selected) {
      await this.options.sqs.send(
        new SendMessageCommand({ QueueUrl: this.options.sourceQueueUrl, MessageBody: message.Body!, MessageAttributes: message.MessageAttributes }),
      );
      await this.options.sqs.send(new DeleteMessageCommand({ QueueUrl: this.options.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
      moved.push(message.MessageId!);
      onMoved?.(moved.length, selected.length);
    }
    const found = new Set(held.map((m) => m.MessageId!));
    return { moved, notFound: (ids ?? []).filter((id) => !found.has(id)) };
  }

  /** Deletes every message (SQS allows one purge per queue per 60 s). Returns the count before. */
  async purge(): Promise<number> {
    const before = await this.count();
    await this.options.sqs.send(new PurgeQueueCommand({ QueueUrl: this.options.deadLetterQueueUrl }));
    return before;
  }

  /** Decodes a message as the subscriber would, to say why it was rejected. */
  explain(message: Message): DeadLetter {
    const body = message.Body ?? '';
    const messageAttributes = Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, dataType: v.DataType ?? 'String' }]),
    );
    const decoded = decodeOrderRecord({ body, messageAttributes });
    const sent = Number(message.Attributes?.SentTimestamp);
    return {
      messageId: message.MessageId!,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
      body,
      reason: decoded.ok ? undefined : decoded.error,
      orderId: decoded.ok ? decoded.order.orderId : orderIdIn(body),
      message,
    };
  }

  /** Receives every message, keeping them invisible for `holdSeconds` so each is seen once. */
  private async hold(): Promise<Message[]> {
    const seen = new Map<string, Message>();
    for (let emptyReceives = 0; emptyReceives < 2; ) {
      const out = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: this.options.holdSeconds ?? 30,
          // Short polling samples servers on AWS; a second empty receive makes "empty" more certain.
          WaitTimeSeconds: emptyReceives === 0 ? 0 : 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh = (out.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
      for (const m of fresh) seen.set(m.MessageId!, m);
      emptyReceives = fresh.length === 0 ? emptyReceives + 1 : 0;
    }
    return [...seen.values()];
  }

  /** Makes held messages visible again at once. */
  private async release(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          Entries: messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}
