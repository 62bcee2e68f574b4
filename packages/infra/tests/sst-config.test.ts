/**
 * What `sst deploy` would create, checked without AWS: a project's `sst.config.ts` runs with SST's
 * real components under Pulumi's unit-test mocks (packages/infra/src/plan) and the recorded
 * resource graph is held against the topology manifest, the project's settings and the AWS
 * semantics the pipeline relies on. Every expectation is derived from the manifest and the
 * settings, so a second consumer or message needs no edit here.
 *
 * On a fixture system of its own (tests/fixtures/single-consumer: OrderTopic, OrderQueue and its
 * OrderDLQ, one consumer with the Orders table), as a project of its own with the sst.config.ts
 * `create` writes (tests/helpers/fixture-project.ts, its contract package generated there, `.sst`
 * linked to the repository's): the framework's deployment does not change with the order
 * application. The order application's own sst.config.ts is synthesized by the application's tests
 * (its sst-config test).
 *
 * Needs `.sst/platform` (`npm run sst:install`, part of `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueSpec, Topology } from '@sluice/runtime/contract';
import { envName } from '@sluice/runtime/resources';
import { runCli, type CliIO } from '@sluice/cli';
import { ALERTS_TOPIC, consumerSettings, functionNameOf, metricsNamespaceOf, resolvePlan, triageHandlerOf, visibilityTimeoutOf } from '@sluice/model';
import { SOURCE_TOPICS_ENV } from '@sluice/runtime/settings';
import { fixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { packInCopy } from '../../../tests/helpers/pack-in-copy.ts';
import { planProgram } from '../src/plan/cli.ts';
import { planOf } from '../src/plan/plan.ts';
import { repositoryRoot, synthesize, type RecordedResource, type RecordedStack, type SynthesizeOptions } from '../src/plan/synthesize.ts';

/** The fixture as a project: its sst.config.ts, settings.ts, consumers/ and generated contract package. */
const fixture = await fixtureProject('single-consumer');
symlinkSync(path.join(repositoryRoot, '.sst'), path.join(fixture.dir, '.sst'));
afterAll(() => fixture.dispose());

/** The manifest the fixture's sst.config.ts deploys (its generated topology.json). */
const topology = JSON.parse(readFileSync(path.join(fixture.project.generated, 'topology.json'), 'utf8')) as Topology;
/** The settings the fixture's sst.config.ts deploys (the project's settings.ts). */
const { settings } = (await import(pathToFileURL(fixture.project.settings).href)) as typeof import('../../../tests/fixtures/single-consumer/settings.ts');
/** A file of this package's SST component as `editSource` names it: relative to the fixture project. */
const componentFile = (name: string) => path.relative(fixture.dir, path.resolve(import.meta.dirname, '../src/sst', name)).split(path.sep).join('/');

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Principal?: Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}

const receiveOperations = Object.values(topology.operations).filter((o) => o.action === 'receive');
/** The plan the component renders: the contract's queues plus each topic's unrouted queue, and its subscription. */
const plan = resolvePlan({ topology, settings });
const allQueues = plan.queues.map((q) => q.name);
const allSubscriptions = plan.subscriptions;
const deadLetterQueues = Object.values(topology.queues).filter((q) => q.deadLetterFor.length > 0);

/** Resources of `type`, optionally only those whose parent component is `parent`. */
function all(stack: RecordedStack, type: string, parent?: string): RecordedResource[] {
  return stack.resources.filter((r) => r.type === type && (parent === undefined || r.parent === parent));
}

/** The single resource of `type` whose parent component is `parent` (or the only one at all). */
function only(stack: RecordedStack, type: string, parent?: string): RecordedResource {
  const found = all(stack, type, parent);
  expect(found.map((r) => r.name), `exactly one ${type} under ${parent ?? 'the stack'}`).toHaveLength(1);
  return found[0]!;
}

/** The single resource of `type` named `name`. */
function named(stack: RecordedStack, type: string, name: string): RecordedResource {
  const found = all(stack, type).filter((r) => r.name === name);
  expect(found, `exactly one ${type} named ${name}`).toHaveLength(1);
  return found[0]!;
}

const queueOf = (stack: RecordedStack, name: string) => only(stack, 'aws:sqs/queue:Queue', name);
const topicOf = (stack: RecordedStack, name: string) => only(stack, 'aws:sns/topic:Topic', name);
const alertsOf = (stack: RecordedStack) => topicOf(stack, ALERTS_TOPIC);
const functionOf = (stack: RecordedStack, operationId: string) => only(stack, 'aws:lambda/function:Function', functionNameOf(operationId));
const arnOf = (resource: RecordedResource) => resource.outputs.arn as string;

function statementsOf(policyJson: unknown): PolicyStatement[] {
  return (JSON.parse(String(policyJson)) as { Statement: PolicyStatement[] }).Statement;
}

/** Every queue's redrive policy: its dead-letter queue after exactly the contract's maxReceiveCount. */
function expectRedriveAsTheContractSays(stack: RecordedStack): void {
  for (const queue of Object.values(topology.queues)) {
    const redrive = queueOf(stack, queue.name).inputs.redrivePolicy;
    if (!queue.deadLetter) {
      expect(redrive, queue.name).toBeUndefined();
      continue;
    }
    expect(JSON.parse(String(redrive)), queue.name).toEqual({ deadLetterTargetArn: arnOf(queueOf(stack, queue.deadLetter.queue)), maxReceiveCount: queue.deadLetter.maxReceiveCount });
  }
}

/** Every event source mapping: the settings' batch size, window and concurrency, failures reported per record. */
function expectPartialBatchResponses(stack: RecordedStack): void {
  const mappings = all(stack, 'aws:lambda/eventSourceMapping:EventSourceMapping');
  expect(mappings).toHaveLength(plan.functions.length);
  for (const op of receiveOperations) {
    const s = consumerSettings(settings, op.id);
    const mapping = mappings.find((m) => m.inputs.functionName === arnOf(functionOf(stack, op.id)));
    expect(mapping?.inputs, op.id).toMatchObject({
      eventSourceArn: arnOf(queueOf(stack, op.queue!)),
      functionResponseTypes: ['ReportBatchItemFailures'],
      batchSize: s.batchSize,
      maximumBatchingWindowInSeconds: s.batchWindowSeconds,
      scalingConfig: { maximumConcurrency: s.maximumConcurrency },
    });
  }
}

