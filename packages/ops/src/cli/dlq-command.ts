/**
 * `dlq list | redrive | purge`: what failed, why, and putting it back, for every dead-letter queue
 * of the topology, every topic's unrouted queue and triage dead-letter queue (or the one `--queue`
 * names; on the local stack also a queue an earlier contract left, which `npm start` keeps).
 */
import { CliError, UsageError, type CommandSpec } from '@sluice/cli';
import { createDecoder } from '@sluice/runtime/consumer';
import type { ReceiveOperation, Topology } from '@sluice/runtime/contract';
import type { Message } from '@aws-sdk/client-sqs';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { deadLetterQueuesOf, deadLetterReading, triageDeadLetterWhy } from '../dead-letter-queues.ts';
import { identityCell, readEnvelope, republish, unroutedMessageReason, type LiveRouting } from '../unrouted.ts';
import { liveRoutingOf } from './live-routing.ts';
import { DeadLetterQueue, notShownOf, type DeadLetter, type DeadLetterListing, type DeadLetterQueueOptions } from '../dead-letter-queue.ts';
import { describeHandlerFailure, localHandlerFailures } from '../handler-failures.ts';
import { deadLetterJson, type DeadLetterJson, type DeadLetterListingJson, type DeadLetterQueueJson } from '../dead-letter-json.ts';
import { rejectedAgainLines, rejectedOnTheWayBack } from '../rejected-again.ts';
import { notReachedBehind, notRedrivenNext, triageNotRedrivenNext, triageRedriveSources, waysBack, type NotRedriven, type RedriveSource } from '../redrive-sources.ts';
import { subjectFromContract } from '../message-subject.ts';
import { queueDepth } from '../queue-depth.ts';
import type { Target } from '../target.ts';
import { formatTable, terminalSafe, terminalSafeJson } from '@sluice/cli';
import { ProgressBar } from '@sluice/cli';
import { contractModule, targetFlags, targetOptions, withTarget } from './target-options.ts';
import { KEPT_UNEXPLAINED, keptQueueNotRedriven, ownedQueues } from '../owned-queues.ts';
import { missingQueues, missingQueuesWarning } from './missing-queues.ts';

/** The options of {@link dlqCommand}: how the application names what a message is about. */
export interface DlqCommandOptions {
  /**
   * Names what a dead-lettered message is about (e.g. `ord-1`), shown in the listing.
   * @default the framework's, which the local console shows too ({@link subjectFromContract}: the value of its message's first field)
   */
  describe?: (payload: unknown, messageName: string | undefined) => string | undefined;
  /**
   * Column title for `describe`'s result.
   * @default with the framework's `describe`, the first field every message of the queue's consumers starts with (`orderId`), else `subject`; with the application's `describe`, `subject`
   */
  subjectTitle?: string;
}

/**
 * A dead-letter queue of the topology, its source queues (`sources`: one, or each queue sharing
 * it; `source` the first) and their consumers; a topic's
 * unrouted queue (`unroutedTopic`), whose source is the topic; a topic's triage dead-letter queue
 * (`triage`: what the framework's triage function could not keep), whose source is the triage
 * queue (and what SNS could not deliver to the unrouted queue, which goes there); or, on the local stack, a queue no longer in the contract (`kept`: no source, no consumer).
 */
interface DlqRef {
  name: string;
  source: string | undefined;
  sources: string[];
  consumer: ReceiveOperation | undefined;
  consumers: ReceiveOperation[];
  unroutedTopic?: string;
  triage?: { topic: string; functionName: string; unroutedQueue: string };
  kept?: true;
}

/** The heading of one queue's listing. */
function headingOf(ref: DlqRef): string {
  if (ref.unroutedTopic) return `${ref.name} (unrouted publishes of ${ref.unroutedTopic})`;
  if (ref.triage) return `${ref.name} (publishes of ${ref.triage.topic} that ${ref.triage.functionName} could not keep, or SNS could not deliver to ${ref.triage.unroutedQueue})`;
  if (ref.kept) return `${ref.name} (no longer in the contract; kept by the local stack with its messages)`;
  return `${ref.name} (dead letters of ${ref.sources.join(', ')})`;
}

/** What a ref's queue is, in `dlq list --json` (the kinds `status --json` gives those queues). */
function kindOf(ref: DlqRef): DeadLetterQueueJson['kind'] {
  if (ref.unroutedTopic) return 'unrouted';
  if (ref.triage) return 'triageDeadLetter';
  if (ref.kept) return 'kept';
  return 'deadLetter';
}

/**
 * The subject column's title for `ref`'s listing: the application's ({@link DlqCommandOptions.subjectTitle});
 * with the framework's subject (a message's first field), that field's name when every message
 * the queue's consumers take starts with the same one (`orderId`), else `subject`.
 */
function subjectTitleOf(ref: DlqRef, options: DlqCommandOptions): string {
  if (options.subjectTitle) return options.subjectTitle;
  if (options.describe) return 'subject';
  const firsts = new Set(ref.consumers.flatMap((consumer) => Object.values(consumer.messages).map((message) => message.properties[0])));
  const [first] = firsts;
  return firsts.size === 1 && first ? first : 'subject';
}

/** A heading and its table on lines of their own (`empty.` on the heading's line). */
const titled = (heading: string, body: string) => (body === 'empty.' ? `${heading}: empty.` : `${heading}:\n${body}`);

/**
 * Every queue `dlq` reads; `--queue` picks one (by its name or one of its sources'). A name that is none
 * of the contract's is looked for among the local stack's kept queues (`localQueues`, asked only
 * then), else a usage error listing them. `localQueues` undefined: the contract's alone, and a name
 * outside them gives `undefined` (to look again once the target is reachable).
 */
async function deadLetterQueues(queue: string | undefined, localQueues?: () => Promise<string[] | undefined>): Promise<DlqRef[] | undefined> {
  const { topology, operations } = await contractModule();
  const all: DlqRef[] = deadLetterQueuesOf(topology, operations);
  if (!queue) return all;
  const picked = all.filter((d) => d.name === queue || d.sources.includes(queue));
  if (picked.length > 0) return picked;
  if (!localQueues) return undefined;
  // A queue an earlier contract made, which the local stack keeps with its messages.
  const owned = ownedQueues(topology);
  const kept = (await localQueues())?.filter((q) => !owned.has(q)) ?? [];
  if (kept.includes(queue)) return [{ name: queue, source: undefined, sources: [], consumer: undefined, consumers: [], kept: true }];
  throw new UsageError(
    `--queue ${JSON.stringify(queue)} is neither a dead-letter queue nor a queue with one: try ${[...all.map((d) => d.name), ...kept].join(', ') || '(the contract declares none)'}`,
  );
}

