/**
 * Where a redrive puts each dead letter back. A dead-letter queue of one queue: that queue, as
 * always. A dead-letter queue several queues share: the queue SQS moved the message from, which it
 * records on the message as the system attribute `DeadLetterQueueSourceArn` (the local stack
 * records it too), as `StartMessageMoveTask` without a destination does. A message of a shared
 * queue without that attribute, or naming a queue that is none of its sources, is not guessed: it
 * stays in the dead-letter queue, with why, for the operator to move with an explicit destination
 * (`unknownSourceTo`: `dlq redrive --to`).
 *
 * A message's source is matched by queue name: the last segment of its `DeadLetterQueueSourceArn`
 * against the last segment of each source's URL (the deployed name, which on AWS is not the
 * contract's). SQS takes a dead-letter queue only in the account and region of its sources, so the
 * name alone tells them apart, without asking SQS for each source's ARN.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { DecodeResult, RecordInput } from '@sluice/runtime/consumer';

/** One queue a dead-letter queue's messages go back to. */
export interface RedriveSource {
  /** The queue's name: what the redrive's result and warnings name. */
  name: string;
  /**
   * Its URL, where a redrive sends the messages that came from it; its last segment, the queue's
   * deployed name, is what a dead letter's `DeadLetterQueueSourceArn` is matched against.
   */
  url: string;
  /** Its consumer's operation id, when the contract has one. @default none */
  consumer?: string;
  /**
   * The ARN of the SNS subscription that delivers to it and dead-letters into this dead-letter
   * queue: a message SNS could not deliver (no `DeadLetterQueueSourceArn`: SQS did not move it)
   * whose envelope names this subscription (its `UnsubscribeURL`) goes back here. A topic's
   * unrouted and triage subscriptions share the triage's dead-letter queue.
   * @default none
   */
  subscriptionArn?: string;
  /**
   * Its consumer's decoder: whether that consumer would take a message back (`rejectedOnTheWayBack`).
   * @default none: nothing is predicted of the messages that go back to it
   */
  decode?: (record: RecordInput) => DecodeResult;
}

/** A dead letter a redrive leaves where it is, since which of the queue's sources it came from is not known. */
export interface NotRedriven {
  /** Its SQS message id in the dead-letter queue. */
  messageId: string;
  /** Why, in one sentence: no `DeadLetterQueueSourceArn`, or one naming none of the sources. */
  why: string;
}

/**
 * Where a redrive puts the messages of a topic's triage dead-letter queue, which is the dead-letter
 * queue of the triage queue and of two subscriptions (the triage's and the unrouted queue's):
 * what SQS moved from the triage queue goes back there; what SNS dead-lettered for the unrouted
 * subscription (its envelope names it) into the unrouted queue; anything else back to the triage
 * queue, which decides again. When the unrouted queue or its subscription is not known (`why`),
 * what SNS dead-lettered stays, with why: back in the triage queue the function would leave it to
 * SNS (the unrouted filter admits it), and it would be lost. The unknown queue is then named among
 * the sources but never chosen: it has no subscription and no URL a dead letter names.
 *
 * @param triage - the triage queue
 * @param unrouted - the unrouted queue with its subscription's ARN, or its name and why it is not known
 * @returns the sources and the `unknownSourceTo` of the redrive
 * @example
 * ```ts
 * import { triageRedriveSources } from '@sluice/ops';
 *
 * const { sources, unknownSourceTo } = triageRedriveSources(
 *   { name: 'OrderTopicTriage', url: 'http://127.0.0.1:4566/000000000000/OrderTopicTriage' },
 *   { name: 'OrderTopicUnrouted', why: 'restart npm start, then redrive again' },
 * );
 * sources.map((s) => s.name); // ['OrderTopicTriage', 'OrderTopicUnrouted (not found: restart npm start, then redrive again)']
 * unknownSourceTo; // undefined: what SNS dead-lettered stays
 * ```
 */
export function triageRedriveSources(triage: RedriveSource, unrouted: RedriveSource | { name: string; why: string }): { sources: RedriveSource[]; unknownSourceTo?: RedriveSource } {
  if ('why' in unrouted) return { sources: [triage, { name: `${unrouted.name} (not found: ${unrouted.why})`, url: 'unknown' }] };
  return { sources: [triage, unrouted], unknownSourceTo: triage };
}

/**
 * The subscription an SNS envelope was delivered (or dead-lettered) for: the `SubscriptionArn` of
 * its `UnsubscribeURL`. Undefined for a body that is no envelope, or names none: what SNS did not
 * dead-letter (sent to the queue by hand).
 *
 * @example
 * ```ts
 * import { subscriptionArnOf } from '@sluice/ops';
 *
 * subscriptionArnOf(JSON.stringify({ Type: 'Notification', UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:OrderTopic:1b2c' }));
 * // 'arn:aws:sns:eu-west-1:123456789012:OrderTopic:1b2c'
 * subscriptionArnOf('{"orderId":"ord-1"}'); // undefined
 * ```
 */
