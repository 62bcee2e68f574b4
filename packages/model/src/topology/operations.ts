/**
 * Step 4 of `deriveTopology`: the operations. A `send` operation publishes to a topic and
 * subscribes the queues its SNS binding's `consumers` name; a `receive` operation consumes a queue.
 */
import type { OperationSpec } from '@sluice/runtime/contract';
import { checkBindingVersion, checkTopicName, declareTopic, hasParameters, refuseParameterisedAddress, warnParametersDropped, withoutFifo } from './channels.ts';
import { channelIdOf, checkFields, consumerOf, type Derivation, identifierName, isExtension, isObject, type Json, queueNamed, same } from './context.ts';
import { listMessages, namesOf } from './messages.ts';

/**
 * Reads every operation, in document order. An operation's `reply` (request/reply) is read as
 * nothing: a warning naming it, the operation itself read as one-way.
 */
export function readOperations(d: Derivation): void {
  for (const [opId, operation] of Object.entries<any>(d.doc.operations ?? {})) {
    if (!isObject(operation)) continue;
    if (operation.reply !== undefined && operation.reply !== null) {
      d.warnings.push(
        `operations.${opId}.reply: request/reply is not supported, and nothing is made for the reply (no topic, queue, subscription or function for it): operations.${opId} is read as one-way. Model the reply as a send operation of the replier and a receive operation of the requester, or remove reply`,
      );
    }
    const channelId = channelIdOf(d.doc, operation);
    const messageNames = namesOf(d.doc, operation, `operations.${opId}`, d.problems);
    const title = typeof operation.title === 'string' ? operation.title : opId;
    if (!channelId) {
      d.problems.push(`operations.${opId}: its channel is not one of the document's channels${misreadChannel(d.doc, operation.channel)}`);
      continue;
    }
    if (operation.action === 'send') readSend(d, opId, operation, channelId, title, messageNames);
    else if (operation.action === 'receive') readReceive(d, opId, operation, channelId, title, messageNames);
    else d.problems.push(`operations.${opId}: action ${JSON.stringify(operation.action)} is neither send nor receive`);
  }
}

/** The fields of the SNS 0.1.0 operation binding and its consumer object. */
export const SNS_OPERATION_FIELDS = ['topic', 'consumers', 'deliveryPolicy', 'bindingVersion'] as const;
export const SNS_CONSUMER_FIELDS = ['protocol', 'endpoint', 'filterPolicy', 'filterPolicyScope', 'rawMessageDelivery', 'redrivePolicy', 'deliveryPolicy', 'displayName'] as const;

/** The SNS binding of an operation, its fields checked, and the topic it names (if any). */
function snsBindingOf(d: Derivation, opId: string, operation: Json): Json | undefined {
  const sns = operation.bindings?.sns;
  if (!isObject(sns)) return undefined;
  const where = `operations.${opId}.bindings.sns`;
  checkFields(d, sns, SNS_OPERATION_FIELDS, where);
  checkBindingVersion(d, sns, '0.1.0', where);
  if (sns.deliveryPolicy !== undefined) {
    d.problems.push(`${where}.deliveryPolicy is refused: SNS applies delivery policies to HTTP/S endpoints only, and the framework subscribes SQS queues (SNS retries SQS deliveries on its own, then uses the subscription's dead-letter queue)`);
  }
  return sns;
}

