/**
 * A dead letter's `DeadLetterQueueSourceArn`, as on AWS: when SQS moves a message to a queue's
 * dead-letter queue (after `maxReceiveCount` receives), it records on it the ARN of the queue it
 * came from, and `ReceiveMessage` gives it as that system attribute (asked for by name, or with
 * `All`). A redrive without a destination (`StartMessageMoveTask`, `dlq redrive`) reads it to put
 * each message of a dead-letter queue several queues share back to its own queue.
 *
 * fauxqs 2.4.1 records nothing: its receive moves the message (`SqsQueue.dequeue`, through the
 * `dlqResolver` it is handed: `store.getQueueByArn`, then the dead-letter queue's `enqueue`) and
 * its `ReceiveMessage` gives a fixed list of attributes. So the SQS router's `ReceiveMessage`
 * handler is wrapped, as sns-delivery-delay.ts wraps the SNS router's `Publish`: it is handed a
 * view of the store whose dead-letter queues note, on what they enqueue, the queue being received
 * from (the only queue a receive moves messages out of), and its answer gains the attribute of
 * each message noted. Nothing else passes through that view: a send or a redrive (a `SendMessage`)
 * records no source, as on AWS a new message has none.
 *
 * With a data folder the sources are kept beside fauxqs's messages, in a table of its database
 * (`sluice_dead_letter_sources`, by message id), written in the transaction of the move, and read
 * back when the stack starts (rows of messages gone since are dropped then).
 */
import type { DatabaseSync } from 'node:sqlite';
import { withMethod } from './sns-delivery-delay.ts';

/** A message as fauxqs holds it (its `SqsMessage`): what is noted is keyed by the object itself. */
interface HeldMessage {
  messageId: string;
}

/** What {@link recordDeadLetterSources} reads of a fauxqs queue (its `SqsQueue`). */
interface SourceQueue {
  /** The queue's ARN: what its dead letters record. */
  arn: string;
  /** The messages received and not yet deleted, by receipt handle: how a received message is found. */
  inflightMessages?: Map<string, { message: HeldMessage }>;
  enqueue(message: HeldMessage): unknown;
}

/** What the `ReceiveMessage` handler of fauxqs looks queues up in (its `SqsStore`). */
interface ReceiveStore {
  getQueue(url: string): SourceQueue | undefined;
  getQueueByArn(arn: string): SourceQueue | undefined;
}

/** `ReceiveMessage`'s request, as much as is read of it. */
interface ReceiveBody {
  QueueUrl?: string;
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
}

/** `ReceiveMessage`'s answer, as much as is changed of it. */
interface ReceiveAnswer {
  Messages?: { MessageId: string; ReceiptHandle: string; Attributes?: Record<string, string> }[];
}

/** An action's handler in fauxqs's SQS router: `(body, sqsStore, request)`. */
type SqsActionHandler = (body: unknown, sqsStore: unknown, ...rest: unknown[]) => unknown;

/** What {@link recordDeadLetterSources} changes of fauxqs's SQS router (its `SqsRouter`): the handlers by action. */
export interface SqsRouter {
  handlers: Map<string, SqsActionHandler>;
}

/** The system attribute. */
const ATTRIBUTE = 'DeadLetterQueueSourceArn';

/** The table the sources are kept in, beside fauxqs's `sqs_messages`. */
const TABLE = 'sluice_dead_letter_sources';

/** What the stack says once when the database is not as this version expects: the sources stay in memory. */
const IN_MEMORY_ONLY =
  "the dead letters' DeadLetterQueueSourceArn are kept in memory only, lost at a restart (a redrive of a dead-letter queue several queues share then leaves the messages moved before it, saying so; dlq redrive --to moves them)";

/**
 * Where the sources are kept: in memory by message object, and with a data folder in the database.
 * A database not as this fauxqs version has it (its `sqs_messages` table gone or changed) is said
 * once through `report`, and the sources are kept in memory: the stack starts and works on.
 */
class SourceBook {
  private readonly byMessage = new WeakMap<object, string>();
  /** What the database held at the start, by message id: the messages fauxqs loaded are new objects. */
  private readonly loaded = new Map<string, string>();
  private insert: ReturnType<DatabaseSync['prepare']> | undefined;
  private readonly report: (line: string) => void;
  private said = false;

