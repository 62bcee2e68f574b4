/**
 * Inspecting, redriving and purging a dead-letter queue through plain SQS calls (the same on AWS
 * and on the local stack).
 *
 * Redrive is receive, send to the source queue with the same body and attributes, delete. It can
 * pick messages by id, which `StartMessageMoveTask` cannot, and it is at-least-once: a crash
 * between send and delete duplicates a message (consumers are idempotent), never loses one.
 * Messages are received ten at a time and each is moved before the next ten are received, so
 * nothing is held longer than one round trip, whatever the size of the queue; those not moved (not
 * selected by id) stay hidden only until the scan ends, or fails, and are then released at once.
 *
 * A FIFO dead-letter queue gives each message group's messages in order, the next one only once
 * the one before is gone: a listing shows the first message of each group (and says how many wait
 * behind), a redrive moves each group in order, each message with its group and a deduplication id
 * of its own ({@link redriveDeduplicationId}).
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DecodeError, DecodeResult, RecordInput } from '@sluice/runtime/consumer';
import type { HandlerFailure } from './handler-failures.ts';
import { queueDepth } from './queue-depth.ts';
import { redriveSourceOf, type NotRedriven, type RedriveSource } from './redrive-sources.ts';
import { changeVisibilityInBatches, deleteMessagesInBatches } from './sqs-batches.ts';

/** A dead-lettered message and why it failed. */
export interface DeadLetter {
  /** The SQS message id in the dead-letter queue (what `redrive` and `purge` select by). */
  messageId: string;
  /** `ApproximateReceiveCount`: the receives in the source queue, the one that moved it to the DLQ included (maxReceiveCount + 1 on the local stack), plus any since in the DLQ (each listing's). */
  receiveCount: number;
  /** When the message was first sent (to the source queue), ISO-8601. */
  sentAt: string | undefined;
  /** The message body as it sits in the queue (an SNS envelope, or the raw payload). */
  body: string;
  /** The SNS message id, when the body is an SNS envelope. */
  snsMessageId: string | undefined;
  /** Which message of the contract it is, when the decoder could tell. */
  messageName: string | undefined;
  /** The consumer's verdict: why it rejected the message, or `undefined` when it decodes fine (it failed while being handled). */
  reason: DecodeError | undefined;
  /**
   * For a message that decodes fine, what its consumer said the last time it failed to handle it,
   * when {@link DeadLetterQueueOptions.failuresOf} knows (the local stack keeps it).
   */
  handlerFailure?: HandlerFailure;
  /** What the application says the message is about (e.g. a payment id), when readable. */
  subject: string | undefined;
  /** A FIFO queue's message group (`MessageGroupId`); `undefined` on a standard queue. */
  messageGroupId?: string | undefined;
  /** The SQS message as received, attributes included. */
  message: Message;
}

/**
 * What {@link DeadLetterQueue.listing} read: the messages it could see, and how many more the queue
 * holds (SQS's count, taken while those were held) that it could not.
 */
export interface DeadLetterListing {
  /** The messages read, each with the reason it failed. */
  letters: DeadLetter[];
  /**
   * How many messages the queue counts beyond those read (`ApproximateNumberOfMessages`, `…NotVisible`
   * and `…Delayed`, less the ones read): on a FIFO queue, those behind the first of their group.
   */
  notShown: number;
  /** Whether it is a FIFO queue (its name ends in `.fifo`). */
  fifo: boolean;
}

/**
 * Why a listing of a FIFO queue shows fewer messages than the queue holds, for `notShown` of them.
 *
 * @example
 * ```ts
 * import { fifoNotShownReason } from '@sluice/ops';
 *
 * fifoNotShownReason(2); // '2 more message(s) wait behind these: …'
 * ```
 */
export function fifoNotShownReason(notShown: number): string {
  return `${notShown} more message(s) wait behind these: a FIFO queue gives a message group's messages in order, the next one only once the one before is redriven or deleted (redrive moves them all, each group in order)`;
}