/**
 * The queues `dlq` reads on `target`: a name outside the contract is looked for among the kept
 * queues of a local stack that answers; with none answering (or on AWS) it is a usage error (2)
 * listing the contract's, as before anything is reached.
 */
async function refsOn(target: Target, queue: string | undefined): Promise<DlqRef[]> {
  return (await deadLetterQueues(queue, async () => {
    try {
      await target.checkReachable();
    } catch {
      return undefined; // said by the caller's own reachability check, when the name is known
    }
    return target.localQueueNames();
  }))!;
}

/**
 * The queues a ref reads or writes on the stack: the dead-letter (or unrouted, kept) queue, and the
 * source queues it redrives to, each queue sharing it (an unrouted queue's source is its topic, a
 * kept one has none).
 */
const queuesOf = (ref: DlqRef): string[] => [ref.name, ...(ref.unroutedTopic || ref.kept ? [] : ref.sources)];

/**
 * The refs whose queues the local stack has. Queues the contract gained after `npm start` created
 * its own (`npm run codegen` while it runs) are not there yet: without `--queue` those refs are
 * left out, with a warning line naming them and saying to restart `npm start`; a `--queue` naming
 * one fails, saying the same. On AWS every ref is kept (a queue not found is reported when used).
 */
async function presentRefs(target: Target, refs: DlqRef[], queue: string | undefined, invocation: string, io: { err(line: string): void }, options: { sources: boolean } = { sources: true }): Promise<DlqRef[]> {
  // Listing and purging read the dead-letter queue alone; a redrive needs the queue it goes to too.
  // An unrouted queue's topic, always: its messages are judged by the subscriptions it runs, and
  // redriven by publishing to it.
  const needed = (r: DlqRef) => (options.sources ? queuesOf(r) : [r.name]);
  const missing = await missingQueues(target, refs.flatMap(needed), refs.flatMap((r) => (r.unroutedTopic ? [r.unroutedTopic] : [])));
  if (missing.size === 0) return refs;
  if (queue !== undefined) {
    const names = [...missing];
    throw new CliError(`the ${target.describe()} has no queue ${names.join(', ')} of the contract (the contract changed since it started, or the queue was deleted)`, {
      next: `Restart \`npm start\` to create ${names.length === 1 ? 'it' : 'them'}.`,
    });
  }
  io.err(missingQueuesWarning(invocation, target, missing));
  return refs.filter((r) => !needed(r).some((q) => missing.has(q)));
}

/**
 * The ARNs of the topics feeding `consumer`'s queue, so that the listing explains a message sent
 * to the queue by someone else as the consumer did; undefined (no source check) when a topic
 * cannot be located.
 */
async function sourceTopicArns(target: Target, consumer: ReceiveOperation): Promise<string[] | undefined> {
  try {
    return await Promise.all((consumer.sources ?? []).map((s) => target.topicArn(s.topic)));
  } catch {
    return undefined;
  }
}

/** On the local stack a queue's counts are exact ({@link DeadLetterQueueOptions.exactCounts}). */
function exactOn(target: Target): Pick<DeadLetterQueueOptions, 'exactCounts'> {
  return target.endpoint ? { exactCounts: true } : {};
}

/** The ARNs of the topics feeding each of `consumers`' queues ({@link sourceTopicArns}), by consumer id: read once per queue. */
async function topicArnsOf(target: Target, consumers: readonly ReceiveOperation[]): Promise<Map<string, string[] | undefined>> {
  return new Map(await Promise.all(consumers.map(async (c) => [c.id, await sourceTopicArns(target, c)] as const)));
}

/** `consumer`'s decoder, checking the topics a message came through against `arns` when known. */
const decoderOf = (consumer: ReceiveOperation, arns: Map<string, string[] | undefined>) => createDecoder(consumer, arns.get(consumer.id) ? { sourceTopicArns: arns.get(consumer.id)! } : {});

/**
 * The queue `name` as a redrive puts messages back to it: its URL (whose last segment, the deployed
 * name, a shared dead-letter queue's messages are matched against by their DeadLetterQueueSourceArn),
 * its consumer among `consumers` and that consumer's decoder (what it would say of a message once back).
 */
async function redriveSourceNamed(target: Target, name: string, consumers: readonly ReceiveOperation[], arns: Map<string, string[] | undefined>): Promise<RedriveSource> {
  const consumer = consumers.find((c) => c.queue === name);
  return { name, url: await target.queueUrl(name), ...(consumer ? { consumer: consumer.id, decode: decoderOf(consumer, arns) } : {}) };
}

/**
 * The unrouted queue of a triage dead-letter queue's topic, with the ARN of the subscription that
 * feeds it (read from the topic): where a redrive puts what SNS dead-lettered for that
 * subscription. When either cannot be found (the queue or the subscription deleted, no permission
 * to list the topic's subscriptions), why: what SNS dead-lettered then stays where it is, since
 * back in the triage queue the function would leave it to SNS again (what the unrouted filter
 * admits), and it would be lost.
 */
async function unroutedSourceOf(target: Target, triage: NonNullable<DlqRef['triage']>): Promise<RedriveSource | { why: string }> {
  const restart = target.mode === 'aws' ? 'deploy the application' : 'restart npm start';
  try {
    const url = await target.queueUrl(triage.unroutedQueue);
    const queueName = url.split('/').pop()!;
    const topicArn = await target.topicArn(triage.topic);
    let token: string | undefined;
    do {
      const page = await target.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
      const found = (page.Subscriptions ?? []).find((s) => s.Protocol === 'sqs' && s.Endpoint?.split(':').pop() === queueName && s.SubscriptionArn?.startsWith('arn:'));
      if (found) return { name: triage.unroutedQueue, url, subscriptionArn: found.SubscriptionArn! };
      token = page.NextToken;
    } while (token);
    return { why: `${triage.topic} has no subscription to ${triage.unroutedQueue}: ${restart}, then redrive again` };
  } catch (error) {
    return { why: `where ${triage.topic}'s unrouted subscription delivers could not be read (${(error as Error).message}): ${restart} (or grant sns:ListSubscriptionsByTopic), then redrive again` };
  }
}