  constructor(database: DatabaseSync | undefined, report: (line: string) => void) {
    this.report = report;
    if (!database) return;
    try {
      database.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (message_id TEXT PRIMARY KEY, source_arn TEXT NOT NULL)`);
      // The rows of messages deleted since (received and deleted, purged, redriven, expired).
      database.exec(`DELETE FROM ${TABLE} WHERE message_id NOT IN (SELECT message_id FROM sqs_messages)`);
      for (const row of database.prepare(`SELECT message_id, source_arn FROM ${TABLE}`).all()) this.loaded.set(String(row.message_id), String(row.source_arn));
      this.insert = database.prepare(`INSERT OR REPLACE INTO ${TABLE} (message_id, source_arn) VALUES (?, ?)`);
    } catch (error) {
      this.loaded.clear();
      this.inMemoryOnly(error);
    }
  }

  /** Notes that `message` was moved from the queue `sourceArn` (kept in the move's transaction, when there is a database). */
  note(message: HeldMessage, sourceArn: string): void {
    this.byMessage.set(message, sourceArn);
    try {
      this.insert?.run(message.messageId, sourceArn);
    } catch (error) {
      // Never fails the move it is part of: kept in memory from now on.
      this.inMemoryOnly(error);
    }
  }

  /** Says once that the database could not be used, and stops writing to it. */
  private inMemoryOnly(error: unknown): void {
    this.insert = undefined;
    if (this.said) return;
    this.said = true;
    this.report(`warning: sns-sqs: fauxqs's database is not as this version expects it (${error instanceof Error ? error.message : String(error)}): ${IN_MEMORY_ONLY}`);
  }

  sourceOf(message: HeldMessage): string | undefined {
    return this.byMessage.get(message) ?? this.loaded.get(message.messageId);
  }
}

/** Whether a receive asked for the attribute (by name, or `All`). */
function asksForSource(body: ReceiveBody): boolean {
  const names = [...(body.AttributeNames ?? []), ...(body.MessageSystemAttributeNames ?? [])];
  return names.includes('All') || names.includes(ATTRIBUTE);
}

/**
 * Makes the local stack record, on each message fauxqs moves to a dead-letter queue, the ARN of the
 * queue it came from, and give it as `DeadLetterQueueSourceArn` to a `ReceiveMessage` that asks for
 * it, as AWS does (see the module comment); with `database` (fauxqs's, with a data folder), kept
 * across restarts. Returns what stands in the way, when the router or the store is not as this
 * fauxqs version has it (the dead letters then have no source, and a redrive of a dead-letter
 * queue several queues share leaves them, saying so), for the caller to say once; undefined when done.
 *
 * @param router - fauxqs's SQS router, or undefined when it could not be found
 * @param database - fauxqs's database connection (a data folder), or undefined in memory
 * @param report - told once, in one line, of a store that turns out not to be as expected at a receive
 * @returns undefined, or why dead letters record no source
 *
 * @example
 * ```ts
 * import { recordDeadLetterSources, type SqsRouter } from './dead-letter-sources.ts';
 *
 * declare const router: SqsRouter | undefined;
 * const problem = recordDeadLetterSources(router, undefined, (line) => console.warn(line));
 * if (problem) console.warn(`warning: sns-sqs: ${problem}`);
 * ```
 */
export function recordDeadLetterSources(router: SqsRouter | undefined, database: DatabaseSync | undefined, report: (line: string) => void): string | undefined {
  const consequence =
    'a message moved to a dead-letter queue here records no DeadLetterQueueSourceArn (AWS records the queue it came from), so a redrive of a dead-letter queue several queues share leaves its messages, saying so (dlq redrive --to moves them)';
  if (!router || !(router.handlers instanceof Map)) return `fauxqs has no SQS router with its handlers where this version expects them: ${consequence}`;
  const receive = router.handlers.get('ReceiveMessage');
  if (typeof receive !== 'function') return `fauxqs's SQS router has no ReceiveMessage handler where this version expects it: ${consequence}`;
  const book = new SourceBook(database, report);
  let said = false;
  const sayOnce = (what: string) => {
    if (said) return;
    said = true;
    report(`warning: sns-sqs: fauxqs has no ${what} where this version expects it: ${consequence}`);
  };
  router.handlers.set('ReceiveMessage', async (body, store, ...rest) => {
    const request = (body ?? {}) as ReceiveBody;
    const sqsStore = store as ReceiveStore;
    if (typeof sqsStore?.getQueue !== 'function' || typeof sqsStore.getQueueByArn !== 'function') {
      sayOnce('SqsStore.getQueue or SqsStore.getQueueByArn');
      return receive(body, store, ...rest);
    }
    const source = request.QueueUrl ? sqsStore.getQueue(request.QueueUrl) : undefined;
    // The dead-letter queue a receive moves a message to notes where it came from: this queue.
    const view = source
      ? withMethod(sqsStore, 'getQueueByArn', (arn: string) => {
          const deadLetterQueue = sqsStore.getQueueByArn(arn);
          if (!deadLetterQueue) return deadLetterQueue;
          return withMethod(deadLetterQueue, 'enqueue', (message: HeldMessage) => {
            const out = deadLetterQueue.enqueue(message);
            book.note(message, source.arn);
            return out;
          });
        })
      : sqsStore;
    const answer = (await receive(body, view, ...rest)) as ReceiveAnswer | undefined;
    if (!answer?.Messages || !source || !asksForSource(request)) return answer;
    if (!(source.inflightMessages instanceof Map)) {
      sayOnce('SqsQueue.inflightMessages');
      return answer;
    }
    for (const message of answer.Messages) {
      const held = source.inflightMessages.get(message.ReceiptHandle)?.message;
      const arn = held ? book.sourceOf(held) : undefined;
      if (arn) message.Attributes = { ...message.Attributes, [ATTRIBUTE]: arn };
    }
    return answer;
  });
  return undefined;
}
