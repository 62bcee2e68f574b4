/**
 * Step 4 of `deriveTopology`: the operations. A `send` operation publishes to a topic and
 * subscribes the queues its SNS binding's `consumers` name; a `receive` operation consumes a queue.
 */
import { channelIdOf, consumerOf, type Derivation, identifierName, isObject, type Json } from './context.ts';
import { namesOf } from './messages.ts';

/** Reads every operation, in document order. */
export function readOperations(d: Derivation): void {
  for (const [opId, operation] of Object.entries<any>(d.doc.operations ?? {})) {
    if (!isObject(operation)) continue;
    const channelId = channelIdOf(d.doc, operation);
    const messageNames = namesOf(d.doc, operation);
    const title = typeof operation.title === 'string' ? operation.title : opId;
    if (!channelId) {
      d.problems.push(`operations.${opId}: its channel is not one of the document's channels`);
      continue;
    }
    if (operation.action === 'send') readSend(d, opId, operation, channelId, title, messageNames);
    else if (operation.action === 'receive') readReceive(d, opId, channelId, title, messageNames);
    else d.problems.push(`operations.${opId}: action ${JSON.stringify(operation.action)} is neither send nor receive`);
  }
}

/** A send operation: its topic carries its messages, and each SQS consumer becomes a subscription. */
function readSend(d: Derivation, opId: string, operation: Json, channelId: string, title: string, messageNames: string[]): void {
  const topic = d.topicOfChannel.get(channelId);
  if (!topic) {
    // Not an SNS topic: part of the contract (types, validators), not of the AWS topology.
    const bindings = d.doc.channels?.[channelId]?.bindings;
    const others = Object.keys(isObject(bindings) ? bindings : {}).filter((b) => b !== 'sns');
    d.warnings.push(
      `operations.${opId} sends to channels.${channelId}, which ${others.length ? `is a ${others.join('/')} channel without an sns binding` : 'has no sns binding'}: it is outside the AWS topology (no topic, no publisher target); its messages still get types and validators`,
    );
    return;
  }
  for (const name of messageNames) if (!d.topics[topic]!.messages.includes(name)) d.topics[topic]!.messages.push(name);
  d.ops[opId] = { id: opId, action: 'send', title, channel: channelId, topic, messages: messageNames };
  const consumers = operation.bindings?.sns?.consumers;
  for (const [index, consumer] of (Array.isArray(consumers) ? consumers : []).entries()) {
    readSubscription(d, opId, topic, consumer, `operations.${opId}.bindings.sns.consumers[${index}]`);
  }
}

/** One entry of a send operation's `consumers`: a subscription of an SQS queue to the topic. */
function readSubscription(d: Derivation, opId: string, topic: string, consumer: any, where: string): void {
  if (consumer?.protocol !== 'sqs') {
    d.problems.push(`${where}: protocol ${JSON.stringify(consumer?.protocol)} is not supported; the framework subscribes SQS queues (protocol: sqs)`);
    return;
  }
  const queue = identifierName(consumer.endpoint);
  if (!queue || !d.queues[queue]) {
    d.problems.push(`${where} subscribes queue ${queue ?? '(no endpoint.name)'}, which no channel declares: add a channel with bindings.sqs.queue.name: ${queue ?? '<name>'}`);
    return;
  }
  if (d.queues[queue]!.deadLetterFor.length > 0) d.problems.push(`${where} subscribes ${queue}, a dead-letter queue: subscribe its source queue instead`);
  if (d.topics[topic]!.fifo !== d.queues[queue]!.fifo) d.problems.push(`${where}: topic ${topic} and queue ${queue} must both be FIFO or both standard`);
  if (consumer.filterPolicyScope !== undefined && consumer.filterPolicyScope !== 'MessageAttributes') {
    d.problems.push(`${where}: filterPolicyScope ${JSON.stringify(consumer.filterPolicyScope)} is not supported; the framework filters on message attributes`);
  }
  const raw = consumer.rawMessageDelivery === true;
  const key = `${topic}\u0000${queue}`;
  const existing = d.subscriptions.get(key);
  const dlq = identifierName(consumer.redrivePolicy?.deadLetterQueue);
  if (dlq !== undefined && !d.queues[dlq]) d.problems.push(`${where}.redrivePolicy names ${dlq}, which no channel declares`);
  if (existing) {
    if (existing.rawMessageDelivery !== raw) d.problems.push(`${where}: ${topic} → ${queue} is declared again with rawMessageDelivery ${raw}, but ${existing.declaredBy[0]} says ${existing.rawMessageDelivery}`);
    existing.declaredBy.push(opId);
    return;
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
    ...(consumer.filterPolicy !== undefined ? { stated: consumer.filterPolicy } : {}),
  });
}

/** A receive operation: the one function that consumes its channel's queue. */
function readReceive(d: Derivation, opId: string, channelId: string, title: string, messageNames: string[]): void {
  const queue = d.queueOfChannel.get(channelId);
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
