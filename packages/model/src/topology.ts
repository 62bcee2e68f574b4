/**
 * The topology of a contract: which topics, queues, dead-letter queues and subscriptions exist,
 * which messages each subscription admits, and which operation publishes or consumes what, read
 * from the AsyncAPI document's SNS and SQS bindings.
 *
 * Works on the dereferenced document as plain JSON (what `loadContract` returns, and what a
 * released snapshot holds), so the code generator and the governance check derive the same
 * topology from the same contract.
 *
 * Conventions (documented in the README, "The contract owns the topology"):
 * - a channel with an `sns` binding is a topic; with an `sqs` binding, a queue (its `queue`) and
 *   possibly a dead-letter queue (its `deadLetterQueue`);
 * - a `send` operation publishes to a topic; each entry of its SNS binding's `consumers` with
 *   protocol `sqs` subscribes a queue, named by `endpoint.name` (or an ARN ending in the name);
 * - a `receive` operation consumes a queue: one function per receive operation;
 * - every subscription gets a filter policy on the `eventType` and `schemaVersion` attributes that
 *   admits exactly the messages (event type and major version) the queue's receive operation
 *   declares. A `filterPolicy` written in the contract must equal it;
 * - every subscription has a dead-letter queue for the notifications SNS cannot deliver: the one
 *   its binding's `redrivePolicy` names, else its queue's own dead-letter queue.
 */
import type { FilterPolicy, MessageIdentity, OperationSpec, QueueSpec, SubscriptionSpec, Topology, TopicSpec } from '@sluice/runtime/contract';

/** What a queue keeps when the contract does not say: SQS's default, 4 days. */
export const DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;

