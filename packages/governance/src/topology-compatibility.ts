/**
 * Topology compatibility: how the queues, topics and subscriptions derived from the contract
 * changed, and which consumer a message new on a topic reaches. The released side is the topology
 * deployed with the released contract (as its release recorded it, or derived again).
 */
import { consumerSettings, deriveTopology, filterPolicyAdmits, TopologyError, unroutedOf, unroutedQueueNameOf, VISIBILITY_TIMEOUT_FACTOR, visibilityTimeoutOf } from '@sluice/model';
import type { QueueSpec, Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import type { ContractDocument } from './contract-document.ts';
import { BOTH, type Collector, isObject, kindOf, NEITHER, show, showChange } from './classification.ts';

/**
 * The binding fields the topology owns (topic and queue names, FIFO, retention, visibility, redrive,
 * subscriptions): compared as topology, with their meaning, by {@link compareTopology}.
 */
const TOPOLOGY_FIELDS: Record<string, readonly string[]> = {
  'sns': ['name', 'ordering', 'consumers', 'bindingVersion'],
  'sqs.queue': ['name', 'fifoQueue', 'messageRetentionPeriod', 'visibilityTimeout', 'deliveryDelay', 'redrivePolicy'],
  'sqs.deadLetterQueue': ['name', 'fifoQueue', 'messageRetentionPeriod', 'visibilityTimeout', 'deliveryDelay'],
  'sqs': ['queue', 'deadLetterQueue', 'bindingVersion'],
};

/** Bindings without the fields the topology owns; what is left is compared generically (undefined when nothing is). */
export function bindingsOutsideTopology(bindings: unknown): unknown {
  if (!isObject(bindings)) return bindings;
  const strip = (value: unknown, prefix: string): unknown => {
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const owned = TOPOLOGY_FIELDS[prefix]?.includes(k);
      const nested = TOPOLOGY_FIELDS[`${prefix}.${k}`];
      if (nested) {
        const rest = strip(v, `${prefix}.${k}`);
        if (isObject(rest) && Object.keys(rest).length > 0) out[k] = rest;
      } else if (!owned) out[k] = v;
    }
    return out;
  };
  // A protocol with nothing left but what the topology owns is no binding to compare (the topology
  // compares those fields), and bindings with nothing left are none: removing an sns block whose
  // name is the address changes nothing.
  const rest = Object.entries(bindings)
    .map(([protocol, binding]) => [protocol, strip(binding, protocol)] as const)
    .filter(([, binding]) => !(isObject(binding) && Object.keys(binding).length === 0));
  return rest.length > 0 ? Object.fromEntries(rest) : undefined;
}

/** The subscription's attributes for a message, as its publisher sets them. */
const attributesOf = (topology: Topology, message: string): Record<string, string> => ({ ...topology.messages[message] });

/** Which message of a consumer's operation a message is, by identity (event type and major version). */
function declares(topology: Topology, consumerMessages: readonly string[], attributes: Record<string, string>): boolean {
  const majorOf = (v: string | undefined) => (v ?? '').split('.')[0];
  return consumerMessages.some((name) => {
    const own = topology.messages[name];
    return own !== undefined && own.eventType === attributes.eventType && majorOf(own.schemaVersion) === majorOf(attributes.schemaVersion);
  });
}

/** Both topologies of a diff, each derived once: what the messages' comparison and the topology's read. */
export interface DiffTopologies {
  /** The released one as deployed (recorded by its release), else derived; undefined when it cannot be. */
  released: Topology | undefined;
  /** Why the released one cannot be derived. */
  releasedProblem: string | undefined;
  /** The working one; undefined when it is inconsistent. */
  working: Topology | undefined;
  /** Why the working one is inconsistent. */
  workingProblems: readonly string[];
}

/** Derives both topologies of a diff (the released one as deployed, when its release recorded it). */
export function diffTopologies(released: ContractDocument, working: ContractDocument, deployed: Topology | undefined): DiffTopologies {
  const derived: DiffTopologies = { released: undefined, releasedProblem: undefined, working: undefined, workingProblems: [] };
  try {
    derived.released = deployed ?? deriveTopology(released).topology;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    derived.releasedProblem = error.problems[0];
  }
  try {
    derived.working = deriveTopology(working).topology;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    derived.workingProblems = error.problems;
  }
  return derived;
}