describe('sst.config.ts, synthesized offline with the real SST components', () => {
  let dev: RecordedStack;
  let prod: RecordedStack;
  let withAlertEmails: RecordedStack;
  /** The fixture's system as a FIFO one (FIFO_OF). */
  let fifo: RecordedStack;

  beforeAll(async () => {
    // Each synthesis is a child process of a few seconds.
    // prod refuses alerts nobody receives: it is planned with an on-call address, as a real deployment must be.
    const emails = (file: string, source: string) => (file === 'settings.ts' ? withEmails(source) : source);
    // The fixture as a FIFO system (FIFO_OF): its consumer's settings without their batching window of 1 s.
    const fifoSettings = (file: string, source: string) => (file === 'settings.ts' ? replaceOnce(source, 'batchWindowSeconds: 1,', '') : source);
    const fifoConfig = (source: string) => replaceOnce(source, 'topology: topology as unknown as', 'topology: fifoOf(topology) as unknown as') + FIFO_OF;
    // Started beside them, for the test of its refusal.
    const refused = prodUnsubscribed();
    const stacks = settle(synthesizeAll([{ stage: 'dev' }, { stage: 'prod', editSource: emails }, DEV_WITH_EMAILS_AND_PUBLISHERS, { stage: 'dev', editSource: fifoSettings, editConfig: fifoConfig }]));
    await refused;
    [dev, prod, withAlertEmails, fifo] = await unsettle(stacks);
  }, 180_000);

  it('gives a FIFO queue\'s event source no batching window, the triage function\'s included, and the offline plan shows none (Lambda supports none on a FIFO queue)', () => {
    const mapping = 'aws:lambda/eventSourceMapping:EventSourceMapping';
    const queueNameOf = (arn: unknown) => fifo.resources.find((r) => r.type === 'aws:sqs/queue:Queue' && r.outputs.arn === arn)?.parent;
    expect(all(fifo, mapping).map((m) => [queueNameOf(m.inputs.eventSourceArn), m.inputs.batchSize, 'maximumBatchingWindowInSeconds' in m.inputs]).sort()).toEqual([
      ['OrderQueue.fifo', 10, false],
      ['OrderTopicTriage.fifo', 10, false],
    ]);
    expect(planOf(fifo).resources.filter((r) => r.type === mapping).map((r) => [r.properties.queue, r.properties.batchWindowSeconds])).toEqual([
      ['OrderQueue.fifoQueue', undefined],
      ['OrderTopicTriage.fifoQueue', undefined],
    ]);
    // A standard queue's keeps its window.
    expect(all(dev, mapping).map((m) => m.inputs.maximumBatchingWindowInSeconds)).toEqual([1, 1]);
  });

  it('declares exactly the topology: its topics, queues, subscriptions and consumers, and the settings\' tables', () => {
    const components = dev.resources.filter((r) => r.type.startsWith('sst:aws:') && r.type !== 'sst:aws:QueueLambdaSubscriber');
    expect(components.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        ...Object.keys(settings.tables).map((t) => `sst:aws:Dynamo ${t}`),
        ...plan.functions.map((f) => `sst:aws:Function ${f.functionName}`),
        ...allQueues.map((q) => `sst:aws:Queue ${q}`),
        ...Object.keys(topology.topics).map((t) => `sst:aws:SnsTopic ${t}`),
        `sst:aws:SnsTopic ${ALERTS_TOPIC}`,
      ].sort(),
    );
    expect(all(dev, 'sst:aws:QueueLambdaSubscriber')).toHaveLength(plan.functions.length);
    // Every AWS resource, counted, so that nothing (a second role, a broader policy) slips in unseen.
    const count = (type: string) => dev.resources.filter((r) => r.custom && r.type === type).length;
    expect({
      queues: count('aws:sqs/queue:Queue'),
      topics: count('aws:sns/topic:Topic'),
      subscriptions: count('aws:sns/topicSubscription:TopicSubscription'),
      queuePolicies: count('aws:sqs/queuePolicy:QueuePolicy'),
      topicPolicies: count('aws:sns/topicPolicy:TopicPolicy'),
      keys: count('aws:kms/key:Key'),
      redriveAllowPolicies: count('aws:sqs/redriveAllowPolicy:RedriveAllowPolicy'),
      functions: count('aws:lambda/function:Function'),
      roles: count('aws:iam/role:Role'),
      rolePolicies: count('aws:iam/rolePolicy:RolePolicy'),
      logGroups: count('aws:cloudwatch/logGroup:LogGroup'),
      mappings: count('aws:lambda/eventSourceMapping:EventSourceMapping'),
      alarms: count('aws:cloudwatch/metricAlarm:MetricAlarm'),
      tables: count('aws:dynamodb/table:Table'),
    }).toEqual({
      // The contract's, each topic's unrouted queue, and each topic's triage queue and its dead-letter queue.
      queues: Object.keys(topology.queues).length + 3 * Object.keys(topology.topics).length,
      // The contract's, and the alerts topic.
      topics: Object.keys(topology.topics).length + 1,
      // No alert emails in the settings; each topic's unrouted and triage queues are subscribed too.
      subscriptions: topology.subscriptions.length + 2 * Object.keys(topology.topics).length,
      queuePolicies: allQueues.length,
      topicPolicies: Object.keys(topology.topics).length + 1,
      // MessagesKey, and the alerts topic's AlertsKey.
      keys: 2,
      redriveAllowPolicies: deadLetterQueues.length + Object.keys(topology.topics).length,
      // The consumers, and each topic's triage function.
      functions: plan.functions.length,
      roles: plan.functions.length,
      // Each function's logs permission.
      rolePolicies: plan.functions.length,
      logGroups: plan.functions.length,
      mappings: plan.functions.length,
      // Every alarm of the plan: depth of each dead-letter and unrouted queue, age of every queue's
      // oldest message, errors and throttles of each function, SNS's two filtered-out counts of each topic.
      alarms: plan.alarms.length,
      tables: Object.keys(settings.tables).length,
    });
    const known = new Set(['aws:kms/key:Key', 'aws:sns/topicPolicy:TopicPolicy', 'aws:sqs/queue:Queue', 'aws:sns/topic:Topic', 'aws:sns/topicSubscription:TopicSubscription', 'aws:sqs/queuePolicy:QueuePolicy', 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', 'aws:lambda/function:Function', 'aws:iam/role:Role', 'aws:iam/rolePolicy:RolePolicy', 'aws:cloudwatch/logGroup:LogGroup', 'aws:lambda/eventSourceMapping:EventSourceMapping', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'aws:dynamodb/table:Table', 'aws:s3/bucketObjectv2:BucketObjectv2']);
    expect(dev.resources.filter((r) => r.custom && r.type.startsWith('aws:') && !known.has(r.type)).map((r) => r.type)).toEqual([]);
    expect(dev.cliRequests.filter((request) => !request.answered)).toEqual([]);
  });

  it('dead-letters after exactly the maxReceiveCount the contract declares', () => {
    expectRedriveAsTheContractSays(dev);
    expectRedriveAsTheContractSays(prod);
    expect(topology.queues.OrderQueue?.deadLetter).toEqual({ queue: 'OrderDLQ', maxReceiveCount: 3 });
  });

  it('keeps every queue as long as the contract says, dead letters at least as long as their source, and encrypts every queue at rest', () => {
    const key = named(dev, 'aws:kms/key:Key', 'MessagesKey');
    for (const queue of Object.values(topology.queues)) {
      const inputs = queueOf(dev, queue.name).inputs;
      expect(inputs.messageRetentionSeconds, queue.name).toBe(queue.retentionSeconds);
      // SNS feeds it from an encrypted topic: SQS must decrypt with a key SNS may use, the deployment's.
      const fed = topology.subscriptions.some((s) => s.queue === queue.name || s.deadLetterQueue === queue.name);
      if (fed) expect([inputs.kmsMasterKeyId, inputs.sqsManagedSseEnabled], queue.name).toEqual([arnOf(key), undefined]);
      else expect(inputs.sqsManagedSseEnabled, queue.name).toBe(true);
      for (const source of queue.deadLetterFor) expect(queue.retentionSeconds).toBeGreaterThanOrEqual(topology.queues[source]!.retentionSeconds);
    }
    expect(topology.queues.OrderDLQ?.retentionSeconds).toBe(14 * 24 * 60 * 60);
  });

  it('hides a received message for at least 6 × the timeout of the function consuming it', () => {
    for (const op of receiveOperations) {
      const queue = queueOf(dev, op.queue!);
      const fn = functionOf(dev, op.id);
      expect(fn.inputs.timeout).toBe(consumerSettings(settings, op.id).timeoutSeconds);
      expect(queue.inputs.visibilityTimeoutSeconds).toBe(visibilityTimeoutOf(topology, settings, topology.queues[op.queue!] as QueueSpec));
      expect(queue.inputs.visibilityTimeoutSeconds as number).toBeGreaterThanOrEqual(6 * (fn.inputs.timeout as number));
    }
  });

  it('subscribes each queue to its topics with the raw-delivery flag and the filter policy of the manifest', () => {
    for (const subscription of topology.subscriptions) {
      const found = all(dev, 'aws:sns/topicSubscription:TopicSubscription').filter((r) => r.inputs.endpoint === arnOf(queueOf(dev, subscription.queue)) && r.inputs.topic === arnOf(topicOf(dev, subscription.topic)));
      expect(found, `${subscription.topic} → ${subscription.queue}`).toHaveLength(1);
      expect(found[0]!.inputs).toMatchObject({
        protocol: 'sqs',
        rawMessageDelivery: subscription.rawMessageDelivery,
        filterPolicyScope: 'MessageAttributes',
      });
      expect(JSON.parse(String(found[0]!.inputs.filterPolicy))).toEqual(subscription.filterPolicy);
      // What SNS cannot deliver to the queue is kept, in the dead-letter queue the manifest names.
      expect(subscription.deadLetterQueue, subscription.name).toBeDefined();
      expect(JSON.parse(String(found[0]!.inputs.redrivePolicy))).toEqual({ deadLetterTargetArn: arnOf(queueOf(dev, subscription.deadLetterQueue!)) });
    }
    expect(topology.subscriptions.find((s) => s.queue === 'OrderQueue')?.deadLetterQueue).toBe('OrderDLQ');
    // The order queue receives OrderPlaced v1 only.
    expect(topology.subscriptions.find((s) => s.queue === 'OrderQueue')?.filterPolicy).toEqual({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] });
  });

  it('gives every queue one policy: no request without TLS, and SNS only from the topics subscribed to it or dead-lettering into it', () => {
    for (const queue of plan.queues) {
      const q = queueOf(dev, queue.name);
      const policies = all(dev, 'aws:sqs/queuePolicy:QueuePolicy').filter((p) => p.inputs.queueUrl === q.outputs.url);
      expect(policies, queue.name).toHaveLength(1);
      const senders = [...new Set(allSubscriptions.filter((s) => s.queue === queue.name || s.deadLetterQueue === queue.name).map((s) => s.topic))];
      expect(statementsOf(policies[0]!.inputs.policy)).toEqual([
        {
          Sid: 'DenyWithoutTls',
          Effect: 'Deny',
          Action: ['sqs:*'],
          Resource: [arnOf(q)],
          Principal: { '*': ['*'] },
          Condition: { Bool: { 'aws:SecureTransport': ['false'] } },
        },
        ...(senders.length
          ? [
              {
                Sid: 'SubscribedTopicsOnly',
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: [arnOf(q)],
                Principal: { Service: ['sns.amazonaws.com'] },
                Condition: { ArnEquals: { 'aws:SourceArn': senders.map((topic) => arnOf(topicOf(dev, topic))) } },
              },
            ]
          : []),
        // Even a principal of the account with sqs:SendMessage in its IAM policy: only SNS from the
        // subscribed topics, or the account's operators (redrive), may send.
        {
          Sid: 'OnlyTopicsAndOperators',
          Effect: 'Deny',
          Action: ['sqs:SendMessage'],
          Resource: [arnOf(q)],
          Principal: { '*': ['*'] },
          Condition: {
            ...(senders.length ? { ArnNotEquals: { 'aws:SourceArn': senders.map((topic) => arnOf(topicOf(dev, topic))) } } : {}),
            StringNotEquals: { 'aws:PrincipalAccount': ['123456789012'] },
          },
        },
      ]);
    }
  });

  it('lets only its own source queues redrive into a dead-letter queue', () => {
    for (const dlq of deadLetterQueues) {
      const policies = all(dev, 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy').filter((p) => p.inputs.queueUrl === queueOf(dev, dlq.name).outputs.url);
      expect(policies, dlq.name).toHaveLength(1);
      const policy = policies[0]!.inputs;
      expect(JSON.parse(String(policy.redriveAllowPolicy))).toEqual({ redrivePermission: 'byQueue', sourceQueueArns: dlq.deadLetterFor.map((source) => arnOf(queueOf(dev, source))) });
    }
  });

  it('feeds each consumer batches from its queue and retries only the records it reports as failed', () => {
    expectPartialBatchResponses(dev);
    expectPartialBatchResponses(prod);
  });

  it('creates the settings\' tables: keyed as declared, billed on demand', () => {
    for (const [name, table] of Object.entries(settings.tables)) {
      const resource = only(dev, 'aws:dynamodb/table:Table', name);
      expect(resource.inputs).toMatchObject({ hashKey: table.partitionKey, attributes: [{ name: table.partitionKey, type: 'S' }], billingMode: 'PAY_PER_REQUEST' });
      expect(resource.inputs.rangeKey).toBeUndefined();
    }
  });

  it('runs each consumer\'s handler by the folder convention, on Node 24, with its log level, tables and source topics', () => {
    for (const op of receiveOperations) {
      const s = consumerSettings(settings, op.id);
      const fn = functionOf(dev, op.id);
      expect(fn.inputs).toMatchObject({ handler: `consumers/${op.id}.handler`, memorySize: s.memoryMB, runtime: 'nodejs24.x', loggingConfig: { logFormat: 'JSON' } });
      const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      expect(env.POWERTOOLS_LOG_LEVEL).toBe(s.logLevel);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe(op.id);
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(metricsNamespaceOf(settings));
      expect(env[SOURCE_TOPICS_ENV]!.split(',')).toEqual(op.sources!.map((src) => arnOf(topicOf(dev, src.topic))));
      for (const table of Object.keys(s.tables)) expect(env[envName.tableName(table)]).toBe(only(dev, 'aws:dynamodb/table:Table', table).outputs.name);
      const build = dev.cliRequests.find((request) => request.method === 'Runtime.Build' && request.params.functionID === functionNameOf(op.id));
      expect(build?.params).toMatchObject({ handler: `consumers/${op.id}.handler` });
    }
  });

  it('grants each consumer only the SQS actions the event source needs and the table actions its settings list', () => {
    for (const stack of [dev, prod]) {
      for (const op of receiveOperations) {
        const s = consumerSettings(settings, op.id);
        const role = only(stack, 'aws:iam/role:Role', functionNameOf(op.id));
        expect(functionOf(stack, op.id).inputs.role).toBe(arnOf(role));
        const inline = role.inputs.inlinePolicies as { name: string; policy: string }[];
        expect(inline).toHaveLength(1);
        const statements = statementsOf(inline[0]!.policy);
        for (const statement of statements) {
          expect(statement.Effect).toBe('Allow');
          for (const action of statement.Action) expect(action).not.toContain('*');
          for (const resource of statement.Resource) expect(resource).not.toContain('*');
        }
        expect(statements.map(({ Action, Resource }) => ({ Action: [...Action].sort(), Resource }))).toEqual([
          { Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], Resource: [arnOf(queueOf(stack, op.queue!))] },
          ...Object.entries(s.tables).map(([table, actions]) => ({ Action: [...actions].sort(), Resource: [arnOf(only(stack, 'aws:dynamodb/table:Table', table))] })),
          // Its queue is encrypted with the deployment's key.
          { Action: ['kms:Decrypt'], Resource: [arnOf(named(stack, 'aws:kms/key:Key', 'MessagesKey'))] },
        ]);
        // Reserved at least the event source's maximum concurrency: never throttled by it.
        expect(functionOf(stack, op.id).inputs.reservedConcurrentExecutions).toBe(s.reservedConcurrency);
        expect(s.reservedConcurrency).toBeGreaterThanOrEqual(s.maximumConcurrency);
        // Not AWSLambdaBasicExecutionRole (any log group of the account): its own log group only.
        expect(role.inputs.managedPolicyArns).toEqual([]);
        const rolePolicies = all(stack, 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.role === role.outputs.name);
        expect(rolePolicies).toHaveLength(1);
        const logs = rolePolicies[0]!;
        const logGroup = arnOf(only(stack, 'aws:cloudwatch/logGroup:LogGroup', functionNameOf(op.id)));
        expect(statementsOf(logs.inputs.policy)).toEqual([{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup, `${logGroup}:log-stream:*`] }]);
        // No batch reaches the function before it may log.
        const mapping = all(stack, 'aws:lambda/eventSourceMapping:EventSourceMapping').find((m) => m.inputs.functionName === arnOf(functionOf(stack, op.id)));
        expect(mapping?.dependsOn).toContain(logs.name);
        // Only Lambda may assume the role (SST 4.17.1 also trusts the account; the framework fixes it).
        const trust = role.inputs.assumeRolePolicy as { Statement: { Principal: unknown; Action: unknown }[] };
        expect(trust.Statement).toEqual([expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } })]);
      }
    }
    expect(consumerSettings(settings, 'consumeOrderPlaced').tables).toEqual({ Orders: ['dynamodb:PutItem', 'dynamodb:GetItem'] });
  });

  it('pages through the alerts topic: dead letters, old messages in every queue, function errors and throttles, each alarm acting on the topic', () => {
    for (const stack of [dev, prod]) {
      const alarms = all(stack, 'aws:cloudwatch/metricAlarm:MetricAlarm');
      const alerts = arnOf(alertsOf(stack));
      expect(stack.outputs[`${ALERTS_TOPIC}TopicArn`]).toBe(alerts);
      for (const alarm of alarms) expect(alarm.inputs, alarm.name).toMatchObject({ alarmActions: [alerts], okActions: [alerts], treatMissingData: 'notBreaching' });
      const onQueue = (queue: string, metricName: string) => alarms.filter((a) => a.inputs.metricName === metricName && (a.inputs.dimensions as { QueueName?: string }).QueueName === queueOf(stack, queue).outputs.name);
      for (const dlq of deadLetterQueues) {
        expect(onQueue(dlq.name, 'ApproximateNumberOfMessagesVisible').map((a) => a.inputs)).toEqual([
          expect.objectContaining({ namespace: 'AWS/SQS', statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1 }),
        ]);
      }
      for (const queue of Object.values(topology.queues)) {
        const consumer = receiveOperations.find((o) => o.queue === queue.name);
        // A standard dead-letter queue: half what a dead letter surely has left (SQS deletes it by its original enqueue time).
        const sourceRetention = Math.max(0, ...queue.deadLetterFor.map((q) => topology.queues[q]!.retentionSeconds));
        const threshold = consumer ? consumerSettings(settings, consumer.id).maximumMessageAgeSeconds : (queue.retentionSeconds - (queue.fifo ? 0 : sourceRetention)) / 2;
        expect(onQueue(queue.name, 'ApproximateAgeOfOldestMessage').map((a) => a.inputs), queue.name).toEqual([
          expect.objectContaining({ namespace: 'AWS/SQS', statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', threshold }),
        ]);
        // Well before a message expires.
        expect(threshold).toBeLessThanOrEqual(queue.retentionSeconds / 2);
      }
      for (const op of receiveOperations) {
        const fn = functionOf(stack, op.id);
        for (const metricName of ['Errors', 'Throttles']) {
          const found = alarms.filter((a) => a.inputs.metricName === metricName && (a.inputs.dimensions as { FunctionName?: string }).FunctionName === fn.outputs.name);
          expect(found.map((a) => a.inputs), `${op.id} ${metricName}`).toEqual([expect.objectContaining({ namespace: 'AWS/Lambda', statistic: 'Sum', comparisonOperator: 'GreaterThanThreshold', threshold: 0 })]);
        }
      }
    }
    expect(consumerSettings(settings, 'consumeOrderPlaced').maximumMessageAgeSeconds).toBe(900);
  });

  it('subscribes the addresses the settings list to the alerts topic by email', () => {
    const byEmail = (stack: RecordedStack) => all(stack, 'aws:sns/topicSubscription:TopicSubscription').filter((r) => r.inputs.protocol === 'email');
    expect(byEmail(dev)).toEqual([]);
    expect(byEmail(withAlertEmails).map((r) => r.inputs)).toEqual([
      expect.objectContaining({ topic: arnOf(alertsOf(withAlertEmails)), endpoint: 'oncall@example.com' }),
      expect.objectContaining({ topic: arnOf(alertsOf(withAlertEmails)), endpoint: 'orders-team@example.com' }),
    ]);
  });

  it('retains and protects prod: kept on removal, recoverable to a point in time, deletion-protected', () => {
    expect(prod.app).toMatchObject({ stage: 'prod', removal: 'retain', protect: true });
    expect(prod.outputs._protect).toBe(true);
    for (const table of Object.keys(settings.tables)) {
      const resource = only(prod, 'aws:dynamodb/table:Table', table);
      expect(resource.retainOnDelete).toBe(true);
      expect(resource.inputs).toMatchObject({ pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true });
    }
  });

  it('lets every other stage be removed completely', () => {
    expect(dev.app).toMatchObject({ stage: 'dev', removal: 'remove', protect: false });
    for (const table of Object.keys(settings.tables)) {
      const resource = only(dev, 'aws:dynamodb/table:Table', table);
      expect(resource.retainOnDelete).not.toBe(true);
      expect(resource.inputs).toMatchObject({ deletionProtectionEnabled: false });
    }
  });

  it('outputs where every topic, queue and table is, and the messages\' key a publisher of another account needs in its IAM policy', () => {
    for (const topic of Object.keys(topology.topics)) expect(dev.outputs[`${topic}Arn`]).toBe(arnOf(topicOf(dev, topic)));
    expect(dev.outputs.MessagesKeyArn).toBe(arnOf(named(dev, 'aws:kms/key:Key', 'MessagesKey')));
    expect(planOf(dev).outputs.MessagesKeyArn).toBe('MessagesKey');
    for (const queue of Object.keys(topology.queues)) expect(dev.outputs[`${queue}Url`]).toBe(queueOf(dev, queue).outputs.url);
    for (const table of Object.keys(settings.tables)) expect(dev.outputs[`${table}TableName`]).toBe(only(dev, 'aws:dynamodb/table:Table', table).outputs.name);
  });
});

