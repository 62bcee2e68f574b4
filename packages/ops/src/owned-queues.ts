/**
 * The queues a contract accounts for: its own (queues and dead-letter queues), and the framework's
 * per topic (the unrouted queue, the triage queue and its dead-letter queue). A queue of the local
 * stack outside them is one an earlier contract made: `npm start` keeps it, with its messages.
 */
import { triageOf, unroutedOf } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';

/**
 * Every queue name `topology` accounts for.
 *
 * @example
 * ```ts
 * import { ownedQueues } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const stackQueues: string[];
 * const kept = stackQueues.filter((q) => !ownedQueues(topology).has(q)); // left by an earlier contract
 * ```
 */
export function ownedQueues(topology: Topology): Set<string> {
  const unrouted = unroutedOf(topology);
  return new Set([...Object.keys(topology.queues), ...unrouted.map((u) => u.queue), ...triageOf(topology, unrouted).flatMap((t) => [t.queue, t.deadLetterQueue])]);
}
