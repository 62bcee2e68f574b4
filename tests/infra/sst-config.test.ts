/**
 * What `sst deploy` would create, checked without AWS: `sst.config.ts` runs with SST's real
 * components under Pulumi's unit-test mocks (infra/offline) and the recorded resource graph is
 * held against the pipeline settings and the AWS semantics the pipeline relies on.
 *
 * Needs `.sst/platform` (`npm run sst:install`, part of `npm test`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pipelineSettings as settings } from '../../packages/core/src/settings.ts';
import {
  synthesize,
  type RecordedResource,
  type RecordedStack,
  type SynthesizeOptions,
} from '../../infra/offline/synthesize.ts';

interface PolicyStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Principal?: Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}

/** The single resource of `type` whose parent component is `parent` (or the only one at all). */
function only(stack: RecordedStack, type: string, parent?: string): RecordedResource {
  const found = stack.resources.filter(
    (r) => r.type === type && (parent === undefined || r.parent === parent),
  );
  expect(found.map((r) => r.name), `exactly one ${type} under ${parent ?? 'the stack'}`).toHaveLength(1);
  return found[0]!;
}

const queueOf = (stack: RecordedStack, component: string) => only(stack, 'aws:sqs/queue:Queue', component);
const arnOf = (resource: RecordedResource) => resource.outputs.arn as string;

function statementsOf(policyJson: unknown): PolicyStatement[] {
  return (JSON.parse(String(policyJson)) as { Statement: PolicyStatement[] }).Statement;
}

/** OrderQueue's redrive policy: OrderDLQ after exactly 3 receives (ARCHITECTURE.md). */
function expectDeadLetteringAfterThreeReceives(stack: RecordedStack): void {
  const queue = queueOf(stack, settings.queue.name);
  const dlq = queueOf(stack, settings.deadLetterQueue.name);
  const redrive = JSON.parse(String(queue.inputs.redrivePolicy)) as Record<string, unknown>;
  expect(redrive).toEqual({ deadLetterTargetArn: arnOf(dlq), maxReceiveCount: 3 });
  expect(settings.deadLetterQueue.maxReceiveCount).toBe(3);
}

/** The event source mapping: settings' batch size and window, failures reported per record. */
function expectPartialBatchResponses(stack: RecordedStack): void {
  const mapping = only(stack, 'aws:lambda/eventSourceMapping:EventSourceMapping');
  expect(mapping.inputs).toMatchObject({
    eventSourceArn: arnOf(queueOf(stack, settings.queue.name)),
    functionName: arnOf(only(stack, 'aws:lambda/function:Function')),
    functionResponseTypes: ['ReportBatchItemFailures'],
    batchSize: settings.subscriber.batchSize,
    maximumBatchingWindowInSeconds: settings.subscriber.batchWindowSeconds,
  });
}