// The checks must catch a broken deployment, not just pass. The files on disk are untouched: the
// synthesis serves edited copies.
describe('nothing silently lost, topics hardened (sst.config.ts, synthesized)', () => {
  let dev: RecordedStack;
  let withPublishers: RecordedStack;
  const checkout = CHECKOUT;

  beforeAll(async () => {
    [dev, withPublishers] = await synthesizeAll([{ stage: 'dev' }, DEV_WITH_EMAILS_AND_PUBLISHERS]);
  }, 180_000);

  it('subscribes each topic\'s unrouted queue with the complement of its subscriptions\' filter policies, kept 14 days, with depth and age alarms', () => {
    for (const u of plan.unrouted) {
      const queue = queueOf(dev, u.queue);
      expect(queue.inputs.messageRetentionSeconds).toBe(1_209_600);
      const subscription = named(dev, 'aws:sns/topicSubscription:TopicSubscription', `${u.subscription.name}Subscription`);
      expect(subscription.inputs).toMatchObject({ topic: arnOf(topicOf(dev, u.topic)), endpoint: arnOf(queue), protocol: 'sqs', rawMessageDelivery: false, filterPolicyScope: 'MessageAttributes' });
      expect(JSON.parse(String(subscription.inputs.filterPolicy))).toEqual(u.subscription.filterPolicy);
      const alarms = all(dev, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => (a.inputs.dimensions as Record<string, string>).QueueName === queue.outputs.name);
      expect(alarms.map((a) => `${String(a.inputs.metricName)} > ${String(a.inputs.threshold)}`).sort()).toEqual(['ApproximateAgeOfOldestMessage > 604800', 'ApproximateNumberOfMessagesVisible > 0']);
    }
    expect(plan.unrouted.map((u) => u.queue)).toEqual(['OrderTopicUnrouted']);
  });

  it('alarms on SNS\'s count of what every subscription filtered out for missing or unreadable attributes, and of what it could neither deliver nor dead-letter, per topic', () => {
    for (const topic of Object.keys(topology.topics)) {
      const alarms = all(dev, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => (a.inputs.dimensions as Record<string, string>).TopicName === topicOf(dev, topic).outputs.name);
      expect(alarms.map((a) => `${String(a.inputs.namespace)} ${String(a.inputs.metricName)}`).sort()).toEqual([
        'AWS/SNS NumberOfNotificationsFailedToRedriveToDlq',
        'AWS/SNS NumberOfNotificationsFilteredOut-InvalidAttributes',
        'AWS/SNS NumberOfNotificationsFilteredOut-NoMessageAttributes',
      ]);
      for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([arnOf(alertsOf(dev))]);
    }
  });

  it('encrypts every topic of the contract with one customer-managed key that SNS and SQS may use', () => {
    const key = named(dev, 'aws:kms/key:Key', 'MessagesKey');
    expect(key.inputs.enableKeyRotation).toBe(true);
    for (const topic of Object.keys(topology.topics)) expect(topicOf(dev, topic).inputs.kmsMasterKeyId, topic).toBe(arnOf(key));
    const statements = statementsOf(key.inputs.policy) as unknown as { Sid: string; Principal: { Service?: string[] }; Action: string[] }[];
    expect(statements.find((st) => st.Sid === 'MessagingServices')).toMatchObject({
      Principal: { Service: ['sns.amazonaws.com', 'sqs.amazonaws.com'] },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    });
    expect(statements.map((st) => st.Sid)).toEqual(['AccountIam', 'MessagingServices']);
  });

  it('encrypts the alerts topic with a customer-managed key of its own that CloudWatch may use: MessagesKey disabled must not silence the alarm saying so', () => {
    // CloudWatch publishes a notification to an encrypted topic with that topic's key (kms:Decrypt,
    // kms:GenerateDataKey*): sharing MessagesKey, a disabled MessagesKey would also stop the page.
    const key = named(dev, 'aws:kms/key:Key', 'AlertsKey');
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30, description: `Encrypts the topics (${ALERTS_TOPIC})` });
    expect(topicOf(dev, ALERTS_TOPIC).inputs.kmsMasterKeyId).toBe(arnOf(key));
    expect(arnOf(key)).not.toBe(arnOf(named(dev, 'aws:kms/key:Key', 'MessagesKey')));
    const statements = statementsOf(key.inputs.policy) as unknown as { Sid: string }[];
    expect(statements.map((st) => st.Sid)).toEqual(['AccountIam', 'AlarmNotifications']);
    expect(statements.find((st) => st.Sid === 'AlarmNotifications')).toMatchObject({
      Principal: { Service: ['cloudwatch.amazonaws.com'] },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Condition: { StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\d{12}$/) } },
    });
    // Publishers of other accounts publish to the contract's topics, never to the alerts topic.
    expect(statementsOf(named(withPublishers, 'aws:kms/key:Key', 'AlertsKey').inputs.policy).map((st) => (st as { Sid: string }).Sid)).toEqual(['AccountIam', 'AlarmNotifications']);
    // infra:plan shows the alerts topic under its own key.
    expect(planOf(dev).resources.find((r) => r.type === 'aws:sns/topic:Topic' && r.component === ALERTS_TOPIC)?.properties).toMatchObject({ encryption: 'KMS', key: 'AlertsKey' });
  });

  it('lets a publisher the settings name in another account use the key, through SNS only: the topic policy alone would let it publish and KMS refuse', () => {
    const statements = statementsOf(named(withPublishers, 'aws:kms/key:Key', 'MessagesKey').inputs.policy) as unknown as { Sid: string }[];
    expect(statements.map((st) => st.Sid)).toEqual(['AccountIam', 'MessagingServices', 'PublishersOfOtherAccounts']);
    // The deploying account's roles (BILLING, the operator ONCALL) are left to the account's IAM, as AccountIam says.
    expect(statements.find((st) => st.Sid === 'PublishersOfOtherAccounts')).toEqual({
      Sid: 'PublishersOfOtherAccounts',
      Effect: 'Allow',
      Principal: { AWS: [checkout] },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
    });
    // infra:plan shows it, by its name.
    const planned = planOf(withPublishers).resources.find((r) => r.type === 'aws:kms/key:Key' && r.name === 'MessagesKey')!.properties.statements as unknown[];
    expect(planned).toContainEqual({
      sid: 'PublishersOfOtherAccounts',
      effect: 'Allow',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      principal: { AWS: [checkout] },
      condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
    });
  });

  it('gives every topic one policy: no request without TLS, publish only by the settings\' principals (default: the deploying account)', () => {
    const policyOf = (stack: RecordedStack, topic: string) => statementsOf(named(stack, 'aws:sns/topicPolicy:TopicPolicy', `${topic}Policy`).inputs.policy) as unknown as { Sid: string; Effect: string; Principal: unknown; Condition?: unknown }[];
    for (const topic of Object.keys(topology.topics)) {
      const statements = policyOf(dev, topic);
      expect(statements.find((st) => st.Sid === 'DenyWithoutTls')).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(statements.find((st) => st.Sid === 'PublishersOnly')).toMatchObject({ Effect: 'Deny', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ['123456789012'] } } });
      expect(statements.find((st) => st.Sid === 'Publishers')).toMatchObject({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::123456789012:root'] } });
      // Named for publishOrderPlaced: its topic allows that role (and, for another send operation
      // on the topic without an entry, the deploying account), nobody else.
      const named = policyOf(withPublishers, topic);
      const sends = plan.topics.find((t) => t.name === topic)!.publishers;
      if (!sends.some((p) => p.operationId === 'publishOrderPlaced')) continue;
      const others = sends.some((p) => p.operationId !== 'publishOrderPlaced');
      expect(named.find((st) => st.Sid === 'PublishersOnly')).toMatchObject({
        Effect: 'Deny',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [checkout, BILLING, ONCALL] }, ...(others ? { StringNotEquals: { 'aws:PrincipalAccount': ['123456789012'] } } : {}) },
      });
      expect(named.find((st) => st.Sid === 'Publishers')).toMatchObject({ Principal: { AWS: others ? ['arn:aws:iam::123456789012:root', checkout, BILLING] : [checkout, BILLING] } });
      // The operators of the settings may publish too: `dlq redrive` of the unrouted queue does.
      expect(named.find((st) => st.Sid === 'OperatorsRedrive')).toEqual({ Sid: 'OperatorsRedrive', Effect: 'Allow', Principal: { AWS: [ONCALL] }, Action: 'sns:Publish', Resource: arnOf(topicOf(withPublishers, topic)) });
      expect(policyOf(dev, topic).find((st) => st.Sid === 'OperatorsRedrive')).toBeUndefined();
    }
    // CloudWatch may publish alarms to the (encrypted) alerts topic.
    expect(policyOf(dev, ALERTS_TOPIC).find((st) => st.Sid === 'ServicesPublish')).toMatchObject({ Principal: { Service: ['cloudwatch.amazonaws.com'] } });
  });

  it('refuses to synthesize prod while the alerts topic has no subscriber, naming the setting', async () => {
    await expect(unsettle(prodUnsubscribed())).rejects.toThrow(/a production stage must reach someone: the alerts topic has no subscriber.*settings\.alerts\.emails/);
  }, 120_000);
});

