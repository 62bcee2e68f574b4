/**
 * Which dead letters a redrive would send back to a consumer that rejects them again: those its
 * decoder rejects under the current contract, as `dlq list` explains them. Redriven, they are
 * received, rejected and dead-lettered again. `dlq redrive` warns of them on stderr, the local
 * console beside the redrive's result: both from {@link rejectedAgain} and its lines from
 * {@link rejectedAgainLines}, so that they say it of the same messages in the same words. It is a
 * prediction (a consumer fixed in its code may take them), so neither refuses to redrive them.
 */
import { terminalSafe } from '@sluice/cli';
import { deadLetterRecord, type DeadLetter } from './dead-letter-queue.ts';
import { waysBack, type RedriveSource } from './redrive-sources.ts';

/** Where a redrive puts dead letters back: what the warning names. */
export interface RedriveRoute {
  /** The dead-letter queue they are redriven from. */
  deadLetterQueue: string;
  /** The queue they go back to. */
  source: string;
  /** The consumer of `source` (its operation id), when the contract has one. */
  consumer?: string | undefined;
}

/** Dead letters of one reason code among those {@link rejectedAgain} found. */
export interface RejectedReason {
  /** The decoder's code (`PAYLOAD_INVALID`, `WRONG_EVENT_TYPE`, …). */
  code: string;
  /** How many. */
  count: number;
  /** Their SQS message ids, in the order given. */
  messageIds: string[];
  /** The first one's reason in full. */
  example: string;
}

/** What {@link rejectedAgain} says of the dead letters a redrive would send back to be rejected again. */
export interface RejectedAgain {
  /** The dead-letter queue they are redriven from. */
  deadLetterQueue: string;
  /** The SQS message ids of the dead letters it found (the consumer's decoder rejects each), in the order given. */
  messageIds: string[];
  /**
   * The sentence saying it, without a final colon: `the message to redrive from OrderDLQ would be
   * rejected again by consumeOrderPlaced (the consumer of OrderQueue) under the current contract,
   * and come back to OrderDLQ`.
   */
  summary: string;
  /** By reason code, in the order first met. */
  reasons: RejectedReason[];
  /** How many more the queue holds that could not be read before the redrive, and so were not checked: said, not left out; undefined when none. */
  notChecked: string | undefined;
  /**
   * Whether they are every message the queue holds (none picked out by id among others, none
   * that decodes fine, none unread): a purge of the whole queue deletes exactly them.
   */
  wholeQueue: boolean;
}

/** How {@link rejectedAgain} was checked. */
export interface RejectedAgainCheck {
  /**
   * Messages the queue holds that could not be read before the redrive (a FIFO group's behind its
   * first; `DeadLetterQueue.listing`'s `notShown`): not checked. @default 0
   */
  notRead?: number;
  /**
   * The letters are those that waited behind the first of their FIFO groups, checked as the
   * redrive moved them (unreadable before): they have been redriven already. @default false
   */
  checkedAsTheyMoved?: boolean;
  /** `selected` are those picked by id (`--id`, the console's row): others may wait in the queue. @default false */
  picked?: boolean;
}

/**
 * Of `selected`, the dead letters about to be redriven along `route`, those its consumer's decoder
 * rejects under the current contract (a `reason`): redriven, they would be rejected again and come
 * back. Grouped by reason code, with the sentence `dlq redrive` and the console say it in;
 * undefined when none would be (a message that failed in its handler is not predicted to).
 *
 * @param route - the dead-letter queue, the queue it redrives to and that queue's consumer
 * @param selected - the dead letters to redrive, read as `dlq list` reads them (`DeadLetterQueue.listing`)
 * @example
 * ```ts
 * import { rejectedAgain, type DeadLetterQueue } from '@sluice/ops';
 *
 * declare const dlq: DeadLetterQueue;
 * const listing = await dlq.listing();
 * const warning = rejectedAgain({ deadLetterQueue: 'OrderDLQ', source: 'OrderQueue', consumer: 'consumeOrderPlaced' }, listing.letters, { notRead: listing.notShown });
 * warning?.summary; // '1 of the 2 messages to redrive from OrderDLQ would be rejected again by consumeOrderPlaced (the consumer of OrderQueue) under the current contract, and come back to OrderDLQ'
 * ```
 */
