/**
 * Steps 2 and 3 of `deriveTopology`: topics and queues from the channels' SNS and SQS bindings,
 * then the queues' redrive policies (each names a known queue, and the dead-letter queue outlives
 * its source).
 */
import type { QueueSpec } from '@sluice/runtime/contract';
import { DEFAULT_RETENTION_SECONDS, type Derivation, identifierName, isObject, type Json, positiveInteger, type QueueDraft, same } from './context.ts';

/** Reads every channel: an `sns` binding declares a topic, an `sqs` binding a queue (and its DLQ). */
export function readChannels(d: Derivation): void {
  for (const [channelId, channel] of Object.entries<any>(d.doc.channels ?? {})) {
    const bindings: Json = channel?.bindings ?? {};
    if (isObject(bindings.sns) && !readTopic(d, channelId, channel, bindings.sns)) continue;
    if (isObject(bindings.sqs)) {
      if (isObject(bindings.sns)) d.problems.push(`channels.${channelId} has both an sns and an sqs binding; a channel is a topic or a queue`);
      if (!isObject(bindings.sqs.queue)) {
        d.problems.push(`channels.${channelId} has an sqs binding without a queue`);
        continue;
      }
      const queue = declareQueue(d, channelId, bindings.sqs.queue, 'queue');
      if (!queue) continue;
      d.queueOfChannel.set(channelId, queue.name);
      if (isObject(bindings.sqs.deadLetterQueue)) declareQueue(d, channelId, bindings.sqs.deadLetterQueue, 'deadLetterQueue');
    }
  }
}

/** Declares the topic of a channel's `sns` binding; false when nothing names it (the channel is skipped). */
function readTopic(d: Derivation, channelId: string, channel: Json, sns: Json): boolean {
  const name = typeof sns.name === 'string' ? sns.name : channel.address;
  if (typeof name !== 'string' || !name) {
    d.problems.push(`channels.${channelId} has an sns binding but neither bindings.sns.name nor an address names the topic`);
    return false;
  }
  const fifo = sns.ordering?.type === 'FIFO';
  if (fifo !== name.endsWith('.fifo')) d.problems.push(`topic ${name} (channels.${channelId}): a FIFO topic's name ends in .fifo, a standard topic's does not`);
  if (d.topics[name]) d.problems.push(`topic ${name} is declared by two channels (${d.topics[name].channel} and ${channelId})`);
  d.topics[name] = { name, channel: channelId, fifo, messages: [] };
  d.topicOfChannel.set(channelId, name);
  return true;
}

/** Declares a queue of an `sqs` binding; a queue declared twice must say the same both times. */
function declareQueue(d: Derivation, channelId: string, binding: Json, role: 'queue' | 'deadLetterQueue'): QueueDraft | undefined {
  const name = binding.name;
  if (typeof name !== 'string' || !name) {
    d.problems.push(`channels.${channelId}.bindings.sqs.${role} needs a name`);
    return undefined;
  }
  const fifo = binding.fifoQueue === true;
  if (fifo !== name.endsWith('.fifo')) d.problems.push(`queue ${name} (channels.${channelId}): a FIFO queue's name ends in .fifo, a standard queue's does not`);
  const retention = binding.messageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS;
  if (!positiveInteger(retention) || retention < 60 || retention > 1_209_600) {
    d.problems.push(`queue ${name}: messageRetentionPeriod must be 60..1209600 seconds, got ${JSON.stringify(binding.messageRetentionPeriod)}`);
  }
  const spec: QueueDraft = {
    name,
    channel: channelId,
    fifo,
    retentionSeconds: retention,
    ...(binding.visibilityTimeout !== undefined ? { visibilityTimeoutSeconds: binding.visibilityTimeout } : {}),
    ...(binding.deliveryDelay !== undefined ? { deliveryDelaySeconds: binding.deliveryDelay } : {}),
    deadLetterFor: [],
  };
  const previous = d.queues[name];
  if (previous) {
    const { channel: _a, deadLetterFor: _b, ...was } = previous;
    const { channel: _c, deadLetterFor: _d, ...now } = spec;
    if (!same(was, now)) d.problems.push(`queue ${name} is declared twice with different settings (channels.${previous.channel} and channels.${channelId})`);
    return previous;
  }
  d.queues[name] = spec;
  return spec;
}

/** Links each queue to the dead-letter queue its `redrivePolicy` names, checking the pair. */
export function linkRedrivePolicies(d: Derivation): void {
  for (const [channelId, channel] of Object.entries<any>(d.doc.channels ?? {})) {
    const binding = channel?.bindings?.sqs?.queue;
    if (!isObject(binding) || !isObject(binding.redrivePolicy)) continue;
    const source = d.queues[binding.name];
    if (!source) continue;
    const dlqName = identifierName(binding.redrivePolicy.deadLetterQueue);
    const maxReceiveCount = binding.redrivePolicy.maxReceiveCount ?? 10;
    const dlq = dlqName ? d.queues[dlqName] : undefined;
    if (!dlq) {
      d.problems.push(`queue ${source.name} (channels.${channelId}) redrives to ${dlqName ?? '(no name)'}, which no channel declares: add it as bindings.sqs.deadLetterQueue of channels.${channelId}`);
      continue;
    }
    if (!positiveInteger(maxReceiveCount) || maxReceiveCount > 1000) d.problems.push(`queue ${source.name}: redrivePolicy.maxReceiveCount must be 1..1000, got ${JSON.stringify(maxReceiveCount)}`);
    if (dlq.name === source.name) d.problems.push(`queue ${source.name} redrives to itself`);
    if (dlq.fifo !== source.fifo) d.problems.push(`queue ${source.name} and its dead-letter queue ${dlq.name} must both be FIFO or both standard`);
    if (dlq.retentionSeconds < source.retentionSeconds) {
      d.problems.push(
        `dead-letter queue ${dlq.name} keeps messages ${dlq.retentionSeconds} s, less than its source ${source.name} (${source.retentionSeconds} s): SQS keeps a message's original enqueue time, so it would expire in the DLQ before anyone sees it. Raise ${dlq.name}'s messageRetentionPeriod.`,
      );
    }
    (source as { deadLetter?: QueueSpec['deadLetter'] }).deadLetter = { queue: dlq.name, maxReceiveCount };
    dlq.deadLetterFor.push(source.name);
  }
}