describe('the infrastructure checks, given a broken deployment', () => {
  /**
   * Broken twice, in one synthesis (a child process of seconds) instead of one each: the queues
   * dead-letter after 5 receives, and the event sources have no partial batch responses. Each
   * check reads only what its own edit changes (the redrive check: the queues' redrive policies
   * and ARNs; the batch check: the event source mappings, the functions' and queues' ARNs), the
   * other edit changes nothing it reads, and each test first sees its own edit in the stack.
   */
  let broken: RecordedStack;

  beforeAll(async () => {
    const queues = componentFile('queues.ts');
    const functions = componentFile('functions.ts');
    [broken] = await synthesizeAll([
      {
        stage: 'dev',
        editSource: (file, source) => {
          if (file === queues) return replaceOnce(source, 'retry: queue.deadLetter.maxReceiveCount', 'retry: 5');
          if (file === functions) return replaceOnce(source, 'partialResponses: true,', '');
          return source;
        },
      },
    ]);
  }, 180_000);

  it('notices a deployment that dead-letters after a different number of receives', () => {
    for (const queue of Object.values(topology.queues).filter((q) => q.deadLetter)) {
      expect(JSON.parse(String(queueOf(broken, queue.name).inputs.redrivePolicy))).toMatchObject({ maxReceiveCount: 5 });
    }
    expect(() => expectRedriveAsTheContractSays(broken)).toThrow();
  });

  it('notices a deployment without partial batch responses', () => {
    for (const mapping of all(broken, 'aws:lambda/eventSourceMapping:EventSourceMapping')) expect(mapping.inputs.functionResponseTypes).toEqual([]);
    expect(() => expectPartialBatchResponses(broken)).toThrow();
  });
});

