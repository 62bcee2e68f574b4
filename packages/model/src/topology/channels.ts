/**
 * Steps 2 and 3 of `deriveTopology`: topics and queues from the channels' SNS and SQS bindings,
 * then the queues' redrive policies (each names a known queue, and the dead-letter queue outlives
 * its source).
 */
import type { QueueSpec } from '@sluice/runtime/contract';
import { channelIdOf, checkFields, DEFAULT_RETENTION_SECONDS, type Derivation, identifierName, isObject, type Json, policyOf, positiveInteger, type QueueDraft, queueNamed, same, tagsOf, type TopicDraft } from './context.ts';

/** The longest SQS keeps a message: 14 days. */
const MAX_RETENTION_SECONDS = 1_209_600;

/** The fields of the official bindings (SNS 0.1.0, SQS 0.2.0) the framework reads. */
export const SNS_CHANNEL_FIELDS = ['name', 'ordering', 'policy', 'tags', 'bindingVersion'] as const;
export const SQS_CHANNEL_FIELDS = ['queue', 'deadLetterQueue', 'bindingVersion'] as const;
export const SQS_OPERATION_FIELDS = ['queues', 'bindingVersion'] as const;
export const SQS_QUEUE_FIELDS = ['name', 'fifoQueue', 'deduplicationScope', 'fifoThroughputLimit', 'deliveryDelay', 'visibilityTimeout', 'receiveMessageWaitTime', 'messageRetentionPeriod', 'redrivePolicy', 'policy', 'tags'] as const;

/** A binding's `bindingVersion`: the version the framework reads, `latest` or none; another is a warning (read as this one). */
export function checkBindingVersion(d: Derivation, binding: Json, version: string, where: string): void {
  const v = binding.bindingVersion;
  if (v !== undefined && v !== version && v !== 'latest' && !(version === '0.2.0' && v === '0.1.0')) {
    d.warnings.push(`${where}.bindingVersion is ${JSON.stringify(v)}: the framework reads it as ${version}`);
  }
}

/** The parameters of a channel: those its address names (`orders.{region}` → `region`), then those its `parameters` declare. */
export function parametersOf(channel: unknown): string[] {
  if (!isObject(channel)) return [];
  const named = typeof channel.address === 'string' ? [...channel.address.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!) : [];
  return [...new Set([...named, ...(isObject(channel.parameters) ? Object.keys(channel.parameters) : [])])];
}

/**
 * A topic named by its channel's address, which has parameters (`orders.{region}`): AWS would get
 * the braces as the name, one topic for no value of them. A problem naming the binding field that
 * names the topic instead. `opId` is the operation whose binding would take the address.
 */
export function refuseParameterisedAddress(d: Derivation, channelId: string, channel: Json, opId?: string): void {
  d.problems.push(
    `channels.${channelId}.address ${JSON.stringify(channel.address)} has parameters (${parametersOf(channel).join(', ')})${opId ? `, and operations.${opId} would take it as its topic's name` : ''}: an SNS topic has one fixed name. Name it with channels.${channelId}.bindings.sns.name${opId ? ` (or operations.${opId}.bindings.sns.topic.name)` : ''}`,
  );
}

/** A channel's address takes parameters the framework drops: its `kind` (topic or queue) is `name` for every value. A warning, once per channel. */
export function warnParametersDropped(d: Derivation, channelId: string, channel: unknown, kind: 'topic' | 'queue', name: string): void {
  const parameters = parametersOf(channel);
  if (parameters.length === 0) return;
  const address = isObject(channel) && typeof channel.address === 'string' ? ` (address ${JSON.stringify(channel.address)})` : '';
  const text = `channels.${channelId}.parameters (${parameters.join(', ')}) are dropped: ${kind} ${name} is one ${kind} for every value of them${address}, nothing is made per value. Remove the parameters, or give each value a channel of its own`;
  if (!d.warnings.includes(text)) d.warnings.push(text);
}