/** A contract whose topology would make a broken system; `problems` lists each, with where and what to do. */
export class TopologyError extends Error {
  override name = 'TopologyError';
  constructor(readonly problems: string[]) {
    super(`The contract's topology is inconsistent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface TopologyResult {
  topology: Topology;
  /** Things that work but are probably not meant (a queue nobody consumes). */
  warnings: string[];
}

export interface DeriveOptions {
  /**
   * Derive filter policies (the default). `false` describes a contract deployed before filter
   * policies existed: every subscription admits every message of its topic (`filterPolicy` is `{}`).
   */
  filterPolicies?: boolean;
}

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The name an AsyncAPI binding identifier (`{ name }` or `{ arn }`) points at. */
function identifierName(identifier: unknown): string | undefined {
  if (!isObject(identifier)) return undefined;
  if (typeof identifier.name === 'string') return identifier.name;
  if (typeof identifier.arn === 'string') return identifier.arn.split(':').pop();
  return undefined;
}

/** `eventType` (the `eventType` header's `const`, else the message name) and `x-schema-version`. */
export function messageIdentity(message: Json, fallbackName: string): MessageIdentity & { name: string } {
  const name = typeof message.name === 'string' ? message.name : fallbackName;
  const constType = message.headers?.properties?.eventType?.const;
  return {
    name,
    eventType: typeof constType === 'string' ? constType : name,
    schemaVersion: typeof message['x-schema-version'] === 'string' ? message['x-schema-version'] : '0.0.0',
  };
}

const major = (version: string) => version.split('.')[0]!;

/**
 * The filter policy that admits exactly `messages` (by event type and major version): one clause
 * per group of event types that share the same majors, joined by `$or` when there are several.
 *
 * @example
 * filterPolicyFor([{ eventType: 'OrderPlaced', schemaVersion: '1.0.0' }])
 * // { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] }
 */
export function filterPolicyFor(messages: readonly MessageIdentity[]): FilterPolicy {
  const majorsByType = new Map<string, Set<string>>();
  for (const m of messages) {
    const set = majorsByType.get(m.eventType) ?? new Set<string>();
    set.add(major(m.schemaVersion));
    majorsByType.set(m.eventType, set);
  }
  const typesByMajors = new Map<string, string[]>();
  for (const [type, majors] of majorsByType) {
    const key = [...majors].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)).join(',');
    typesByMajors.set(key, [...(typesByMajors.get(key) ?? []), type]);
  }
  const clauses = [...typesByMajors.entries()]
    .map(([majors, types]) => ({
      eventType: types.sort(),
      schemaVersion: majors.split(',').map((m) => ({ prefix: `${m}.` })),
    }))
    .sort((a, b) => a.eventType[0]!.localeCompare(b.eventType[0]!));
  return clauses.length === 1 ? clauses[0]! : { $or: clauses };
}

/**
 * Whether an SNS filter policy on message attributes admits a message with these attributes.
 * Covers the operators the framework writes (exact strings, `prefix`) and `exists`; an empty
 * policy admits everything.
 */
export function filterPolicyAdmits(policy: FilterPolicy, attributes: Record<string, string>): boolean {
  const { $or, ...keys } = policy as { $or?: FilterPolicy[] } & FilterPolicy;
  const matchesKey = (key: string, conditions: unknown): boolean => {
    const value = attributes[key];
    return (Array.isArray(conditions) ? conditions : [conditions]).some((c) => {
      if (typeof c === 'string') return value === c;
      if (isObject(c) && typeof c.prefix === 'string') return value !== undefined && value.startsWith(c.prefix);
      if (isObject(c) && typeof c.exists === 'boolean') return (value !== undefined) === c.exists;
      return false;
    });
  };
  if (!Object.entries(keys).every(([k, c]) => matchesKey(k, c))) return false;
  return $or === undefined || $or.some((clause) => filterPolicyAdmits(clause, attributes));
}

/** Canonical form, so two policies that say the same thing compare equal. */
function canonicalPolicy(policy: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep).map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x));
    if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]));
    return v;
  };
  return JSON.stringify(sortDeep(policy));
}

/** The channel id of an operation's (dereferenced) channel. */
function channelIdOf(doc: Json, operation: Json): string | undefined {
  const channels: Json = doc.channels ?? {};
  const target = operation.channel;
  for (const [id, channel] of Object.entries(channels)) if (channel === target || same(channel, target)) return id;
  for (const [id, channel] of Object.entries(channels)) if (isObject(target) && channel?.address === target.address && target.address) return id;
  return undefined;
}

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Derives the topology manifest of a dereferenced AsyncAPI 3 document.
 *
 * @throws {TopologyError} listing every problem that would make a broken system
 * @example
 * const { topology, warnings } = deriveTopology(await loadContract('asyncapi.yaml'));
 * topology.subscriptions[0].filterPolicy; // { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] }
 */
export function deriveTopology(doc: Json, options: DeriveOptions = {}): TopologyResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const channels: Json = doc.channels ?? {};
  const operations: Json = doc.operations ?? {};

  // Messages by name, with their identity on the wire.
  const messages = new Map<string, MessageIdentity>();
  const visitMessages = (map: unknown) => {
    for (const [key, m] of Object.entries(isObject(map) ? map : {})) {
      if (!isObject(m)) continue;
      const { name, ...identity } = messageIdentity(m, key);
      if (!messages.has(name)) messages.set(name, identity);
    }
  };
  for (const channel of Object.values(channels)) visitMessages(channel?.messages);
  visitMessages(doc.components?.messages);
  const namesOf = (list: unknown): string[] =>
    (Array.isArray(list) ? list : Object.entries(isObject(list) ? list : {}).map(([k, m]) => ({ ...m, name: m?.name ?? k })))
      .filter(isObject)
      .map((m: Json) => messageIdentity(m, '').name)
      .filter(Boolean)
      .sort();

  // Topics and queues from channel bindings.
  const topics: Record<string, TopicSpec & { messages: string[] }> = {};
  const queues: Record<string, QueueSpec & { deadLetterFor: string[] }> = {};
  const topicOfChannel = new Map<string, string>();
  const queueOfChannel = new Map<string, string>();
  const declareQueue = (channelId: string, binding: Json, role: 'queue' | 'deadLetterQueue') => {
    const name = binding.name;
    if (typeof name !== 'string' || !name) {
      problems.push(`channels.${channelId}.bindings.sqs.${role} needs a name`);
      return undefined;
    }
    const fifo = binding.fifoQueue === true;
    if (fifo !== name.endsWith('.fifo')) problems.push(`queue ${name} (channels.${channelId}): a FIFO queue's name ends in .fifo, a standard queue's does not`);
    const retention = binding.messageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS;
    if (!positiveInteger(retention) || retention < 60 || retention > 1_209_600) {
      problems.push(`queue ${name}: messageRetentionPeriod must be 60..1209600 seconds, got ${JSON.stringify(binding.messageRetentionPeriod)}`);
    }
    const spec: QueueSpec & { deadLetterFor: string[] } = {
      name,
      channel: channelId,
      fifo,
      retentionSeconds: retention,
      ...(binding.visibilityTimeout !== undefined ? { visibilityTimeoutSeconds: binding.visibilityTimeout } : {}),
      ...(binding.deliveryDelay !== undefined ? { deliveryDelaySeconds: binding.deliveryDelay } : {}),
      deadLetterFor: [],
    };
    const previous = queues[name];
    if (previous) {
      const { channel: _a, deadLetterFor: _b, ...was } = previous;
      const { channel: _c, deadLetterFor: _d, ...now } = spec;
      if (!same(was, now)) problems.push(`queue ${name} is declared twice with different settings (channels.${previous.channel} and channels.${channelId})`);
      return previous;
    }
    queues[name] = spec;
    return spec;
  };
  for (const [channelId, channel] of Object.entries(channels)) {
    const bindings: Json = channel?.bindings ?? {};
    if (isObject(bindings.sns)) {
      const name = typeof bindings.sns.name === 'string' ? bindings.sns.name : channel.address;
      if (typeof name !== 'string' || !name) {
        problems.push(`channels.${channelId} has an sns binding but neither bindings.sns.name nor an address names the topic`);
        continue;
      }
      const fifo = bindings.sns.ordering?.type === 'FIFO';
      if (fifo !== name.endsWith('.fifo')) problems.push(`topic ${name} (channels.${channelId}): a FIFO topic's name ends in .fifo, a standard topic's does not`);
      if (topics[name]) problems.push(`topic ${name} is declared by two channels (${topics[name].channel} and ${channelId})`);
      topics[name] = { name, channel: channelId, fifo, messages: [] };
      topicOfChannel.set(channelId, name);
    }
    if (isObject(bindings.sqs)) {
      if (isObject(bindings.sns)) problems.push(`channels.${channelId} has both an sns and an sqs binding; a channel is a topic or a queue`);
      if (!isObject(bindings.sqs.queue)) {
        problems.push(`channels.${channelId} has an sqs binding without a queue`);
        continue;
      }
      const queue = declareQueue(channelId, bindings.sqs.queue, 'queue');
      if (!queue) continue;
      queueOfChannel.set(channelId, queue.name);
      if (isObject(bindings.sqs.deadLetterQueue)) declareQueue(channelId, bindings.sqs.deadLetterQueue, 'deadLetterQueue');
    }
  }

  // Redrive policies: each names a known queue, and the dead-letter queue outlives its source.
  for (const [channelId, channel] of Object.entries(channels)) {
    const binding = channel?.bindings?.sqs?.queue;
    if (!isObject(binding) || !isObject(binding.redrivePolicy)) continue;
    const source = queues[binding.name];
    if (!source) continue;
    const dlqName = identifierName(binding.redrivePolicy.deadLetterQueue);
    const maxReceiveCount = binding.redrivePolicy.maxReceiveCount ?? 10;
    const dlq = dlqName ? queues[dlqName] : undefined;
    if (!dlq) {
      problems.push(`queue ${source.name} (channels.${channelId}) redrives to ${dlqName ?? '(no name)'}, which no channel declares: add it as bindings.sqs.deadLetterQueue of channels.${channelId}`);
      continue;
    }
    if (!positiveInteger(maxReceiveCount) || maxReceiveCount > 1000) problems.push(`queue ${source.name}: redrivePolicy.maxReceiveCount must be 1..1000, got ${JSON.stringify(maxReceiveCount)}`);
    if (dlq.name === source.name) problems.push(`queue ${source.name} redrives to itself`);
    if (dlq.fifo !== source.fifo) problems.push(`queue ${source.name} and its dead-letter queue ${dlq.name} must both be FIFO or both standard`);
    if (dlq.retentionSeconds < source.retentionSeconds) {
      problems.push(
        `dead-letter queue ${dlq.name} keeps messages ${dlq.retentionSeconds} s, less than its source ${source.name} (${source.retentionSeconds} s): SQS keeps a message's original enqueue time, so it would expire in the DLQ before anyone sees it. Raise ${dlq.name}'s messageRetentionPeriod.`,
      );
    }
    (source as { deadLetter?: QueueSpec['deadLetter'] }).deadLetter = { queue: dlq.name, maxReceiveCount };
    dlq.deadLetterFor.push(source.name);
  }

  // Operations.
  const ops: Record<string, OperationSpec & Json> = {};
  const subscriptions = new Map<string, SubscriptionSpec & { declaredBy: string[]; stated?: unknown }>();
  for (const [opId, operation] of Object.entries(operations)) {
    if (!isObject(operation)) continue;
    const channelId = channelIdOf(doc, operation);
    const messageNames = namesOf(operation.messages);
    const title = typeof operation.title === 'string' ? operation.title : opId;
    if (!channelId) {
      problems.push(`operations.${opId}: its channel is not one of the document's channels`);
      continue;
    }
    if (operation.action === 'send') {
      const topic = topicOfChannel.get(channelId);
      if (!topic) {
        // Not an SNS topic: part of the contract (types, validators), not of the AWS topology.
        warnings.push(`operations.${opId} sends to channels.${channelId}, which has no sns binding: it is not part of the AWS topology (no topic, no publisher target)`);
        continue;
      }
      for (const name of messageNames) if (!topics[topic]!.messages.includes(name)) topics[topic]!.messages.push(name);
      ops[opId] = { id: opId, action: 'send', title, channel: channelId, topic, messages: messageNames };
      const consumers = operation.bindings?.sns?.consumers;
      for (const [index, consumer] of (Array.isArray(consumers) ? consumers : []).entries()) {
        const where = `operations.${opId}.bindings.sns.consumers[${index}]`;
        if (consumer?.protocol !== 'sqs') {
          problems.push(`${where}: protocol ${JSON.stringify(consumer?.protocol)} is not supported; the framework subscribes SQS queues (protocol: sqs)`);
          continue;
        }
        const queue = identifierName(consumer.endpoint);
        if (!queue || !queues[queue]) {
          problems.push(`${where} subscribes queue ${queue ?? '(no endpoint.name)'}, which no channel declares: add a channel with bindings.sqs.queue.name: ${queue ?? '<name>'}`);
          continue;
        }
        if (queues[queue]!.deadLetterFor.length > 0) problems.push(`${where} subscribes ${queue}, a dead-letter queue: subscribe its source queue instead`);
        if (topics[topic]!.fifo !== queues[queue]!.fifo) problems.push(`${where}: topic ${topic} and queue ${queue} must both be FIFO or both standard`);
        if (consumer.filterPolicyScope !== undefined && consumer.filterPolicyScope !== 'MessageAttributes') {
          problems.push(`${where}: filterPolicyScope ${JSON.stringify(consumer.filterPolicyScope)} is not supported; the framework filters on message attributes`);
        }
        const raw = consumer.rawMessageDelivery === true;
        const key = `${topic}\u0000${queue}`;
        const existing = subscriptions.get(key);
        const dlq = identifierName(consumer.redrivePolicy?.deadLetterQueue);
        if (dlq !== undefined && !queues[dlq]) problems.push(`${where}.redrivePolicy names ${dlq}, which no channel declares`);
        if (existing) {
          if (existing.rawMessageDelivery !== raw) problems.push(`${where}: ${topic} → ${queue} is declared again with rawMessageDelivery ${raw}, but ${existing.declaredBy[0]} says ${existing.rawMessageDelivery}`);
          existing.declaredBy.push(opId);
          continue;
        }
        subscriptions.set(key, {
          name: `${topic.replace(/\.fifo$/, '')}To${queue.replace(/\.fifo$/, '')}`,
          topic,
          queue,
          rawMessageDelivery: raw,
          filterPolicy: {},
          filterPolicyScope: 'MessageAttributes',
          ...(dlq !== undefined ? { deadLetterQueue: dlq } : {}),
          declaredBy: [opId],
          ...(consumer.filterPolicy !== undefined ? { stated: consumer.filterPolicy } : {}),
        });
      }
    } else if (operation.action === 'receive') {
      const queue = queueOfChannel.get(channelId);
      if (!queue) {
        problems.push(`operations.${opId} receives from channels.${channelId}, which has no sqs binding with a queue: a receive operation consumes an SQS queue`);
        continue;
      }
      if (messageNames.length === 0) problems.push(`operations.${opId} declares no messages`);
      const other = Object.values(ops).find((o) => o.action === 'receive' && o.queue === queue);
      if (other) problems.push(`operations.${opId} and operations.${other.id} both consume ${queue}: one receive operation (one function) per queue`);
      ops[opId] = { id: opId, action: 'receive', title, channel: channelId, queue, messages: messageNames, sources: [] };
    } else {
      problems.push(`operations.${opId}: action ${JSON.stringify(operation.action)} is neither send nor receive`);
    }
  }