// sst.config.ts deploys the topology as one component: every resource under it, reachable by
// name, and changeable one at a time from sst.config.ts through `transform`.
describe('the SluiceTopology component of sst.config.ts', () => {
  let dev: RecordedStack;
  let withTransform: RecordedStack;

  beforeAll(async () => {
    // The README's example: one alarm of one queue, changed from sst.config.ts.
    const transform = `dev: $dev,
      transform: {
        alarm: (args, _opts, name) => {
          if (name === 'OrderQueueAgeAlarm') args.evaluationPeriods = 5;
        },
      },`;
    [dev, withTransform] = await synthesizeAll([{ stage: 'dev' }, { stage: 'dev', editConfig: (source) => replaceOnce(source, 'dev: $dev,', transform) }]);
  }, 180_000);

  it('holds every resource of the topology, each keeping the address it had at the root of the stack', () => {
    const component = only(dev, 'sluice:aws:Topology');
    expect(component).toMatchObject({ name: 'Pipeline', custom: false });
    expect(component.parent).not.toBe('Pipeline');
    const children = dev.resources.filter((r) => r.parent === component.name);
    // The SST components (topics, queues, functions, tables, the queues' subscribers) and the plain resources.
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        ...Object.keys(settings.tables).map((t) => `sst:aws:Dynamo ${t}`),
        ...plan.functions.map((f) => `sst:aws:Function ${f.functionName}`),
        ...allQueues.map((q) => `sst:aws:Queue ${q}`),
        ...Object.keys(topology.topics).map((t) => `sst:aws:SnsTopic ${t}`),
        `sst:aws:SnsTopic ${ALERTS_TOPIC}`,
        'aws:kms/key:Key MessagesKey',
        'aws:kms/key:Key AlertsKey',
        ...[...Object.keys(topology.topics), ALERTS_TOPIC].map((t) => `aws:sns/topicPolicy:TopicPolicy ${t}Policy`),
        ...all(dev, 'sst:aws:QueueLambdaSubscriber').map((r) => `sst:aws:QueueLambdaSubscriber ${r.name}`),
        ...plan.queues.filter((q) => q.spec.deadLetterFor.length > 0).map((q) => `aws:sqs/redriveAllowPolicy:RedriveAllowPolicy ${q.baseName}RedriveAllow`),
        ...allQueues.map((q) => `aws:sqs/queuePolicy:QueuePolicy ${q}Policy`),
        ...allSubscriptions.map((s) => `aws:sns/topicSubscription:TopicSubscription ${s.name}Subscription`),
        ...plan.functions.map((f) => `aws:iam/rolePolicy:RolePolicy ${f.functionName}Logs`),
        ...all(dev, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => `aws:cloudwatch/metricAlarm:MetricAlarm ${a.name}`),
      ].sort(),
    );
    expect(all(dev, 'sst:aws:QueueLambdaSubscriber')).toHaveLength(plan.functions.length);
    expect(all(dev, 'aws:cloudwatch/metricAlarm:MetricAlarm')).toHaveLength(plan.alarms.length);
    // A stack deployed before the component keeps its resources: each child is also known by its
    // old address at the root (Pulumi carries the alias down to the SST components' own children).
    for (const child of children) expect(child.aliases, child.name).toEqual([{ parent: '(stack)' }]);
  });

  it('lets sst.config.ts change one resource through transform, and nothing else', () => {
    const alarm = (stack: RecordedStack) => all(stack, 'aws:cloudwatch/metricAlarm:MetricAlarm').find((a) => a.name === 'OrderQueueAgeAlarm')!;
    expect(alarm(dev).inputs.evaluationPeriods).toBe(3);
    expect(alarm(withTransform).inputs.evaluationPeriods).toBe(5);
    // Everything else as without the transform (the queue subscribers' names carry a random suffix).
    const comparable = (stack: RecordedStack) =>
      planOf(stack).resources.map((r) => JSON.parse(JSON.stringify(r).replace(/Subscriber[A-Za-z]{6}/g, 'Subscriber')) as unknown);
    const changed = comparable(withTransform).filter((r, i) => JSON.stringify(r) !== JSON.stringify(comparable(dev)[i]));
    expect(changed).toEqual([expect.objectContaining({ name: 'OrderQueueAgeAlarm', properties: expect.objectContaining({ condition: `GreaterThanThreshold ${consumerSettings(settings, 'consumeOrderPlaced').maximumMessageAgeSeconds} for 5 × 60 s` }) })]);
  });
});