/** What a listing says of the messages it could not show: how many, and why. */
export interface NotShown {
  /** How many messages the queue counts beyond those listed ({@link DeadLetterListing.notShown}). */
  count: number;
  /** Why, in one sentence: on a FIFO queue, {@link fifoNotShownReason}; else, what SQS counted but could not be read. */
  why: string;
}

/**
 * What a {@link DeadLetterQueue.listing} could not show, to say after the messages it shows (as
 * `dlq list`, the local console and `npm run demo` do); `undefined` when it showed every message
 * the queue counts. On a FIFO queue those are the messages behind the first of their group.
 *
 * @example
 * ```ts
 * import { notShownOf, type DeadLetterQueue } from '@sluice/ops';
 *
 * declare const dlq: DeadLetterQueue;
 * const listing = await dlq.listing();
 * const notShown = notShownOf(listing);
 * if (notShown) console.log(`${notShown.why}.`); // '1 more message(s) wait behind these: a FIFO queue …'
 * ```
 */
export function notShownOf(listing: Pick<DeadLetterListing, 'notShown' | 'fifo'>): NotShown | undefined {
  if (listing.notShown === 0) return undefined;
  const why = listing.fifo
    ? fifoNotShownReason(listing.notShown)
    : `${listing.notShown} more message(s) counted by SQS than could be read: arriving while it was read, or held by another reader; list again`;
  return { count: listing.notShown, why };
}

/** Whether `queueUrl` names a FIFO queue (its name ends in `.fifo`). */
const isFifoUrl = (queueUrl: string) => /\.fifo$/.test(queueUrl);

/**
 * The deduplication id a redrive sends a FIFO message with: derived from the message's id in the
 * queue it is redriven from, so that a redrive retried after failing between send and delete sends
 * the same id and SQS (or SNS) drops the second copy within its 5-minute window. Not the message's
 * own deduplication id: the source queue saw that one when the message first arrived, and would
 * drop the redriven copy as a duplicate if the message dead-lettered within 5 minutes. A message
 * redriven, dead-lettered and redriven again has a new id in the queue by then (a redrive sends a
 * new message), so it is delivered again.
 *
 * @example
 * ```ts
 * import { redriveDeduplicationId } from '@sluice/ops';
 *
 * redriveDeduplicationId({ MessageId: '3f0ea964-0815-4a39-bb84-753966f1b999' }); // 'redrive-3f0ea964-0815-4a39-bb84-753966f1b999'
 * ```
 */
export function redriveDeduplicationId(message: Pick<Message, 'MessageId'>): string {
  return `redrive-${message.MessageId}`;
}

/**
 * The FIFO fields a redrive sends `message` with: its group (`MessageGroupId`, as received) and
 * {@link redriveDeduplicationId}; nothing for a message of a standard queue.
 *
 * @example
 * ```ts
 * import type { Message } from '@aws-sdk/client-sqs';
 * import { redriveFifoFields } from '@sluice/ops';
 *
 * declare const message: Message;
 * redriveFifoFields(message); // { MessageGroupId: 'acc-1', MessageDeduplicationId: 'redrive-…' } on a FIFO queue
 * ```
 */
export function redriveFifoFields(message: Message): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  const group = message.Attributes?.MessageGroupId;
  return group ? { MessageGroupId: group, MessageDeduplicationId: redriveDeduplicationId(message) } : {};
}

/** The SNS message id of a body that is an SNS envelope. */
function snsMessageIdOf(body: string | undefined): string | undefined {
  return body ? readableParts(body).snsMessageId : undefined;
}

