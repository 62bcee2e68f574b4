/**
 * Step 6 of `deriveTopology`: each subscription's filter policy (derived from what the queue's
 * consumer declares; a stated one must equal it) and dead-letter queue, and what each receive
 * operation is fed by.
 */
import type { FilterPolicy } from '@sluice/runtime/contract';
import { consumerOf, type Derivation, type SubscriptionDraft } from './context.ts';
import { canonicalPolicy, filterPolicyFor } from './filter-policy.ts';

/** Resolves every subscription, in the order the send operations declared them. */
export function resolveSubscriptions(d: Derivation): void {
  for (const subscription of d.subscriptions.values()) {
    const consumer = consumerOf(d, subscription.queue);
    resolveFilterPolicy(d, subscription, consumer?.messages, consumer?.id);
    resolveDeadLetterQueue(d, subscription);
    if (consumer) (consumer.sources as { topic: string; rawMessageDelivery: boolean }[]).push({ topic: subscription.topic, rawMessageDelivery: subscription.rawMessageDelivery });
  }
}

/** Whether every list of a filter policy (and of its `$or` branches) holds strings only, as the SNS 0.1.0 binding schema requires. */
function writable(policy: unknown): boolean {
  if (Array.isArray(policy)) return policy.every((v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v) && writable(v)));
  if (typeof policy === 'object' && policy !== null) return Object.entries(policy).every(([k, v]) => (k === '$or' ? Array.isArray(v) && v.every(writable) : Array.isArray(v) ? v.every((x) => typeof x === 'string') : writable(v)));
  return true;
}

/** The filter policy admitting exactly what the consumer declares; a stated policy must say the same. */
function resolveFilterPolicy(d: Derivation, subscription: SubscriptionDraft, consumerMessages: readonly string[] | undefined, consumerId: string | undefined): void {
  // A queue nobody consumes (a warning later) gets what its topic carries.
  const admitted = consumerMessages ?? d.topics[subscription.topic]!.messages;
  const declared = admitted.map((name) => d.messages.get(name)!).filter(Boolean);
  const derived = d.options.filterPolicies === false || declared.length === 0 ? {} : filterPolicyFor(declared);
  if (subscription.stated !== undefined && d.options.filterPolicies !== false && canonicalPolicy(subscription.stated) !== canonicalPolicy(derived)) {
    d.problems.push(
      `the filterPolicy of ${subscription.topic} → ${subscription.queue} (${subscription.declaredBy[0]}) must admit exactly what ${consumerId ?? 'its consumer'} declares: leave it out, and the framework derives ${JSON.stringify(derived)} from the operations${
        writable(derived) ? '' : " (a filter policy with prefix matches, which AsyncAPI's SNS 0.1.0 binding schema does not let a contract write: its lists hold strings only)"
      }`,
    );
  }
  (subscription as { filterPolicy: FilterPolicy }).filterPolicy = derived;
  delete subscription.stated;
}

/**
 * A notification SNS cannot deliver to the queue (its policy refuses, it was deleted) is not
 * dropped: unless the contract names another, it goes where the queue's own failures go. Its type
 * must be the topic's (AWS: a FIFO topic's subscriptions use FIFO dead-letter queues, a standard
 * topic's standard ones); the problem says whether the contract named it or the framework derived
 * it from the queue's own redrivePolicy.
 */
function resolveDeadLetterQueue(d: Derivation, subscription: SubscriptionDraft): void {
  const stated = subscription.deadLetterQueue !== undefined;
  const dlq = subscription.deadLetterQueue ?? d.queues[subscription.queue]!.deadLetter?.queue;
  if (dlq === undefined) return;
  (subscription as { deadLetterQueue?: string }).deadLetterQueue = dlq;
  const topicFifo = d.topics[subscription.topic]!.fifo;
  if (d.queues[dlq] && d.queues[dlq]!.fifo !== topicFifo) {
    const kind = topicFifo ? 'FIFO' : 'standard';
    if (stated) {
      d.problems.push(`the redrivePolicy of ${subscription.topic} → ${subscription.queue} names ${dlq}, but a ${kind} topic's subscription needs a ${kind} dead-letter queue`);
    } else {
      d.problems.push(
        `the subscription ${subscription.topic} → ${subscription.queue} (${subscription.declaredBy[0]}) sets no redrivePolicy, so the framework gives it ${dlq}, the dead-letter queue of ${subscription.queue}'s own redrivePolicy; but a ${kind} topic's subscription needs a ${kind} dead-letter queue, and ${dlq} is ${topicFifo ? 'standard' : 'FIFO'}: write, in that sns consumer entry of ${subscription.declaredBy[0]}, redrivePolicy: { deadLetterQueue: { name: <a ${kind} queue the contract declares> } }`,
      );
    }
  }
}