describe('infra:plan in a project that installed the packed @sluice/runtime (dist/ only, no src/)', () => {
  let runtime: string;
  let packDir: string;
  beforeAll(() => {
    // `npm pack` of the runtime (its prepack builds dist/ and packs a manifest pointing at it), unpacked
    // into the fixture's own node_modules, as `npm install` of the tarball lays it out. Last in this
    // file: the synthesis of the fixture now resolves @sluice/runtime there.
    packDir = mkdtempSync(path.join(tmpdir(), 'sluice-packed-runtime-'));
    // In a copy: a pack in the workspace rewrites the runtime's manifest and dist/ under every test running beside it.
    const { filename, manifestBefore, manifestAfter, savedManifestLeft } = packInCopy('runtime', packDir);
    // A pack into a destination that exists already (mkdtemp's) puts the manifest back too: postpack
    // ran (packages/create/tests/packed-package.test.ts packs into one that does not exist yet).
    expect(manifestAfter).toBe(manifestBefore);
    expect(savedManifestLeft).toBe(false);
    const scope = path.join(fixture.dir, 'node_modules', '@sluice');
    mkdirSync(scope, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', path.join(packDir, filename), '-C', scope], { encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    runtime = path.join(scope, 'runtime');
    renameSync(path.join(scope, 'package'), runtime);
  }, 60_000);
  afterAll(() => rmSync(packDir, { recursive: true, force: true }));

  it('names the triage handler the installed package has (dist/), and refuses, exit 1 and no plan, when that file is missing', async () => {
    expect(existsSync(path.join(runtime, 'src'))).toBe(false);
    const handler = triageHandlerOf(fixture.dir);
    expect(handler).toBe('node_modules/@sluice/runtime/dist/triage/handler.handler');
    expect(existsSync(path.join(runtime, 'dist/triage/handler.js'))).toBe(true);
    // The file gone (a broken install): the plan is synthesized, then refused, naming it.
    rmSync(path.join(runtime, 'dist/triage/handler.js'));
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), progress: { write: () => true } };
    const code = await fixture.within(() => runCli(planProgram, ['--json'], io));
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain(`- TriageOrderTopicFunction (handler ${handler}): no file node_modules/@sluice/runtime/dist/triage/handler.ts, .js or`);
    expect(err.join('\n')).toMatch(/^infra:plan: the deployment cannot be built: no handler file for 1 function:\n/m);
    expect(err.join('\n')).toContain('run npm install');
    expect(code).toBe(1);
  }, 120_000);
});