/** Which dead-letter queue a {@link DeadLetterQueue} works on, and how it explains its messages. */
export interface DeadLetterQueueOptions {
  /** The client every call goes through (AWS, or the local stack's endpoint). */
  sqs: SQSClient;
  /** The dead-letter queue. */
  deadLetterQueueUrl: string;
  /** Where redriven messages go (the queue whose redrive policy points here), unless `sources` says. */
  sourceQueueUrl: string;
  /**
   * The queues whose redrive policy points here, when known: a redrive puts each message back to
   * the one it came from (`redriveSourceOf`: with several, the one its `DeadLetterQueueSourceArn`
   * names), and leaves one whose source is not known, in its result's `notRedriven`.
   * @default every message to `sourceQueueUrl`
   */
  sources?: readonly RedriveSource[];
  /**
   * Where a message of a queue several share goes when its source is not known (`dlq redrive
   * --to`): no `DeadLetterQueueSourceArn`, or one naming none of `sources`.
   * @default nowhere: it stays, in the redrive's `notRedriven`
   */
  unknownSourceTo?: RedriveSource;
  /** The source queue consumer's decoder, to say why each message was rejected. */
  decode?: (record: RecordInput) => DecodeResult;
  /**
   * Names what a message is about, for the listing (a payment id). Never personal data. Called with
   * the decoded payload, or, for a message the consumer rejected, whatever JSON could be read
   * (`messageName` undefined): check what you read.
   */
  describe?: (payload: unknown, messageName: string | undefined) => string | undefined;
  /**
   * How a redriven message is put back, instead of sending it to `sourceQueueUrl` (an unrouted
   * queue publishes it to its topic again). @default send to `sourceQueueUrl`, body and attributes unchanged
   */
  forward?: (message: Message) => Promise<void>;
  /** How long messages are held invisible while the queue is read. @default 30 */
  holdSeconds?: number;
  /**
   * The queue's counts and its receives that do not wait are exact: the local stack, which keeps
   * each queue in one place. A read ends once a receive finds nothing new; to be sure the queue is
   * empty it then receives once more, waiting 1 s, since on AWS a receive that does not wait
   * samples only some of the queue's servers and may miss a message. With exact counts that wait
   * is made only when it could bring something: while messages this read does not hold are in
   * flight (another reader's, or released a moment ago: the persistent local stack makes a
   * released message visible a second later) or delayed. Saves that second at most listings,
   * redrives and purges there. @default false
   */
  exactCounts?: boolean;
  /**
   * The last handler failure of each of these message ids, for the listing of those that decode
   * fine (the local stack's, through `localHandlerFailures`). @default none known
   */
  failuresOf?: (messageIds: string[]) => Promise<Map<string, HandlerFailure>>;
}

/**
 * A dead letter as a consumer's decoder reads it (its body and message attributes), to ask what
 * a consumer says of it: the one it goes back to, for instance.
 *
 * @example
 * ```ts
 * import type { Message } from '@aws-sdk/client-sqs';
 * import { createDecoder } from '@sluice/runtime/consumer';
 * import type { ReceiveOperation } from '@sluice/runtime/contract';
 * import { deadLetterRecord } from '@sluice/ops';
 *
 * declare const consumeBilling: ReceiveOperation;
 * declare const message: Message;
 * createDecoder(consumeBilling)(deadLetterRecord(message)).ok; // whether Billing's consumer takes it
 * ```
 */
export function deadLetterRecord(message: Pick<Message, 'Body' | 'MessageAttributes'>): RecordInput {
  const messageAttributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, dataType: v.DataType ?? 'String' }]),
  );
  return { body: message.Body ?? '', messageAttributes };
}

/**
 * What a message is about (`describe`: {@link subjectFromContract}'s, or the application's), as
 * `dlq list` and the local console's records say it: of its decoded payload, or, for a message its
 * consumer rejected (`decoded` not ok, or no decoder), of the payload its body holds, read as it is
 * (an SNS envelope's `Message`, else the body): a rejected order still shows its order id.
 *
 * @example
 * ```ts
 * import { subjectFromContract, subjectOfMessage } from '@sluice/ops';
 * import type { MessageContract } from '@sluice/runtime/contract';
 *
 * declare const orderPlaced: MessageContract; // its first field: orderId
 * subjectOfMessage('{"orderId":"ord-2","quantity":"two"}', undefined, subjectFromContract({ OrderPlaced: orderPlaced })); // 'ord-2'
 * ```
 */
