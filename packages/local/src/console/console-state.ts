/**
 * What the local console shows and does, through the code the CLI runs: queue depths with
 * `queueDepth`, dead letters with `DeadLetterQueue` and the consumer's decoder (as `dlq list`,
 * `dlq redrive` and `dlq purge` do), and publishing with the runtime publisher (as the
 * application's `publish` command does). Nothing here talks to SQS or SNS another way.
 */
import { readFileSync } from 'node:fs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { resolvePlan, triageOf, unroutedOf } from '@sluice/model';
import {
  applicationHeadersOf,
  checkApplicationHeaders,
  DeadLetterQueue,
  deadLetterQueuesOf,
  deadLetterReading,
  documentedHeadersOf,
  FRAMEWORK_HEADER_NAMES,
  KEPT_UNEXPLAINED,
  keptQueueNotRedriven,
  localHandlerFailures,
  notShownOf,
  ownedQueues,
  queueDepth,
  queueRolesOf,
  queuesOn,
  notReachedBehind,
  notRedrivenNext,
  rejectedAgainLines,
  rejectedOnTheWayBack,
  republish,
  subjectFromContract,
  subjectOfMessage,
  triageDeadLetterWhy,
  triageNotRedrivenNext,
  triageRedriveSources,
  unroutedMessageReason,
  type ApplicationHeader,
  type ContractModule,
  type DeadLetter,
  type DeadLetterListing,
  type DeadLetterQueueRef,
  type HeaderDocs,
  type HeaderProblem,
  type HeaderWording,
  type NotRedriven,
  type NotShown,
  type RedriveSource,
  type RejectedAgain,
  whyDeadLettered,
} from '@sluice/ops';
import { createDecoder } from '@sluice/runtime/consumer';
import type { ReceiveOperation, SendOperation } from '@sluice/runtime/contract';
import { createPublisher, createQueuePublisher } from '@sluice/runtime/publisher';
import { parse } from 'yaml';
import type { BatchReport } from '../lambda/event-source-poller.ts';
import type { LocalRuntime } from '../local-runtime.ts';
import { maxReceiveCountOf } from '../terminal-report.ts';

/** What the console says of a dead letter that decodes fine and whose failure the stack did not keep. */
const UNEXPLAINED = 'decodes as a valid message: it failed while being handled (see what the consumer logged)';

/** What a redrive says of the dead letters the current contract would reject again: `rejectedAgain`'s finding and its warning's lines. */
export interface RejectedAgainWarning extends RejectedAgain {
  /** The warning as `dlq redrive` words it (`rejectedAgainLines` of `@sluice/ops`), one line each: the page shows them as text. */
  lines: string[];
}

/** One processed record, as the console lists it: no payload. */
export interface ConsoleRecord {
  /** When its batch ended, ISO-8601. */
  at: string;
  /** The consumer that handled it. */
  operationId: string;
  /**
   * `done` (deleted), `retry` (left on the queue) or `batch failed` (the whole batch was left);
   * failed on the queue's last receive, `dead-letter next` or `batch failed, dead-letter next`
   * (the queue moves it to its dead-letter queue once its visibility timeout ends).
   */
  outcome: 'done' | 'retry' | 'batch failed' | 'dead-letter next' | 'batch failed, dead-letter next';
  /** The SQS message id. */
  messageId: string;
  /** What it is about, as `dlq list` names it: the first field of its message (e.g. a paymentId), when readable. */
  subject: string | undefined;
  /** Its `correlationId` attribute, when it has one. */
  correlationId: string | undefined;
  /** SQS's ApproximateReceiveCount when it was received. */
  receiveCount: number;
}

/**
 * What the console's 404 says of a dead letter `messageId` its lookup did not find in `queue`
 * (read as `dlq list` reads it): on a FIFO queue, that it may be waiting behind the first message
 * of its group, not visible until that one is redriven or deleted (with {@link notShownOf}'s words
 * for how many the queue counts besides those read); on a standard queue, what SQS counted but
 * could not be read, if anything.
 *
 * @param listing - what the lookup read: whether the queue is FIFO, and how many it could not show
 * @example
 * ```ts
 * import { deadLetterNotFound } from '@sluice/local/console';
 *
 * deadLetterNotFound('PaymentDLQ.fifo', 'm-7', { fifo: true, notShown: 2 });
 * // 'no message m-7 among those PaymentDLQ.fifo shows: on a FIFO queue it may be waiting behind the first message of its group, …'
 * ```
 */