/**
 * Classifies what changed between the two topologies ({@link diffTopologies}). A released topology
 * that cannot be derived is a note (its changes are not classified); an inconsistent working
 * topology is unclassified, so it fails.
 */
export function classifyTopology(out: Collector, notes: string[], derived: DiffTopologies, settings?: AppSettings): void {
  if (derived.releasedProblem !== undefined) notes.push(`the released contract's topology cannot be derived (${derived.releasedProblem}); topology changes are not classified`);
  for (const problem of derived.workingProblems) out.unclassified('topology', 'changed', `the working contract's topology is inconsistent: ${problem}`);
  if (derived.released && derived.working) compareTopology(out, derived.released, derived.working, settings);
}

/**
 * Classifies what changed in the topology: queues, topics, subscriptions and which consumer a new
 * message reaches. `released` is the topology deployed with the released contract.
 */
function compareTopology(out: Collector, released: Topology, working: Topology, settings: AppSettings | undefined): void {
  compareQueues(out, released, working, settings);
  compareTopics(out, released, working);
  compareSubscriptions(out, released, working);
  compareUnrouted(out, released, working);
  compareMessagesNewOnTopics(out, released, working);
}

/**
 * Each topic's unrouted queue (derived by the framework: the complement of the topic's filter
 * policies): added with a topic, removed with it (what it keeps is stranded), its filter changed
 * when what the consumers declare changed (what it kept that is routed now can be redriven).
 */
function compareUnrouted(out: Collector, released: Topology, working: Topology): void {
  const before = new Map(unroutedOf(released).map((u) => [u.topic, u]));
  const after = new Map(unroutedOf(working).map((u) => [u.topic, u]));
  for (const [topic, u] of before) {
    const now = after.get(topic);
    const where = `topology.unrouted.${u.queue}`;
    if (!now) {
      out.add(where, 'removed', 'topology.unrouted-queue-removed', BOTH, `${u.queue} is no longer derived (${working.topics[topic] ? `a subscription of ${topic} admits every message` : `topic ${topic} removed`}): the unrouted publishes it keeps are stranded; list and redrive or purge them first`);
      continue;
    }
    if (JSON.stringify(u.routed) !== JSON.stringify(now.routed)) {
      const show = (r: typeof u.routed) => r.map((x) => `${x.eventType} v${x.majors.join('/v')}`).join(', ') || 'nothing';
      out.add(
        `${where}.filterPolicy`,
        'changed',
        'topology.unrouted-filter-changed',
        NEITHER,
        `${u.topic} routes ${show(now.routed)} (was ${show(u.routed)}); ${u.queue} keeps the rest. What it kept that a consumer declares now is redriven by \`dlq redrive --queue ${u.queue}\` once deployed`,
      );
    }
  }
  for (const [topic, u] of after) {
    if (!before.has(topic)) out.add(`topology.unrouted.${u.queue}`, 'added', 'topology.unrouted-queue-added', NEITHER, `new: keeps what no subscription of ${topic} admits, with why`);
  }
}

/** A queue's visibility timeout as deployed: `seconds` when known, and how it is said. */
interface Visibility {
  seconds: number | undefined;
  said: string;
  /** The consumer whose function timeout it is derived from; undefined when the contract writes it. */
  derivedFrom?: string;
}

/**
 * The visibility timeout `queue` gets, as the plan gives it ({@link visibilityTimeoutOf}): the
 * contract's `visibilityTimeout`; else 6 × the timeout of the function consuming it, known with
 * the application's settings (a topology records no settings); else SQS's 30 s, when nothing
 * consumes it.
 */