export function subjectOfMessage(body: string, decoded: DecodeResult | undefined, describe: ((payload: unknown, messageName: string | undefined) => string | undefined) | undefined): string | undefined {
  if (!describe) return undefined;
  if (decoded?.ok) return describe(decoded.payload, decoded.name);
  const { payload } = readableParts(body);
  return payload !== undefined ? describe(payload, undefined) : undefined;
}

/** The SNS message id and the payload as far as they can be read, for a message the consumer rejected. */
function readableParts(body: string): { snsMessageId?: string; payload?: unknown } {
  try {
    const outer = JSON.parse(body) as Record<string, unknown>;
    if (outer?.Type !== 'Notification') return { payload: outer };
    const snsMessageId = typeof outer.MessageId === 'string' ? outer.MessageId : undefined;
    try {
      return { ...(snsMessageId ? { snsMessageId } : {}), payload: typeof outer.Message === 'string' ? JSON.parse(outer.Message) : undefined };
    } catch {
      return snsMessageId ? { snsMessageId } : {};
    }
  } catch {
    return {};
  }
}

/**
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { createDecoder } from '@sluice/runtime/consumer';
 * import type { ReceiveOperation } from '@sluice/runtime/contract';
 * import { DeadLetterQueue } from '@sluice/ops';
 *
 * declare const consumePaymentCaptured: ReceiveOperation;
 * declare const deadLetterQueueUrl: string;
 * declare const sourceQueueUrl: string;
 * const dlq = new DeadLetterQueue({ sqs: new SQSClient({}), deadLetterQueueUrl, sourceQueueUrl, decode: createDecoder(consumePaymentCaptured) });
 * const { letters, notShown } = await dlq.listing();
 * for (const letter of letters) console.log(letter.messageId, letter.reason?.message);
 * if (notShown > 0) console.log(`${notShown} more wait behind (FIFO) or are held by another reader`);
 * await dlq.redrive();                 // all
 * await dlq.redrive(['<messageId>']);  // some
 * ```
 */
export class DeadLetterQueue {
  private readonly options: DeadLetterQueueOptions;

  constructor(options: DeadLetterQueueOptions) {
    this.options = options;
  }

  /** Approximate number of messages (visible and in flight). */
  async count(): Promise<number> {
    return (await queueDepth(this.options.sqs, this.options.deadLetterQueueUrl)).total;
  }

  /**
   * Every message it can read, with the reason it failed. Non-destructive: messages are released
   * at the end. A FIFO queue gives only the first message of each group, and a message another
   * reader holds is not read: this says nothing of those. Kept for callers that want the messages
   * only (the `dlq redrive` and `purge` commands pick from them); to show a listing to someone, use
   * {@link listing}, which also says how many it could not read (`notShown`, worded by
   * {@link notShownOf}).
   */
  async list(): Promise<DeadLetter[]> {
    return (await this.listing()).letters;
  }

  /**
   * Every message it can read, with the reason it failed, and how many more the queue holds that
   * it could not read (on a FIFO queue, those behind the first message of each group: they show
   * once it is redriven or deleted). Non-destructive: messages are released at the end.
   */
  async listing(): Promise<DeadLetterListing> {
    let counted = 0;
    const held = await this.receiveAll(undefined, async () => {
      // Counted while every message read is held: the rest is what could not be read.
      counted = (await queueDepth(this.options.sqs, this.options.deadLetterQueueUrl)).total;
    });
    await this.release(held);
    const letters = held.map((m) => this.explain(m));
    const decodedFine = letters.filter((l) => l.reason === undefined).map((l) => l.messageId);
    if (this.options.failuresOf && decodedFine.length > 0) {
      const failures = await this.options.failuresOf(decodedFine);
      for (const letter of letters) {
        const failure = letter.reason === undefined ? failures.get(letter.messageId) : undefined;
        if (failure) letter.handlerFailure = failure;
      }
    }
    return { letters, notShown: Math.max(0, counted - held.length), fifo: isFifoUrl(this.options.deadLetterQueueUrl) };
  }