export function deadLetterNotFound(queue: string, messageId: string, listing: Pick<DeadLetterListing, 'notShown' | 'fifo'>): string {
  const notShown = notShownOf(listing);
  if (!listing.fifo) return `no message ${messageId} in ${queue}${notShown ? `; ${notShown.why}` : ''}`;
  const behind = 'on a FIFO queue it may be waiting behind the first message of its group, not visible until that one is redriven or deleted';
  return notShown
    ? `no message ${messageId} among those ${queue} shows: ${behind}; ${notShown.why}`
    : `no message ${messageId} in ${queue}: ${behind}, but ${queue} counts no message besides those read (the count is approximate: look again)`;
}

/** What the dead-letter panel shows of a queue: its dead letters (no bodies) and what it could not show. */
export interface DeadLetterPanel {
  /** The dead letters read, each with why it failed (`why`, in `dlq list`'s words), without bodies. */
  letters: (Omit<DeadLetter, 'message' | 'body'> & { why: string })[];
  /**
   * How many more the queue holds that could not be read, and why (`dlq list`'s words: on a FIFO
   * queue, those behind the first message of each group); `null` when every one was read.
   */
  notShown: NotShown | null;
}

/** A function's batches so far: a consumer of the contract, or a framework function beside them. */
export interface ConsumerCounts {
  /** The consumer (its receive operation), or the framework function's id (`triageOrderTopic`). */
  operationId: string;
  /**
   * `consumer`: the application's handler of a receive operation of the contract; `triage`: the
   * framework's own function that keeps in a topic's unrouted queue what no subscription admits
   * (it consumes the topic's triage queue, as `status` and `npm start`'s banner say).
   */
  kind: 'consumer' | 'triage';
  /** For a triage function, the topic whose publishes it triages. */
  topic?: string;
  /** The queue it consumes. */
  queue: string;
  /** Batches handled. */
  batches: number;
  /** Records done and deleted. */
  done: number;
  /** Records left on the queue for a retry. */
  retried: number;
  /** Batches left whole on the queue (the handler threw, timed out or answered malformed). */
  batchFailures: number;
}

/** A queue and its depth. */
export interface QueueState {
  /** The queue's name. */
  name: string;
  /**
   * The kind `status` gives it, by the same rule (`queueRolesOf` of `@sluice/ops`): `queue`,
   * `triage` (a topic's triage queue), the kind `dlq list` gives a queue it reads (`deadLetter`,
   * `unrouted`, `triageDeadLetter`), or `kept` (a queue an earlier contract left, which the local
   * stack keeps and `dlq list --queue` reads): the page offers to open those.
   */
  kind: string;
  /** For a queue `dlq list` reads, where its messages came from (a queue, or an unrouted queue's topic), as it says: of a dead-letter queue several queues share, the first. */
  source: string | undefined;
  /** For a queue `dlq list` reads, every queue (or topic) its messages came from, as `dlq list --json` gives them; `[]` for the others. */
  sources: string[];
  /** Whether `dlq list` reads it (`deadLetterQueuesOf`, or `--queue` for a kept queue): the console opens and purges it as the `dlq` commands do, and redrives one of the contract. */
  deadLetters: boolean;
  /** Messages waiting to be received (`ApproximateNumberOfMessages`). */
  visible: number;
  /** Messages received and not yet deleted (`ApproximateNumberOfMessagesNotVisible`). */
  inFlight: number;
  /** Messages sent with a delay that has not passed (`ApproximateNumberOfMessagesDelayed`). */
  delayed: number;
}

/** A message of the contract the console can publish, with the contract's first example. */
export interface PublishableMessage {
  /** The send operation that publishes it. */
  operationId: string;
  /** The message's name in the contract. */
  message: string;
  /** The message's title, else its name. */
  title: string;
  /** The message's first example payload in the contract, or `{}` when it has none. */
  example: unknown;
  /**
   * Its application headers (a tenantId its headers schema requires, say): the page asks for them,
   * each with its description and an example value when the contract's document has them.
   */
  headers: ApplicationHeader[];
  /**
   * The application headers of the same example as `example` (its `headers`, without the
   * framework's eventType, schemaVersion, correlationId and traceparent): the page fills its
   * header fields with them, so that the example publishes as it is. `{}` when it has none.
   */
  exampleHeaders: Record<string, string>;
}