/** Where `ref`'s messages go back to: each of its source queues ({@link redriveSourceNamed}). */
async function redriveSourcesOf(target: Target, ref: DlqRef, arns: Map<string, string[] | undefined>): Promise<RedriveSource[]> {
  return Promise.all(ref.sources.map((name) => redriveSourceNamed(target, name, ref.consumers, arns)));
}

async function open(
  target: Target,
  ref: DlqRef,
  options: DlqCommandOptions,
  use: { redrive: boolean; sources?: RedriveSource[]; unknownSourceTo?: RedriveSource; arns?: Map<string, string[] | undefined> } = { redrive: true },
): Promise<DeadLetterQueue> {
  if (ref.kept || !ref.source) {
    // Nothing to put it back to: its consumer is no longer in the contract.
    const url = await target.queueUrl(ref.name);
    return new DeadLetterQueue({ sqs: target.sqs, deadLetterQueueUrl: url, sourceQueueUrl: url, ...exactOn(target) });
  }
  if (ref.unroutedTopic) {
    // Put back by publishing to the topic again: its subscriptions route it anew.
    const url = await target.queueUrl(ref.name);
    const topicArn = await target.topicArn(ref.unroutedTopic);
    return new DeadLetterQueue({ sqs: target.sqs, deadLetterQueueUrl: url, sourceQueueUrl: url, forward: (message) => republish(target.sns, topicArn, message), ...exactOn(target) });
  }
  const arns = use.arns ?? (await topicArnsOf(target, ref.consumers));
  const deadLetterQueueUrl = await target.queueUrl(ref.name);
  // Each source's consumer's decoder (a shared dead-letter queue's messages come from several), as the local console reads them.
  const reading = deadLetterReading(ref, (c) => decoderOf(c, arns), (await contractModule()).messages);
  return new DeadLetterQueue({
    sqs: target.sqs,
    deadLetterQueueUrl,
    // Listing and purging read the dead-letter queue alone: its source may be gone (deleted by hand).
    sourceQueueUrl: use.redrive ? await target.queueUrl(ref.source) : deadLetterQueueUrl,
    // Each message back to the queue it came from (of a queue several share, the one SQS recorded on it).
    ...(use.sources ? { sources: use.sources } : {}),
    // --to on a queue several share: where one whose source is not known goes.
    ...(use.unknownSourceTo ? { unknownSourceTo: use.unknownSourceTo } : {}),
    ...(reading.decode ? { decode: reading.decode } : {}),
    // The application's subject, else the framework's (the local console's too): its message's first field.
    describe: options.describe ?? reading.describe,
    // The local stack keeps what each consumer last said of a message it failed on; AWS keeps it in CloudWatch.
    ...(target.endpoint ? { failuresOf: (ids: string[]) => localHandlerFailures(target.endpoint!, ids) } : {}),
    ...exactOn(target),
  });
}

/** What "why it failed" says of a message no decoder explains: the same of each, or each its own (a triage dead-letter queue's, by its marks). */
type Unexplained = string | ((letter: DeadLetter) => string);

/** Why a dead letter failed when the consumer's decoder accepts it. */
const DECODES_FINE = 'decodes as a valid message: it failed while being handled (see the consumer log for this messageId); redrive it once fixed';

/** What "why it failed" says of a message whose reason no decoder gives: a triage function's (each by its marks), a kept queue's. */
function unexplainedOf(ref: DlqRef): Unexplained {
  if (ref.triage) {
    const triage = ref.triage;
    return (letter) => triageDeadLetterWhy(triage, ref.source!, letter.message);
  }
  if (ref.kept) return KEPT_UNEXPLAINED;
  return DECODES_FINE;
}

/**
 * Why a dead letter failed, in `dlq list`'s words: the decoder's reason when it rejects the
 * message; else what its consumer said when it last failed on it (the local stack keeps that);
 * else `unexplained`.
 *
 * @example
 * ```ts
 * import { whyDeadLettered, type DeadLetter } from '@sluice/ops';
 *
 * declare const letter: DeadLetter;
 * whyDeadLettered(letter); // 'consumeOrderPlaced threw on receive 3: Error: table is read-only'
 * ```
 */
export function whyDeadLettered(letter: Pick<DeadLetter, 'reason' | 'handlerFailure'>, unexplained = DECODES_FINE): string {
  if (letter.reason) return `${letter.reason.code}: ${letter.reason.message}`;
  return letter.handlerFailure ? describeHandlerFailure(letter.handlerFailure) : unexplained;
}

/**
 * Renders dead letters as a table with the reason each failed (its decode error, or that it
 * decodes and so failed in the handler), then a count; `empty.` when there are none.
 *
 * @param subjectTitle - the title of the column {@link DlqCommandOptions.describe} fills
 * @param unexplained - what "why it failed" says of a message the decoder accepts (or of every one, without a decoder): one text, or one per message
 *
 * @example
 * ```ts
 * import { formatDeadLetters, type DeadLetter } from '@sluice/ops';
 *
 * declare const letters: DeadLetter[];
 * console.log(formatDeadLetters(letters, 'paymentId'));
 * ```
 */
export function formatDeadLetters(letters: readonly DeadLetter[], subjectTitle = 'subject', unexplained: string | ((letter: DeadLetter) => string) = DECODES_FINE): string {
  if (letters.length === 0) return 'empty.';
  // A FIFO queue's messages with their group: the order they are redriven in is the group's.
  const grouped = letters.some((l) => l.messageGroupId !== undefined);
  const table = formatTable(
    ['messageId', ...(grouped ? ['group'] : []), 'receives', subjectTitle, 'why it failed'],
    letters.map((l) => [
      l.messageId,
      ...(grouped ? [l.messageGroupId ?? '-'] : []),
      String(l.receiveCount),
      l.subject ?? '-',
      whyDeadLettered(l, typeof unexplained === 'string' ? unexplained : unexplained(l)),
    ]),
  );
  return `${table}\n\n${letters.length} message(s). "receives" is SQS's ApproximateReceiveCount: the receives in the source queue, the one that moved the message here included (on the local stack maxReceiveCount + 1 for a message its consumer kept failing), plus one for each listing since, this one included.`;
}

/**
 * Renders the messages of a topic's unrouted queue as a table: each with its SNS message id (the
 * one its publisher was given) beside its SQS message id, its identity attributes and why no
 * consumer got it (or that one would now: redrive it), then a count.
 *
 * @param topology - the contract's topology, as deployed now
 * @param topic - the topic whose unrouted queue it is
 * @example
 * ```ts
 * import { formatUnrouted, type DeadLetter } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const letters: DeadLetter[];
 * console.log(formatUnrouted(letters, topology, 'PaymentTopic'));
 * ```
 */