/** An address with parameters (`orders.{region}`): no fixed name. */
export const hasParameters = (address: unknown): boolean => typeof address === 'string' && /\{[^}]*\}/.test(address);

/**
 * Reads every channel: an `sns` binding declares a topic, an `sqs` binding a queue (and its DLQ);
 * then the queues of every operation's `sqs` binding (`queues`: the layout of the SQS binding's
 * "SNS to SQS pub-sub" example, where the consumer's document declares its queue and DLQ), those
 * that something names (see {@link namedQueues}); the others are kept to be said.
 */
export function readChannels(d: Derivation): void {
  for (const [channelId, channel] of Object.entries<any>(d.doc.channels ?? {})) {
    const bindings: Json = channel?.bindings ?? {};
    if (isObject(bindings.sns) && !readTopic(d, channelId, channel, bindings.sns)) continue;
    if (isObject(bindings.sqs)) {
      const where = `channels.${channelId}.bindings.sqs`;
      checkFields(d, bindings.sqs, SQS_CHANNEL_FIELDS, where);
      checkBindingVersion(d, bindings.sqs, '0.2.0', where);
      if (isObject(bindings.sns)) d.problems.push(`channels.${channelId} has both an sns and an sqs binding; a channel is a topic or a queue`);
      if (!isObject(bindings.sqs.queue)) {
        d.problems.push(`channels.${channelId} has an sqs binding without a queue`);
        continue;
      }
      const queue = declareQueue(d, channelId, bindings.sqs.queue, `${where}.queue`);
      if (!queue) continue;
      d.queueOfChannel.set(channelId, queue.name);
      warnParametersDropped(d, channelId, channel, 'queue', queue.name);
      if (isObject(bindings.sqs.deadLetterQueue)) declareQueue(d, channelId, bindings.sqs.deadLetterQueue, `${where}.deadLetterQueue`);
    }
  }
  const named = namedQueues(d);
  for (const [opId, operation] of Object.entries<any>(d.doc.operations ?? {})) {
    const sqs = operation?.bindings?.sqs;
    if (!isObject(sqs)) continue;
    const where = `operations.${opId}.bindings.sqs`;
    checkFields(d, sqs, SQS_OPERATION_FIELDS, where);
    checkBindingVersion(d, sqs, '0.2.0', where);
    if (sqs.queues !== undefined && !Array.isArray(sqs.queues)) {
      d.problems.push(`${where}.queues must be a list of queues`);
      continue;
    }
    const channelId = channelIdOf(d.doc, operation) ?? '';
    for (const [i, queue] of (sqs.queues ?? []).entries()) {
      if (!isObject(queue)) d.problems.push(`${where}.queues[${i}] is not a queue`);
      else if (typeof queue.name === 'string' && queue.name && !named.has(withoutFifo(queue.name))) {
        d.queuesNotMade.set(opId, [...(d.queuesNotMade.get(opId) ?? []), { index: i, name: queue.name }]);
      } else declareQueue(d, channelId, queue, `${where}.queues[${i}]`);
    }
  }
}

/** A queue's name without its `.fifo`: how a queue is matched when one names another (a redrivePolicy's deadLetterQueue). */
export const withoutFifo = (name: string) => name.replace(/\.fifo$/, '');

/**
 * The queue names (without `.fifo`, which a FIFO queue's binding may leave out) that make an entry
 * of an operation's `bindings.sqs.queues` a queue of the topology. The SQS binding 0.2.0 declares
 * there the queues an SNS consumer's `endpoint` names and the dead-letter queues a redrivePolicy
 * names; a point-to-point operation uses its channel's queue. An entry nothing names is neither:
 * made, it would be a queue nothing sends to or receives from (Springwolf's example lists
 * `queue-name` on a send to `another-queue`). Named: every channel's queue and dead-letter queue,
 * every SNS consumer's endpoint and redrivePolicy queue, and the dead-letter queue of any named
 * queue's redrivePolicy.
 */