/** How the page asks for headers: a field per application header; the console sets the framework's. */
const PAGE_HEADER_WORDING: HeaderWording = {
  give: (header, value) => (value === undefined ? `a value in the ${header} field` : `${value} in the ${header} field`),
  giveOneOf: (header, values) => `${values.join(' or ')} in the ${header} field`,
  frameworkSetters: {
    eventType: 'the console, from the message chosen',
    schemaVersion: 'the console, from the message chosen',
    correlationId: 'the console (a new console-… id at each publish)',
    traceparent: 'the publisher (a new trace at each publish)',
  },
};

const RECORDS_KEPT = 50;
const LOG_LINES_KEPT = 500;

/** The state behind the console page and its actions. */
export class ConsoleState {
  private readonly records: ConsoleRecord[] = [];
  private readonly consumers = new Map<string, ConsumerCounts>();
  private readonly logs: { operationId: string; line: string }[] = [];
  private readonly sqs: SQSClient;
  private readonly sns: SNSClient;
  private readonly runtime: Pick<LocalRuntime, 'application' | 'resources' | 'clientConfig'>;
  private readonly contract: ContractModule;
  private readonly spec: string;

  /**
   * @param runtime - the running stack
   * @param contract - the generated contract module
   * @param spec - the AsyncAPI document `contract` was generated from (its examples, its headers'
   *   descriptions) @default the runtime's project's `spec`
   */
  constructor(runtime: Pick<LocalRuntime, 'application' | 'resources' | 'clientConfig'>, contract: ContractModule, spec: string = runtime.application.project.spec) {
    this.runtime = runtime;
    this.contract = contract;
    this.spec = spec;
    this.sqs = new SQSClient(runtime.clientConfig);
    this.sns = new SNSClient(runtime.clientConfig);
    const counts = { batches: 0, done: 0, retried: 0, batchFailures: 0 };
    for (const op of this.receiveOperations()) this.consumers.set(op.id, { operationId: op.id, kind: 'consumer', queue: op.queue, ...counts });
    // The framework's triage functions run beside them (npm start passes their batches on too).
    const { topology } = runtime.application;
    for (const t of triageOf(topology, unroutedOf(topology))) this.consumers.set(t.operationId, { operationId: t.operationId, kind: 'triage', topic: t.topic, queue: t.queue, ...counts });
  }

  /** Releases the clients. */
  destroy(): void {
    this.sqs.destroy();
    this.sns.destroy();
  }

  private receiveOperations(): ReceiveOperation[] {
    return Object.values(this.contract.operations).filter((o): o is ReceiveOperation => o.action === 'receive');
  }


  private decoderOf(op: ReceiveOperation) {
    const arns = (op.sources ?? []).map((s) => this.runtime.resources.topics[s.topic]?.arn).filter((a): a is string => a !== undefined);
    return createDecoder(op, { sourceTopicArns: arns });
  }