/**
 * The fixture's stacks synthesized without edits, by stage: several describe blocks read the plain
 * `dev` stack, and each synthesis is a child process that bundles SST's platform (seconds of CPU),
 * so it is made once per file. The stacks are only read, never changed.
 */
const unedited = new Map<string, Promise<RecordedStack>>();

/** A publisher role of the settings' `publishers` (for publishOrderPlaced), in another account than the deploying one (the mocks' 123456789012). */
const CHECKOUT = 'arn:aws:iam::111122223333:role/checkout';

/** A publisher role of the settings' `publishers` (for publishOrderPlaced) in the deploying account. */
const BILLING = 'arn:aws:iam::123456789012:role/billing';

/** The role of the settings' `operators`: it redrives the unrouted queues, by publishing to their topics. */
const ONCALL = 'arn:aws:iam::123456789012:role/oncall';

/** The fixture's settings.ts with two alert addresses (instead of `emails: []`). */
function withEmails(source: string): string {
  return replaceOnce(source, 'emails: [],', "emails: ['oncall@example.com', 'orders-team@example.com'],");
}

/**
 * dev with two alert addresses and a publisher role for publishOrderPlaced: one synthesis (a child
 * process of seconds) for the two settings that two describe blocks read, instead of one each. The
 * two edits touch disjoint parts of the stack, and each test reads only its own part: the
 * addresses add email subscriptions to the alerts topic (the email test reads those, against the
 * unedited dev, which has none); the publishers change the policy of the topic publishOrderPlaced
 * sends on (the publishers test reads that policy; the alerts topic's, which an email subscription
 * could concern, it reads from the unedited dev). Made once, shared by both.
 */