  // Messages on one topic must be told apart by their attributes.
  for (const topic of Object.values(topics)) {
    const seen = new Map<string, string>();
    for (const name of topic.messages) {
      const identity = messages.get(name)!;
      const key = `${identity.eventType}@${major(identity.schemaVersion)}`;
      const clash = seen.get(key);
      if (clash) problems.push(`topic ${topic.name} carries ${clash} and ${name} with the same eventType ${identity.eventType} and major version ${major(identity.schemaVersion)}: subscribers could not tell them apart. Give one a new major version or its own eventType.`);
      seen.set(key, name);
    }
    topic.messages.sort();
  }

  // Filter policies, and what each receive operation is fed by.
  for (const subscription of subscriptions.values()) {
    const consumer = Object.values(ops).find((o) => o.action === 'receive' && o.queue === subscription.queue);
    // A queue nobody consumes (a warning below) gets what its topic carries.
    const admitted = consumer?.messages ?? topics[subscription.topic]!.messages;
    const declared = admitted.map((name) => messages.get(name)!).filter(Boolean);
    const derived = options.filterPolicies === false || declared.length === 0 ? {} : filterPolicyFor(declared);
    if (subscription.stated !== undefined && options.filterPolicies !== false && canonicalPolicy(subscription.stated) !== canonicalPolicy(derived)) {
      problems.push(
        `the filterPolicy of ${subscription.topic} → ${subscription.queue} (${subscription.declaredBy[0]}) must admit exactly what ${consumer?.id ?? 'its consumer'} declares; leave it out to have it derived, or write ${JSON.stringify(derived)}`,
      );
    }
    (subscription as { filterPolicy: FilterPolicy }).filterPolicy = derived;
    delete subscription.stated;
    // A notification SNS cannot deliver to the queue (its policy refuses, it was deleted) is not
    // dropped: unless the contract names another, it goes where the queue's own failures go.
    const dlq = subscription.deadLetterQueue ?? queues[subscription.queue]!.deadLetter?.queue;
    if (dlq !== undefined) {
      (subscription as { deadLetterQueue?: string }).deadLetterQueue = dlq;
      if (queues[dlq] && queues[dlq]!.fifo !== topics[subscription.topic]!.fifo) {
        problems.push(`the redrivePolicy of ${subscription.topic} → ${subscription.queue} names ${dlq}, but a ${topics[subscription.topic]!.fifo ? 'FIFO' : 'standard'} topic's subscription needs a ${topics[subscription.topic]!.fifo ? 'FIFO' : 'standard'} dead-letter queue`);
      }
    }
    if (consumer) (consumer.sources as { topic: string; rawMessageDelivery: boolean }[]).push({ topic: subscription.topic, rawMessageDelivery: subscription.rawMessageDelivery });
  }