export function formatUnrouted(letters: readonly DeadLetter[], topology: Topology, topic: string, live?: LiveRouting): string {
  if (letters.length === 0) return 'empty.';
  const table = formatTable(
    ['messageId', 'SNS messageId', 'published', 'eventType', 'schemaVersion', 'why no consumer got it'],
    letters.map((l) => {
      const envelope = readEnvelope(l.body);
      const reason = unroutedMessageReason(topology, topic, l.body, live);
      return [
        l.messageId,
        envelope?.snsMessageId ?? '-',
        envelope?.publishedAt ?? l.sentAt ?? '-',
        identityCell(envelope?.attributes.eventType),
        identityCell(envelope?.attributes.schemaVersion),
        reason ?? 'a consumer declares it now: redrive it',
      ];
    }),
  );
  return `${table}\n\n${letters.length} message(s) published to ${topic} that no subscription admitted ("SNS messageId" is the id the publisher was given; \`dlq redrive --id\` takes either). Fix the producer or declare a consumer, deploy, then \`dlq redrive\` publishes those now routed to ${topic} again.`;
}

/** A listing's text with what it could not show after it. */
const withNotShown = (text: string, listing: DeadLetterListing) => {
  const notShown = notShownOf(listing);
  return notShown ? `${text === 'empty.' ? 'nothing could be read.' : text}\n${notShown.why}.` : text;
};

/**
 * Renders a {@link DeadLetterQueue.listing} as `dlq list` does: its messages as
 * {@link formatDeadLetters} renders them, then what it could not show ({@link notShownOf}: on a
 * FIFO queue, how many wait behind the first message of each group), never left out silently.
 *
 * @param subjectTitle - the title of the column {@link DlqCommandOptions.describe} fills
 * @param unexplained - what "why it failed" says of a message the decoder accepts (or of every one, without a decoder): one text, or one per message
 *
 * @example
 * ```ts
 * import { formatDeadLetterListing, type DeadLetterQueue } from '@sluice/ops';
 *
 * declare const dlq: DeadLetterQueue;
 * console.log(formatDeadLetterListing(await dlq.listing(), 'paymentId')); // the table, then '1 more message(s) wait behind these: …'
 * ```
 */
export function formatDeadLetterListing(listing: DeadLetterListing, subjectTitle = 'subject', unexplained: string | ((letter: DeadLetter) => string) = DECODES_FINE): string {
  return withNotShown(formatDeadLetters(listing.letters, subjectTitle, unexplained), listing);
}

/** Why `--id`s were not found, on queues among which some are FIFO. */
const FIFO_NOT_FOUND = 'or behind an earlier message of its FIFO group (a group gives its messages in order: redrive or purge the earlier ones first, or redrive them all)';

/** Whether a dead letter is one of `ids` (by its SQS message id, or the SNS message id of its envelope); every one without `ids`. */
const isPicked = (l: Pick<DeadLetter, 'messageId' | 'snsMessageId'>, ids: readonly string[] | undefined) =>
  !ids || ids.includes(l.messageId) || (l.snsMessageId !== undefined && ids.includes(l.snsMessageId));

/** Where `ref` redrives to, as the progress bar names it: its source, or its sources, each message to its own (one whose source is not known to `unknownTo`, --to). */
const destinationOf = (ref: DlqRef, unknownTo?: string): string =>
  ref.triage
    ? `${ref.source}, or ${ref.triage.unroutedQueue} for what SNS dead-lettered for it`
    : ref.sources.length > 1 ? `${ref.sources.join(', ')} (each message to its own${unknownTo ? `; one whose source is not known to ${unknownTo}` : ''})` : ref.source!;

const queueOption = { type: 'string' as const, valueName: 'name', description: 'one dead-letter or unrouted queue (or its source queue or topic: a dead-letter queue several queues share is read whole, by the name of any of them)', defaultText: 'every dead-letter queue of the contract and every topic\'s unrouted queue' };

/**
 * The `dlq` command group: `list` (each message with why it failed), `redrive` (back to the
 * source queue, all or `--id`; first a warning on stderr of those the current contract would
 * reject again, as `list` explains them; `--dry-run` moves nothing) and `purge`, for every dead-letter queue of the topology or the one
 * `--queue` names. On a local stack started before the contract gained queues, those queues are
 * left out with a warning line saying to restart `npm start` (a `--queue` naming one fails).
 *
 * @example
 * ```ts
 * import { main, versionOf, type ProgramSpec } from '@sluice/cli';
 * import { dlqCommand, statusCommand } from '@sluice/ops';
 *
 * const program: ProgramSpec = {
 *   name: 'payments',
 *   invocation: 'npx payments',
 *   version: versionOf(new URL('../package.json', import.meta.url)),
 *   summary: 'operate the payment pipeline',
 *   commands: [dlqCommand({ describe: (p) => (p as { paymentId?: string }).paymentId, subjectTitle: 'paymentId' }), statusCommand],
 * };
 * await main(program);
 * ```
 */