  /** Counts one batch a consumer processed, and keeps its records (without payloads). */
  recordBatch(operationId: string, report: BatchReport): void {
    const counts = this.consumers.get(operationId);
    if (counts) {
      counts.batches += 1;
      counts.done += report.succeeded.length;
      counts.retried += report.failed.length;
      if (report.batchFailure) counts.batchFailures += 1;
    }
    const op = this.receiveOperations().find((o) => o.id === operationId);
    const decode = op ? this.decoderOf(op) : undefined;
    // As dlq list names it (its subject column): a message the consumer rejects by the payload as it is, among the consumer's messages.
    const describe = subjectFromContract(op ? op.messages : this.contract.messages);
    const at = new Date().toISOString();
    const maxReceiveCount = maxReceiveCountOf(this.runtime.application.topology, operationId);
    for (const record of report.records) {
      const decoded = decode?.({ body: record.body, messageAttributes: record.messageAttributes as never });
      // Failed on its last receive: it goes to the dead-letter queue, not back for a retry (the terminal's batch line says the same).
      const last = maxReceiveCount !== undefined && Number(record.attributes.ApproximateReceiveCount ?? 0) >= maxReceiveCount;
      const failed = report.batchFailure ? 'batch failed' : 'retry';
      this.records.unshift({
        at,
        operationId,
        outcome: report.succeeded.includes(record.messageId) ? 'done' : last ? (report.batchFailure ? 'batch failed, dead-letter next' : 'dead-letter next') : failed,
        messageId: record.messageId,
        subject: subjectOfMessage(record.body, decoded, describe),
        correlationId: correlationIdOf(record.body, record.messageAttributes),
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 0),
      });
    }
    this.records.splice(RECORDS_KEPT);
  }

  /** Keeps a line a consumer logged, to show with the dead letter it names. */
  recordLog(operationId: string, line: string): void {
    this.logs.push({ operationId, line });
    this.logs.splice(0, Math.max(0, this.logs.length - LOG_LINES_KEPT));
  }

  /**
   * Every queue with its depth (`queueDepth`), kind and sources, as `status` gives them (the stack's
   * queues an earlier contract left too, kind `kept`), the consumers' counts and the last records.
   */
  async state(): Promise<{ queues: QueueState[]; consumers: ConsumerCounts[]; records: ConsoleRecord[] }> {
    const { topology } = this.runtime.application;
    const plan = resolvePlan({ topology, settings: this.runtime.application.settings, check: false });
    const roles = queueRolesOf(topology, this.contract.operations);
    const depthOf = async (url: string | undefined) => (url ? await queueDepth(this.sqs, url) : { visible: 0, inFlight: 0, delayed: 0 });
    const queues = await Promise.all(
      plan.queues.map(async (q): Promise<QueueState> => {
        const depth = await depthOf(this.runtime.resources.queues[q.name]?.url);
        // The kind status gives it, by the same rule; the plan's for a queue that rule does not know.
        const role = roles.find((r) => r.name === q.name);
        return { name: q.name, kind: role?.kind ?? q.kind, source: role?.source ?? undefined, sources: role?.sources ?? [], deadLetters: role?.deadLetters !== undefined, visible: depth.visible, inFlight: depth.inFlight, delayed: depth.delayed };
      }),
    );
    // What an earlier contract made, which the stack keeps with its messages (status lists them, dlq list --queue reads them).
    const kept = await Promise.all(
      (await this.keptQueues()).map(async (q): Promise<QueueState> => {
        const depth = await depthOf(q.url);
        return { name: q.name, kind: 'kept', source: undefined, sources: [], deadLetters: true, visible: depth.visible, inFlight: depth.inFlight, delayed: depth.delayed };
      }),
    );
    return { queues: [...queues, ...kept], consumers: [...this.consumers.values()], records: [...this.records] };
  }

  /** The stack's queues the contract does not account for: an earlier contract's, kept with their messages. */
  private async keptQueues(): Promise<{ name: string; url: string }[]> {
    const owned = ownedQueues(this.runtime.application.topology);
    return (await queuesOn(this.sqs)).filter((q) => !owned.has(q.name));
  }

  /** The queues `dlq list` reads, by the same rule (`deadLetterQueuesOf`): dead-letter queues, unrouted queues, triage dead-letter queues. */
  private deadLetterQueueRefs(): DeadLetterQueueRef[] {
    return deadLetterQueuesOf(this.runtime.application.topology, this.contract.operations);
  }

  /**
   * The queue `dlq list` would read as `name`: one of the contract's (`deadLetterQueuesOf`), or a
   * queue of the stack an earlier contract left (`kept`, its URL), as `dlq list --queue` reads it;
   * a 404 for any other.
   */
  private async readable(name: string): Promise<DeadLetterQueueRef | { kept: string }> {
    const ref = this.deadLetterQueueRefs().find((r) => r.name === name);
    if (ref) return ref;
    const kept = (await this.keptQueues()).find((q) => q.name === name);
    if (kept) return { kept: kept.url };
    throw new ConsoleError(404, `${name} is not a dead-letter queue of the contract`);
  }

  /**
   * The dead-letter queue `name` as the `dlq` commands open it: its source queues' consumers'
   * decoders (`deadLetterReading`; a topic's triage dead-letter queue has none: the framework's
   * function reads any publish), redriven to its source; a topic's unrouted queue too, whose
   * messages go back by being published to the topic again (its subscriptions route them anew);
   * a kept queue as `dlq list --queue` reads it: no decoder, no subject, nowhere to redrive to.
   * Only a redrive (`use.redrive`) needs every source queue: listing, opening and purging read the
   * dead-letter queue alone, so a missing second source does not stop them.
   */
  private async deadLetterQueue(name: string, use: { redrive: boolean } = { redrive: false }): Promise<{ dlq: DeadLetterQueue; ref: DeadLetterQueueRef | { kept: string }; sources: RedriveSource[] }> {
    const ref = await this.readable(name);
    if ('kept' in ref) return { dlq: new DeadLetterQueue({ sqs: this.sqs, deadLetterQueueUrl: ref.kept, sourceQueueUrl: ref.kept, exactCounts: true }), ref, sources: [] };
    const sources = use.redrive && ref.unroutedTopic === undefined ? this.redriveSources(name, ref) : [];
    return { dlq: this.contractDeadLetterQueue(name, ref, sources), ref, sources };
  }

  /**
   * Where a redrive of `ref` puts its messages back, as `dlq redrive` does: each source queue with
   * its URL (a shared dead-letter queue's messages go back to the queue whose name SQS recorded on
   * each), consumer and that consumer's decoder (what it would say of a message once back).
   */
  private redriveSources(name: string, ref: DeadLetterQueueRef): RedriveSource[] {
    const sources: RedriveSource[] = ref.sources.map((source) => {
      const queue = this.runtime.resources.queues[source];
      if (!queue) throw new ConsoleError(404, `${name} or ${source} does not exist on the local stack`);
      const consumer = ref.consumers.find((c) => c.queue === source);
      return { name: source, url: queue.url, ...(consumer ? { consumer: consumer.id, decode: this.decoderOf(consumer) } : {}) };
    });
    // A triage dead-letter queue is also the unrouted subscription's: as dlq redrive reads it (triageRedriveSources).
    if (!ref.triage || sources.length !== 1) return sources;
    const unrouted = this.runtime.resources.queues[ref.triage.unroutedQueue];
    const subscription = this.runtime.resources.subscriptions[`${ref.triage.topic}To${ref.triage.unroutedQueue}`];
    return triageRedriveSources(
      sources[0]!,
      unrouted && subscription ? { name: ref.triage.unroutedQueue, url: unrouted.url, subscriptionArn: subscription.arn } : { name: ref.triage.unroutedQueue, why: 'restart npm start (it makes it), then redrive again' },
    ).sources;
  }

  /** How the page names the operator command (`npx orders dlq redrive`), so that a hint runs as written: the project's `operatorCommand`, as the publish panel's note says it. */
  private operatorCommand(command: string): string {
    return `${this.runtime.application.project.operatorCommand ?? 'npx sluice-ops'} ${command}`;
  }

  private contractDeadLetterQueue(name: string, ref: DeadLetterQueueRef, sources: RedriveSource[]): DeadLetterQueue {
    const topic = ref.unroutedTopic;
    if (topic !== undefined) {
      const url = this.runtime.resources.queues[name]?.url;
      const topicArn = this.runtime.resources.topics[topic]?.arn;
      if (!url || !topicArn) throw new ConsoleError(404, `${name} or topic ${topic} does not exist on the local stack`);
      return new DeadLetterQueue({ sqs: this.sqs, deadLetterQueueUrl: url, sourceQueueUrl: url, forward: (message) => republish(this.sns, topicArn, message), exactCounts: true });
    }
    const dlqUrl = this.runtime.resources.queues[name]?.url;
    const sourceUrl = this.runtime.resources.queues[ref.source]?.url;
    if (!dlqUrl || !sourceUrl) throw new ConsoleError(404, `${name} or ${ref.source} does not exist on the local stack`);
    // Read as dlq list reads it: by each source's consumer (several share a dead-letter queue), its subject its message's first field.
    const { decode, describe } = deadLetterReading(ref, (consumer) => this.decoderOf(consumer), this.contract.messages);
    return new DeadLetterQueue({
      sqs: this.sqs,
      deadLetterQueueUrl: dlqUrl,
      sourceQueueUrl: sourceUrl,
      // Each message back to the queue it came from (of a queue several share, the one recorded on it): for a redrive.
      ...(sources.length > 0 ? { sources } : {}),
      // Of a triage dead-letter queue, what SNS dead-lettered for the unrouted subscription goes to the unrouted queue
      // (in the sources, with that subscription), the rest back to the triage queue, which decides again.
      ...(sources.length > 0 && ref.triage && sources.some((s) => s.subscriptionArn !== undefined) ? { unknownSourceTo: sources[0]! } : {}),
      ...(decode ? { decode } : {}),
      describe,
      failuresOf: (ids) => localHandlerFailures(this.runtime.clientConfig.endpoint, ids),
      // The local stack: its counts are exact.
      exactCounts: true,
    });
  }

  /**
   * The dead letters of a queue, as `dlq list` lists them, without bodies, and what the listing
   * could not show (`notShown`, as `dlq list` says it; `null` when it showed them all): on a FIFO
   * queue, how many wait behind the first message of each group.
   */
  async deadLetters(queue: string): Promise<DeadLetterPanel> {
    const { dlq, ref } = await this.deadLetterQueue(queue);
    const listing = await dlq.listing();
    return { letters: listing.letters.map(({ message, body, ...letter }) => ({ ...letter, why: this.why(ref, { ...letter, message }, body) })), notShown: notShownOf(listing) ?? null };
  }

  /** Why a message is where it is: in an unrouted queue, why no subscription admits it (as `dlq list` says); else why it was dead-lettered (in a kept queue, `dlq list`'s words for it). */
  private why(ref: DeadLetterQueueRef | { kept: string }, letter: Pick<DeadLetter, 'reason' | 'handlerFailure' | 'message'>, body: string): string {
    if ('kept' in ref) return whyDeadLettered(letter, KEPT_UNEXPLAINED);
    const { unroutedTopic: topic, triage } = ref;
    // A triage dead-letter queue's message by its marks: one sent there directly is said so (triageDeadLetterWhy).
    if (topic === undefined) return whyDeadLettered(letter, triage ? triageDeadLetterWhy(triage, ref.source, letter.message) : UNEXPLAINED);
    return unroutedMessageReason(this.runtime.application.topology, topic, body) ?? 'a consumer declares it now: redrive it';
  }

  /**
   * One dead letter opened: its body, receive count, why the consumer rejected it, and what the
   * consumer logged about it. Not found, a 404 says why it may be there unseen
   * ({@link deadLetterNotFound}: on a FIFO queue, behind the first message of its group).
   */
  async deadLetter(queue: string, messageId: string): Promise<Omit<DeadLetter, 'message'> & { why: string; logged: string[] }> {
    const { dlq, ref } = await this.deadLetterQueue(queue);
    const listing = await dlq.listing();
    const letter = listing.letters.find((l) => l.messageId === messageId);
    if (!letter) throw new ConsoleError(404, deadLetterNotFound(queue, messageId, listing));
    const { message: _m, ...rest } = letter;
    const why = this.why(ref, letter, letter.body);
    const ids = [letter.messageId, letter.snsMessageId].filter((id): id is string => id !== undefined);
    // The consumer logged the message under the id it received it with in the source queue; the
    // SNS message id stays the same through the redrive.
    const logged = this.logs.filter((l) => ids.some((id) => l.line.includes(id))).map((l) => `${l.operationId}: ${l.line}`);
    return { ...rest, why, logged };
  }

  /**
   * Moves dead letters back to their queue (`dlq redrive`): all, or those in `ids`. A dead-letter
   * queue several queues share sends each back to the queue it came from (recorded on it as
   * `DeadLetterQueueSourceArn`); one whose source is not known stays, in `notRedriven` with why,
   * `next` saying what to do (`dlq redrive --to`), as `dlq redrive` does. From a
   * dead-letter queue, those the current contract would reject again (by the consumer each goes
   * back to) are said in `rejectedAgain`
   * (`rejectedAgain` of `@sluice/ops`, as `dlq redrive` warns of them: checked before the redrive,
   * and on a FIFO queue those behind the first of their groups as they move), and redriven anyway:
   * it is a prediction; each with its `lines`, the warning in `dlq redrive`'s words
   * (`rejectedAgainLines`), for the page to show as they are. From an unrouted queue, only what a
   * subscription admits now is published again (the rest would come straight back): kept, in
   * `kept`, with why. From a queue an earlier contract left, nothing: refused (400) as `dlq redrive`
   * refuses it without `--to`, which queue its messages came from not being known.
   */
  async redrive(
    queue: string,
    ids: readonly string[] | undefined,
  ): Promise<{ moved: string[]; notFound: string[]; kept: { messageId: string; why: string }[]; rejectedAgain: RejectedAgainWarning[]; notRedriven: NotRedriven[]; notReached: number; next: string | null }> {
    const { dlq, ref, sources } = await this.deadLetterQueue(queue, { redrive: true });
    if ('kept' in ref) {
      const consumed = this.receiveOperations().map((o) => o.queue);
      throw new ConsoleError(400, `${keptQueueNotRedriven(queue)}: move its messages with \`${this.operatorCommand('dlq redrive')} --queue ${queue} --to <queue>\` (${consumed.join(', ') || 'the contract consumes no queue'}), or purge them here once they are no longer needed`);
    }
    const topic = ref.unroutedTopic;
    const picks = (l: Pick<DeadLetter, 'messageId' | 'snsMessageId'>) => ids === undefined || ids.includes(l.messageId) || (l.snsMessageId !== undefined && ids.includes(l.snsMessageId));
    if (topic === undefined) {
      // Checked before anything moves, as dlq redrive checks them.
      const listing = await dlq.listing();
      // Each message against the consumer of the queue it goes back to (of a shared queue, its own source's).
      const before = rejectedOnTheWayBack(queue, listing.letters.filter(picks), sources, { notRead: listing.notShown, picked: ids !== undefined });
      // What the check could not read (behind the first of their FIFO groups) is checked as it moves.
      const read = new Set(listing.letters.map((l) => l.messageId));
      const behind: DeadLetter[] = [];
      const result = await dlq.redrive(ids, listing.notShown > 0 ? (_done, _total, message) => void (read.has(message.MessageId!) || behind.push(dlq.explain(message))) : undefined);
      const after = rejectedOnTheWayBack(queue, behind, sources, { checkedAsTheyMoved: true });
      // Said once the redrive is done: they have moved, and come back.
      const warned = [...before, ...after].map((r) => ({ ...r, lines: rejectedAgainLines(r, { when: 'after', listing: 'the listing', seeThem: 'in this listing' }) }));
      // Those of a shared queue whose source is not known stay, with why and what to do (dlq redrive --to);
      // on a FIFO queue, with how many behind them in their groups were not reached.
      const redrive = this.operatorCommand('dlq redrive');
      const next =
        result.notRedriven.length > 0
          ? [
              // A triage dead-letter queue refuses --to: what it left goes where it was going once its unrouted queue is on the stack again.
              ref.triage ? triageNotRedrivenNext(redrive, queue, ref.triage.unroutedQueue, 'restart npm start') : notRedrivenNext(redrive, queue, ref.sources),
              ...(result.notReached > 0 ? [`${notReachedBehind(redrive, queue, result.notReached, ref.triage !== undefined)}.`] : []),
            ].join(' ')
          : null;
      return { ...result, kept: [], rejectedAgain: warned, next };
    }
    const { letters } = await dlq.listing();
    const picked = letters.filter(picks);
    const notFound = (ids ?? []).filter((id) => !picked.some((l) => l.messageId === id || l.snsMessageId === id));
    const routed = picked.filter((l) => unroutedMessageReason(this.runtime.application.topology, topic, l.body) === undefined);
    const kept = picked.filter((l) => !routed.includes(l)).map((l) => ({ messageId: l.messageId, why: this.why(ref, l, l.body) }));
    const moved = routed.length > 0 ? (await dlq.redrive(routed.map((l) => l.messageId))).moved : [];
    return { moved, notFound, kept, rejectedAgain: [], notRedriven: [], notReached: 0, next: null };
  }

  /** Deletes exactly the dead letters in `ids` (`dlq purge`: what the user saw listed and confirmed). */
  async purge(queue: string, ids: readonly string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    if (ids.length === 0) throw new ConsoleError(400, 'purge needs the ids of the messages listed and confirmed');
    return (await this.deadLetterQueue(queue)).dlq.purge(ids);
  }

  /** The contract's AsyncAPI document, parsed (read at each call: the file may change while the stack runs). */
  private document(): unknown {
    return parse(readFileSync(this.spec, 'utf8'));
  }

  /**
   * Every message the contract's send operations publish, with the contract's first example of it
   * (its payload and its application headers) and what the document says of each header.
   */
  publishable(): PublishableMessage[] {
    const document = this.document();
    const examples = contractExamples(document);
    return Object.values(this.contract.operations)
      .filter((o): o is SendOperation => o.action === 'send')
      .flatMap((op) =>
        Object.values(op.messages).map((m) => ({
          operationId: op.id,
          message: m.name,
          title: m.title,
          example: examples[m.name]?.payload ?? {},
          headers: applicationHeadersOf(m, documentedHeadersOf(document, m.name)),
          exampleHeaders: examples[m.name]?.headers ?? {},
        })),
      );
  }

  /** What the contract's document says of `message`'s headers; nothing when it cannot be read (the checks stand without it). */
  private documented(message: string): Record<string, HeaderDocs> {
    try {
      return documentedHeadersOf(this.document(), message);
    } catch {
      return {};
    }
  }

  /**
   * Validates `payload` against the message's contract and `headers` (its application headers, by
   * name) against its headers schema, as `publish-message` checks its `--header`s
   * (`checkApplicationHeaders`), then publishes it with the runtime publisher: to the operation's
   * topic, or, for a point-to-point send operation (an SQS channel), straight to its queue with the
   * queue publisher. Anything invalid is a 422 naming each field and header, as is a message larger
   * than its target takes (its body and attributes: SNS 256 KiB, SQS 1 MiB); nothing is sent.
   */
  async publish(operationId: string, message: string, payload: unknown, headers: Readonly<Record<string, string>> = {}): Promise<{ messageId: string; correlationId: string | undefined }> {
    const found = this.contract.operations[operationId];
    if (!found || found.action !== 'send') throw new ConsoleError(404, `${operationId} is not a send operation of the contract`);
    const op = found as SendOperation;
    const contract = op.messages[message];
    if (!contract) throw new ConsoleError(404, `${operationId} does not publish ${message}`);
    const checked = contract.check(payload);
    const correlationId = contract.headers.includes('correlationId') ? `console-${Date.now().toString(36)}` : undefined;
    // Its size too: the body as it will be sent (when valid) with every attribute, against what SNS or SQS takes.
    const size = { via: op.queue !== undefined ? ('SQS' as const) : ('SNS' as const), ...(checked.ok ? { body: JSON.stringify(checked.value) } : {}) };
    const headerCheck = checkApplicationHeaders(contract, headers, PAGE_HEADER_WORDING, { correlationId }, size, this.documented(message));
    const headerText = headerCheck.problems.map((p) => `${p.header}: ${p.message}`).join('; ');
    if (!checked.ok) {
      const fields = checked.issues.map((i) => `${i.path || '(payload)'} ${i.message}`).join('; ');
      throw new ConsoleError(422, `not a valid ${message}: ${fields}${headerText ? `; and its headers: ${headerText}` : ''}`, headerCheck.problems);
    }
    if (headerCheck.problems.length > 0) throw new ConsoleError(422, `not published: the headers do not satisfy the headers schema of ${message}: ${headerText}`, headerCheck.problems);
    const options = { message, attributes: headerCheck.attributes, ...(correlationId ? { correlationId } : {}) } as never;
    if (op.queue !== undefined) {
      const queueUrl = this.runtime.resources.queues[op.queue]?.url;
      if (!queueUrl) throw new ConsoleError(404, `queue ${op.queue} does not exist on the local stack`);
      const { messageId } = await createQueuePublisher(op, { client: this.sqs, queueUrl }).publish(checked.value as never, options);
      return { messageId, correlationId };
    }
    const topicArn = this.runtime.resources.topics[op.topic]?.arn;
    if (!topicArn) throw new ConsoleError(404, `topic ${op.topic} does not exist on the local stack`);
    const { messageId } = await createPublisher(op, { client: this.sns, topicArn }).publish(checked.value as never, options);
    return { messageId, correlationId };
  }
}

