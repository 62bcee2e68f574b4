/**
 * What the operator commands say of a topic's subscriptions as they run (the stack's, or AWS's),
 * which lag the contract until a restart or a deploy: one wording and one reading for `dlq`,
 * `status` and `publish-message`.
 */
import type { Topology } from '@sluice/runtime/contract';
import type { Target } from '../target.ts';
import { liveRouting, type LiveRouting } from '../unrouted.ts';

/**
 * Whose subscriptions they are, and what applies the contract's: a restart locally, a deploy on AWS.
 *
 * @example
 * ```ts
 * import { Target } from '@sluice/ops';
 * import { appliedBy } from './live-routing.ts';
 *
 * appliedBy(new Target({})).apply; // 'restart npm start (it applies the contract when it starts)'
 * ```
 */
export function appliedBy(target: Pick<Target, 'mode'>): Pick<LiveRouting, 'where' | 'apply'> {
  return target.mode === 'aws' ? { where: 'the deployed topic', apply: 'deploy the contract' } : { where: 'the running stack', apply: 'restart npm start (it applies the contract when it starts)' };
}

/**
 * What `topic`'s subscriptions to the contract's consumer queues admit now, on the target.
 * Undefined when the topic has none in the contract, or when they cannot be read: then said with
 * `warn` (the contract alone is used), not skipped in silence.
 *
 * @example
 * ```ts
 * import { Target } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 * import { liveRoutingOf } from './live-routing.ts';
 *
 * declare const topology: Topology;
 * const live = await liveRoutingOf(new Target({}), topology, 'OrderTopic', console.error);
 * live?.admits({ eventType: 'OrderPlaced', schemaVersion: '1.0.0' });
 * ```
 */
export async function liveRoutingOf(target: Target, topology: Topology, topic: string, warn: (line: string) => void): Promise<LiveRouting | undefined> {
  const queues = topology.subscriptions.filter((s) => s.topic === topic).map((s) => s.queue);
  if (queues.length === 0) return undefined;
  const live = await liveRouting(target.sns, await target.topicArn(topic), queues, appliedBy(target));
  if (!live) warn(`warning: could not read ${topic}'s subscriptions on the ${target.describe()}: judged by the contract alone, which a restart or a deploy may not have applied yet`);
  return live;
}
