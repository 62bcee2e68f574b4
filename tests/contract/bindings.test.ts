/** The contract's SNS/SQS bindings describe the same pipeline the settings module configures. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pipelineSettings } from '@orders/core';

const spec = parse(readFileSync(path.resolve(import.meta.dirname, '../../asyncapi.yaml'), 'utf8'));

describe('asyncapi.yaml bindings agree with the pipeline settings', () => {
  it('names the topic, queue and DLQ as the settings do', () => {
    expect(spec.channels.orderTopic.address).toBe(pipelineSettings.topic.name);
    expect(spec.channels.orderTopic.bindings.sns.name).toBe(pipelineSettings.topic.name);
    expect(spec.channels.orderQueue.address).toBe(pipelineSettings.queue.name);
    expect(spec.channels.orderQueue.bindings.sqs.queue.name).toBe(pipelineSettings.queue.name);
    expect(spec.channels.orderQueue.bindings.sqs.deadLetterQueue.name).toBe(pipelineSettings.deadLetterQueue.name);
  });

  it('declares the redrive policy, DLQ retention and delivery mode of the settings', () => {
    const sqs = spec.channels.orderQueue.bindings.sqs;
    expect(sqs.queue.redrivePolicy).toEqual({ deadLetterQueue: { name: pipelineSettings.deadLetterQueue.name }, maxReceiveCount: pipelineSettings.deadLetterQueue.maxReceiveCount });
    expect(sqs.deadLetterQueue.messageRetentionPeriod).toBe(pipelineSettings.deadLetterQueue.retentionSeconds);
    const consumer = spec.operations.publishOrderPlaced.bindings.sns.consumers[0];
    expect(consumer.endpoint.name).toBe(pipelineSettings.queue.name);
    expect(consumer.rawMessageDelivery).toBe(pipelineSettings.topic.rawMessageDelivery);
  });
});