/** The message group id field each message names (`x-message-group-id`), for a FIFO target. */
function fifoOf(d: Derivation, opId: string, names: string[], contentBasedDeduplication: boolean): NonNullable<OperationSpec['fifo']> {
  const fields: Record<string, string> = {};
  for (const listed of listMessages(d.doc).messages) {
    if (!names.includes(listed.name)) continue;
    const field = listed.message['x-message-group-id'];
    if (field === undefined) {
      // Not wrong, but every publish must then say the group itself, or nothing is sent: said before the first refused publish.
      d.warnings.push(
        `operations.${opId} sends ${listed.name} to a FIFO target, and #${listed.pointer} names no x-message-group-id: every publish must give its message group id (createPublisher(…).publish(payload, { messageGroupId }), publish-message --message-group-id <id>), or it sends nothing and says so. Name the payload field that groups it with x-message-group-id`,
      );
      continue;
    }
    const properties = listed.message.payload?.properties;
    if (typeof field !== 'string' || !isObject(properties) || !isObject(properties[field])) {
      d.problems.push(`#${listed.pointer}/x-message-group-id names ${JSON.stringify(field)}, which is not a property of its payload (operations.${opId} sends it to a FIFO target)`);
      continue;
    }
    fields[listed.name] = field;
  }
  return { contentBasedDeduplication, messageGroupIdFields: fields };
}

/**
 * A send operation: to a topic, whose messages it carries (each SQS consumer of its SNS binding
 * becomes a subscription); or point-to-point, to the queue of an SQS channel.
 */
function readSend(d: Derivation, opId: string, operation: Json, channelId: string, title: string, messageNames: string[]): void {
  const sns = snsBindingOf(d, opId, operation);
  let topic = d.topicOfChannel.get(channelId);
  if (topic && sns) checkOperationTopic(d, opId, channelId, sns, topic);
  if (!topic && sns) {
    topic = topicOfOperation(d, opId, channelId, sns);
    // Nothing names the topic: a problem already says what to write.
    if (!topic) return;
  }
  if (!topic) {
    const queue = d.queueOfChannel.get(channelId);
    if (queue) {
      // Point-to-point (the SQS binding's "SQS point-to-point" example): a send straight to the queue.
      const q = d.queues[queue]!;
      d.ops[opId] = { id: opId, action: 'send', title, channel: channelId, queue, messages: messageNames, ...(q.fifo ? { fifo: fifoOf(d, opId, messageNames, false) } : {}) };
      return;
    }
    // Not an SNS topic: part of the contract (types, validators), not of the AWS topology.
    const bindings = d.doc.channels?.[channelId]?.bindings;
    const others = Object.keys(isObject(bindings) ? bindings : {}).filter((b) => b !== 'sns');
    d.warnings.push(
      `operations.${opId} sends to channels.${channelId}, which ${others.length ? `is a ${others.join('/')} channel without an sns binding` : 'has no sns binding'}: it is outside the AWS topology (no topic, no publisher target); its messages still get types and validators`,
    );
    return;
  }
  for (const name of messageNames) if (!d.topics[topic]!.messages.includes(name)) d.topics[topic]!.messages.push(name);
  const t = d.topics[topic]!;
  d.ops[opId] = { id: opId, action: 'send', title, channel: channelId, topic, messages: messageNames, ...(t.fifo ? { fifo: fifoOf(d, opId, messageNames, t.contentBasedDeduplication === true) } : {}) };
  readConsumers(d, opId, topic, sns);
}

/**
 * Why an operation's channel may be none of the document's: the AsyncAPI parser reads a `$ref` to
 * a channel key with dots (`#/channels/user.address`) as a path when the key's start is another
 * channel's key (`user`) and the rest a field of it (`address`), and the operation gets that
 * field's value. Empty when no two keys are so.
 */
function misreadChannel(doc: Json, channel: unknown): string {
  const keys = Object.keys(doc.channels ?? {});
  // Only a pair whose field holds what the operation got: another operation's wrong channel is not this.
  const pairs = keys.flatMap((dotted) => keys.filter((key) => dotted.startsWith(`${key}.`) && same(doc.channels[key]?.[dotted.slice(key.length + 1)], channel)).map((key) => [dotted, key] as const));
  if (pairs.length === 0) return '';
  const [dotted, key] = pairs[0]!;
  const read = isObject(channel) ? '' : ` (it reads as ${JSON.stringify(channel)?.slice(0, 80)})`;
  return `${read}: the AsyncAPI parser reads a $ref to channels.${dotted} as channels.${key} and a field of it, ${dotted.slice(key.length + 1)}, when channels.${key} exists. Rename the channel ${dotted} to a key without the dot (e.g. ${dotted.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())}) and its $refs with it`;
}