function visibilityOf(topology: Topology, queue: QueueSpec, settings: AppSettings | undefined): Visibility {
  if (queue.visibilityTimeoutSeconds !== undefined) return { seconds: queue.visibilityTimeoutSeconds, said: `${queue.visibilityTimeoutSeconds} s` };
  const consumer = Object.values(topology.operations).find((o) => o.action === 'receive' && o.queue === queue.name);
  if (!consumer) return { seconds: 30, said: "30 s (derived: SQS's default, nothing consumes it)", derivedFrom: '' };
  if (!settings) return { seconds: undefined, said: `(derived: ${VISIBILITY_TIMEOUT_FACTOR} × the function timeout of ${consumer.id})`, derivedFrom: consumer.id };
  const timeout = consumerSettings(settings, consumer.id, queue).timeoutSeconds;
  return { seconds: visibilityTimeoutOf(topology, settings, queue), said: `${visibilityTimeoutOf(topology, settings, queue)} s (derived: ${VISIBILITY_TIMEOUT_FACTOR} × the ${timeout} s function timeout of ${consumer.id})`, derivedFrom: consumer.id };
}

/** Queues removed, added, or changed in type, retention, visibility or redrive. */
function compareQueues(out: Collector, released: Topology, working: Topology, settings: AppSettings | undefined): void {
  for (const [name, before] of Object.entries(released.queues)) {
    const after = working.queues[name];
    const where = `topology.queues.${name}`;
    if (!after) {
      out.add(where, 'removed', 'topology.queue-removed', BOTH, `queue removed or renamed: the messages waiting in it${before.deadLetterFor.length ? ' (dead letters)' : ''} are stranded and what consumed it gets nothing`);
      continue;
    }
    if (before.fifo !== after.fifo) out.add(`${where}.fifo`, 'changed', 'topology.queue-fifo-changed', BOTH, `${before.fifo} → ${after.fifo}: a queue cannot change type; it is replaced, and what it holds is lost`);
    if (after.retentionSeconds < before.retentionSeconds) {
      out.add(`${where}.retentionSeconds`, 'changed', 'topology.retention-lowered', BOTH, `${before.retentionSeconds} → ${after.retentionSeconds} s: messages older than that are deleted`);
    } else if (after.retentionSeconds > before.retentionSeconds) {
      out.add(`${where}.retentionSeconds`, 'changed', 'topology.retention-raised', NEITHER, `${before.retentionSeconds} → ${after.retentionSeconds} s`);
    }
    if ((before.deliveryDelaySeconds ?? 0) !== (after.deliveryDelaySeconds ?? 0)) {
      out.add(`${where}.deliveryDelaySeconds`, kindOf(before.deliveryDelaySeconds, after.deliveryDelaySeconds), 'topology.delivery-delay-changed', NEITHER, `${showChange(before.deliveryDelaySeconds ?? 0, after.deliveryDelaySeconds ?? 0)} s: each message waits that long in the queue before it can be received`);
    }
    // Compared as deployed: a value written that is the one derived before changes nothing; derived
    // on both sides from the same consumer, it follows that consumer's timeout as it did.
    const [va, vb] = [visibilityOf(released, before, settings), visibilityOf(working, after, settings)];
    const unknown = va.seconds === undefined || vb.seconds === undefined;
    if (unknown ? va.derivedFrom !== vb.derivedFrom : va.seconds !== vb.seconds) {
      out.add(`${where}.visibilityTimeoutSeconds`, 'changed', 'topology.visibility-changed', NEITHER, `${va.said} → ${vb.said}: retries come at another pace${unknown ? ' (unless it is the value derived: without the application\'s settings, the function timeout is not known here)' : ''}`);
    }
    const [dlqA, dlqB] = [before.deadLetter, after.deadLetter];
    if (dlqA && !dlqB) out.add(`${where}.redrive`, 'removed', 'topology.redrive-removed', BOTH, `no dead-letter queue any more: a message that always fails is retried until it expires, then lost`);
    else if (!dlqA && dlqB) out.add(`${where}.redrive`, 'added', 'topology.redrive-added', NEITHER, `failing messages move to ${dlqB.queue} after ${dlqB.maxReceiveCount} receives`);
    else if (dlqA && dlqB) {
      if (dlqA.queue !== dlqB.queue) {
        out.add(`${where}.redrive.queue`, 'changed', 'topology.dead-letter-queue-changed', BOTH, `${dlqA.queue} → ${dlqB.queue}: what waits in ${dlqA.queue} is no longer redriven, watched or alarmed on`);
      }
      // SQS dead-letters a message once its receive count exceeds maxReceiveCount: fewer receives are
      // fewer retries for the consumer (as a lower retention, breaking whatever the mode); more only
      // delay the dead-letter queue.
      const [from, to] = [dlqA.maxReceiveCount, dlqB.maxReceiveCount];
      if (to < from) {
        out.add(
          `${where}.redrive.maxReceiveCount`,
          'changed',
          'topology.max-receive-count-lowered',
          BOTH,
          `${from} → ${to}: a failing message is dead-lettered after ${to} receive${to === 1 ? '' : 's'} instead of ${from}: fewer retries, so a message that failed for a passing reason (a throttle, a timeout, a dependency down) reaches the dead-letter queue unhandled, and its consumer gets it no more (AWS advises at least 5 for a Lambda event source). Meant: release it with --accept-breaking once the consumers need no more tries`,
        );
      } else if (to > from) {
        out.add(`${where}.redrive.maxReceiveCount`, 'changed', 'topology.max-receive-count-raised', NEITHER, `${from} → ${to}: a failing message is received up to ${to} times (was ${from}) before it is dead-lettered: more retries, each after the visibility timeout, so it reaches the dead-letter queue later`);
      }
    }
  }
  for (const name of Object.keys(working.queues)) {
    if (!released.queues[name]) out.add(`topology.queues.${name}`, 'added', 'topology.queue-added', NEITHER, 'new queue');
  }
}

