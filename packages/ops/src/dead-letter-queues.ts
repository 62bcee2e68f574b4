/**
 * Which queues of a contract hold messages to read, redrive and purge as dead letters: each
 * dead-letter queue of its queues, each topic's unrouted queue and each topic's triage dead-letter
 * queue. `dlq list | redrive | purge` and the local console read the same ones, and `status`
 * gives them the same kind and source, from {@link deadLetterQueuesOf}.
 */
import { functionNameOf, triageOf, unroutedOf } from '@sluice/model';
import type { DecodeResult, RecordInput } from '@sluice/runtime/consumer';
import type { MessageContract, Operation, ReceiveOperation, Topology } from '@sluice/runtime/contract';
import type { Message } from '@aws-sdk/client-sqs';
import { subjectFromContract } from './message-subject.ts';
import { subscriptionArnOf } from './redrive-sources.ts';

/**
 * One queue {@link deadLetterQueuesOf} finds, with where its messages came from and go back to.
 * A dead-letter queue several queues share is one ref: `sources` names every one of them (in the
 * topology's order), `source` the first (the only one, in the common case).
 */
export interface DeadLetterQueueRef {
  /** The queue's name. */
  name: string;
  /**
   * `deadLetter` (a queue's dead letters), `unrouted` (a topic's publishes no subscription
   * admitted) or `triageDeadLetter` (what a topic's triage function could not keep): the kinds
   * `dlq list --json` and `status --json` give them.
   */
  kind: 'deadLetter' | 'unrouted' | 'triageDeadLetter';
  /**
   * Where its messages came from: the source queue, for an unrouted queue its topic, for a triage
   * dead-letter queue the triage queue; for a dead-letter queue several queues share, the first of
   * `sources`, where a redrive puts its messages.
   */
  source: string;
  /** Every queue (or topic) its messages came from: `[source]`, or each queue sharing it as their dead-letter queue. */
  sources: string[];
  /** `source`'s consumer, when the contract has one (a triage queue's is the framework's function). */
  consumer: ReceiveOperation | undefined;
  /** The consumer of each of `sources` that has one, in their order: a message any of them accepts decodes fine ({@link deadLetterReading}). */
  consumers: ReceiveOperation[];
  /** For an unrouted queue, its topic: its messages go back by being published to it again. */
  unroutedTopic?: string;
  /**
   * For a triage dead-letter queue, the topic, the triage function that could not keep its messages
   * and the unrouted queue: SNS dead-letters there what it could not deliver to that queue (those
   * carry no DeadLetterQueueSourceArn, and a redrive puts them in it).
   */
  triage?: { topic: string; functionName: string; unroutedQueue: string };
}

/**
 * Every queue of the contract whose messages are dead letters to read and redrive: the dead-letter
 * queue of each queue (with its consumer), each topic's unrouted queue and each topic's triage
 * dead-letter queue, in that order.
 *
 * @param operations - the contract's operations by id, where each source queue's consumer is found
 * @example
 * ```ts
 * import { deadLetterQueuesOf } from '@sluice/ops';
 * import type { Operation, Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const operations: Record<string, Operation>;
 * deadLetterQueuesOf(topology, operations).map((q) => `${q.name} ${q.kind}`);
 * // ['OrderDLQ deadLetter', 'OrderTopicUnrouted unrouted', 'OrderTopicTriageDLQ triageDeadLetter']
 * ```
 */
export function deadLetterQueuesOf(topology: Topology, operations: Readonly<Record<string, Operation>>): DeadLetterQueueRef[] {
  const unrouted = unroutedOf(topology);
  const consumerOf = (queue: string) => Object.values(operations).find((o): o is ReceiveOperation => o.action === 'receive' && o.queue === queue);
  // One ref per dead-letter queue, however many queues share it: its messages are read once.
  const deadLetters = new Map<string, string[]>();
  for (const q of Object.values(topology.queues)) if (q.deadLetter) deadLetters.set(q.deadLetter.queue, [...(deadLetters.get(q.deadLetter.queue) ?? []), q.name]);
  return [
    ...[...deadLetters].map(([name, sources]): DeadLetterQueueRef => ({
      name,
      kind: 'deadLetter',
      source: sources[0]!,
      sources,
      consumer: consumerOf(sources[0]!),
      consumers: sources.map(consumerOf).filter((c): c is ReceiveOperation => c !== undefined),
    })),
    ...unrouted.map((u): DeadLetterQueueRef => ({ name: u.queue, kind: 'unrouted', source: u.topic, sources: [u.topic], consumer: undefined, consumers: [], unroutedTopic: u.topic })),
    ...triageOf(topology, unrouted).map(
      (t): DeadLetterQueueRef => ({ name: t.deadLetterQueue, kind: 'triageDeadLetter', source: t.queue, sources: [t.queue], consumer: undefined, consumers: [], triage: { topic: t.topic, functionName: functionNameOf(t.operationId), unroutedQueue: t.unroutedQueue } }),
    ),
  ];
}

/** A consumer's decoder, as `createDecoder` of `@sluice/runtime/consumer` makes it. */
export type RecordDecoder = (record: RecordInput) => DecodeResult;