export function dlqCommand(options: DlqCommandOptions = {}): CommandSpec {
  return {
    name: 'dlq',
    summary: 'dead-letter queues: list (and why each failed), redrive, purge',
    commands: [
      {
        name: 'list',
        summary: 'show dead-lettered and unrouted messages and why they failed',
        description:
          'Each dead-lettered message with its receive count and why it failed: the body is decoded again with the generated validator, as the consumer does; for one that decodes fine, what its consumer said when it last failed on it (the local stack keeps that; on AWS, look for the message id in the consumer\'s log). Then each unrouted message (published to a topic, admitted by no subscription) with its SNS message id and why: no eventType/schemaVersion, or an event type or major version no consumer declares. Messages stay where they are. A FIFO queue shows the first message of each group (with its group): how many more wait behind is said after the table. --json prints one object, the same shape with or without --queue, keyed by queue name: { "<queue>": { "kind": "deadLetter" | "unrouted" | "triageDeadLetter" | "kept", "source": the queue (or, for an unrouted queue, the topic) its messages came from (of a dead-letter queue several queues share, the first), or null, "sources": every one of them (each queue sharing it; [] for a kept queue), "messages": [ { "messageId", "receiveCount", "sentAt", "body", "snsMessageId", "messageName", "reason" (the decode error, null when it decodes fine), "handlerFailure", "subject", "messageGroupId", and on an unrouted queue "unrouted" (why no subscription admitted it; null: one does now) } ], "notShown": null, or { "count", "why" } for messages the queue holds that could not be read } }. A field with nothing to say is null, never left out.',
        options: { queue: queueOption, json: { type: 'boolean', description: 'one JSON object keyed by queue name, the same shape with or without --queue (see above): bodies and full reasons' }, ...targetOptions },
        async run({ values, io, invocation }) {
          const { topology } = await contractModule(undefined, { warn: (line) => io.err(line) });
          return withTarget(values, async (target) => {
            const named = await refsOn(target, values.queue as string | undefined);
            await target.checkReachable();
            const refs = await presentRefs(target, named, values.queue as string | undefined, invocation, io, { sources: false });
            // One shape with or without --queue: every queue read, by name (DeadLetterListingJson).
            const all: DeadLetterListingJson = {};
            for (const ref of refs) {
              const listing = await (await open(target, ref, options, { redrive: false })).listing();
              const { letters } = listing;
              // Messages the queue holds that could not be read (a FIFO group's after its first) are said, never left out silently.
              const entry = (messages: DeadLetterJson[]): DeadLetterQueueJson => ({ kind: kindOf(ref), source: ref.source ?? null, sources: ref.sources, messages, notShown: notShownOf(listing) ?? null });
              if (ref.unroutedTopic) {
                const topic = ref.unroutedTopic;
                const live = letters.length > 0 ? (ref.unroutedTopic ? await liveRoutingOf(target, topology, ref.unroutedTopic, io.err) : undefined) : undefined;
                if (values.json) all[ref.name] = entry(letters.map((l) => deadLetterJson(l, unroutedMessageReason(topology, topic, l.body, live) ?? null)));
                else io.out(titled(headingOf(ref), withNotShown(formatUnrouted(letters, topology, topic, live), listing)));
                continue;
              }
              if (values.json) all[ref.name] = entry(letters.map((l) => deadLetterJson(l)));
              else io.out(titled(headingOf(ref), formatDeadLetterListing(listing, subjectTitleOf(ref, options), unexplainedOf(ref))));
            }
            if (values.json) io.out(terminalSafeJson(all, 2));
            return 0;
          });
        },
      },
      {
        name: 'redrive',
        summary: 'move dead-lettered messages back to their queue (all, or --id)',
        description:
          "Moves dead-lettered messages back to their source queue (body and attributes unchanged), where the consumer processes them again: all of them, or only the given ids. A dead-letter queue several queues share sends each message back to the queue it came from, which SQS records on it when it dead-letters it (DeadLetterQueueSourceArn; the local stack records it too); one without it, or naming none of those queues, is not guessed: it stays, each said with why, and the exit is 1 (on a FIFO queue, with how many messages behind it in its group were not reached: a group gives its messages in order); --to <queue> sends those to that queue, the others still going back to their own (with --id, the messages named go to --to). A source queue's name given to --queue reads the whole dead-letter queue it shares. An unrouted message is published to its topic again, once a consumer declares it (the others stay, with why). A FIFO queue's messages go back in order within each group, with their group and a deduplication id derived from their message id: a redrive retried within 5 minutes (after one that failed part-way) does not deliver a message twice. On a FIFO queue an --id behind an earlier message of its group that is not redriven cannot be reached (a group gives its messages in order). Before moving dead letters, each is decoded with the current contract as `dlq list` does: those the consumer would reject again (PAYLOAD_INVALID, WRONG_EVENT_TYPE…: they would come back) are counted in a warning on stderr, with their ids, the reason and what to do (fix the contract or the consumer first, or purge them); they are redriven anyway, since that is a prediction (a consumer fixed in its code may take them). On a FIFO queue only the first message of each group can be read before the redrive: the others are checked as they move, and a second warning, after the redrive, names those rejected. A message that failed in its handler gets no warning. --dry-run shows what would move, with the reasons, and moves nothing.",
        options: {
          queue: queueOption,
          id: { type: 'string', multiple: true, valueName: 'messageId', description: 'redrive this message: its SQS message id, or the SNS message id of an envelope (repeatable)' },
          'dry-run': { type: 'boolean', description: 'show what would be redriven and what the current contract says of each, move nothing' },
          to: { type: 'string', valueName: 'queue', description: "the contract's queue, whose consumer processes them, to move to: for a queue no longer in the contract (a dead-letter queue renamed in it, kept by the local stack), its messages (or the --id ones); for a dead-letter queue several queues share (--queue), the messages whose source is not known (no DeadLetterQueueSourceArn, or one naming none of its queues) and those --id names, the others going back to the queue each came from" },
          ...targetOptions,
        },
        async run({ values, io, invocation }) {
          const ids = values.id as string[] | undefined;
          const dryRun = values['dry-run'] === true;
          const to = values.to as string | undefined;
          const purge = `${invocation.replace(/ redrive$/, ' purge')}${targetFlags(values)}`;
          /** Where a redriven message that comes back is seen, after "see them". */
          const seeThem = (queue: string) => `with \`${invocation.replace(/ redrive$/, ' list')}${targetFlags(values)} --queue ${queue}\``;
          const { topology } = await contractModule(undefined, { warn: (line) => io.err(line) });
          return withTarget(values, async (target) => {
            const named = await refsOn(target, values.queue as string | undefined);
            await target.checkReachable();
            let refs = await presentRefs(target, named, values.queue as string | undefined, invocation, io);
            const kept = refs.find((r) => r.kept);
            // A dead-letter queue several queues share, named by --queue: --to sends its messages to one of them.
            const shared = values.queue !== undefined && refs.length === 1 && refs[0]!.sources.length > 1 && !refs[0]!.unroutedTopic && !refs[0]!.triage ? refs[0] : undefined;
            // The contract's consumed queues: where a kept (or shared) queue's messages can be moved (--to).
            const consumed = Object.values(topology.operations).filter((o) => o.action === 'receive' && o.queue !== undefined).map((o) => o.queue!);
            if (to !== undefined && !kept && !shared) {
              throw new UsageError(
                `--to is for a queue no longer in the contract, or a dead-letter queue several queues share (with --queue); ${refs.map((r) => r.name).join(', ')} ${refs.length === 1 ? 'goes' : 'go'} back to ${refs.length === 1 ? 'its' : 'their'} own source`,
              );
            }
            if (kept && to === undefined) {
              throw new CliError(keptQueueNotRedriven(kept.name), {
                next: `Read it with \`${invocation.replace(/ redrive$/, ' list')}${targetFlags(values)} --queue ${kept.name}\`; move its messages to the queue whose consumer should process them with \`${invocation}${targetFlags(values)} --queue ${kept.name} --to <queue>\` (${consumed.join(', ') || 'the contract consumes no queue'}), or purge it when they are no longer needed.`,
              });
            }
            const moving = kept ?? shared;
            /** --to on a shared queue, without --id: where the messages whose source is not known go; the others go back to their own. */
            let unknownTo: { queue: string; consumer: ReceiveOperation | undefined } | undefined;
            if (moving && to !== undefined) {
              if (!consumed.includes(to)) throw new UsageError(`--to ${JSON.stringify(to)} is no queue the contract consumes: try ${consumed.join(', ') || '(none)'}`);
              const { operations } = await contractModule();
              // Moved as dead letters of that queue: decoded by its consumer first, as any redrive.
              const consumer = Object.values(operations).find((o): o is ReceiveOperation => o.action === 'receive' && o.queue === to);
              // A kept queue's messages, or the ones --id names, all go there; the rest of a shared queue's only when their source is not known.
              if (kept || ids) refs = [{ name: moving.name, source: to, sources: [to], consumer, consumers: consumer ? [consumer] : [] }];
              else unknownTo = { queue: to, consumer };
            }
            /** The dead letters left where they are, each with its queue and why: said at the end, and the exit is 1. */
            const left: (NotRedriven & { queue: string; sources: string[] })[] = [];
            /** Of a FIFO queue, how many messages behind those left in their groups a redrive did not reach: said with them. */
            const notReached = new Map<string, number>();
            let notFound = ids ? [...ids] : [];
            let movedTotal = 0;
            let fifo = false;
            /** Redrives `selected` (all when undefined) from `ref`, with a progress bar; the ids moved. */
            const redriveOne = async (dlq: DeadLetterQueue, ref: DlqRef, selected: readonly string[] | undefined, onMessage?: (message: Message) => void): Promise<string[]> => {
              let bar: ProgressBar | undefined;
              const movedTo = new Map<string, string>();
              const { moved, notFound: missed, notRedriven, notReached: behind } = await dlq.redrive(selected, (done, total, message, to) => {
                bar ??= new ProgressBar(total ?? done, `redriving ${ref.name} → ${destinationOf(ref, unknownTo?.queue)}`, io.progress);
                bar.update(done);
                if (to) movedTo.set(message.MessageId!, to);
                onMessage?.(message);
              });
              bar?.finish(`redrove ${moved.length} message(s) to ${destinationOf(ref, unknownTo?.queue)}`);
              // Each said as what happened to it (its ids alone on stdout, the count on stderr, read as nothing).
              for (const id of moved) io.out(`  moved ${terminalSafe(id)} to ${movedTo.get(id) ?? ref.source}`);
              for (const l of notRedriven) io.out(`  left ${terminalSafe(l.messageId)} in ${ref.name}: ${terminalSafe(l.why)}`);
              left.push(...notRedriven.map((l) => ({ ...l, queue: ref.name, sources: ref.sources })));
              // Behind those left in their FIFO groups: neither moved nor left by the redrive, never unsaid.
              if (behind > 0) {
                io.out(`  not reached in ${ref.name}: ${behind} more message(s) behind those left, in their FIFO groups`);
                notReached.set(ref.name, behind);
              }
              movedTotal += moved.length;
              // Found here (by its SQS or SNS message id) unless redrive says it was not.
              if (!ref.unroutedTopic && selected) notFound = notFound.filter((id) => missed.includes(id));
              return moved;
            };
            /** Forgets the `--id`s among `letters` (found, as a redrive would find them). */
            const found = (letters: readonly DeadLetter[]) => (notFound = notFound.filter((id) => !letters.some((l) => isPicked(l, [id]))));
            let wouldMove = 0;
            for (const ref of refs) {
              // Where each message goes back to (an unrouted queue's by publishing to its topic): the
              // topics feeding each consumer read once, for the listing's decoders and the sources'.
              const consumers = unknownTo?.consumer && !ref.consumers.includes(unknownTo.consumer) ? [...ref.consumers, unknownTo.consumer] : ref.consumers;
              const arns = ref.unroutedTopic ? undefined : await topicArnsOf(target, consumers);
              const sources = arns ? await redriveSourcesOf(target, ref, arns) : undefined;
              // A triage dead-letter queue: what SNS dead-lettered for the unrouted subscription goes to the
              // unrouted queue; the rest back to the triage queue, which decides again. Where the unrouted
              // queue is not known, what SNS dead-lettered stays, with why (a source never chosen, named so).
              let triageUnknownTo: RedriveSource | undefined;
              if (sources && ref.triage) {
                const unrouted = await unroutedSourceOf(target, ref.triage);
                if ('why' in unrouted) io.err(`warning: ${unrouted.why}; until then what SNS dead-lettered in ${ref.name} stays there`);
                const triaged = triageRedriveSources(sources[0]!, 'why' in unrouted ? { name: ref.triage.unroutedQueue, why: unrouted.why } : unrouted);
                sources.splice(0, sources.length, ...triaged.sources);
                triageUnknownTo = triaged.unknownSourceTo;
              }
              const unknownSourceTo =
                sources && unknownTo
                  ? (sources.find((s) => s.name === unknownTo.queue) ?? (await redriveSourceNamed(target, unknownTo.queue, consumers, arns!)))
                  : triageUnknownTo;
              const dlq = await open(target, ref, options, { redrive: true, ...(sources ? { sources } : {}), ...(unknownSourceTo ? { unknownSourceTo } : {}), ...(arns ? { arns } : {}) });
              if (ref.name.endsWith('.fifo')) fifo = true;
              if (dryRun && ref.unroutedTopic) {
                // What a redrive would publish again (a consumer declares it now) and what it would keep, and why.
                const listing = await dlq.listing();
                const letters = listing.letters.filter((l) => isPicked(l, ids));
                found(letters);
                const live = letters.length > 0 ? (ref.unroutedTopic ? await liveRoutingOf(target, topology, ref.unroutedTopic, io.err) : undefined) : undefined;
                wouldMove += letters.filter((l) => unroutedMessageReason(topology, ref.unroutedTopic!, l.body, live) === undefined).length;
                io.out(titled(`${ref.name}: a redrive would publish to ${ref.unroutedTopic} again those a consumer declares now`, withNotShown(formatUnrouted(letters, topology, ref.unroutedTopic, live), listing)));
                continue;
              }
              if (ref.unroutedTopic) {
                // Only what a subscription admits now: the rest would land here again. A FIFO
                // queue shows a group's next message once the one before is gone: read again
                // after each round that moved something.
                const topic = ref.unroutedTopic;
                const live = (ref.unroutedTopic ? await liveRoutingOf(target, topology, ref.unroutedTopic, io.err) : undefined);
                const told = new Set<string>();
                for (let round = true; round; ) {
                  const letters = (await dlq.list()).filter((l) => !ids || ids.includes(l.messageId) || (l.snsMessageId !== undefined && ids.includes(l.snsMessageId)));
                  const still = letters.filter((l) => unroutedMessageReason(topology, topic, l.body, live) !== undefined);
                  for (const l of still.filter((l) => !told.has(l.messageId))) {
                    told.add(l.messageId);
                    io.out(`  kept ${terminalSafe(l.messageId)} in ${ref.name}: ${terminalSafe(unroutedMessageReason(topology, topic, l.body, live)!)}`);
                  }
                  notFound = notFound.filter((id) => !still.some((l) => l.messageId === id || l.snsMessageId === id));
                  const selected = letters.filter((l) => !still.includes(l));
                  const moved = selected.length === 0 ? [] : await redriveOne(dlq, ref, selected.map((l) => l.messageId));
                  notFound = notFound.filter((id) => !selected.some((l) => moved.includes(l.messageId) && (l.messageId === id || l.snsMessageId === id)));
                  // Another round only when the queue holds more than what it keeps (messages a group held back).
                  round = moved.length > 0 && ref.name.endsWith('.fifo') && (await queueDepth(target.sqs, await target.queueUrl(ref.name))).total > told.size;
                }
                continue;
              }
              // Checked against the current contract before anything moves, as `dlq list` explains
              // them (an empty queue is not read; without a consumer there is nothing to check).
              /** What the check before the redrive read: on a FIFO queue, the first of each group only. */
              let checked: { ids: Set<string>; notRead: number } | undefined;
              if (dryRun || (ref.consumers.length > 0 && (await dlq.count()) > 0)) {
                const listing = await dlq.listing();
                checked = { ids: new Set(listing.letters.map((l) => l.messageId)), notRead: listing.notShown };
                const selected = listing.letters.filter((l) => isPicked(l, ids));
                if (dryRun) {
                  found(selected);
                  // By where each would go: a dead-letter queue several queues share sends each message to its own source.
                  const { back, left: staying } = waysBack(selected, sources!, unknownSourceTo);
                  wouldMove += selected.length - staying.length;
                  if (back.length === 0 && staying.length === 0) io.out(titled(`${ref.name}: a redrive would move to ${ref.source}`, formatDeadLetterListing({ ...listing, letters: [] }, subjectTitleOf(ref, options), unexplainedOf(ref))));
                  back.forEach(({ source, letters }, i) =>
                    io.out(titled(`${ref.name}: a redrive would move to ${source.name}`, formatDeadLetterListing({ ...listing, letters, notShown: i === 0 ? listing.notShown : 0 }, subjectTitleOf(ref, options), unexplainedOf(ref)))),
                  );
                  if (staying.length > 0) {
                    io.out(`${ref.name}: a redrive would leave ${staying.length} message(s) where ${staying.length === 1 ? 'it is' : 'they are'}, not knowing which queue each came from:`);
                    for (const { letter, why } of staying) io.out(`  ${terminalSafe(letter.messageId)}: ${terminalSafe(why)}`);
                    left.push(...staying.map(({ letter, why }) => ({ messageId: letter.messageId, why, queue: ref.name, sources: ref.sources })));
                    // Those behind them in their FIFO groups cannot be read, nor would a redrive reach them.
                    if (listing.fifo && listing.notShown > 0 && !ids) {
                      io.out(`  and up to ${listing.notShown} more message(s) behind the first of their FIFO groups, not read: a redrive would not reach those behind a message it leaves`);
                      notReached.set(ref.name, listing.notShown);
                    }
                  } else if (listing.fifo && listing.notShown > 0 && sources!.length > 1 && !unknownSourceTo && !ids) {
                    // Where those behind go is read only as they move: one whose source is not known would stop its group.
                    io.out(`${ref.name}: ${listing.notShown} more message(s) wait behind the first of their FIFO groups, not read: each would go back to the queue it came from as it moves; one whose source is not known would be left, and those behind it not reached`);
                  }
                }
                // Said before they move (a dry run: instead of it), as a prediction: the redrive goes
                // on. Each message against the consumer of the queue it goes back to.
                for (const rejected of rejectedOnTheWayBack(ref.name, selected, sources!, { notRead: listing.notShown, picked: ids !== undefined }, unknownSourceTo)) {
                  io.err(rejectedAgainLines(rejected, dryRun ? { when: 'dry run', listing: '`dlq list`', purge } : { when: 'before', listing: '`dlq list`', seeThem: seeThem(ref.name) }).join('\n'));
                }
                if (dryRun) continue;
              }
              // Those the check could not read (behind the first of their FIFO groups) are checked as they move.
              const behind: DeadLetter[] = [];
              const unread = checked && checked.notRead > 0 ? checked.ids : undefined;
              await redriveOne(dlq, ref, ids, unread && ((m) => void (unread.has(m.MessageId!) || behind.push(dlq.explain(m)))));
              for (const rejectedBehind of rejectedOnTheWayBack(ref.name, behind, sources!, { checkedAsTheyMoved: true }, unknownSourceTo)) {
                io.err(rejectedAgainLines(rejectedBehind, { when: 'after', listing: '`dlq list`', seeThem: seeThem(ref.name) }).join('\n'));
              }
            }
            /** The dead letters left, loudly: which queue each came from is not known, so none is guessed. */
            const leftError = () => {
              const byQueue = [...new Set(left.map((l) => l.queue))];
              // A triage dead-letter queue refuses --to: what it left goes where it was going once its unrouted queue is found again.
              const triageOf = (queue: string) => refs.find((r) => r.name === queue)?.triage;
              const fix = target.mode === 'aws' ? 'deploy the application' : 'restart npm start';
              // Those behind them in their FIFO groups, which the redrive could not reach: said, with what to do.
              const behind = [...notReached].map(([queue, count]) =>
                dryRun
                  ? `up to ${count} more message(s) in ${queue} wait behind the first of their FIFO groups: those behind a message left would not be reached`
                  : notReachedBehind(`${invocation}${targetFlags(values)}`, queue, count, triageOf(queue) !== undefined),
              );
              return new CliError(
                `${dryRun ? 'a redrive would leave' : 'left'} ${left.length} message(s) in ${byQueue.join(', ')}, its source not guessed: ${left
                  .slice(0, 5)
                  .map((l) => `${terminalSafe(l.messageId)} (${terminalSafe(l.why)})`)
                  .join('; ')}${left.length > 5 ? `; and ${left.length - 5} more` : ''}${behind.map((b) => `; ${b}`).join('')}`,
                {
                  next: `Read ${byQueue.length === 1 ? 'it' : 'them'} with \`${invocation.replace(/ redrive$/, ' list')}${targetFlags(values)} --queue ${byQueue[0]}\`. ${byQueue
                    .map((q) => {
                      const triage = triageOf(q);
                      const redrive = `${invocation}${targetFlags(values)}`;
                      return triage ? triageNotRedrivenNext(redrive, q, triage.unroutedQueue, fix) : notRedrivenNext(redrive, q, left.find((l) => l.queue === q)!.sources);
                    })
                    .join(' ')}`,
                },
              );
            };
            if (dryRun) {
              if (notFound.length > 0) {
                throw new CliError(`not in the DLQ${fifo ? `, ${FIFO_NOT_FOUND}` : ''}: ${notFound.map(terminalSafe).join(', ')}`, { next: `See what is there with: ${invocation.replace(/ redrive$/, ' list')}${targetFlags(values)}` });
              }
              io.out(wouldMove === 0 ? 'Nothing to redrive. (Dry run: nothing was moved.)' : `Dry run: nothing was moved (${wouldMove} message(s) would be). Run it again without --dry-run to redrive them.`);
              if (left.length > 0) throw leftError();
              return 0;
            }
            if (movedTotal === 0 && !ids && left.length === 0) io.out('Nothing to redrive.');
            if (notFound.length > 0) {
              const alsoLeft = left.length > 0 ? ` (and ${left.length} message(s) left where they are, which queue each came from not being known: see the lines above)` : '';
              throw new CliError(`not in the DLQ${fifo ? `, ${FIFO_NOT_FOUND}` : ''}: ${notFound.map(terminalSafe).join(', ')}${alsoLeft}`, { next: `See what is there with: ${invocation.replace(/ redrive$/, ' list')}${targetFlags(values)}` });
            }
            if (left.length > 0) throw leftError();
            return 0;
          });
        },
      },
      {
        name: 'purge',
        summary: 'delete dead-lettered messages for good (lists them, asks first; --yes)',
        description: "Deletes the dead-lettered messages it lists, for good, after asking (--yes to skip): all of them, or only the given ids (--id: e.g. those a redrive warned the contract rejects, after redriving the others); a message that arrives meanwhile is kept. On a FIFO queue it lists the first message of each group: those behind are kept, and said (purge again for them). Consider `dlq list --json > dlq.json` before.",
        options: {
          queue: queueOption,
          id: { type: 'string', multiple: true, valueName: 'messageId', description: 'delete only this message: its SQS message id, or the SNS message id of an envelope (repeatable)' },
          yes: { type: 'boolean', short: 'y', description: 'do not ask' },
          ...targetOptions,
        },
        async run({ values, io, invocation }) {
          const ids = values.id as string[] | undefined;
          const { topology } = await contractModule(undefined, { warn: (line) => io.err(line) });
          return withTarget(values, async (target) => {
            const named = await refsOn(target, values.queue as string | undefined);
            await target.checkReachable();
            const refs = await presentRefs(target, named, values.queue as string | undefined, invocation, io, { sources: false });
            let notFound = ids ? [...ids] : [];
            let fifo = false;
            /** The queues whose deletion was declined, and how many were deleted from the others: said at the end. */
            const declined: string[] = [];
            let deletedTotal = 0;
            for (const ref of refs) {
              const dlq = await open(target, ref, options, { redrive: false });
              if (ref.name.endsWith('.fifo')) fifo = true;
              const letters = (await dlq.list()).filter((l) => isPicked(l, ids));
              notFound = notFound.filter((id) => !letters.some((l) => isPicked(l, [id])));
              if (letters.length === 0) {
                if (!ids) io.out(`${ref.name} is already empty.`);
                continue;
              }
              // What is about to go, as `dlq list` shows it: the question is about these, and what was deleted stays on record.
              const shown = ref.unroutedTopic ? formatUnrouted(letters, topology, ref.unroutedTopic, (ref.unroutedTopic ? await liveRoutingOf(target, topology, ref.unroutedTopic, io.err) : undefined)) : formatDeadLetters(letters, subjectTitleOf(ref, options), unexplainedOf(ref));
              io.out(titled(`${headingOf(ref)}, to delete`, shown));
              if (!values.yes) {
                if (!io.confirm) throw new CliError(`refusing to delete ${letters.length} message(s) from ${ref.name} without confirmation: no terminal to ask on`, { next: 'Pass --yes to delete them.' });
                if (!(await io.confirm(`Delete the ${letters.length} message(s) listed in ${ref.name} (${target.describe()}) for good?`))) {
                  // Declined for this queue: the next ones are still asked about.
                  io.out(`Nothing deleted from ${ref.name}.`);
                  declined.push(ref.name);
                  continue;
                }
              }
              const { deleted } = await dlq.purge(letters.map((l) => l.messageId));
              deletedTotal += deleted.length;
              io.out(`Deleted ${deleted.length} message(s) from ${ref.name}${deleted.length < letters.length ? ` (${letters.length - deleted.length} were gone already)` : ''}.`);
              // A FIFO group's next messages show only now: said, so that none is taken for deleted.
              // (With --id the others were not picked: they are not said to wait behind those deleted.)
              const left = ref.name.endsWith('.fifo') && !ids ? (await queueDepth(target.sqs, await target.queueUrl(ref.name))).total : 0;
              if (left > 0) io.out(`${left} message(s) remain in ${ref.name}, behind those deleted in their FIFO groups (a group gives its messages in order): purge again to see and delete them.`);
            }
            if (notFound.length > 0) {
              throw new CliError(`not in the DLQ${fifo ? `, ${FIFO_NOT_FOUND}` : ''}: ${notFound.map(terminalSafe).join(', ')}`, { next: `See what is there with: ${invocation.replace(/ purge$/, ' list')}${targetFlags(values)}` });
            }
            if (declined.length > 0) {
              // Asked, and told no for some: what was done in all, and a status that says not everything was.
              io.out(`${deletedTotal > 0 ? `Deleted ${deletedTotal} message(s) in all` : 'Nothing deleted'}; kept, as told: ${declined.join(', ')}.`);
              return 1;
            }
            return 0;
          });
        },
      },
    ],
  };
}