function namedQueues(d: Derivation): Set<string> {
  const named = new Set<string>();
  const name = (identifier: unknown) => {
    const found = identifierName(identifier);
    if (found) named.add(withoutFifo(found));
  };
  const queues: Json[] = [];
  for (const channel of Object.values<any>(d.doc.channels ?? {})) {
    const sqs = channel?.bindings?.sqs;
    for (const queue of [sqs?.queue, sqs?.deadLetterQueue]) {
      if (!isObject(queue)) continue;
      name(queue);
      queues.push(queue);
    }
  }
  for (const operation of Object.values<any>(d.doc.operations ?? {})) {
    const consumers = operation?.bindings?.sns?.consumers;
    for (const consumer of Array.isArray(consumers) ? consumers : []) {
      if (!isObject(consumer)) continue;
      name(consumer.endpoint);
      if (isObject(consumer.redrivePolicy)) name(consumer.redrivePolicy.deadLetterQueue);
    }
    const entries = operation?.bindings?.sqs?.queues;
    if (Array.isArray(entries)) queues.push(...entries.filter(isObject));
  }
  // A dead-letter queue is named by the redrivePolicy of a named queue, which may itself be one.
  for (let size = -1; size !== named.size; ) {
    size = named.size;
    for (const queue of queues) {
      if (typeof queue.name === 'string' && named.has(withoutFifo(queue.name)) && isObject(queue.redrivePolicy)) name(queue.redrivePolicy.deadLetterQueue);
    }
  }
  return named;
}

/** Declares the topic of a channel's `sns` binding; false when nothing names it (the channel is skipped). */
function readTopic(d: Derivation, channelId: string, channel: Json, sns: Json): boolean {
  const where = `channels.${channelId}.bindings.sns`;
  checkFields(d, sns, SNS_CHANNEL_FIELDS, where);
  checkBindingVersion(d, sns, '0.1.0', where);
  const name = typeof sns.name === 'string' ? sns.name : channel.address;
  if (typeof name !== 'string' || !name) {
    d.problems.push(`channels.${channelId} has an sns binding but neither bindings.sns.name nor an address names the topic`);
    return false;
  }
  if (typeof sns.name !== 'string' && hasParameters(name)) {
    refuseParameterisedAddress(d, channelId, channel);
    return false;
  }
  warnParametersDropped(d, channelId, channel, 'topic', name);
  checkTopicName(d, name, typeof sns.name === 'string' ? `${where}.name` : `channels.${channelId}.address`);
  let contentBasedDeduplication: boolean | undefined;
  if (sns.ordering !== undefined) {
    if (!isObject(sns.ordering) || (sns.ordering.type !== 'standard' && sns.ordering.type !== 'FIFO')) d.problems.push(`${where}.ordering.type must be standard or FIFO`);
    else checkFields(d, sns.ordering, ['type', 'contentBasedDeduplication'], `${where}.ordering`);
    if (isObject(sns.ordering) && sns.ordering.contentBasedDeduplication !== undefined) {
      if (typeof sns.ordering.contentBasedDeduplication !== 'boolean') d.problems.push(`${where}.ordering.contentBasedDeduplication must be true or false`);
      else if (sns.ordering.type !== 'FIFO' && sns.ordering.contentBasedDeduplication) d.problems.push(`${where}.ordering.contentBasedDeduplication is for FIFO topics only (ordering.type: FIFO)`);
      else contentBasedDeduplication = sns.ordering.contentBasedDeduplication;
    }
  }
  const fifo = sns.ordering?.type === 'FIFO';
  if (!fifo && name.endsWith('.fifo')) d.problems.push(`topic ${name} (channels.${channelId}): a standard topic's name cannot end in .fifo (AWS requires it): write ordering.type: FIFO, or rename it`);
  // As a FIFO queue's: the name AWS requires, said (Springwolf and others leave .fifo out).
  const awsName = fifo && !name.endsWith('.fifo') ? `${name}.fifo` : name;
  if (awsName !== name) {
    d.warnings.push(`topic ${name} (${typeof sns.name === 'string' ? `${where}.name` : `channels.${channelId}.address`}) is FIFO (ordering.type: FIFO), and AWS requires a FIFO topic's name to end in .fifo: it is created as ${awsName}`);
    d.topicAliases.set(name, awsName);
  }
  return declareTopic(d, channelId, {
    name: awsName,
    channel: channelId,
    fifo,
    messages: [],
    ...(fifo ? { contentBasedDeduplication: contentBasedDeduplication ?? false } : {}),
    ...optional('tags', tagsOf(d, sns.tags, where)),
    ...optional('policy', policyOf(d, sns.policy, where, { service: 'sns', name: awsName })),
  });
}