/** Topics removed, added, or changed in type. */
function compareTopics(out: Collector, released: Topology, working: Topology): void {
  for (const [name, before] of Object.entries(released.topics)) {
    const after = working.topics[name];
    if (!after) out.add(`topology.topics.${name}`, 'removed', 'topology.topic-removed', BOTH, 'topic removed or renamed: its publishers and subscribers lose each other');
    else if (before.fifo !== after.fifo) out.add(`topology.topics.${name}.fifo`, 'changed', 'topology.topic-fifo-changed', BOTH, `${before.fifo} → ${after.fifo}: a topic cannot change type; it is replaced`);
    else if (!!before.contentBasedDeduplication !== !!after.contentBasedDeduplication) {
      const where = `topology.topics.${name}.contentBasedDeduplication`;
      if (after.contentBasedDeduplication) out.add(where, 'changed', 'topology.content-deduplication-on', NEITHER, 'false → true: a publish without a deduplication id is deduplicated by its body (within SNS\'s 5 minutes)');
      else out.add(where, 'changed', 'topology.content-deduplication-off', BOTH, 'true → false: every publish must carry a deduplication id now; publishers built on the released contract send none, and SNS refuses them');
    }
  }
  for (const name of Object.keys(working.topics)) {
    if (!released.topics[name]) out.add(`topology.topics.${name}`, 'added', 'topology.topic-added', NEITHER, 'new topic');
  }
}