/**
 * An operation's SNS binding may name its topic (`topic: { name }`), as Springwolf writes it; on a
 * channel whose `sns` binding already declares one, it must be that topic: the operation publishes
 * to (or is subscribed through) its channel's topic, and any other name would be ignored.
 */
function checkOperationTopic(d: Derivation, opId: string, channelId: string, sns: Json, topic: string): void {
  if (sns.topic === undefined) return;
  const named = identifierName(sns.topic);
  if (named !== undefined && named !== topic && d.topicAliases.get(named) !== topic) {
    d.problems.push(
      `operations.${opId}.bindings.sns.topic names ${named}, but its channel channels.${channelId} is topic ${topic}: an operation uses its channel's topic; name ${topic} there, or move the operation to the channel of ${named}`,
    );
  }
}

/**
 * The topic of an operation whose channel has no `sns` binding but which has one itself (as
 * Springwolf writes it): the binding's `topic` identifier names it, else the channel's address
 * (not one with parameters, `orders.{region}`: a problem saying what names it instead). The
 * channel's parameters are dropped, with a warning.
 */
function topicOfOperation(d: Derivation, opId: string, channelId: string, sns: Json): string | undefined {
  const channel = d.doc.channels?.[channelId];
  const named = identifierName(sns.topic);
  const name = named ?? channel?.address;
  if (typeof name !== 'string' || !name) {
    d.problems.push(`operations.${opId}.bindings.sns: neither its topic nor channels.${channelId}'s address names the topic`);
    return undefined;
  }
  if (named === undefined && hasParameters(name)) {
    refuseParameterisedAddress(d, channelId, channel, opId);
    return undefined;
  }
  warnParametersDropped(d, channelId, channel, 'topic', name);
  // A topic a channel declares, named as written there: a FIFO topic's name without its .fifo is that topic (created with it).
  const declared = d.topics[name] ? name : d.topicAliases.get(name);
  if (declared !== undefined && d.topics[declared]) {
    d.topicOfChannel.set(channelId, declared);
    return declared;
  }
  checkTopicName(d, name, named !== undefined ? `operations.${opId}.bindings.sns.topic` : `channels.${channelId}.address`);
  const fifo = name.endsWith('.fifo');
  declareTopic(d, channelId, { name, channel: channelId, fifo, messages: [], ...(fifo ? { contentBasedDeduplication: false } : {}) });
  return name;
}

/** Every entry of an operation's SNS `consumers` (a send or a receive operation): subscriptions of SQS queues to the topic. */
function readConsumers(d: Derivation, opId: string, topic: string, sns: Json | undefined): string[] {
  const consumers = sns?.consumers;
  if (consumers !== undefined && !Array.isArray(consumers)) d.problems.push(`operations.${opId}.bindings.sns.consumers must be a list`);
  const queues: string[] = [];
  for (const [index, consumer] of (Array.isArray(consumers) ? consumers : []).entries()) {
    const queue = readSubscription(d, opId, topic, consumer, `operations.${opId}.bindings.sns.consumers[${index}]`);
    if (queue) queues.push(queue);
  }
  return queues;
}

