/**
 * What `dlq list --json` prints: one shape whether `--queue` picks a queue or not, so that a
 * script reads it without guessing. An object keyed by queue name; each entry says what the queue
 * is, its messages, and what it could not show. Every field is there, null when it has nothing to
 * say (JSON drops an undefined one). A dead-letter queue several queues share is one entry:
 * `source` the first of them (the only one in the common case, so a script reading `source` reads
 * on), `sources` every one.
 */
import type { DecodeError } from '@sluice/runtime/consumer';
import type { DeadLetter, NotShown } from './dead-letter-queue.ts';
import type { HandlerFailure } from './handler-failures.ts';

/** A message of {@link DeadLetterQueueJson.messages}: a {@link DeadLetter} without the SQS message as received. */
export interface DeadLetterJson {
  /** The SQS message id in the queue (what `redrive --id` and `purge --id` take). */
  messageId: string;
  /** `ApproximateReceiveCount`: the receives in the source queue, the one that moved it to the DLQ included (maxReceiveCount + 1 on the local stack), plus any since (each listing's). */
  receiveCount: number;
  /** When it was first sent, ISO-8601; null when SQS did not say. */
  sentAt: string | null;
  /** The body as it sits in the queue (an SNS envelope, or the raw payload). */
  body: string;
  /** The SNS message id, when the body is an SNS envelope. */
  snsMessageId: string | null;
  /** Which message of the contract it is, when the consumer's decoder accepts it. */
  messageName: string | null;
  /** Why the consumer's decoder rejects it under the current contract; null when it decodes fine. */
  reason: DecodeError | null;
  /** For one that decodes fine, what its consumer said when it last failed on it (the local stack keeps that). */
  handlerFailure: HandlerFailure | null;
  /** What it is about (the listing's subject column). */
  subject: string | null;
  /** A FIFO queue's message group. */
  messageGroupId: string | null;
  /** Only on an unrouted queue: why no subscription admitted it; null when one does now (redrive it). */
  unrouted?: string | null;
}

/** One queue of {@link DeadLetterListingJson}. */
export interface DeadLetterQueueJson {
  /**
   * What the queue is, as `status --json` names it: `deadLetter` (a queue's dead letters),
   * `unrouted` (a topic's publishes no subscription admitted), `triageDeadLetter` (what a topic's
   * triage function could not keep), `kept` (on the local stack, a queue an earlier contract left).
   */
  kind: 'deadLetter' | 'unrouted' | 'triageDeadLetter' | 'kept';
  /**
   * Where its messages came from, where a redrive puts them: the source queue, the topic of an
   * unrouted queue; null for a kept queue. Of a dead-letter queue several queues share, the first
   * of `sources` (the queue is one entry, its messages listed once).
   */
  source: string | null;
  /** Every queue (or topic) its messages came from: `[source]`, each queue sharing it as their dead-letter queue, `[]` for a kept queue. */
  sources: string[];
  /** The messages read. */
  messages: DeadLetterJson[];
  /** How many more the queue holds that could not be read, and why (on a FIFO queue, those behind the first of each group); null when none. */
  notShown: NotShown | null;
}

/** What `dlq list --json` prints, with or without `--queue`: each queue read, by its name. */
export type DeadLetterListingJson = Record<string, DeadLetterQueueJson>;

/**
 * A dead letter as `dlq list --json` gives it: every field of {@link DeadLetterJson}, null where it
 * has nothing to say, and on an unrouted queue `unrouted` (why no subscription admitted it).
 *
 * @param unrouted - on an unrouted queue, why no subscription admitted it (`null`: one does now); leave it out elsewhere
 * @example
 * ```ts
 * import { deadLetterJson, type DeadLetter } from '@sluice/ops';
 *
 * declare const letter: DeadLetter;
 * deadLetterJson(letter).reason; // { code: 'PAYLOAD_INVALID', … }, or null when it decodes fine
 * deadLetterJson(letter, 'no consumer declares OrderShipped').unrouted; // 'no consumer declares OrderShipped'
 * ```
 */
export function deadLetterJson(letter: Omit<DeadLetter, 'message'>, unrouted?: string | null): DeadLetterJson {
  return {
    messageId: letter.messageId,
    receiveCount: letter.receiveCount,
    sentAt: letter.sentAt ?? null,
    body: letter.body,
    snsMessageId: letter.snsMessageId ?? null,
    messageName: letter.messageName ?? null,
    reason: letter.reason ?? null,
    handlerFailure: letter.handlerFailure ?? null,
    subject: letter.subject ?? null,
    messageGroupId: letter.messageGroupId ?? null,
    ...(unrouted === undefined ? {} : { unrouted }),
  };
}