export function subscriptionArnOf(body: string | undefined): string | undefined {
  if (!body || !body.includes('UnsubscribeURL')) return undefined;
  try {
    const envelope = JSON.parse(body) as { UnsubscribeURL?: unknown };
    return typeof envelope.UnsubscribeURL === 'string' ? (new URL(envelope.UnsubscribeURL).searchParams.get('SubscriptionArn') ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** The queue name an SQS queue URL or ARN ends with: `…/123456789012/Billing`, `arn:aws:sqs:…:Billing`. */
const queueNameIn = (urlOrArn: string) => urlOrArn.split(/[/:]/).pop();

/**
 * The source a redrive puts `message` back to: one SNS dead-lettered (no `DeadLetterQueueSourceArn`)
 * whose envelope names the subscription of a source (`subscriptionArn`), that one; else with one
 * source, that one (whether or not SQS recorded it on the message); with several, the one its
 * `DeadLetterQueueSourceArn` names (by queue name: see the module comment); else `unknownSourceTo`
 * when given (`dlq redrive --to`; a triage dead-letter queue's triage queue). Else why it is not
 * put back anywhere.
 *
 * @param message - the dead letter as received, with its system attributes (`MessageSystemAttributeNames: ['All']`)
 * @param sources - the queues whose dead-letter queue it is
 * @param unknownSourceTo - where a message whose source is not known goes @default nowhere: it stays
 * @example
 * ```ts
 * import { redriveSourceOf, type RedriveSource } from '@sluice/ops';
 *
 * const sources: RedriveSource[] = [
 *   { name: 'Billing', url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Billing' },
 *   { name: 'Fulfilment', url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Fulfilment' },
 * ];
 * redriveSourceOf({ Attributes: { DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:Fulfilment' } }, sources); // { source: Fulfilment's }
 * redriveSourceOf({}, sources); // { why: 'no DeadLetterQueueSourceArn: …' }
 * redriveSourceOf({}, sources, sources[0]); // { source: Billing's }
 * ```
 */
export function redriveSourceOf(message: Pick<Message, 'Attributes' | 'Body'>, sources: readonly RedriveSource[], unknownSourceTo?: RedriveSource): { source: RedriveSource } | { why: string } {
  if (!message.Attributes?.DeadLetterQueueSourceArn) {
    const arn = subscriptionArnOf(message.Body);
    const named = arn === undefined ? undefined : [...sources, ...(unknownSourceTo ? [unknownSourceTo] : [])].find((s) => s.subscriptionArn === arn);
    if (named) return { source: named };
  }
  if (sources.length === 1) return { source: sources[0]! };
  const names = sources.map((s) => s.name).join(', ');
  const recorded = message.Attributes?.DeadLetterQueueSourceArn;
  const source = recorded ? sources.find((s) => queueNameIn(s.url) === queueNameIn(recorded)) : undefined;
  if (source) return { source };
  if (unknownSourceTo) return { source: unknownSourceTo };
  if (!recorded) {
    // Not moved there by SQS: dead-lettered by an SNS subscription (its envelope names it), or sent there directly.
    const subscription = subscriptionArnOf(message.Body);
    if (subscription) return { why: `SNS dead-lettered it for the subscription ${subscription} (its envelope's UnsubscribeURL), which is not known as one of ${names}` };
    return { why: `no DeadLetterQueueSourceArn: which of ${names} it came from is not known (sent to the dead-letter queue directly, not moved there by SQS)` };
  }
  return { why: `its DeadLetterQueueSourceArn, ${recorded}, is none of ${names}` };
}

/**
 * `letters` by where a redrive puts each back ({@link redriveSourceOf}), in the order of `sources`
 * then `unknownSourceTo` (those none go back to left out), and those it leaves, with why.
 *
 * @example
 * ```ts
 * import { waysBack, type DeadLetter, type RedriveSource } from '@sluice/ops';
 *
 * declare const letters: DeadLetter[];
 * declare const sources: RedriveSource[];
 * const { back, left } = waysBack(letters, sources);
 * for (const { source, letters: going } of back) console.log(`${going.length} to ${source.name}`);
 * for (const { letter, why } of left) console.log(`${letter.messageId} stays: ${why}`);
 * ```
 */
export function waysBack<T extends { message: Pick<Message, 'Attributes' | 'Body'> }>(
  letters: readonly T[],
  sources: readonly RedriveSource[],
  unknownSourceTo?: RedriveSource,
): { back: { source: RedriveSource; letters: T[] }[]; left: { letter: T; why: string }[] } {
  const bySource = new Map<RedriveSource, T[]>();
  const left: { letter: T; why: string }[] = [];
  for (const letter of letters) {
    const way = redriveSourceOf(letter.message, sources, unknownSourceTo);
    if ('why' in way) left.push({ letter, why: way.why });
    else bySource.set(way.source, [...(bySource.get(way.source) ?? []), letter]);
  }
  const order = unknownSourceTo && !sources.includes(unknownSourceTo) ? [...sources, unknownSourceTo] : sources;
  return { back: order.filter((s) => bySource.has(s)).map((source) => ({ source, letters: bySource.get(source)! })), left };
}

/**
 * What to do with the dead letters a redrive left ({@link NotRedriven}), as `dlq redrive` and the
 * local console say it: move each with an explicit destination, or purge it.
 *
 * @param redrive - the redrive command as the operator types it, target flags included: `npx orders dlq redrive`
 * @param deadLetterQueue - the shared dead-letter queue
 * @param sources - its sources' names: where such a message may belong
 * @example
 * ```ts
 * import { notRedrivenNext } from '@sluice/ops';
 *
 * notRedrivenNext('npx orders dlq redrive', 'SharedDLQ', ['Billing', 'Fulfilment']);
 * // 'Move each to the queue whose consumer should process it with `npx orders dlq redrive --queue SharedDLQ --to <queue> --id <messageId>` (Billing, Fulfilment), or purge it once no longer needed.'
 * ```
 */
export function notRedrivenNext(redrive: string, deadLetterQueue: string, sources: readonly string[]): string {
  return `Move each to the queue whose consumer should process it with \`${redrive} --queue ${deadLetterQueue} --to <queue> --id <messageId>\` (${sources.join(', ')}), or purge it once no longer needed.`;
}

/**
 * What to do with the dead letters a redrive of a topic's triage dead-letter queue left
 * ({@link triageRedriveSources}: its unrouted queue or that queue's subscription could not be
 * found). Not `--to`, which such a queue refuses (each message goes where it was going): once the
 * unrouted queue and its subscription can be found again, the same redrive puts them there.
 *
 * @param redrive - the redrive command as the operator types it, target flags included: `npx orders dlq redrive`
 * @param deadLetterQueue - the triage dead-letter queue
 * @param unroutedQueue - its topic's unrouted queue, the one not found
 * @param fix - what makes it and its subscription again: `restart npm start`, `deploy the application`
 * @example
 * ```ts
 * import { triageNotRedrivenNext } from '@sluice/ops';
 *
 * triageNotRedrivenNext('npx orders dlq redrive', 'OrderTopicTriageDLQ', 'OrderTopicUnrouted', 'restart npm start');
 * // 'Once OrderTopicUnrouted and its subscription can be found again (restart npm start; the reason above says what is missing), run `npx orders dlq redrive --queue OrderTopicTriageDLQ` again: what SNS dead-lettered for that subscription goes there, the rest back to the triage queue. Or purge them once no longer needed.'
 * ```
 */
export function triageNotRedrivenNext(redrive: string, deadLetterQueue: string, unroutedQueue: string, fix: string): string {
  return `Once ${unroutedQueue} and its subscription can be found again (${fix}; the reason above says what is missing), run \`${redrive} --queue ${deadLetterQueue}\` again: what SNS dead-lettered for that subscription goes there, the rest back to the triage queue. Or purge them once no longer needed.`;
}

/**
 * What a redrive of a FIFO dead-letter queue says of the messages it could not reach: those behind
 * a message it left (its source not known) in their groups, which a FIFO queue gives only once that
 * one is gone. Never left unsaid: they are neither moved nor listed as left.
 *
 * @param redrive - the redrive command as the operator types it, target flags included: `npx orders dlq redrive`
 * @param deadLetterQueue - the FIFO dead-letter queue
 * @param count - how many messages the queue still holds besides those left (`DeadLetterQueue.redrive`'s `notReached`)
 * @param triage - whether it is a topic's triage dead-letter queue, which refuses `--to`: the ones
 * left move when the redrive runs again once its unrouted queue is found ({@link triageNotRedrivenNext}) @default false
 * @example
 * ```ts
 * import { notReachedBehind } from '@sluice/ops';
 *
 * notReachedBehind('npx orders dlq redrive', 'SharedDLQ.fifo', 2);
 * // '2 more message(s) behind them in their FIFO groups were not reached: move the ones left (`npx orders dlq redrive --queue SharedDLQ.fifo --to <queue> --id <messageId>`) or purge them, then run the redrive again'
 * notReachedBehind('npx orders dlq redrive', 'PaymentsTriageDLQ.fifo', 2, true);
 * // '2 more message(s) behind them in their FIFO groups were not reached: the redrive run again (`npx orders dlq redrive --queue PaymentsTriageDLQ.fifo`) takes them after the ones left, once those can go; or purge the ones left, then run it again'
 * ```
 */
export function notReachedBehind(redrive: string, deadLetterQueue: string, count: number, triage = false): string {
  const notReached = `${count} more message(s) behind them in their FIFO groups were not reached`;
  if (triage) return `${notReached}: the redrive run again (\`${redrive} --queue ${deadLetterQueue}\`) takes them after the ones left, once those can go; or purge the ones left, then run it again`;
  return `${notReached}: move the ones left (\`${redrive} --queue ${deadLetterQueue} --to <queue> --id <messageId>\`) or purge them, then run the redrive again`;
}