/** One entry of an operation's `consumers`: a subscription of an SQS queue to the topic; the queue, or undefined. */
function readSubscription(d: Derivation, opId: string, topic: string, consumer: any, where: string): string | undefined {
  if (!isObject(consumer)) {
    d.problems.push(`${where} is not a consumer`);
    return undefined;
  }
  checkFields(d, consumer, SNS_CONSUMER_FIELDS, where);
  if (consumer.protocol !== 'sqs') {
    d.problems.push(`${where}: protocol ${JSON.stringify(consumer.protocol)} is not supported; the framework subscribes SQS queues (protocol: sqs)`);
    return undefined;
  }
  if (isObject(consumer.endpoint)) {
    for (const kind of ['url', 'email', 'phone'] as const) {
      if (consumer.endpoint[kind] !== undefined) d.problems.push(`${where}.endpoint.${kind}: an sqs consumer's endpoint is a queue, named by name or arn`);
    }
  }
  if (consumer.deliveryPolicy !== undefined) d.problems.push(`${where}.deliveryPolicy is refused: SNS applies delivery policies to HTTP/S subscriptions only; an SQS subscription is retried by SNS on its own, then dead-lettered`);
  if (consumer.displayName !== undefined) d.problems.push(`${where}.displayName is refused: a display name is the sender name of SMS and email subscriptions; an SQS subscription has none`);
  if (isObject(consumer.redrivePolicy)) {
    checkFields(d, consumer.redrivePolicy, ['deadLetterQueue', 'maxReceiveCount'], `${where}.redrivePolicy`);
    if (consumer.redrivePolicy.maxReceiveCount !== undefined) {
      d.problems.push(`${where}.redrivePolicy.maxReceiveCount is refused: an SNS subscription's dead-letter queue takes no receive count (SNS moves a notification there once its delivery retries are spent); the queue's own redrivePolicy has one`);
    }
  }
  const queue = queueNamed(d, consumer.endpoint);
  if (!queue) {
    d.warnings.push(`${where} names no queue (endpoint has neither name nor arn): no subscription is made; name the queue (endpoint.name) to subscribe it`);
    return undefined;
  }
  if (!d.queues[queue]) {
    d.problems.push(`${where} subscribes queue ${queue}, which no binding declares: add a channel with bindings.sqs.queue.name: ${queue} (or list it in the operation's bindings.sqs.queues)`);
    return undefined;
  }
  if (d.queues[queue]!.deadLetterFor.length > 0) d.problems.push(`${where} subscribes ${queue}, a dead-letter queue: subscribe its source queue instead`);
  // SNS FIFO topics deliver to FIFO and standard queues alike (a standard queue gets best-effort
  // ordering, at-least-once); a standard topic delivers to standard queues only.
  if (!d.topics[topic]!.fifo && d.queues[queue]!.fifo) d.problems.push(`${where}: the standard topic ${topic} cannot deliver to the FIFO queue ${queue} (SNS delivers to a FIFO queue from a FIFO topic only): make the topic FIFO, or subscribe a standard queue`);
  if (consumer.filterPolicyScope !== undefined && consumer.filterPolicyScope !== 'MessageAttributes') {
    d.problems.push(`${where}: filterPolicyScope ${JSON.stringify(consumer.filterPolicyScope)} is not supported; the framework filters on message attributes (eventType, schemaVersion and the headers it sends as attributes): write filterPolicyScope: MessageAttributes, or remove it`);
  }
  if (consumer.rawMessageDelivery !== undefined && typeof consumer.rawMessageDelivery !== 'boolean') d.problems.push(`${where}.rawMessageDelivery must be true or false`);
  const raw = consumer.rawMessageDelivery === true;
  const key = `${topic}\u0000${queue}`;
  const existing = d.subscriptions.get(key);
  // Specification extensions (x-…) in a filter policy are notes for people and tools, not SNS keys.
  const stated = isObject(consumer.filterPolicy) ? Object.fromEntries(Object.entries(consumer.filterPolicy).filter(([k]) => !isExtension(k))) : consumer.filterPolicy;
  const dlq = isObject(consumer.redrivePolicy) ? queueNamed(d, consumer.redrivePolicy.deadLetterQueue) : undefined;
  if (isObject(consumer.redrivePolicy) && dlq === undefined) d.problems.push(`${where}.redrivePolicy names no dead-letter queue (deadLetterQueue.name or .arn)`);
  if (dlq !== undefined && !d.queues[dlq]) {
    d.problems.push(`${where}.redrivePolicy names ${dlq}, which no binding declares: declare it (a channel's bindings.sqs.queue, or one of an operation's bindings.sqs.queues) or name a queue that is declared`);
  }
  if (existing) {
    if (existing.rawMessageDelivery !== raw) d.problems.push(`${where}: ${topic} → ${queue} is declared again with rawMessageDelivery ${raw}, but ${existing.declaredBy[0]} says ${existing.rawMessageDelivery}`);
    if (dlq !== undefined && existing.deadLetterQueue !== undefined && existing.deadLetterQueue !== dlq) d.problems.push(`${where}: ${topic} → ${queue} is declared again with redrivePolicy ${dlq}, but ${existing.declaredBy[0]} says ${existing.deadLetterQueue}`);
    if (dlq !== undefined && existing.deadLetterQueue === undefined) (existing as { deadLetterQueue?: string }).deadLetterQueue = dlq;
    if (stated !== undefined && existing.stated === undefined) existing.stated = stated;
    if (!existing.declaredBy.includes(opId)) existing.declaredBy.push(opId);
    return queue;
  }
  d.subscriptions.set(key, {
    name: `${topic.replace(/\.fifo$/, '')}To${queue.replace(/\.fifo$/, '')}`,
    topic,
    queue,
    rawMessageDelivery: raw,
    filterPolicy: {},
    filterPolicyScope: 'MessageAttributes',
    ...(dlq !== undefined ? { deadLetterQueue: dlq } : {}),
    declaredBy: [opId],
    ...(stated !== undefined ? { stated } : {}),
  });
  return queue;
}

