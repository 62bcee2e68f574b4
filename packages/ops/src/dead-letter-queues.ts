/**
 * Which queues of a contract hold messages to read, redrive and purge as dead letters: each
 * dead-letter queue of its queues, each topic's unrouted queue and each topic's triage dead-letter
 * queue. `dlq list | redrive | purge` and the local console read the same ones, and `status`
 * gives them the same kind and source, from {@link deadLetterQueuesOf}.
 */
import { functionNameOf, triageOf, unroutedOf } from '@sluice/model';
import type { Operation, ReceiveOperation, Topology } from '@sluice/runtime/contract';

/** One queue {@link deadLetterQueuesOf} finds, with where its messages came from and go back to. */
export interface DeadLetterQueueRef {
  /** The queue's name. */
  name: string;
  /**
   * `deadLetter` (a queue's dead letters), `unrouted` (a topic's publishes no subscription
   * admitted) or `triageDeadLetter` (what a topic's triage function could not keep): the kinds
   * `dlq list --json` and `status --json` give them.
   */
  kind: 'deadLetter' | 'unrouted' | 'triageDeadLetter';
  /** Where its messages came from: the source queue, for an unrouted queue its topic, for a triage dead-letter queue the triage queue. */
  source: string;
  /** The source queue's consumer, when the contract has one (a triage queue's is the framework's function). */
  consumer: ReceiveOperation | undefined;
  /** For an unrouted queue, its topic: its messages go back by being published to it again. */
  unroutedTopic?: string;
  /** For a triage dead-letter queue, the topic and the triage function that could not keep its messages. */
  triage?: { topic: string; functionName: string };
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
  return [
    ...Object.values(topology.queues)
      .filter((q) => q.deadLetter)
      .map((q): DeadLetterQueueRef => ({ name: q.deadLetter!.queue, kind: 'deadLetter', source: q.name, consumer: consumerOf(q.name) })),
    ...unrouted.map((u): DeadLetterQueueRef => ({ name: u.queue, kind: 'unrouted', source: u.topic, consumer: undefined, unroutedTopic: u.topic })),
    ...triageOf(topology, unrouted).map(
      (t): DeadLetterQueueRef => ({ name: t.deadLetterQueue, kind: 'triageDeadLetter', source: t.queue, consumer: undefined, triage: { topic: t.topic, functionName: functionNameOf(t.operationId) } }),
    ),
  ];
}

/**
 * Why a message of a triage dead-letter queue is there, as the listing says it: no decoder gives
 * a reason (the triage function reads any publish), so the function's log is where to look.
 *
 * @example
 * ```ts
 * import { triageUnexplained } from '@sluice/ops';
 *
 * triageUnexplained({ topic: 'OrderTopic', functionName: 'TriageOrderTopic' });
 * // "TriageOrderTopic could not keep it in OrderTopic's unrouted queue (see its log for this messageId); redrive it once fixed"
 * ```
 */
export function triageUnexplained(triage: { topic: string; functionName: string }): string {
  return `${triage.functionName} could not keep it in ${triage.topic}'s unrouted queue (see its log for this messageId); redrive it once fixed`;
}