  /**
   * Moves messages back to the source queue: all, or those whose message id (or, for an SNS
   * envelope, SNS message id) is in `ids`. With {@link DeadLetterQueueOptions.sources}, each goes
   * back to the queue it came from; one of a queue several share whose source is not known goes to
   * {@link DeadLetterQueueOptions.unknownSourceTo}, else stays, in `notRedriven` with why. A FIFO
   * queue's messages go in order within each group, each with its group and
   * {@link redriveDeduplicationId}. Returns what was moved (SQS message ids), what was left, which
   * requested ids were not found (on a FIFO queue, also one behind an earlier message of its group
   * that is not moved: a group gives its messages in order), and, of a whole FIFO queue,
   * `notReached`: how many messages it still holds besides those seen and left (counted while they
   * are held), the ones behind a message left in its group, which the queue does not give while
   * that one is there. `onMoved` is told of each message once it is moved (the count so far, the
   * total when known, the message as it was received: on a FIFO queue, those behind the first of
   * each group are seen only here; and, with `sources`, the queue it went to).
   */
  async redrive(
    ids?: readonly string[],
    onMoved?: (done: number, total: number | undefined, message: Message, to: string | undefined) => void,
  ): Promise<{ moved: string[]; notFound: string[]; notRedriven: NotRedriven[]; notReached: number }> {
    const wanted = ids ? new Set(ids) : undefined;
    const found = new Set<string>();
    const moved: string[] = [];
    const notRedriven: NotRedriven[] = [];
    const total = wanted ? wanted.size : await this.count();
    const picks = (m: Message) => {
      if (!wanted) return true;
      const hits = [m.MessageId!, snsMessageIdOf(m.Body)].filter((id): id is string => id !== undefined && wanted.has(id));
      for (const id of hits) found.add(id);
      return hits.length > 0;
    };
    const { sources, unknownSourceTo } = this.options;
    // A whole FIFO queue: what it still holds once nothing more comes is behind what this scan holds.
    const countsBehind = !wanted && isFifoUrl(this.options.deadLetterQueueUrl);
    let remaining = 0;
    const skipped = await this.receiveAll(
      async (batch) => {
        const selected = batch.filter(picks);
        const done: Message[] = [];
        for (const message of selected) {
          const way = sources ? redriveSourceOf(message, sources, unknownSourceTo) : undefined;
          if (way && 'why' in way) {
            // Not guessed: it stays, held until the scan ends like those not selected.
            notRedriven.push({ messageId: message.MessageId!, why: way.why });
            continue;
          }
          if (this.options.forward && !way) await this.options.forward(message);
          else {
            await this.options.sqs.send(
              new SendMessageCommand({
                QueueUrl: way ? way.source.url : this.options.sourceQueueUrl,
                MessageBody: message.Body!,
                MessageAttributes: message.MessageAttributes,
                ...redriveFifoFields(message),
              }),
            );
          }
          await this.options.sqs.send(new DeleteMessageCommand({ QueueUrl: this.options.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
          done.push(message);
          moved.push(message.MessageId!);
          onMoved?.(moved.length, total, message, way?.source.name);
        }
        // Only the messages not moved stay held (so each is seen once), released at the end.
        return batch.filter((m) => !done.includes(m));
      },
      countsBehind
        ? async () => {
            // Counted while every message left is held (visible and in flight, as a listing counts): the rest was not reached.
            // Nothing left, no group is held: nothing can wait behind.
            if (notRedriven.length > 0) remaining = (await queueDepth(this.options.sqs, this.options.deadLetterQueueUrl)).total;
          }
        : undefined,
    );
    await this.release(skipped);
    return { moved, notFound: (ids ?? []).filter((id) => !found.has(id)), notRedriven, notReached: Math.max(0, remaining - skipped.length) };
  }

  /**
   * Deletes exactly the messages whose ids are given (those a user saw listed and confirmed),
   * never one that arrived since. Returns what was deleted and which ids were not found.
   */
  async purge(ids: readonly string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    const wanted = new Set(ids);
    const deleted: string[] = [];
    const skipped = await this.receiveAll(async (batch) => {
      const selected = batch.filter((m) => wanted.has(m.MessageId!));
      const out = await deleteMessagesInBatches(this.options.sqs, this.options.deadLetterQueueUrl, selected.map((m) => m.ReceiptHandle!));
      for (const index of out.successful) deleted.push(selected[index]!.MessageId!);
      return batch.filter((m) => !selected.includes(m));
    });
    await this.release(skipped);
    const done = new Set(deleted);
    return { deleted, notFound: ids.filter((id) => !done.has(id)) };
  }

  /** Decodes a message as the consumer would, to say why it was rejected. */
  explain(message: Message): DeadLetter {
    const body = message.Body ?? '';
    const decoded = this.options.decode?.(deadLetterRecord(message));
    const sent = Number(message.Attributes?.SentTimestamp);
    const readable = decoded?.ok ? undefined : readableParts(body);
    const subject = subjectOfMessage(body, decoded, this.options.describe);
    return {
      messageId: message.MessageId!,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
      body,
      snsMessageId: decoded?.envelope?.messageId ?? readable?.snsMessageId,
      messageName: decoded?.ok ? decoded.name : undefined,
      reason: decoded && !decoded.ok ? decoded.error : undefined,
      subject,
      ...(message.Attributes?.MessageGroupId ? { messageGroupId: message.Attributes.MessageGroupId } : {}),
      message,
    };
  }

  /**
   * Receives every message once, ten at a time, handing each batch to `onBatch`, which returns the
   * messages it did not consume (they stay held until the caller releases them). Returns those.
   * `whileHeld` runs once nothing more can be received, before anything is released.
   */
  private async receiveAll(onBatch: (batch: Message[]) => Promise<Message[]> = async (b) => b, whileHeld?: () => Promise<void>): Promise<Message[]> {
    const kept = new Map<string, Message>();
    const seen = new Set<string>();
    let current: Message[] = [];
    try {
      for (let emptyReceives = 0; emptyReceives < 2; ) {
        // Short polling samples servers on AWS; a second empty receive makes "empty" more certain.
        // Where the counts are exact, it is made only when there is something it could bring.
        if (emptyReceives === 1 && this.options.exactCounts && !(await this.anythingToWaitFor(kept.size))) break;
        const out = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.deadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: this.options.holdSeconds ?? 30,
            WaitTimeSeconds: emptyReceives === 0 ? 0 : 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const fresh = (out.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
        for (const m of fresh) seen.add(m.MessageId!);
        emptyReceives = fresh.length === 0 ? emptyReceives + 1 : 0;
        current = fresh;
        if (fresh.length > 0) for (const m of await onBatch(fresh)) kept.set(m.MessageId!, m);
        current = [];
      }
      await whileHeld?.();
    } catch (error) {
      // A failure part-way (a send, a delete, a receive) must not leave what is held hidden for
      // `holdSeconds`: release it now. Messages of the batch already moved or deleted have invalid
      // receipt handles by now, which SQS reports per entry, harmlessly.
      await this.release([...kept.values(), ...current.filter((m) => !kept.has(m.MessageId!))]).catch(() => {});
      throw error;
    }
    return [...kept.values()];
  }

  /**
   * After a receive that found nothing, on a queue whose counts are exact: whether a receive that
   * waits could still bring a message. Yes while messages other than the `held` ones this read
   * holds are in flight or delayed, or (on a standard queue) visible; on a FIFO queue the visible
   * ones then all wait behind a group's first message, which is in flight.
   */
  private async anythingToWaitFor(held: number): Promise<boolean> {
    const depth = await queueDepth(this.options.sqs, this.options.deadLetterQueueUrl);
    return depth.inFlight > held || depth.delayed > 0 || (depth.visible > 0 && !isFifoUrl(this.options.deadLetterQueueUrl));
  }

  /** Makes held messages visible again at once. */
  private async release(messages: Message[]): Promise<void> {
    await changeVisibilityInBatches(this.options.sqs, this.options.deadLetterQueueUrl, messages.map((m) => m.ReceiptHandle!), 0);
  }
}