/** The index of the entry of `listed` (a `bindings.sqs.queues`) whose redrivePolicy names `name` as its dead-letter queue (with or without `.fifo`); -1 when none does. */
function entryRedrivingTo(listed: readonly unknown[], name: string): number {
  return listed.findIndex((other) => isObject(other) && other.name !== name && isObject(other.redrivePolicy) && withoutFifo(identifierName(other.redrivePolicy.deadLetterQueue) ?? '') === withoutFifo(name));
}

/**
 * The entries of a topic receive operation's `bindings.sqs.queues` that nothing subscribes or
 * names, so that no queue is made of them: the operation is outside the topology (said once, at
 * the operation), and each entry is said at its own path (`operations.<id>.bindings.sqs.queues[i]`,
 * where codegen shows its line): a dead-letter queue of another entry as that, every other with
 * how to consume it.
 */
function sayTopicReceiveQueues(d: Derivation, opId: string, operation: Json, topic: string, entries: readonly { index: number; name: string }[]): void {
  const listed: unknown[] = operation.bindings.sqs.queues;
  const redrivenFrom = (name: string) => entryRedrivingTo(listed, name);
  const at = (index: number) => `operations.${opId}.bindings.sqs.queues[${index}]`;
  const consumable = entries.filter(({ name }) => redrivenFrom(name) < 0);
  d.warnings.push(
    `operations.${opId} receives from topic ${topic} and subscribes no queue: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators.${
      consumable.length > 0 ? ` To consume one, see ${consumable.map(({ index }) => at(index)).join(' or ')}` : ''
    }`,
  );
  for (const { index, name } of entries) {
    const from = redrivenFrom(name);
    if (from >= 0) {
      const source = (listed[from] as Json).name as string;
      d.warnings.push(`${at(index)} names queue ${name}, the dead-letter queue of queues[${from}] (${source}): no queue is made for it, as none is for ${source}`);
      continue;
    }
    d.warnings.push(
      `${at(index)} names queue ${name}, but on a topic's channel an operation's bindings.sqs.queues declare a queue, they do not consume it, and nothing subscribes ${name}: no queue is made for it. To consume ${name} with operations.${opId}: point it at a channel whose bindings.sqs.queue is ${name} (channel: { $ref: '#/channels/<that channel>' }), or subscribe it here with bindings.sns.consumers: [{ protocol: sqs, endpoint: { name: ${name} } }]`,
    );
  }
}

/**
 * A receive operation: the one function that consumes a queue. On an SQS channel, its queue; on an
 * SNS channel (the SNS binding's layout, `consumers` on the receive operation), the queue its own
 * `consumers` subscribe.
 */
