/**
 * `infra:plan --json` shows each topic's triage as `sst deploy` would create it: the function
 * (the framework's handler, configured with the topic's filtered subscriptions and the unrouted
 * queue), its queue with a dead-letter queue, the subscription WITHOUT a filter policy (what
 * reaches a publish with no message attribute at all), and its alarms.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

describe('infra:plan --json, the triage of the order topic', () => {
  it('shows the triage function, its queues, its subscription without filter policy and its alarms', () => {
    const out = execFileSync(process.execPath, ['packages/infra/src/plan/cli.ts', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const { resources } = JSON.parse(out) as { resources: { type: string; name: string; properties: Record<string, any> }[] };
    const named = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name);

    const fn = named('aws:lambda/function:Function', 'TriageOrderTopicFunction');
    // The file the workspace's @sluice/runtime exports for ./triage/handler, which exists (infra:plan checks).
    expect(existsSync(path.join(root, 'node_modules/@sluice/runtime/src/triage/handler.ts'))).toBe(true);
    expect(fn?.properties).toMatchObject({ handler: 'node_modules/@sluice/runtime/src/triage/handler.handler', environment: { SLUICE_TRIAGE_TOPIC: expect.stringMatching(/^OrderTopic/), SLUICE_UNROUTED_QUEUE_URL: expect.stringContaining('OrderTopicUnrouted') } });
    expect(JSON.parse(fn!.properties.environment.SLUICE_TRIAGE_SUBSCRIPTIONS).map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['OrderTopicToOrderQueue', 'OrderTopicToOrderTopicUnrouted']));

    const subscription = named('aws:sns/topicSubscription:TopicSubscription', 'OrderTopicToOrderTopicTriageSubscription');
    expect(subscription?.properties).toMatchObject({ topic: 'OrderTopicTopic', protocol: 'sqs', endpoint: 'OrderTopicTriageQueue', rawMessageDelivery: false });
    expect(subscription!.properties.filterPolicy).toBeUndefined();
    // Every other subscription of the topic filters.
    for (const other of resources.filter((r) => r.type === 'aws:sns/topicSubscription:TopicSubscription' && r.properties.topic === 'OrderTopicTopic' && r !== subscription)) {
      expect(other.properties.filterPolicy, other.name).toBeDefined();
    }

    expect(named('aws:sqs/queue:Queue', 'OrderTopicTriageQueue')?.properties.redrive).toEqual({ deadLetterQueue: 'OrderTopicTriageDLQQueue', maxReceiveCount: 5 });
    const mapping = resources.find((r) => r.type === 'aws:lambda/eventSourceMapping:EventSourceMapping' && r.properties.function === 'TriageOrderTopicFunction');
    expect(mapping?.properties).toMatchObject({ queue: 'OrderTopicTriageQueue', reportBatchItemFailures: true });
    const alarms = resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm').map((r) => r.name);
    expect(alarms).toEqual(expect.arrayContaining(['OrderTopicTriageDLQDepthAlarm', 'OrderTopicTriageDLQAgeAlarm', 'OrderTopicTriageAgeAlarm', 'TriageOrderTopicErrorsAlarm', 'TriageOrderTopicThrottlesAlarm']));
  }, 120_000);
});