/** A refusal with its HTTP status, shown to the user as its message (and, for headers, on their fields). */
export class ConsoleError extends Error {
  override name = 'ConsoleError';
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The application headers refused, each with what to write: the page marks their fields. */
  readonly headerProblems: readonly HeaderProblem[];
  /**
   * @param status - the HTTP status of the answer
   * @param message - what the page shows
   * @param headerProblems - the application headers refused, each with what to write: the page marks their fields
   */
  constructor(status: number, message: string, headerProblems: readonly HeaderProblem[] = []) {
    super(message);
    this.status = status;
    this.headerProblems = headerProblems;
  }
}

/** The `correlationId` of a record: its SQS attribute (raw delivery), else the SNS envelope's. */
function correlationIdOf(body: string, attributes: Record<string, { stringValue?: string | undefined }> | undefined): string | undefined {
  const direct = attributes?.correlationId?.stringValue;
  if (direct) return direct;
  try {
    const envelope = JSON.parse(body) as { Type?: string; MessageAttributes?: Record<string, { Value?: string }> };
    return envelope.Type === 'Notification' ? envelope.MessageAttributes?.correlationId?.Value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first example of each message in the AsyncAPI document (`components.messages.<name>.examples`)
 * that has a payload: its payload, and its application headers (strings; the framework's left out).
 */
function contractExamples(document: unknown): Record<string, { payload: unknown; headers: Record<string, string> }> {
  const doc = document as { components?: { messages?: Record<string, { name?: string; examples?: { payload?: unknown; headers?: unknown }[] }> } } | null;
  const out: Record<string, { payload: unknown; headers: Record<string, string> }> = {};
  for (const [key, message] of Object.entries(doc?.components?.messages ?? {})) {
    const example = (Array.isArray(message?.examples) ? message.examples : []).find((e) => e?.payload !== undefined);
    if (example === undefined) continue;
    const given = example.headers && typeof example.headers === 'object' && !Array.isArray(example.headers) ? Object.entries(example.headers) : [];
    const headers = given.flatMap(([name, value]) =>
      FRAMEWORK_HEADER_NAMES.includes(name) || !['string', 'number', 'boolean'].includes(typeof value) ? [] : [[name, String(value)] as const],
    );
    out[message.name ?? key] = { payload: example.payload, headers: Object.fromEntries(headers) };
  }
  return out;
}