describe('sst.config.ts, synthesized offline with the real SST components', () => {
  let dev: RecordedStack;
  let prod: RecordedStack;

  beforeAll(async () => {
    // Each synthesis is a child process of a few seconds.
    [dev, prod] = await synthesizeAll([{ stage: 'dev' }, { stage: 'prod' }]);
  }, 180_000);

  it('declares exactly the pipeline: topic, queue, DLQ, table, subscriber, their wiring and the alarm', () => {
    const components = dev.resources.filter((r) => r.type.startsWith('sst:aws:'));
    expect(components.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `sst:aws:Dynamo ${settings.table.name}`,
        `sst:aws:Function ${settings.subscriber.name}`,
        `sst:aws:Queue ${settings.deadLetterQueue.name}`,
        `sst:aws:Queue ${settings.queue.name}`,
        `sst:aws:QueueLambdaSubscriber ${components.find((r) => r.type === 'sst:aws:QueueLambdaSubscriber')?.name}`,
        `sst:aws:SnsTopic ${settings.topic.name}`,
      ].sort(),
    );
    // Every AWS resource, so that nothing (a second role, a broader policy) slips in unseen.
    const awsTypes = dev.resources.filter((r) => r.custom && r.type.startsWith('aws:')).map((r) => r.type);
    expect(awsTypes.sort()).toEqual(
      [
        'aws:cloudwatch/logGroup:LogGroup',
        'aws:cloudwatch/metricAlarm:MetricAlarm',
        'aws:dynamodb/table:Table',
        'aws:iam/role:Role',
        'aws:lambda/eventSourceMapping:EventSourceMapping',
        'aws:lambda/function:Function',
        'aws:s3/bucketObjectv2:BucketObjectv2',
        'aws:sns/topic:Topic',
        'aws:sns/topicSubscription:TopicSubscription',
        'aws:sqs/queue:Queue',
        'aws:sqs/queue:Queue',
        'aws:sqs/queuePolicy:QueuePolicy',
      ].sort(),
    );
    expect(dev.cliRequests.filter((request) => !request.answered)).toEqual([]);
  });

  it('moves a message to OrderDLQ after exactly 3 receives', () => {
    expectDeadLetteringAfterThreeReceives(dev);
    expectDeadLetteringAfterThreeReceives(prod);
  });

  it('keeps dead letters for 14 days and encrypts both queues at rest', () => {
    const queue = queueOf(dev, settings.queue.name);
    const dlq = queueOf(dev, settings.deadLetterQueue.name);
    expect(dlq.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
    expect(queue.inputs.messageRetentionSeconds).toBe(settings.queue.retentionSeconds);
    expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
    expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
    expect(dlq.inputs.redrivePolicy).toBeUndefined();
  });

  it('hides a received message for at least 6 × the function timeout', () => {
    const queue = queueOf(dev, settings.queue.name);
    const fn = only(dev, 'aws:lambda/function:Function');
    expect(fn.inputs.timeout).toBe(settings.subscriber.timeoutSeconds);
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(settings.queue.visibilityTimeoutSeconds);
    expect(queue.inputs.visibilityTimeoutSeconds as number).toBeGreaterThanOrEqual(6 * (fn.inputs.timeout as number));
  });

  it('subscribes OrderQueue to OrderTopic with raw delivery off: the subscriber decodes the SNS envelope', () => {
    const subscription = only(dev, 'aws:sns/topicSubscription:TopicSubscription');
    expect(subscription.inputs).toEqual({
      topic: arnOf(only(dev, 'aws:sns/topic:Topic', settings.topic.name)),
      protocol: 'sqs',
      endpoint: arnOf(queueOf(dev, settings.queue.name)),
      rawMessageDelivery: false,
    });
    expect(settings.topic.rawMessageDelivery).toBe(false);
  });

  it('lets only OrderTopic send to OrderQueue', () => {
    const queue = queueOf(dev, settings.queue.name);
    const policy = only(dev, 'aws:sqs/queuePolicy:QueuePolicy');
    expect(policy.inputs.queueUrl).toBe(queue.outputs.url);
    expect(statementsOf(policy.inputs.policy)).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [arnOf(queue)],
        Principal: { Service: ['sns.amazonaws.com'] },
        Condition: {
          ArnEquals: { 'aws:SourceArn': [arnOf(only(dev, 'aws:sns/topic:Topic'))] },
        },
      },
    ]);
  });

  it('feeds the subscriber batches from OrderQueue and retries only the records it reports as failed', () => {
    expectPartialBatchResponses(dev);
    expectPartialBatchResponses(prod);
  });

  it('stores orders in a table keyed by the orderId string, billed on demand', () => {
    const table = only(dev, 'aws:dynamodb/table:Table');
    expect(table.inputs).toMatchObject({
      hashKey: settings.table.partitionKey,
      attributes: [{ name: 'orderId', type: 'S' }],
      billingMode: 'PAY_PER_REQUEST',
    });
    expect(settings.table.partitionKey).toBe('orderId');
    expect(table.inputs.rangeKey).toBeUndefined();
  });

  it('runs the handler named in the settings and tells it the table name', () => {
    const fn = only(dev, 'aws:lambda/function:Function');
    expect(fn.inputs).toMatchObject({
      handler: settings.subscriber.handler,
      memorySize: settings.subscriber.memoryMB,
      runtime: 'nodejs24.x',
      loggingConfig: { logFormat: 'JSON' },
    });
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(env[settings.env.tableName]).toBe(only(dev, 'aws:dynamodb/table:Table').outputs.name);
    const build = dev.cliRequests.find((request) => request.method === 'Runtime.Build');
    expect(build?.params).toMatchObject({ functionID: settings.subscriber.name, handler: settings.subscriber.handler });
  });

  it('grants the subscriber only the DynamoDB and SQS actions it uses, on Orders and OrderQueue', () => {
    for (const stack of [dev, prod]) {
      const role = only(stack, 'aws:iam/role:Role');
      const fn = only(stack, 'aws:lambda/function:Function');
      expect(fn.inputs.role).toBe(arnOf(role));

      const inline = role.inputs.inlinePolicies as { name: string; policy: string }[];
      expect(inline).toHaveLength(1);
      const statements = statementsOf(inline[0]!.policy);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of statement.Action) expect(action).not.toContain('*');
        for (const resource of statement.Resource) expect(resource).not.toContain('*');
      }
      expect(statements.map(({ Action, Resource }) => ({ Action: [...Action].sort(), Resource }))).toEqual([
        {
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: [arnOf(only(stack, 'aws:dynamodb/table:Table'))],
        },
        {
          Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
          Resource: [arnOf(queueOf(stack, settings.queue.name))],
        },
      ]);
      // CloudWatch Logs only; nothing else is attached.
      expect(role.inputs.managedPolicyArns).toEqual([
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      ]);
      // Only Lambda may assume the role (SST 4.17.1 also trusts the account; sst.config.ts fixes it).
      const trust = role.inputs.assumeRolePolicy as { Statement: { Principal: unknown; Action: unknown }[] };
      expect(trust.Statement).toEqual([
        expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }),
      ]);
    }
  });

  it('raises an alarm as soon as one message waits in OrderDLQ', () => {
    const alarm = only(dev, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    expect(alarm.inputs).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queueOf(dev, settings.deadLetterQueue.name).outputs.name },
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
    });
  });

  it('retains and protects prod: kept on removal, recoverable to a point in time, deletion-protected', () => {
    expect(prod.app).toMatchObject({ stage: 'prod', removal: 'retain', protect: true });
    expect(prod.outputs._protect).toBe(true);
    const table = only(prod, 'aws:dynamodb/table:Table');
    expect(table.retainOnDelete).toBe(true);
    expect(table.inputs).toMatchObject({
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
    });
  });

  it('lets every other stage be removed completely', () => {
    expect(dev.app).toMatchObject({ stage: 'dev', removal: 'remove', protect: false });
    const table = only(dev, 'aws:dynamodb/table:Table');
    expect(table.retainOnDelete).not.toBe(true);
    expect(table.inputs).toMatchObject({ deletionProtectionEnabled: false });
  });

});

