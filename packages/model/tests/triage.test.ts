/**
 * The triage of each topic's publishes, in the plan: a subscription WITHOUT a filter policy (the
 * one kind of subscription a body-only publish reaches) into a triage queue with its own
 * dead-letter queue, consumed by the framework's triage function, configured with every filtered
 * subscription of the topic (the consumers' and the unrouted complement) and allowed to send to
 * the unrouted queue only. On the single-consumer fixture (tests/fixtures/single-consumer), not the
 * order application: a topology and settings that do not change when the application's do.
 */
import { describe, expect, it } from 'vitest';
import { resolvePlan, TRIAGE_HANDLER } from '@sluice/model';
import { settings } from '../../../tests/fixtures/single-consumer/settings.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';

const plan = resolvePlan({ topology: await fixtureTopology('single-consumer'), settings });

describe('the triage of the order topic, in the plan', () => {
  it('subscribes the triage queue to the topic without a filter policy, envelope kept, undeliverable notifications dead-lettered', () => {
    expect(plan.triage.map((t) => [t.topic, t.queue, t.deadLetterQueue, t.unroutedQueue])).toEqual([['OrderTopic', 'OrderTopicTriage', 'OrderTopicTriageDLQ', 'OrderTopicUnrouted']]);
    expect(plan.subscriptions.find((s) => s.queue === 'OrderTopicTriage')).toEqual({
      name: 'OrderTopicToOrderTopicTriage',
      topic: 'OrderTopic',
      queue: 'OrderTopicTriage',
      rawMessageDelivery: false,
      filterPolicy: {},
      filterPolicyScope: 'MessageAttributes',
      deadLetterQueue: 'OrderTopicTriageDLQ',
      declaredBy: [],
    });
  });

  it('runs the framework\'s triage function on it, configured with every filtered subscription of the topic, sending only to the unrouted queue', () => {
    const fn = plan.functions.find((f) => f.kind === 'triage')!;
    expect(fn).toMatchObject({ operationId: 'triageOrderTopic', functionName: 'TriageOrderTopic', handler: TRIAGE_HANDLER, queue: 'OrderTopicTriage', deadLetterQueue: 'OrderTopicTriageDLQ', sourceTopics: ['OrderTopic'] });
    expect(TRIAGE_HANDLER).toBe('node_modules/@sluice/runtime/src/triage/handler.handler');
    const evaluated = JSON.parse(fn.environment.SLUICE_TRIAGE_SUBSCRIPTIONS as string) as { name: string }[];
    expect(evaluated.map((s) => s.name).sort()).toEqual(plan.subscriptions.filter((s) => s.topic === 'OrderTopic' && Object.keys(s.filterPolicy).length > 0).map((s) => s.name).sort());
    expect(evaluated.map((s) => s.name)).toContain('OrderTopicToOrderTopicUnrouted');
    expect(fn.environment).toMatchObject({ SLUICE_TRIAGE_TOPIC: 'OrderTopic', SLUICE_UNROUTED_QUEUE_URL: { queueUrl: 'OrderTopicUnrouted' } });
    expect(fn.permissions).toEqual([
      { actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resource: { queueArn: 'OrderTopicTriage' } },
      { actions: ['sqs:SendMessage'], resource: { queueArn: 'OrderTopicUnrouted' } },
    ]);
    expect(fn.reservedConcurrency).toBeGreaterThanOrEqual(fn.maximumConcurrency);
  });

  it('gives the triage queue a dead-letter queue after 5 receives (AWS\'s guidance), declared first, both fed by the topic only and alarmed', () => {
    const names = plan.queues.map((q) => q.name);
    expect(names.indexOf('OrderTopicTriageDLQ')).toBeLessThan(names.indexOf('OrderTopicTriage'));
    const queue = plan.queues.find((q) => q.name === 'OrderTopicTriage')!;
    expect(queue).toMatchObject({ kind: 'queue', consumer: 'triageOrderTopic', senders: ['OrderTopic'], encryption: 'kms', spec: { deadLetter: { queue: 'OrderTopicTriageDLQ', maxReceiveCount: 5 } } });
    const dlq = plan.queues.find((q) => q.name === 'OrderTopicTriageDLQ')!;
    expect(dlq).toMatchObject({ kind: 'deadLetter', spec: { deadLetterFor: ['OrderTopicTriage'] } });
    expect(plan.alarms.map((a) => a.name)).toEqual(expect.arrayContaining(['OrderTopicTriageDLQDepthAlarm', 'OrderTopicTriageDLQAgeAlarm', 'OrderTopicTriageAgeAlarm', 'TriageOrderTopicErrorsAlarm', 'TriageOrderTopicThrottlesAlarm']));
  });

  it('warns before what waits in the triage dead-letter queue expires unexamined, as a contract DLQ does: at half the time a dead letter surely has left (14 days less the triage queue\'s 4, a standard queue keeping the original enqueue time)', () => {
    const dlq = plan.queues.find((q) => q.name === 'OrderTopicTriageDLQ')!;
    const triageQueue = plan.queues.find((q) => q.name === 'OrderTopicTriage')!;
    expect([triageQueue.spec.retentionSeconds, dlq.spec.retentionSeconds]).toEqual([345_600, 1_209_600]);
    expect(dlq.alarms.map((a) => [a.name, a.metricName, a.statistic, a.threshold, a.evaluationPeriods])).toEqual([
      ['OrderTopicTriageDLQDepthAlarm', 'ApproximateNumberOfMessagesVisible', 'Maximum', 0, 1],
      ['OrderTopicTriageDLQAgeAlarm', 'ApproximateAgeOfOldestMessage', 'Maximum', 432_000, 3],
    ]);
    expect(dlq.alarms[1]!.description).toMatch(/^A publish on OrderTopic has waited in OrderTopicTriageDLQ for over 432000 s, half the 864000 s a dead letter surely has left there: SQS deletes it 1209600 s after it was first sent to OrderTopicTriage .*each may be one no consumer received; examine and redrive or purge it before it expires \(the application's `dlq list --queue OrderTopicTriageDLQ --aws` command\)$/);
  });
});