/**
 * How `dlq list` and the local console read the messages of a dead-letter queue: with the decoder
 * of each of its sources' consumers (`decoderOf`), a message any of them accepts decodes fine
 * (the first that does names it); one they all reject gets the first one's reason. Its subject is
 * the framework's ({@link subjectFromContract}) over those consumers' messages, else over the
 * contract's `messages`. No consumer (an unrouted queue, a triage or kept one): no decoder.
 *
 * @param decoderOf - the decoder of one consumer (with the ARNs of the topics feeding its queue)
 * @param messages - the contract's messages: the subject of a queue without a consumer
 * @example
 * ```ts
 * import { createDecoder } from '@sluice/runtime/consumer';
 * import { DeadLetterQueue, deadLetterQueuesOf, deadLetterReading } from '@sluice/ops';
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import type { MessageContract, Operation, Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const operations: Record<string, Operation>;
 * declare const messages: Record<string, MessageContract>;
 * declare const deadLetterQueueUrl: string;
 * const shared = deadLetterQueuesOf(topology, operations).find((r) => r.name === 'SharedDLQ')!;
 * const reading = deadLetterReading(shared, (consumer) => createDecoder(consumer), messages);
 * new DeadLetterQueue({ sqs: new SQSClient({}), deadLetterQueueUrl, sourceQueueUrl: deadLetterQueueUrl, ...reading });
 * ```
 */
export function deadLetterReading(
  ref: Pick<DeadLetterQueueRef, 'consumers'>,
  decoderOf: (consumer: ReceiveOperation) => RecordDecoder,
  messages: Readonly<Record<string, MessageContract>>,
): { decode?: RecordDecoder; describe: (payload: unknown, messageName: string | undefined) => string | undefined } {
  const describe = subjectFromContract(ref.consumers.length > 0 ? Object.assign({}, ...ref.consumers.map((c) => c.messages)) : messages);
  if (ref.consumers.length === 0) return { describe };
  const decoders = ref.consumers.map(decoderOf);
  const decode: RecordDecoder = (record) => {
    let first: DecodeResult | undefined;
    for (const d of decoders) {
      const result = d(record);
      if (result.ok) return result;
      first ??= result;
    }
    return first!;
  };
  return { decode, describe };
}

/**
 * Why a message of a triage dead-letter queue is there, as the listing says it: no decoder gives
 * a reason (the triage function reads any publish). Either the function could not keep it (its
 * log says why), or SNS could not deliver it to the unrouted queue (that subscription's
 * dead-letter queue is this one too); a redrive puts each where it was going.
 *
 * @example
 * ```ts
 * import { triageUnexplained } from '@sluice/ops';
 *
 * triageUnexplained({ topic: 'OrderTopic', functionName: 'TriageOrderTopic', unroutedQueue: 'OrderTopicUnrouted' });
 * // "TriageOrderTopic could not keep it in OrderTopicUnrouted (see its log for this messageId), or SNS could not deliver it there; redrive it once fixed"
 * ```
 */
export function triageUnexplained(triage: { topic: string; functionName: string; unroutedQueue: string }): string {
  return `${triage.functionName} could not keep it in ${triage.unroutedQueue} (see its log for this messageId), or SNS could not deliver it there; redrive it once fixed`;
}

/**
 * Why one message of a triage dead-letter queue is there: {@link triageUnexplained}, unless it
 * bears neither mark of a dead letter (no `DeadLetterQueueSourceArn`: SQS did not move it from the
 * triage queue; no subscription in its envelope's `UnsubscribeURL`: SNS did not dead-letter it),
 * which is a message sent to the dead-letter queue directly. That one is said so, with what
 * `dlq redrive` does with it: it goes to the triage queue, whose function keeps it in the unrouted
 * queue only when no subscription admits it, and drops one a subscription admits (it was never
 * delivered there: publish it to the topic instead).
 *
 * @param triage - the triage dead-letter queue's topic, function and unrouted queue
 * @param triageQueue - the triage queue, its source
 * @param message - the dead letter as received, with its system attributes (`MessageSystemAttributeNames: ['All']`)
 * @example
 * ```ts
 * import { triageDeadLetterWhy } from '@sluice/ops';
 *
 * const triage = { topic: 'OrderTopic', functionName: 'TriageOrderTopic', unroutedQueue: 'OrderTopicUnrouted' };
 * triageDeadLetterWhy(triage, 'OrderTopicTriage', { Body: '{"orderId":"ord-1"}' });
 * // 'sent to this queue directly, not dead-lettered: …; dlq redrive puts it in OrderTopicTriage, …'
 * triageDeadLetterWhy(triage, 'OrderTopicTriage', { Attributes: { DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:OrderTopicTriage' }, Body: '{}' });
 * // "TriageOrderTopic could not keep it in OrderTopicUnrouted (see its log for this messageId), or SNS could not deliver it there; redrive it once fixed"
 * ```
 */
export function triageDeadLetterWhy(triage: { topic: string; functionName: string; unroutedQueue: string }, triageQueue: string, message: Pick<Message, 'Attributes' | 'Body'>): string {
  if (message.Attributes?.DeadLetterQueueSourceArn || subscriptionArnOf(message.Body) !== undefined) return triageUnexplained(triage);
  return (
    `sent to this queue directly, not dead-lettered: SQS did not move it from ${triageQueue} (no DeadLetterQueueSourceArn) and SNS did not dead-letter it (no subscription in its envelope's UnsubscribeURL); ` +
    `dlq redrive puts it in ${triageQueue}, where ${triage.functionName} keeps it in ${triage.unroutedQueue} when no subscription of ${triage.topic} admits it (or it is no SNS envelope), ` +
    `and drops it when one does (as if SNS had delivered it there): publish such a one to ${triage.topic} instead, or purge it`
  );
}