function readReceive(d: Derivation, opId: string, operation: Json, channelId: string, title: string, messageNames: string[]): void {
  let queue = d.queueOfChannel.get(channelId);
  const sns = snsBindingOf(d, opId, operation);
  if (!queue && (d.topicOfChannel.has(channelId) || sns)) {
    const channelTopic = d.topicOfChannel.get(channelId);
    if (channelTopic && sns) checkOperationTopic(d, opId, channelId, sns, channelTopic);
    const topic = channelTopic ?? topicOfOperation(d, opId, channelId, sns!);
    if (!topic) return;
    const queues = [...new Set(readConsumers(d, opId, topic, sns))];
    if (queues.length > 1) {
      d.problems.push(`operations.${opId} subscribes ${queues.join(', ')}: one receive operation (one function) consumes one queue; give each queue its own receive operation`);
      return;
    }
    queue = queues[0];
    if (!queue) {
      const notMade = d.queuesNotMade.get(opId);
      if (notMade) {
        // Said here, each at its own entry, as what a topic's receive operation lists: not again by warnQueuesNotMade.
        d.queuesNotMade.delete(opId);
        sayTopicReceiveQueues(d, opId, operation, topic, notMade);
        return;
      }
      // Its own bindings.sqs.queues (Springwolf's layout) say which queue it means, the one no other of them redrives to: named in the advice.
      const own = (Array.isArray(operation.bindings?.sqs?.queues) ? (operation.bindings.sqs.queues as unknown[]) : []).filter((q): q is Json => isObject(q) && typeof q.name === 'string');
      const meant = own.find((queue) => entryRedrivingTo(own, queue.name as string) < 0)?.name as string | undefined;
      d.warnings.push(
        meant
          ? `operations.${opId} receives from topic ${topic} and lists ${meant} in its bindings.sqs.queues, but a queue on a topic's channel declares the queue, it does not consume it: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators. To consume ${meant}: point this operation at a channel whose bindings.sqs.queue is ${meant} (channel: { $ref: '#/channels/<that channel>' }), or subscribe it here with bindings.sns.consumers: [{ protocol: sqs, endpoint: { name: ${meant} } }]`
          : `operations.${opId} receives from topic ${topic} but its bindings.sns.consumers name no queue: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators. To consume them: add a channel with bindings.sqs.queue (its name), subscribe it on the topic's send operation (bindings.sns.consumers: [{ protocol: sqs, endpoint: { name: <queue> } }]), and point this receive operation at that queue's channel`,
      );
      return;
    }
  } else if (queue && sns) {
    d.problems.push(`operations.${opId} receives from the SQS channel channels.${channelId}: an sns binding on it subscribes nothing (put consumers on the operation of the topic's channel)`);
  }
  if (!queue) {
    const bindings = d.doc.channels?.[channelId]?.bindings;
    const others = Object.keys(isObject(bindings) ? bindings : {}).filter((b) => b !== 'sns' && b !== 'sqs');
    if (!isObject(bindings?.sns) && !isObject(bindings?.sqs)) {
      // Another protocol (Kafka, AMQP, MQTT, WebSocket…) or none: part of the contract (types, validators), not of the AWS topology.
      d.warnings.push(
        `operations.${opId} receives from channels.${channelId}, which ${others.length ? `is a ${others.join('/')} channel` : 'has no sns or sqs binding'}: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators`,
      );
      return;
    }
    d.problems.push(`operations.${opId} receives from channels.${channelId}, which has no sqs binding with a queue: a receive operation consumes an SQS queue`);
    return;
  }
  if (messageNames.length === 0) d.problems.push(`operations.${opId} declares no messages`);
  const other = consumerOf(d, queue);
  if (other) d.problems.push(`operations.${opId} and operations.${other.id} both consume ${queue}: one receive operation (one function) per queue`);
  d.ops[opId] = { id: opId, action: 'receive', title, channel: channelId, queue, messages: messageNames, sources: [] };
}
