/**
 * The deployment plan: the topology and the settings resolved once into what both the SST
 * component and the local stack render (environment, permissions, limits, alarms, outputs).
 */
import { describe, expect, it } from 'vitest';
import { ALERTS_TOPIC, consumerSettings, renderEnvironment, resolvePlan, resolveReference, SettingsError, visibilityTimeoutOf, type ReferenceResolver } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { SOURCE_TOPICS_ENV } from '@sluice/runtime/settings';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';
import { settings } from '../../../tests/fixtures/single-consumer/settings.ts';

/** A system of the framework's tests: one topic, OrderPlaced v1, one consumer with a table. */
const topology = await fixtureTopology('single-consumer');

const receive = Object.values(topology.operations).filter((o) => o.action === 'receive');

/** Every reference rendered as `<kind>:<name>`, so a test sees which one each value came from. */
const tagged: ReferenceResolver<string> = {
  topicArn: (name) => `topicArn:${name}`,
  queueArn: (name) => `queueArn:${name}`,
  queueUrl: (name) => `queueUrl:${name}`,
  tableName: (name) => `tableName:${name}`,
  tableArn: (name) => `tableArn:${name}`,
  keyArn: (name) => `keyArn:${name}`,
};

describe('resolvePlan', () => {
  const plan = resolvePlan({ topology, settings, consumersDir: 'packages/orders/consumers' });

  it('gives each consumer its handler, queue, dead-letter queue, limits and log level from the settings, defaults applied', () => {
    expect(plan.functions.filter((f) => f.kind !== 'triage').map((f) => f.operationId)).toEqual(receive.map((o) => o.id));
    for (const op of receive) {
      const fn = plan.functions.find((f) => f.operationId === op.id)!;
      const s = consumerSettings(settings, op.id);
      expect(fn).toMatchObject({
        functionName: op.id.charAt(0).toUpperCase() + op.id.slice(1),
        handler: `packages/orders/consumers/${op.id}.handler`,
        queue: op.queue,
        deadLetterQueue: topology.queues[op.queue!]!.deadLetter?.queue,
        visibilityTimeoutSeconds: visibilityTimeoutOf(topology, settings, topology.queues[op.queue!]!),
        timeoutSeconds: s.timeoutSeconds,
        memoryMB: s.memoryMB,
        batchSize: s.batchSize,
        batchWindowSeconds: s.batchWindowSeconds,
        maximumConcurrency: s.maximumConcurrency,
        logLevel: s.logLevel,
        settings: s,
      });
    }
  });

  it('writes the order consumer\'s environment and permissions once, with deploy-time values as references', () => {
    const fn = plan.functions.find((f) => f.operationId === 'consumeOrderPlaced')!;
    expect(fn.environment).toEqual({
      POWERTOOLS_SERVICE_NAME: 'consumeOrderPlaced',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersPipeline',
      [SOURCE_TOPICS_ENV]: { topicArns: ['OrderTopic'] },
      ORDERS_TABLE_NAME: { tableName: 'Orders' },
    });
    expect(fn.permissions).toEqual([
      { actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resource: { queueArn: 'OrderQueue' } },
      { actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resource: { tableArn: 'Orders' } },
    ]);
    expect(renderEnvironment(fn.environment, tagged, (arns) => arns.join(','))).toEqual({
      POWERTOOLS_SERVICE_NAME: 'consumeOrderPlaced',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersPipeline',
      [SOURCE_TOPICS_ENV]: 'topicArn:OrderTopic',
      ORDERS_TABLE_NAME: 'tableName:Orders',
    });
  });

  it('lists dead-letter queues first, with who may send to each queue and its alarms', () => {
    expect(plan.queues.map((q) => [q.name, q.kind])).toEqual([
      ['OrderDLQ', 'deadLetter'],
      ['OrderQueue', 'queue'],
      ['OrderTopicUnrouted', 'unrouted'],
      ['OrderTopicTriageDLQ', 'deadLetter'],
      ['OrderTopicTriage', 'queue'],
    ]);
    const [dlq, queue] = plan.queues;
    expect(dlq).toMatchObject({ baseName: 'OrderDLQ', senders: ['OrderTopic'], visibilityTimeoutSeconds: 30 });
    expect(dlq!.consumer).toBeUndefined();
    expect(dlq!.alarms.map((a) => [a.name, a.metricName, a.threshold])).toEqual([
      ['OrderDLQDepthAlarm', 'ApproximateNumberOfMessagesVisible', 0],
      // Half the 10 days a dead letter surely has left: OrderQueue keeps messages 4 days, OrderDLQ 14.
      ['OrderDLQAgeAlarm', 'ApproximateAgeOfOldestMessage', 432_000],
    ]);
    expect(queue).toMatchObject({ consumer: 'consumeOrderPlaced', senders: ['OrderTopic'], visibilityTimeoutSeconds: 180 });
    expect(queue!.alarms.map((a) => [a.name, a.threshold, a.subject])).toEqual([['OrderQueueAgeAlarm', 900, { queue: 'OrderQueue' }]]);
  });

  it('collects every alarm, the tables, the alerts topic and the outputs', () => {
    expect(plan.alarms.map((a) => a.name)).toEqual([
      'OrderDLQDepthAlarm',
      'OrderDLQAgeAlarm',
      'OrderQueueAgeAlarm',
      'OrderTopicUnroutedDepthAlarm',
      'OrderTopicUnroutedAgeAlarm',
      'OrderTopicTriageDLQDepthAlarm',
      'OrderTopicTriageDLQAgeAlarm',
      'OrderTopicTriageAgeAlarm',
      'ConsumeOrderPlacedErrorsAlarm',
      'ConsumeOrderPlacedThrottlesAlarm',
      'TriageOrderTopicErrorsAlarm',
      'TriageOrderTopicThrottlesAlarm',
      'OrderTopicFilteredOutNoMessageAttributesAlarm',
      'OrderTopicFilteredOutInvalidAttributesAlarm',
      'OrderTopicFailedToRedriveToDlqAlarm',
    ]);
    for (const alarm of plan.alarms) expect(alarm).toMatchObject({ comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' });
    expect(plan.tables).toEqual([{ name: 'Orders', partitionKey: 'orderId' }]);
    expect(plan.alerts).toEqual({ topic: ALERTS_TOPIC, emails: [], endpoints: [] });
    expect(plan.outputs).toEqual({
      AlertsTopicArn: { topicArn: 'Alerts' },
      OrdersTableName: { tableName: 'Orders' },
      OrderDLQUrl: { queueUrl: 'OrderDLQ' },
      OrderQueueUrl: { queueUrl: 'OrderQueue' },
      OrderTopicUnroutedUrl: { queueUrl: 'OrderTopicUnrouted' },
      OrderTopicTriageDLQUrl: { queueUrl: 'OrderTopicTriageDLQ' },
      OrderTopicTriageUrl: { queueUrl: 'OrderTopicTriage' },
      OrderTopicArn: { topicArn: 'OrderTopic' },
      // A publisher of another account names it in its own IAM policy (kms:GenerateDataKey*, kms:Decrypt).
      MessagesKeyArn: { keyArn: 'MessagesKey' },
    });
    expect(resolveReference(plan.outputs.MessagesKeyArn!, tagged)).toBe('keyArn:MessagesKey');
  });

  it('refuses settings that do not fit the contract, listing every problem', () => {
    const bad = { ...settings, consumers: { consumeOrderPlaced: { timeoutSeconds: 901, maximumConcurrency: 1 } } };
    expect(() => resolvePlan({ topology, settings: bad })).toThrow(SettingsError);
    try {
      resolvePlan({ topology, settings: bad });
    } catch (error) {
      expect((error as SettingsError).problems).toEqual([
        'settings.consumers.consumeOrderPlaced.timeoutSeconds must be 1..900, got 901',
        'settings.consumers.consumeOrderPlaced.maximumConcurrency must be 2..1000 (Lambda\'s range), got 1',
      ]);
      expect((error as Error).message).toMatch(/^The settings do not fit the contract:\n {2}- settings\.consumers\.consumeOrderPlaced\.timeoutSeconds/);
    }
    // The local stack's own overrides (one poller) are resolved without the check.
    expect(resolvePlan({ topology, settings: { consumers: { consumeOrderPlaced: { maximumConcurrency: 1 } } }, check: false }).functions[0]!.maximumConcurrency).toBe(1);
  });

  it('alarms on a dead letter at half the time it surely has left: on a standard queue SQS deletes it by its original enqueue time, not when it moved (AWS: "dead-letter queue retention")', () => {
    expect([topology.queues.OrderQueue!.retentionSeconds, topology.queues.OrderDLQ!.retentionSeconds]).toEqual([345_600, 1_209_600]);
    const age = plan.alarms.find((a) => a.name === 'OrderDLQAgeAlarm')!;
    expect(age.threshold).toBe((1_209_600 - 345_600) / 2);
    expect(age.description).toBe(
      'A message has waited in OrderDLQ for over 432000 s, half the 864000 s a dead letter surely has left there: SQS deletes it 1209600 s after it was first sent to OrderQueue (a standard queue keeps the original enqueue time), and it may have waited there up to 345600 s; this age counts from when it moved: examine and redrive or purge it before it expires (the application\'s `dlq list --aws` command)',
    );
    // A dead-letter queue kept as long as its source: a dead letter may expire as it arrives, so the alarm goes off on any.
    const same = structuredClone(topology) as Topology & { queues: Record<string, { retentionSeconds: number }> };
    same.queues.OrderDLQ!.retentionSeconds = 345_600;
    const atOnce = resolvePlan({ topology: same, settings }).alarms.find((a) => a.name === 'OrderDLQAgeAlarm')!;
    expect(atOnce.threshold).toBe(0);
    expect(atOnce.description).toMatch(/^A message has waited in OrderDLQ for over 0 s, so at once: it keeps messages no longer than OrderQueue \(345600 s\).*one may expire as it arrives; give the dead-letter queue a longer messageRetentionPeriod: examine/);
    // FIFO: the enqueue time is reset when the message moves, so a dead letter has the DLQ's whole retention.
    const fifo = resolvePlan({ topology: fifoOf(topology), settings: { ...settings, consumers: {} } }).alarms.find((a) => a.name === 'OrderDLQAgeAlarm')!;
    expect(fifo.threshold).toBe(1_209_600 / 2);
    expect(fifo.description).toMatch(/for over 604800 s, half its retention \(1209600 s, counted from when the message moved there: a FIFO dead-letter queue resets the enqueue time\)/);
  });

  it('pages when SNS can neither deliver a publish nor dead-letter it (AWS discards it then), per topic', () => {
    const [alarm, ...more] = plan.alarms.filter((a) => a.metricName === 'NumberOfNotificationsFailedToRedriveToDlq');
    expect(more).toEqual([]);
    expect(alarm).toMatchObject({ name: 'OrderTopicFailedToRedriveToDlqAlarm', subject: { topic: 'OrderTopic' }, namespace: 'AWS/SNS', statistic: 'Sum', comparisonOperator: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1 });
    // Which subscriptions dead-letter where, and the one cause that breaks a queue and its DLQ alike.
    expect(alarm!.description).toContain('OrderQueue → OrderDLQ, OrderTopicUnrouted → OrderTopicTriageDLQ, OrderTopicTriage → OrderTopicTriageDLQ');
    expect(alarm!.description).toMatch(/the message is lost.*key MessagesKey is enabled/);
    // Its main cause, MessagesKey disabled or pending deletion, must not silence it: CloudWatch
    // publishes to the alerts topic with that topic's key, so the alerts topic has a key of its own.
    expect(plan.key.topics).not.toContain(plan.alerts.topic);
    expect(plan.alertsKey).toMatchObject({ name: 'AlertsKey', topics: [plan.alerts.topic], services: ['cloudwatch.amazonaws.com'] });
    // Every subscription has a dead-letter queue: what SNS stops delivering is in one (its depth alarm pages) or lost (this alarm).
    expect(plan.alarms.filter((a) => a.metricName === 'NumberOfNotificationsFailed')).toEqual([]);
  });

  it('pages on what SNS stopped delivering when a subscription of the topic has no dead-letter queue: SNS discards it, and that count is the only trace', () => {
    const bare = structuredClone(topology) as Topology & { subscriptions: { queue: string; deadLetterQueue?: string }[]; queues: Record<string, { deadLetter?: unknown; deadLetterFor: string[] }> };
    for (const s of bare.subscriptions) if (s.queue === 'OrderQueue') delete s.deadLetterQueue;
    delete bare.queues.OrderQueue!.deadLetter;
    bare.queues.OrderDLQ!.deadLetterFor = [];
    const alarms = resolvePlan({ topology: bare, settings, check: false }).alarms.filter((a) => 'topic' in a.subject);
    expect(alarms.map((a) => `${a.name} ${a.metricName}`)).toEqual([
      'OrderTopicFilteredOutNoMessageAttributesAlarm NumberOfNotificationsFilteredOut-NoMessageAttributes',
      'OrderTopicFilteredOutInvalidAttributesAlarm NumberOfNotificationsFilteredOut-InvalidAttributes',
      'OrderTopicFailedToRedriveToDlqAlarm NumberOfNotificationsFailedToRedriveToDlq',
      'OrderTopicDeliveryFailedAlarm NumberOfNotificationsFailed',
    ]);
    expect(alarms[3]).toMatchObject({ namespace: 'AWS/SNS', statistic: 'Sum', threshold: 0 });
    expect(alarms[3]!.description).toMatch(/OrderQueue has no dead-letter queue, so what SNS could not deliver there is discarded: look in the other subscriptions' dead-letter queues first \(OrderTopicUnrouted → OrderTopicTriageDLQ, OrderTopicTriage → OrderTopicTriageDLQ\)/);
  });

  it("says of a publish SNS could not read for filtering that the triage subscription (no filter policy) still received it, not that SNS dropped it for every subscription", () => {
    const invalid = resolvePlan({ topology, settings, check: false }).alarms.find((a) => a.name === 'OrderTopicFilteredOutInvalidAttributesAlarm')!;
    expect(invalid.description).not.toMatch(/dropped it for every subscription/);
    expect(invalid.description).toMatch(/filtered it out of every subscription that has a filter policy, the unrouted queue's included; the topic's triage subscription has none, so its function received it: look for it in the unrouted queue \(.*dlq list --queue OrderTopicUnrouted --aws.*\) and in the triage function's logs/);
  });

  it('refuses a contract topic named like the alerts topic', () => {
    const clash = structuredClone(topology) as Topology & { topics: Record<string, unknown> };
    clash.topics[ALERTS_TOPIC] = { ...clash.topics.OrderTopic!, name: ALERTS_TOPIC };
    expect(() => resolvePlan({ topology: clash, settings })).toThrow(/the contract declares a topic named Alerts, the name of the framework's alerts topic: rename it/);
  });
});

/**
 * The fixture's system as a FIFO one: OrderTopic.fifo delivers to OrderQueue.fifo, which
 * dead-letters into OrderDLQ.fifo (every name and reference renamed, every topic and queue FIFO).
 */
function fifoOf(standard: Topology): Topology {
  let json = JSON.stringify(standard);
  for (const name of ['OrderTopic', 'OrderQueue', 'OrderDLQ']) json = json.replaceAll(`"${name}"`, `"${name}.fifo"`);
  const fifo = JSON.parse(json) as Topology & { topics: Record<string, { fifo: boolean }>; queues: Record<string, { fifo: boolean }> };
  for (const spec of [...Object.values(fifo.topics), ...Object.values(fifo.queues)]) spec.fifo = true;
  return fifo;
}

describe('resolvePlan, on FIFO queues (Lambda supports no batching window there, and at most 10 records a batch)', () => {
  const fifo = fifoOf(topology);
  // The fixture's settings write batchWindowSeconds: 1 for its consumer; a FIFO project leaves it out.
  const { batchWindowSeconds: _window, ...own } = settings.consumers!.consumeOrderPlaced!;
  const fifoSettings = { ...settings, consumers: { consumeOrderPlaced: own } };

  it('gives every function on a FIFO queue no batching window, the triage function of a FIFO topic included', () => {
    const plan = resolvePlan({ topology: fifo, settings: fifoSettings });
    expect(plan.functions.map((f) => [f.queue, f.batchWindowSeconds, f.settings.batchWindowSeconds])).toEqual([
      ['OrderQueue.fifo', 0, 0],
      ['OrderTopicTriage.fifo', 0, 0],
    ]);
    expect(plan.functions.every((f) => f.batchSize <= 10)).toBe(true);
    expect(consumerSettings({}, 'consumeOrderPlaced', fifo.queues['OrderQueue.fifo']).batchWindowSeconds).toBe(0);
    // A standard queue keeps its window of 1 s.
    expect(resolvePlan({ topology, settings }).functions.map((f) => f.batchWindowSeconds)).toEqual([1, 1]);
  });

  it('refuses a batching window or a batch over 10 for a FIFO queue\'s consumer, naming the consumer, the queue, the setting and what to write, every problem in one report', () => {
    const bad = { ...fifoSettings, consumers: { consumeOrderPlaced: { ...own, batchSize: 50, batchWindowSeconds: 5 } } };
    let problems: readonly string[] = [];
    try {
      resolvePlan({ topology: fifo, settings: bad });
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      problems = (error as SettingsError).problems;
    }
    expect(problems).toEqual([
      'settings.consumers.consumeOrderPlaced.batchSize is 50, but consumeOrderPlaced consumes the FIFO queue OrderQueue.fifo, and Lambda takes at most 10 records a batch from a FIFO queue: write batchSize: 10 or less (or leave it out: 10)',
      'settings.consumers.consumeOrderPlaced.batchWindowSeconds is 5, but consumeOrderPlaced consumes the FIFO queue OrderQueue.fifo, and Lambda supports no batching window on a FIFO queue: remove batchWindowSeconds (or write batchWindowSeconds: 0)',
    ]);
    // A window of 0 written out is what AWS takes.
    expect(() => resolvePlan({ topology: fifo, settings: { ...fifoSettings, consumers: { consumeOrderPlaced: { ...own, batchSize: 10, batchWindowSeconds: 0 } } } })).not.toThrow();
  });
});

describe('resolvePlan, for publishers the settings name', () => {
  const shop = 'arn:aws:iam::210987654321:role/Shop';

  it('names them for the key: publishing to a topic encrypted with it needs kms:GenerateDataKey* and kms:Decrypt, which another account\'s principal gets only from the key policy', () => {
    expect(resolvePlan({ topology, settings }).key.publishers).toEqual([]);
    const plan = resolvePlan({ topology, settings: { ...settings, publishers: { publishOrderPlaced: { principals: [shop, '210987654321', shop] } } } });
    expect(plan.topics[0]!.publishers).toEqual([{ operationId: 'publishOrderPlaced', principals: [shop, '210987654321', shop] }]);
    expect(plan.key.publishers).toEqual([shop, '210987654321']);
  });

  it('warns, naming settings.operators, when only named principals may publish to a topic: the operator\'s redrive of its unrouted queue publishes to it and would be refused', () => {
    const named = { ...settings, publishers: { publishOrderPlaced: { principals: [shop] } } };
    const redrive = (plan: { warnings: readonly string[] }) => plan.warnings.filter((w) => w.includes('settings.operators'));
    expect(redrive(resolvePlan({ topology, settings }))).toEqual([]);
    expect(redrive(resolvePlan({ topology, settings: named }))).toEqual([
      `topic OrderTopic: only the principals settings.publishers names (publishOrderPlaced: ${shop}) may publish to it, so \`dlq redrive --queue OrderTopicUnrouted --aws\`, which publishes each unrouted message to OrderTopic again, is refused to anyone else. ` +
        "Name the roles that redrive in settings.operators.principals (e.g. operators: { principals: ['arn:aws:iam::<account>:role/<on-call role>'] }), or write operators: { principals: [] } if nobody redrives that way",
    ]);
    // Said who redrives (or that nobody does): no warning.
    expect(redrive(resolvePlan({ topology, settings: { ...named, operators: { principals: ['arn:aws:iam::123456789012:role/OnCall'] } } }))).toEqual([]);
    expect(redrive(resolvePlan({ topology, settings: { ...named, operators: { principals: [] } } }))).toEqual([]);
  });

  it('lets the operators settings.operators names publish to every topic, to redrive its unrouted queue, and names them for the key', () => {
    const onCall = 'arn:aws:iam::123456789012:role/OnCall';
    const plan = resolvePlan({ topology, settings: { ...settings, publishers: { publishOrderPlaced: { principals: [shop] } }, operators: { principals: [onCall] } } });
    expect(plan.topics.map((t) => [t.name, t.operators])).toEqual([['OrderTopic', [onCall]]]);
    expect(plan.key.publishers).toEqual([shop, onCall]);
    expect(resolvePlan({ topology, settings }).topics[0]!.operators).toEqual([]);
  });

  it('refuses an operator that is not a principal, as it refuses such a publisher, naming the setting and what to write', () => {
    let problems: readonly string[] = [];
    try {
      resolvePlan({ topology, settings: { ...settings, operators: { principals: ['OnCall', 'arn:aws:sts::123456789012:assumed-role/OnCall/alice'] } } });
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      problems = (error as SettingsError).problems;
    }
    expect(problems).toEqual([
      'settings.operators.principals[0] must be a 12-digit account id or an IAM role, user or account-root ARN, got "OnCall"',
      'settings.operators.principals[1] must be a 12-digit account id or an IAM role, user or account-root ARN, got "arn:aws:sts::123456789012:assumed-role/OnCall/alice": name the role the session assumed, arn:aws:iam::123456789012:role/OnCall with the role\'s path if it has one (the topic policy compares aws:PrincipalArn, which is the role\'s ARN for a session, path included: an IAM Identity Center role\'s is role/aws-reserved/sso.amazonaws.com/…; aws iam get-role --role-name OnCall --query Role.Arn prints it)',
    ]);
  });
});