/**
 * A topic's name as AWS takes it: 1..256 letters, digits, `-` and `_`, a FIFO topic's ending in
 * `.fifo` (within the 256). Else a problem naming `where` (the field the name comes from).
 */
export function checkTopicName(d: Derivation, name: string, where: string): void {
  if (name.length > 256 || !/^[A-Za-z0-9_-]+(\.fifo)?$/.test(name)) {
    d.problems.push(`topic ${JSON.stringify(name)} (${where}): an SNS topic name is 1..256 letters, digits, - and _ (a FIFO topic's ends in .fifo): AWS refuses it; name the topic with those`);
  }
}

/** Declares a topic (once per name). */
export function declareTopic(d: Derivation, channelId: string, topic: TopicDraft): boolean {
  if (d.topics[topic.name]) d.problems.push(`topic ${topic.name} is declared by two channels (${d.topics[topic.name]!.channel} and ${channelId})`);
  d.topics[topic.name] = topic;
  d.topicOfChannel.set(channelId, topic.name);
  return true;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/** A whole number in a range, else a problem. */
function inRange(d: Derivation, value: unknown, min: number, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    d.problems.push(`${what} must be ${min}..${max} seconds, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

/**
 * Declares a queue of an `sqs` binding (a channel's `queue` or `deadLetterQueue`, or one of an
 * operation's `queues`); a queue declared twice must say the same both times (an operation's
 * queue that repeats its channel's, as Springwolf writes it, is the same queue).
 */
function declareQueue(d: Derivation, channelId: string, binding: Json, where: string): QueueDraft | undefined {
  checkFields(d, binding, [...SQS_QUEUE_FIELDS, ...(binding.$ref !== undefined ? ['$ref'] : [])], where);
  if (binding.$ref !== undefined) d.problems.push(`${where}.$ref ${JSON.stringify(binding.$ref)} could not be resolved: write the queue itself (or a local $ref the document resolves)`);
  const bindingName = binding.name;
  if (typeof bindingName !== 'string' || !bindingName) {
    d.problems.push(`${where} needs a name`);
    return undefined;
  }
  if (binding.fifoQueue !== undefined && typeof binding.fifoQueue !== 'boolean') d.problems.push(`${where}.fifoQueue must be true or false`);
  const fifo = binding.fifoQueue === true || (binding.fifoQueue === undefined && bindingName.endsWith('.fifo'));
  let name = bindingName;
  if (fifo && !name.endsWith('.fifo')) {
    // AWS requires it; Springwolf's documents leave it out. The queue gets it, said once.
    name = `${bindingName}.fifo`;
    if (!d.queueAliases.has(bindingName)) d.warnings.push(`queue ${bindingName} (${where}) is FIFO, and AWS requires a FIFO queue's name to end in .fifo: it is created as ${name}`);
    d.queueAliases.set(bindingName, name);
  }
  if (!fifo && name.endsWith('.fifo')) d.problems.push(`queue ${name} (${where}): a standard queue's name cannot end in .fifo (fifoQueue is false)`);
  if (name.length > 80 || !/^[A-Za-z0-9_-]+(\.fifo)?$/.test(name)) d.problems.push(`queue ${name} (${where}): an SQS queue name is 1..80 letters, digits, - and _ (and .fifo): AWS refuses it`);
  const retention = binding.messageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS;
  if (!positiveInteger(retention) || retention < 60 || retention > MAX_RETENTION_SECONDS) {
    d.problems.push(`${where}.messageRetentionPeriod (queue ${name}) must be 60..${MAX_RETENTION_SECONDS} seconds, got ${JSON.stringify(binding.messageRetentionPeriod)}`);
  }
  const visibility = inRange(d, binding.visibilityTimeout, 0, 43_200, `${where}.visibilityTimeout (queue ${name})`);
  const delay = inRange(d, binding.deliveryDelay, 0, 900, `${where}.deliveryDelay (queue ${name})`);
  const wait = inRange(d, binding.receiveMessageWaitTime, 0, 20, `${where}.receiveMessageWaitTime (queue ${name}, SQS long polling)`);
  const scope = binding.deduplicationScope;
  const limit = binding.fifoThroughputLimit;
  if (scope !== undefined && scope !== 'queue' && scope !== 'messageGroup') d.problems.push(`${where}.deduplicationScope (queue ${name}) must be queue or messageGroup`);
  if (limit !== undefined && limit !== 'perQueue' && limit !== 'perMessageGroupId') d.problems.push(`${where}.fifoThroughputLimit (queue ${name}) must be perQueue or perMessageGroupId`);
  // On a standard queue the binding schema's defaults (queue, perQueue) say what such a queue does anyway; another value asks for FIFO.
  if (!fifo && scope !== undefined && scope !== 'queue') d.problems.push(`${where}.deduplicationScope (queue ${name}) is ${JSON.stringify(scope)}, which only a FIFO queue has: write fifoQueue: true, or remove it`);
  if (!fifo && limit !== undefined && limit !== 'perQueue') d.problems.push(`${where}.fifoThroughputLimit (queue ${name}) is ${JSON.stringify(limit)}, which only a FIFO queue has: write fifoQueue: true, or remove it`);
  if (fifo && limit === 'perMessageGroupId' && scope !== 'messageGroup') d.problems.push(`${where}.fifoThroughputLimit (queue ${name}) perMessageGroupId needs deduplicationScope messageGroup (SQS high throughput)`);
  const spec: QueueDraft = {
    name,
    channel: channelId,
    fifo,
    retentionSeconds: retention,
    ...optional('visibilityTimeoutSeconds', visibility),
    ...optional('deliveryDelaySeconds', delay),
    ...optional('receiveWaitTimeSeconds', wait),
    ...(fifo ? optional('deduplicationScope', scope as QueueSpec['deduplicationScope']) : {}),
    ...(fifo ? optional('fifoThroughputLimit', limit as QueueSpec['fifoThroughputLimit']) : {}),
    ...optional('tags', tagsOf(d, binding.tags, where)),
    ...optional('policy', policyOf(d, binding.policy, where, { service: 'sqs', name })),
    deadLetterFor: [],
  };
  d.queueBindings.push({ where, binding: { ...binding, name } });
  const previous = d.queues[name];
  if (previous) {
    const { channel: _a, deadLetterFor: _b, ...was } = previous;
    const { channel: _c, deadLetterFor: _d, ...now } = spec;
    if (!same(sorted(was), sorted(now))) {
      const a: Json = was;
      const b: Json = now;
      const differ = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k])).sort();
      const shown = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v));
      d.problems.push(
        // The second declaration named first: it is where the problem is said to be.
        `queue ${name} is declared twice with different settings (${where}, and before it channels.${previous.channel}): ${differ.map((k) => `${BINDING_FIELD[k] ?? k} ${shown(b[k])} here, ${shown(a[k])} there`).join('; ')}. Make them the same, or declare the queue once and $ref it`,
      );
    }
    return previous;
  }
  d.queues[name] = spec;
  return spec;
}