/** Subscriptions (topic → queue) removed, added, or changed in delivery or filter policy. */
function compareSubscriptions(out: Collector, released: Topology, working: Topology): void {
  const key = (s: { topic: string; queue: string }) => `${s.topic} → ${s.queue}`;
  const workingSubscriptions = new Map(working.subscriptions.map((s) => [key(s), s]));
  const releasedSubscriptions = new Map(released.subscriptions.map((s) => [key(s), s]));
  for (const [id, before] of releasedSubscriptions) {
    const after = workingSubscriptions.get(id);
    const where = `topology.subscriptions.${id}`;
    if (!after) {
      out.add(where, 'removed', 'topology.subscription-removed', BOTH, `${before.queue} no longer receives from ${before.topic}: its consumer gets nothing more`);
      continue;
    }
    if (before.rawMessageDelivery !== after.rawMessageDelivery) {
      out.add(`${where}.rawMessageDelivery`, 'changed', 'topology.raw-delivery-changed', BOTH, `${before.rawMessageDelivery} → ${after.rawMessageDelivery}: the queue's bodies change shape (envelope or raw) under its consumer`);
    }
    // A release recorded before subscriptions had their own dead-letter queue has none: the
    // queue's own was the default then as now. One that follows its queue's own on both sides
    // changed with it: said there.
    const ownBefore = released.queues[before.queue]?.deadLetter?.queue;
    const dlqBefore = 'deadLetterQueue' in before ? before.deadLetterQueue : ownBefore;
    const followsQueue = dlqBefore === ownBefore && after.deadLetterQueue === working.queues[after.queue]?.deadLetter?.queue;
    if (dlqBefore !== after.deadLetterQueue && !followsQueue) {
      const lost = after.deadLetterQueue === undefined;
      out.add(
        `${where}.deadLetterQueue`,
        kindOf(dlqBefore, after.deadLetterQueue),
        lost ? 'topology.subscription-dlq-removed' : 'topology.subscription-dlq-changed',
        lost ? BOTH : NEITHER,
        `${showChange(dlqBefore ?? 'none', after.deadLetterQueue ?? 'none')}: ${lost ? 'a notification SNS cannot deliver to the queue is dropped after its retries' : 'notifications SNS cannot deliver to the queue are kept there'}${dlqBefore && !lost ? `; the undelivered notifications already in ${dlqBefore} stay there` : ''}`,
      );
    }
    if (JSON.stringify(before.filterPolicy) !== JSON.stringify(after.filterPolicy)) {
      const kind = Object.keys(before.filterPolicy).length === 0 ? 'added' : 'changed';
      out.add(`${where}.filterPolicy`, kind, kind === 'added' ? 'topology.filter-added' : 'topology.filter-changed', NEITHER, `${showChange(before.filterPolicy, after.filterPolicy)}: admits exactly what ${before.queue}'s consumer declares`);
    }
  }
  for (const [id] of workingSubscriptions) {
    if (!releasedSubscriptions.has(id)) out.add(`topology.subscriptions.${id}`, 'added', 'topology.subscription-added', NEITHER, 'new subscription');
  }
}

/** Which consumers a message new on a kept topic reaches through the deployed subscriptions. */
function compareMessagesNewOnTopics(out: Collector, released: Topology, working: Topology): void {
  // A message new on a topic reaches every queue whose deployed (released) subscription admits it.
  // Producers and consumers deploy independently: until the new filter policies are deployed, a
  // consumer that does not declare the message dead-letters it.
  for (const topic of Object.values(working.topics)) {
    const before = released.topics[topic.name];
    if (!before) continue;
    for (const message of topic.messages) {
      if (before.messages.includes(message)) continue;
      const attributes = attributesOf(working, message);
      const reached = released.subscriptions
        .filter((s) => s.topic === topic.name && filterPolicyAdmits(s.filterPolicy, attributes))
        .filter((s) => {
          const consumer = Object.values(released.operations).find((o) => o.action === 'receive' && o.queue === s.queue);
          return consumer !== undefined && !declares(released, consumer.messages, attributes);
        });
      const where = `topology.topics.${topic.name}.messages.${message}`;
      if (reached.length > 0) {
        out.add(
          where,
          'added',
          'topology.message-reaches-undeclared-consumer',
          BOTH,
          `${message} (${attributes.eventType} ${attributes.schemaVersion}) on ${topic.name} reaches ${reached.map((s) => s.queue).join(', ')}, whose deployed subscription admits it but whose consumer does not declare it: dead-lettered there. Release filter policies first (they are derived since this framework version), or declare it in the consumer`,
        );
      } else {
        const declared = working.subscriptions.some((s) => s.topic === topic.name && filterPolicyAdmits(s.filterPolicy, attributes));
        out.add(
          where,
          'added',
          'topology.message-added-to-topic',
          NEITHER,
          declared
            ? `${message} is filtered away from every consumer that does not declare it`
            : `${message} is filtered away from every consumer, and no consumer declares it: kept in ${unroutedQueueNameOf(topic)} (\`dlq list\` says why) until one does`,
        );
      }
    }
  }
}