export function rejectedAgain(route: RedriveRoute, selected: readonly Pick<DeadLetter, 'messageId' | 'reason'>[], check: RejectedAgainCheck = {}): RejectedAgain | undefined {
  const letters = selected.filter((l) => l.reason !== undefined);
  if (letters.length === 0) return undefined;
  const byCode = new Map<string, Pick<DeadLetter, 'messageId' | 'reason'>[]>();
  for (const l of letters) byCode.set(l.reason!.code, [...(byCode.get(l.reason!.code) ?? []), l]);
  const reasons = [...byCode].map(([code, ofCode]) => ({ code, count: ofCode.length, messageIds: ofCode.map((l) => l.messageId), example: ofCode[0]!.reason!.message }));
  const { deadLetterQueue: queue, source } = route;
  const consumer = route.consumer ? `${route.consumer} (the consumer of ${source})` : `the consumer of ${source}`;
  const all = letters.length === selected.length;
  const summary = check.checkedAsTheyMoved
    ? `${letters.length} of the messages redriven from ${queue} waited behind the first of their FIFO groups (unreadable before the redrive, checked as they moved) and would be rejected again by ${consumer} under the current contract: they will come back to ${queue}`
    : `${all ? (letters.length === 1 ? 'the message' : `all ${letters.length} messages`) : `${letters.length} of the ${selected.length} messages`} to redrive from ${queue} would be rejected again by ${consumer} under the current contract, and come back to ${queue}`;
  const notRead = check.notRead ?? 0;
  const notChecked = notRead > 0 && !check.checkedAsTheyMoved ? `${notRead} more message(s) in ${queue} could not be read${queue.endsWith('.fifo') ? ', behind these in their FIFO groups' : ''}: not checked.` : undefined;
  const wholeQueue = all && !check.picked && notRead === 0 && !check.checkedAsTheyMoved;
  return { deadLetterQueue: queue, messageIds: letters.map((l) => l.messageId), summary, reasons, notChecked, wholeQueue };
}

/**
 * {@link rejectedAgain} of dead letters each checked against the consumer of the queue a redrive
 * puts it back to (`waysBack`: a dead-letter queue several queues share sends each message to its
 * own source), not the first source's: one finding per source some would be rejected by, in the
 * order of `sources`. A message that goes nowhere (its source not known) or back to a queue
 * without a consumer (no `decode`) is not predicted of. Each letter is decoded again by its
 * source's decoder: its `reason` in a listing of a shared queue is the first consumer's that
 * rejects it, when none takes it.
 *
 * @param deadLetterQueue - the dead-letter queue they are redriven from
 * @param selected - the dead letters to redrive, read as `dlq list` reads them (`DeadLetterQueue.listing`)
 * @param sources - where they go back to, each with its consumer and decoder
 * @param unknownSourceTo - where one whose source is not known goes (`dlq redrive --to`) @default nowhere: not predicted of
 * @example
 * ```ts
 * import { rejectedOnTheWayBack, rejectedAgainLines, type DeadLetterQueue, type RedriveSource } from '@sluice/ops';
 *
 * declare const dlq: DeadLetterQueue;
 * declare const sources: RedriveSource[];
 * const listing = await dlq.listing();
 * for (const found of rejectedOnTheWayBack('SharedDLQ', listing.letters, sources, { notRead: listing.notShown })) {
 *   console.warn(rejectedAgainLines(found, { when: 'before', listing: '`dlq list`', seeThem: 'with `dlq list --queue SharedDLQ`' }).join('\n'));
 * }
 * ```
 */
export function rejectedOnTheWayBack(deadLetterQueue: string, selected: readonly DeadLetter[], sources: readonly RedriveSource[], check: RejectedAgainCheck = {}, unknownSourceTo?: RedriveSource): RejectedAgain[] {
  const { back } = waysBack(selected, sources, unknownSourceTo);
  // Split among several sources, no one finding is the whole queue: each names its ids.
  const picked = check.picked === true || back.length > 1;
  const found: RejectedAgain[] = [];
  for (const { source, letters } of back) {
    const decode = source.decode;
    if (!decode) continue;
    const judged = letters.map((l) => {
      const decoded = decode(deadLetterRecord(l.message));
      return { messageId: l.messageId, reason: decoded.ok ? undefined : decoded.error };
    });
    // What could not be read is said once, with the first finding.
    const one = rejectedAgain({ deadLetterQueue, source: source.name, consumer: source.consumer }, judged, { ...check, picked, notRead: found.length === 0 ? check.notRead : 0 });
    if (one) found.push(one);
  }
  return found;
}