/** The binding's name of a queue spec's field, where they differ. */
const BINDING_FIELD: Record<string, string> = {
  fifo: 'fifoQueue',
  retentionSeconds: 'messageRetentionPeriod',
  visibilityTimeoutSeconds: 'visibilityTimeout',
  deliveryDelaySeconds: 'deliveryDelay',
  receiveWaitTimeSeconds: 'receiveMessageWaitTime',
};

const sorted = (o: Json) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/**
 * A channel's `deadLetterQueue` is, in the SQS binding's words, the queue used for its queue's
 * unprocessable messages: with no `redrivePolicy` written for that queue anywhere, it is linked as
 * the binding's defaults say (after 10 receives), and said; a `redrivePolicy` to another queue is a
 * problem (a queue has one dead-letter queue).
 */
function channelDeadLetters(d: Derivation): { where: string; binding: Json }[] {
  const implied: { where: string; binding: Json }[] = [];
  for (const [channelId, channel] of Object.entries<any>(d.doc.channels ?? {})) {
    const sqs = channel?.bindings?.sqs;
    if (!isObject(sqs) || !isObject(sqs.queue) || !isObject(sqs.deadLetterQueue)) continue;
    const where = `channels.${channelId}.bindings.sqs`;
    const source = queueNamed(d, sqs.queue);
    const dlq = queueNamed(d, sqs.deadLetterQueue);
    if (!source || !dlq || !d.queues[source] || !d.queues[dlq]) continue;
    const written = d.queueBindings.filter(({ binding }) => binding.name === source && isObject(binding.redrivePolicy));
    if (written.length === 0) {
      implied.push({ where: `${where}.queue`, binding: { name: source, redrivePolicy: { deadLetterQueue: { name: dlq } } } });
      d.warnings.push(`${where}.deadLetterQueue: ${dlq} is ${source}'s dead-letter queue, after 10 receives (the redrivePolicy default); write ${where}.queue.redrivePolicy with a maxReceiveCount to choose how many`);
      continue;
    }
    for (const { where: at, binding } of written) {
      const named = queueNamed(d, binding.redrivePolicy.deadLetterQueue);
      if (named !== undefined && named !== dlq) {
        d.problems.push(`${where}.deadLetterQueue is ${dlq}, but ${at}.redrivePolicy sends ${source}'s failures to ${named}: a queue has one dead-letter queue; name the same one in both, or remove one`);
      }
    }
  }
  return implied;
}