// The two checks the issue names must catch a config that breaks them, not just pass. The file on
// disk is untouched: the synthesis serves an edited copy.
describe('the infrastructure checks, given a broken sst.config.ts', () => {
  let withFiveRetries: RecordedStack;
  let withoutPartialResponses: RecordedStack;

  beforeAll(async () => {
    [withFiveRetries, withoutPartialResponses] = await synthesizeAll([
      {
        stage: 'dev',
        editConfig: (source) =>
          replaceOnce(source, 'retry: deadLetterQueue.maxReceiveCount', 'retry: 5'),
      },
      { stage: 'dev', editConfig: (source) => replaceOnce(source, 'partialResponses: true,', '') },
    ]);
  }, 180_000);

  it('notices a config that dead-letters after a different number of receives', () => {
    const redrive = String(queueOf(withFiveRetries, settings.queue.name).inputs.redrivePolicy);
    expect(JSON.parse(redrive)).toMatchObject({ maxReceiveCount: 5 });
    expect(() => expectDeadLetteringAfterThreeReceives(withFiveRetries)).toThrow();
  });

  it('notices a config without partial batch responses', () => {
    const mapping = only(withoutPartialResponses, 'aws:lambda/eventSourceMapping:EventSourceMapping');
    expect(mapping.inputs.functionResponseTypes).toEqual([]);
    expect(() => expectPartialBatchResponses(withoutPartialResponses)).toThrow();
  });
});

/**
 * Synthesizes side by side and waits for every one to settle before failing, so that none is
 * cut off mid-run (and leaves its scratch files behind) when another fails.
 */
async function synthesizeAll<const T extends readonly SynthesizeOptions[]>(
  runs: T,
): Promise<{ -readonly [K in keyof T]: RecordedStack }> {
  const settled = await Promise.allSettled(runs.map((run) => synthesize(run)));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const stacks = settled.map((result) => (result as PromiseFulfilledResult<RecordedStack>).value);
  return stacks as { -readonly [K in keyof T]: RecordedStack };
}

/** Replaces `search` in `source`, insisting that it is there (else the edit proves nothing). */
function replaceOnce(source: string, search: string, replacement: string): string {
  if (source.split(search).length !== 2) {
    throw new Error(`sst.config.ts no longer contains "${search}" exactly once: update this test`);
  }
  return source.replace(search, replacement);
}