/** How many ids a warning names before saying how many more. */
const IDS_SHOWN = 5;

/** When a {@link rejectedAgainLines} warning is said, and how the operator acts there. */
export type RejectedAgainMoment = {
  /** What shows each message's reason there: `` `dlq list` ``, `the listing`. */
  listing: string;
} & (
  | {
      /** Instead of the redrive (`--dry-run`): they stay where they are, under the ids shown. */
      when: 'dry run';
      /** The command that deletes dead letters, with the target's flags: `npx orders dlq purge`. */
      purge: string;
    }
  | {
      /**
       * Before the redrive moves them (`dlq redrive`: said first, then done), or after it (the
       * local console, and a FIFO queue's messages checked as they moved): either way they come
       * back, if they do, under new message ids, so no command by the ids shown can reach them.
       */
      when: 'before' | 'after';
      /** Where the operator sees them once back, after "see them": `` with `npx orders dlq list --queue OrderDLQ` ``, `in this listing`. */
      seeThem: string;
    }
);

/**
 * The lines of the warning `dlq redrive` and the local console give of a {@link rejectedAgain}
 * finding, each one line (text from messages made safe with `terminalSafe`, so that none forges
 * another): the summary; by reason code, its count, its first 5 ids (then how many more) and one
 * reason in full; what was not checked; and what to do, which depends on whether the redrive has
 * moved them (they come back under new message ids) and how the operator acts there.
 *
 * @param found - what {@link rejectedAgain} found
 * @param moment - before the redrive (with the command that purges), or after it (where to see them once back)
 * @example
 * ```ts
 * import { rejectedAgainLines, type RejectedAgain } from '@sluice/ops';
 *
 * declare const found: RejectedAgain;
 * rejectedAgainLines(found, { when: 'after', seeThem: 'in this listing', listing: 'the listing' }).join('\n');
 * // 'warning: the message to redrive from OrderDLQ would be rejected again …:\n  PAYLOAD_INVALID (1): m-1\n    e.g. …\nOnce back, see it in this listing; …'
 * ```
 */
export function rejectedAgainLines(found: RejectedAgain, moment: RejectedAgainMoment): string[] {
  const count = found.messageIds.length;
  const them = count === 1 ? 'it' : 'them';
  const ids = (list: readonly string[]) => list.slice(0, IDS_SHOWN);
  const reasons = found.reasons.flatMap(({ code, count: n, messageIds, example }) => [
    `  ${code} (${n}): ${ids(messageIds).join(', ')}${n > IDS_SHOWN ? ` and ${n - IDS_SHOWN} more` : ''}`,
    `    e.g. ${example}`,
  ]);
  const prediction = (listing: string) => `this is a prediction by the contract's decoder (the reason ${listing} shows), and a consumer fixed in its code may take ${them}.`;
  const advice =
    moment.when !== 'dry run'
      ? [
          `Once back (under new message ids), see ${them} ${moment.seeThem}; fix the contract (then \`npm run codegen\`) or the consumer (on AWS, deploy it) before redriving ${them} again, or purge ${them}.`,
          `${moment.when === 'before' ? 'Redriving anyway' : 'Redriven anyway'}: ${prediction(moment.listing)}`,
        ]
      : [
          `Fix the contract (then \`npm run codegen\`) or the consumer first (on AWS, deploy it), then redrive ${them}; or delete ${them} with \`${moment.purge} --queue ${found.deadLetterQueue}${found.wholeQueue ? '' : ` ${ids(found.messageIds).map((id) => `--id ${id}`).join(' ')}${count > IDS_SHOWN ? ' …' : ''}`}\`.`,
          `A redrive would move ${them} anyway: ${prediction(moment.listing)}`,
        ];
  return [`warning: ${found.summary}:`, ...reasons, ...(found.notChecked ? [`  (${found.notChecked})`] : []), ...advice].map(terminalSafe);
}