/** Links each queue to the dead-letter queue its `redrivePolicy` names (or its channel's `deadLetterQueue` implies), checking the pair. */
export function linkRedrivePolicies(d: Derivation): void {
  /** The first redrive policy read for each queue: a queue declared again must name the same one. */
  const linked = new Map<string, { where: string; dlq: string | undefined; maxReceiveCount: unknown }>();
  for (const { where, binding } of [...d.queueBindings, ...channelDeadLetters(d)]) {
    if (!isObject(binding.redrivePolicy)) continue;
    const source = d.queues[binding.name];
    if (!source) continue;
    // Every declaration's fields: a misspelt one in a repeat would otherwise go unread.
    checkFields(d, binding.redrivePolicy, ['deadLetterQueue', 'maxReceiveCount'], `${where}.redrivePolicy`);
    const dlqName = queueNamed(d, binding.redrivePolicy.deadLetterQueue);
    const maxReceiveCount = binding.redrivePolicy.maxReceiveCount ?? 10;
    const first = linked.get(source.name);
    if (first) {
      if (first.dlq !== dlqName || !same(first.maxReceiveCount, maxReceiveCount)) {
        d.problems.push(
          `queue ${source.name} is declared twice with different redrivePolicy: ${first.where}.redrivePolicy sends to ${first.dlq ?? '(no name)'} after ${JSON.stringify(first.maxReceiveCount)} receives, ${where}.redrivePolicy to ${dlqName ?? '(no name)'} after ${JSON.stringify(maxReceiveCount)}: a queue has one dead-letter queue; make them the same, or leave the policy out of one`,
        );
      }
      continue;
    }
    linked.set(source.name, { where, dlq: dlqName, maxReceiveCount });
    const dlq = dlqName ? d.queues[dlqName] : undefined;
    if (!dlq) {
      d.problems.push(`queue ${source.name} (${where}) redrives to ${dlqName ?? '(no name)'}, which no binding declares: declare it (a channel's bindings.sqs.deadLetterQueue, or one of the operation's bindings.sqs.queues)`);
      continue;
    }
    if (!positiveInteger(maxReceiveCount) || maxReceiveCount > 1000) d.problems.push(`${where}.redrivePolicy.maxReceiveCount (queue ${source.name}) must be 1..1000, got ${JSON.stringify(maxReceiveCount)}`);
    if (dlq.name === source.name) d.problems.push(`queue ${source.name} redrives to itself`);
    if (dlq.fifo !== source.fifo) d.problems.push(`queue ${source.name} and its dead-letter queue ${dlq.name} must both be FIFO or both standard`);
    if (dlq.retentionSeconds < source.retentionSeconds) {
      d.problems.push(
        `dead-letter queue ${dlq.name} keeps messages ${dlq.retentionSeconds} s, less than its source ${source.name} (${source.retentionSeconds} s): SQS keeps a message's original enqueue time, so it would expire in the DLQ before anyone sees it. ${dlq.retentionSeconds >= MAX_RETENTION_SECONDS ? `${dlq.name} keeps them the longest SQS allows (${MAX_RETENTION_SECONDS} s, 14 days): lower ${source.name}'s messageRetentionPeriod to at most that.` : `Raise ${dlq.name}'s messageRetentionPeriod (to at least ${Math.min(source.retentionSeconds, MAX_RETENTION_SECONDS)} s; SQS allows up to ${MAX_RETENTION_SECONDS} s)${source.retentionSeconds > MAX_RETENTION_SECONDS ? `, and lower ${source.name}'s to at most ${MAX_RETENTION_SECONDS} s` : ''}.`}`,
      );
    }
    if (!dlq.fifo && !source.fifo && dlq.retentionSeconds === source.retentionSeconds) {
      // AWS ("dead-letter queue retention"): a standard queue keeps a message's original enqueue
      // time, so set a dead-letter queue's retention longer than its source's. As long as it, a
      // message that waited in the source until near its expiry is deleted from the DLQ as it
      // arrives, and the DLQ's age alarm (half the time a dead letter surely has left) has none.
      const dlqWhere = d.queueBindings.find(({ binding }) => binding.name === dlq.name)?.where;
      d.warnings.push(
        `dead-letter queue ${dlq.name} keeps messages ${dlq.retentionSeconds} s, as long as its source ${source.name}: a standard queue keeps a message's original enqueue time, so one that waited in ${source.name} until near its expiry is deleted from the DLQ as it arrives, before anyone sees it (AWS: set a dead-letter queue's retention longer than its source's). ${dlq.retentionSeconds >= MAX_RETENTION_SECONDS ? `${dlq.name} keeps them the longest SQS allows (${MAX_RETENTION_SECONDS} s, 14 days): lower ${source.name}'s (${where}.messageRetentionPeriod) below that, e.g. to ${DEFAULT_RETENTION_SECONDS} s (4 days).` : `Raise ${dlq.name}'s messageRetentionPeriod${dlqWhere ? ` (${dlqWhere}.messageRetentionPeriod)` : ''} above ${source.retentionSeconds} s, e.g. to ${MAX_RETENTION_SECONDS} s (14 days, the most SQS allows)${dlq.retentionSeconds === DEFAULT_RETENTION_SECONDS ? `; ${DEFAULT_RETENTION_SECONDS} s is SQS's default, what a queue without messageRetentionPeriod keeps` : ''}.`}`,
      );
    }
    (source as { deadLetter?: QueueSpec['deadLetter'] }).deadLetter = { queue: dlq.name, maxReceiveCount };
    dlq.deadLetterFor.push(source.name);
  }
}
