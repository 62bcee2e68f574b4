/**
 * What each queue a contract accounts for is, by one rule: `status` gives its rows these kinds and
 * sources, and the local console its queues, so that the two say the same of the same queue. The
 * queues `dlq` reads get theirs from {@link deadLetterQueuesOf}, as `dlq list --json` gives them.
 */
import { functionNameOf, triageOf, unroutedOf } from '@sluice/model';
import type { Operation, Topology } from '@sluice/runtime/contract';
import { deadLetterQueuesOf, type DeadLetterQueueRef } from './dead-letter-queues.ts';

/** One queue of {@link queueRolesOf}. */
export interface QueueRole {
  /** The queue's name. */
  name: string;
  /**
   * `queue` (a consumer's, or one nobody consumes), `triage` (a topic's triage queue: every publish,
   * for the framework's triage function), or the kind `dlq` gives a queue it reads (`deadLetter`,
   * `unrouted`, `triageDeadLetter`).
   */
  kind: 'queue' | 'triage' | DeadLetterQueueRef['kind'];
  /** For a queue `dlq` reads, its source as `dlq list --json` gives it (the first, when several queues share it); null for the others. */
  source: string | null;
  /** For a queue `dlq` reads, every source (each queue sharing a dead-letter queue); `[]` for the others. */
  sources: string[];
  /** For a queue `dlq` reads, how it reads it ({@link deadLetterQueuesOf}). */
  deadLetters: DeadLetterQueueRef | undefined;
  /** For a consumer's queue, its consumer's operation id. */
  consumer?: string;
  /** For a triage queue, its topic and the framework's function that triages it. */
  triage?: { topic: string; functionName: string; unroutedQueue: string };
}

/**
 * Every queue the contract accounts for, once each, with its kind: its own queues (a dead-letter
 * queue once, however many queues share it), each topic's unrouted queue, and each topic's triage
 * queue followed by its dead-letter queue, in that order (`status`'s).
 *
 * @param operations - the contract's operations by id, where each queue's consumer is found
 * @example
 * ```ts
 * import { queueRolesOf } from '@sluice/ops';
 * import type { Operation, Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const operations: Record<string, Operation>;
 * queueRolesOf(topology, operations).map((q) => `${q.name} ${q.kind}`);
 * // ['OrderQueue queue', 'OrderDLQ deadLetter', 'OrderTopicUnrouted unrouted', 'OrderTopicTriage triage', 'OrderTopicTriageDLQ triageDeadLetter']
 * ```
 */
export function queueRolesOf(topology: Topology, operations: Readonly<Record<string, Operation>>): QueueRole[] {
  const read = deadLetterQueuesOf(topology, operations);
  const readAs = (ref: DeadLetterQueueRef): QueueRole => ({ name: ref.name, kind: ref.kind, source: ref.source, sources: ref.sources, deadLetters: ref });
  const roles: QueueRole[] = [];
  for (const queue of Object.values(topology.queues)) {
    const ref = read.find((r) => r.name === queue.name && r.kind === 'deadLetter');
    const consumer = Object.values(operations).find((o) => o.action === 'receive' && o.queue === queue.name);
    roles.push(ref ? readAs(ref) : { name: queue.name, kind: 'queue', source: null, sources: [], deadLetters: undefined, ...(consumer ? { consumer: consumer.id } : {}) });
  }
  roles.push(...read.filter((r) => r.kind === 'unrouted').map(readAs));
  for (const t of triageOf(topology, unroutedOf(topology))) {
    roles.push({ name: t.queue, kind: 'triage', source: null, sources: [], deadLetters: undefined, triage: { topic: t.topic, functionName: functionNameOf(t.operationId), unroutedQueue: t.unroutedQueue } });
    roles.push(...read.filter((r) => r.kind === 'triageDeadLetter' && r.name === t.deadLetterQueue).map(readAs));
  }
  return roles;
}