  for (const op of Object.values(ops)) {
    if (op.action !== 'receive') continue;
    const feeding = [...subscriptions.values()].filter((s) => s.queue === op.queue);
    if (feeding.length === 0) {
      problems.push(`operations.${op.id} consumes ${op.queue}, but no send operation subscribes ${op.queue} to a topic: add it to the consumers of the send operation's sns binding`);
      continue;
    }
    for (const name of op.messages) {
      if (!feeding.some((s) => topics[s.topic]!.messages.includes(name))) {
        problems.push(`operations.${op.id} declares ${name}, but no topic subscribed to ${op.queue} carries it (${feeding.map((s) => s.topic).join(', ')})`);
      }
    }
  }
  for (const queue of Object.values(queues)) {
    const consumed = Object.values(ops).some((o) => o.action === 'receive' && o.queue === queue.name);
    if (!consumed && queue.deadLetterFor.length === 0) warnings.push(`queue ${queue.name} has no receive operation: messages delivered to it wait until they expire`);
    if (consumed && !queue.deadLetter) warnings.push(`queue ${queue.name} has no redrivePolicy: a message that always fails is retried until it expires (${queue.retentionSeconds} s)`);
  }

  if (problems.length > 0) throw new TopologyError(problems);

  const sortedEntries = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const topology: Topology = {
    contract: { title: String(doc.info?.title ?? ''), version: String(doc.info?.version ?? '') },
    messages: sortedEntries(Object.fromEntries(messages)),
    topics: sortedEntries(topics),
    queues: sortedEntries(Object.fromEntries(Object.entries(queues).map(([k, q]) => [k, { ...q, deadLetterFor: [...q.deadLetterFor].sort() }]))),
    subscriptions: [...subscriptions.values()].sort((a, b) => a.name.localeCompare(b.name)),
    operations: sortedEntries(ops),
  };
  return { topology, warnings };
}