const DEV_WITH_EMAILS_AND_PUBLISHERS: SynthesizeOptions = {
  stage: 'dev',
  editSource: (file, source) =>
    file === 'settings.ts' ? replaceOnce(withEmails(source), 'alerts: {', `publishers: { publishOrderPlaced: { principals: ['${CHECKOUT}', '${BILLING}'] } },\n  operators: { principals: ['${ONCALL}'] },\n  alerts: {`) : source,
};
const shared = new Map<SynthesizeOptions, Promise<RecordedStack>>();

let unsubscribed: Promise<PromiseSettledResult<RecordedStack>> | undefined;
/** prod with the fixture's settings as they are (no alerts subscriber): started once, by the first to ask; refused. */
function prodUnsubscribed(): Promise<PromiseSettledResult<RecordedStack>> {
  unsubscribed ??= settle(synthesize({ stage: 'prod', root: fixture.dir }));
  return unsubscribed;
}

/** How `promise` settled, as a promise that never rejects (so that nothing waits unhandled while a test has not asked yet). */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then((value) => ({ status: 'fulfilled', value }) as const, (reason: unknown) => ({ status: 'rejected', reason }) as const);
}

/** The promise {@link settle} took apart, again. */
async function unsettle<T>(settled: Promise<PromiseSettledResult<T>>): Promise<T> {
  const result = await settled;
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * Synthesizes the fixture project side by side and waits for every one to settle before failing, so that none is
 * cut off mid-run (and leaves its scratch files behind) when another fails. A run without edits
 * (only a stage), and {@link DEV_WITH_EMAILS_AND_PUBLISHERS}, is made once per file and shared.
 */
async function synthesizeAll<const T extends readonly SynthesizeOptions[]>(runs: T): Promise<{ -readonly [K in keyof T]: RecordedStack }> {
  const once = (run: SynthesizeOptions): Promise<RecordedStack> => {
    if (run === DEV_WITH_EMAILS_AND_PUBLISHERS) {
      if (!shared.has(run)) shared.set(run, synthesize({ root: fixture.dir, ...run }));
      return shared.get(run)!;
    }
    if (Object.keys(run).some((key) => key !== 'stage')) return synthesize({ root: fixture.dir, ...run });
    if (!unedited.has(run.stage)) unedited.set(run.stage, synthesize({ root: fixture.dir, ...run }));
    return unedited.get(run.stage)!;
  };
  const settled = await Promise.allSettled(runs.map(once));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const stacks = settled.map((result) => (result as PromiseFulfilledResult<RecordedStack>).value);
  return stacks as { -readonly [K in keyof T]: RecordedStack };
}

/**
 * Appended to the fixture's sst.config.ts: the system as a FIFO one, OrderTopic.fifo delivering to
 * OrderQueue.fifo, which dead-letters into OrderDLQ.fifo (every name and reference renamed, every
 * topic and queue FIFO).
 */
const FIFO_OF = `
function fifoOf(topology) {
  let json = JSON.stringify(topology);
  for (const name of ['OrderTopic', 'OrderQueue', 'OrderDLQ']) json = json.replaceAll('"' + name + '"', '"' + name + '.fifo"');
  const fifo = JSON.parse(json);
  for (const spec of [...Object.values(fifo.topics), ...Object.values(fifo.queues)]) spec.fifo = true;
  return fifo;
}
`;

/** Replaces `search` in `source`, insisting that it is there (else the edit proves nothing). */
function replaceOnce(source: string, search: string, replacement: string): string {
  if (source.split(search).length !== 2) throw new Error(`the deployer no longer contains "${search}" exactly once: update this test`);
  return source.replace(search, replacement);
}
