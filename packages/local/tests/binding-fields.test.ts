/**
 * Binding fidelity (issue 18): every field of the SNS 0.1.0 and SQS 0.2.0 bindings that the
 * framework honours is visible in `infra:plan --json` and is really created by the local stack,
 * read back from the emulator over the real AWS SDK (GetQueueAttributes, ListQueueTags,
 * GetTopicAttributes, ListTagsForResource, GetSubscriptionAttributes). The model-level test of
 * each field (honoured or refused) is packages/model/tests/bindings.test.ts.
 *
 * The system is this project with its contract, consumers and settings replaced by the fixture's
 * (tests/fixtures/binding-fields: each honoured field set to a value that is not AWS's default),
 * run through `npm run codegen`, `infra:plan --json` and the local runtime `npm start` runs (in
 * memory, no consumer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListTagsForResourceCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadApplication, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { copyProject, type ProjectCopy, type RunResult } from '../../../tests/helpers/project-copy.ts';

interface PlannedResource {
  type: string;
  name: string;
  properties: Record<string, any>;
}

let copy: ProjectCopy;
let runtime: LocalRuntime;
let sqs: SQSClient;
let sns: SNSClient;
let planned: RunResult;
let plan: PlannedResource[];

beforeAll(async () => {
  copy = copyProject({ application: 'tests/fixtures/binding-fields' });
  const codegen = copy.run('packages/codegen/src/cli.ts');
  if (codegen.status !== 0) throw new Error(`codegen failed on the fixture:\n${codegen.stderr}`);
  // The plan (a child process, seconds) and the local stack (this process) side by side.
  const planning = copy.start('packages/infra/src/plan/cli.ts', ['--json']);
  // As `npm start -- --in-memory --no-consumers` starts it, without shortening the consumed queues'
  // visibility (`--visibility-timeout`, so retries take seconds): the contract's own values.
  runtime = await startLocalRuntime({ application: await loadApplication(copy.dir), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  sns = new SNSClient(runtime.clientConfig);
  planned = await planning;
  plan = planned.status === 0 ? (JSON.parse(planned.stdout) as { resources: PlannedResource[] }).resources : [];
}, 180_000);

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await runtime?.stop();
  copy?.dispose();
});

/** The planned resource of this type and logical name. */
function planned1(type: string, name: string): PlannedResource {
  expect(planned.status, planned.stderr).toBe(0);
  const found = plan.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`infra:plan --json has no ${type} ${name}: ${plan.filter((r) => r.type === type).map((r) => r.name).join(', ')}`);
  return found;
}
const plannedQueue = (name: string) => planned1('aws:sqs/queue:Queue', `${name}Queue`).properties;
const plannedTopic = (name: string) => planned1('aws:sns/topic:Topic', `${name}Topic`).properties;
const plannedSubscription = (queue: string) => {
  expect(planned.status, planned.stderr).toBe(0);
  const found = plan.filter((r) => r.type === 'aws:sns/topicSubscription:TopicSubscription' && r.properties.endpoint === `${queue}Queue`);
  expect(found, `one subscription to ${queue}`).toHaveLength(1);
  return found[0]!.properties;
};

const queue = (name: string) => {
  const found = runtime.resources.queues[name];
  if (!found) throw new Error(`the local stack has no queue ${name}: ${Object.keys(runtime.resources.queues).join(', ')}`);
  return found;
};
const topicArn = (name: string) => {
  const found = runtime.resources.topics[name];
  if (!found) throw new Error(`the local stack has no topic ${name}: ${Object.keys(runtime.resources.topics).join(', ')}`);
  return found.arn;
};
const queueAttributes = async (name: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue(name).url, AttributeNames: ['All'] }))).Attributes ?? {};
const topicAttributes = async (name: string) => (await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn(name) }))).Attributes ?? {};
/** The attributes of the one subscription of `topic` that delivers to `queueName`, as SNS stores them. */
async function subscriptionAttributes(topic: string, queueName: string): Promise<Record<string, string>> {
  const subscriptions = Object.values(runtime.resources.subscriptions);
  for (const { arn } of subscriptions) {
    const attributes = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes ?? {};
    if (attributes.TopicArn === topicArn(topic) && attributes.Endpoint === queue(queueName).arn) return attributes;
  }
  throw new Error(`the local stack has no subscription ${topic} → ${queueName}`);
}

describe('SNS channel binding', () => {
  it('name: the topic, under the binding name (infra:plan: <name>-<stage> on a non-production stage)', async () => {
    expect(plannedTopic('BindingEvents').awsName).toBe('BindingEvents-dev');
    expect(plannedTopic('BindingLedger.fifo').awsName).toBe('BindingLedger-dev.fifo');
    expect(topicArn('BindingEvents').split(':').pop()).toBe('BindingEvents');
    expect(topicArn('BindingLedger.fifo').split(':').pop()).toBe('BindingLedger.fifo');
    expect((await topicAttributes('BindingEvents')).TopicArn).toBe(topicArn('BindingEvents'));
  });

  it('ordering.type FIFO: a FIFO topic; standard: none', async () => {
    expect(plannedTopic('BindingLedger.fifo').fifo).toBe(true);
    expect(plannedTopic('BindingEvents').fifo).toBe(false);
    expect((await topicAttributes('BindingLedger.fifo')).FifoTopic).toBe('true');
    expect((await topicAttributes('BindingEvents')).FifoTopic).toBeUndefined();
  });

  it('ordering.contentBasedDeduplication: the FIFO topic attribute', async () => {
    expect(plannedTopic('BindingLedger.fifo').contentBasedDeduplication).toBe(true);
    expect((await topicAttributes('BindingLedger.fifo')).ContentBasedDeduplication).toBe('true');
  });

  it('tags: the topic tags', async () => {
    expect(plannedTopic('BindingEvents').tags).toEqual({ team: 'bindings', 'cost-center': '4711' });
    const { Tags } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn('BindingEvents') }));
    expect(Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({ team: 'bindings', 'cost-center': '4711' });
  });

  it('policy: its statements appended to the topic policy (infra:plan); the local stack enforces no policies', () => {
    const policy = planned1('aws:sns/topicPolicy:TopicPolicy', 'BindingEventsPolicy').properties;
    expect(policy.topic).toBe('BindingEventsTopic');
    expect(policy.statements).toContainEqual(expect.objectContaining({ effect: 'Allow', actions: ['sns:GetTopicAttributes'], principal: '*' }));
    // The framework's Deny statements are still there, and still win.
    expect(policy.statements.filter((s: { effect: string }) => s.effect === 'Deny').length).toBeGreaterThan(0);
  });
});

describe('SNS operation binding, consumers', () => {
  it('consumers on a send operation and on a receive operation: one subscription each', async () => {
    expect(plannedSubscription('BindingAudit').topic).toBe('BindingEventsTopic');
    expect(plannedSubscription('BindingArchive').topic).toBe('BindingEventsTopic');
    expect(plannedSubscription('BindingLedgerQueue.fifo').topic).toBe('BindingLedger.fifoTopic');
    expect((await subscriptionAttributes('BindingEvents', 'BindingAudit')).Protocol).toBe('sqs');
    expect((await subscriptionAttributes('BindingEvents', 'BindingArchive')).Protocol).toBe('sqs');
    expect((await subscriptionAttributes('BindingLedger.fifo', 'BindingLedgerQueue.fifo')).Protocol).toBe('sqs');
  });

  it('rawMessageDelivery: as written (true on the send operation, false on the receive operation)', async () => {
    expect(plannedSubscription('BindingAudit').rawMessageDelivery).toBe(true);
    expect(plannedSubscription('BindingArchive').rawMessageDelivery).toBe(false);
    expect((await subscriptionAttributes('BindingEvents', 'BindingAudit')).RawMessageDelivery).toBe('true');
    expect((await subscriptionAttributes('BindingEvents', 'BindingArchive')).RawMessageDelivery).toBe('false');
  });

  it("redrivePolicy.deadLetterQueue: the subscription's DLQ (BindingArchiveDLQ, not the queue's own BindingAuditDLQ)", async () => {
    expect(plannedSubscription('BindingAudit').redrive).toEqual({ deadLetterQueue: 'BindingArchiveDLQQueue' });
    const redrive = JSON.parse((await subscriptionAttributes('BindingEvents', 'BindingAudit')).RedrivePolicy ?? 'null') as unknown;
    expect(redrive).toEqual({ deadLetterTargetArn: queue('BindingArchiveDLQ').arn });
  });
});

describe('SQS queue binding', () => {
  it('name: the queue, under the binding name (infra:plan: <name>-<stage> on a non-production stage)', async () => {
    expect(plannedQueue('BindingAudit').awsName).toBe('BindingAudit-dev');
    expect(plannedQueue('BindingLedgerQueue.fifo').awsName).toBe('BindingLedgerQueue-dev.fifo');
    for (const name of ['BindingAudit', 'BindingAuditDLQ', 'BindingArchive', 'BindingArchiveDLQ', 'BindingLedgerQueue.fifo', 'BindingLedgerDLQ.fifo']) {
      expect((await queueAttributes(name)).QueueArn?.split(':').pop()).toBe(name);
    }
  });

  it('deliveryDelay: DelaySeconds', async () => {
    expect(plannedQueue('BindingAudit').delaySeconds).toBe(7);
    expect((await queueAttributes('BindingAudit')).DelaySeconds).toBe('7');
  });

  it('visibilityTimeout: VisibilityTimeout', async () => {
    expect(plannedQueue('BindingAudit').visibilityTimeoutSeconds).toBe(240);
    expect((await queueAttributes('BindingAudit')).VisibilityTimeout).toBe('240');
  });

  it('receiveMessageWaitTime: ReceiveMessageWaitTimeSeconds', async () => {
    expect(plannedQueue('BindingAudit').receiveWaitTimeSeconds).toBe(11);
    expect((await queueAttributes('BindingAudit')).ReceiveMessageWaitTimeSeconds).toBe('11');
  });

  it('messageRetentionPeriod: MessageRetentionPeriod', async () => {
    expect(plannedQueue('BindingAudit').retentionSeconds).toBe(172_800);
    expect((await queueAttributes('BindingAudit')).MessageRetentionPeriod).toBe('172800');
  });

  it('fifoQueue: FifoQueue', async () => {
    expect(plannedQueue('BindingLedgerQueue.fifo').fifo).toBe(true);
    expect(plannedQueue('BindingAudit').fifo).toBe(false);
    expect((await queueAttributes('BindingLedgerQueue.fifo')).FifoQueue).toBe('true');
    expect((await queueAttributes('BindingAudit')).FifoQueue).toBeUndefined();
  });

  it('deduplicationScope and fifoThroughputLimit: DeduplicationScope, FifoThroughputLimit', async () => {
    expect(plannedQueue('BindingLedgerQueue.fifo')).toMatchObject({ deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' });
    expect(await queueAttributes('BindingLedgerQueue.fifo')).toMatchObject({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  });

  it('redrivePolicy: RedrivePolicy, its maxReceiveCount and the DLQ ARN (on the channel and on the operation)', async () => {
    expect(plannedQueue('BindingAudit').redrive).toEqual({ deadLetterQueue: 'BindingAuditDLQQueue', maxReceiveCount: 7 });
    expect(plannedQueue('BindingArchive').redrive).toEqual({ deadLetterQueue: 'BindingArchiveDLQQueue', maxReceiveCount: 5 });
    expect(plannedQueue('BindingLedgerQueue.fifo').redrive).toEqual({ deadLetterQueue: 'BindingLedgerDLQ.fifoQueue', maxReceiveCount: 6 });
    const redrive = async (name: string) => JSON.parse((await queueAttributes(name)).RedrivePolicy ?? 'null') as unknown;
    expect(await redrive('BindingAudit')).toEqual({ deadLetterTargetArn: queue('BindingAuditDLQ').arn, maxReceiveCount: 7 });
    expect(await redrive('BindingArchive')).toEqual({ deadLetterTargetArn: queue('BindingArchiveDLQ').arn, maxReceiveCount: 5 });
    expect(await redrive('BindingLedgerQueue.fifo')).toEqual({ deadLetterTargetArn: queue('BindingLedgerDLQ.fifo').arn, maxReceiveCount: 6 });
  });

  it('tags: the queue tags', async () => {
    expect(plannedQueue('BindingAudit').tags).toEqual({ team: 'bindings', tier: 'audit' });
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: queue('BindingAudit').url }))).Tags).toEqual({ team: 'bindings', tier: 'audit' });
  });

  it('policy: its statements appended to the queue policy (infra:plan); the local stack enforces no policies', () => {
    const policy = plan.filter((r) => r.type === 'aws:sqs/queuePolicy:QueuePolicy' && r.properties.queue === 'BindingAuditQueue');
    expect(policy).toHaveLength(1);
    expect(policy[0]!.properties.statements).toContainEqual(expect.objectContaining({ effect: 'Allow', actions: ['sqs:GetQueueAttributes'], principal: '*' }));
    expect(policy[0]!.properties.statements.filter((s: { effect: string }) => s.effect === 'Deny').length).toBeGreaterThan(0);
  });
});

// Last: it edits the copy's contract (the plan and the stack above were made from the fixture).
describe('a refused field', () => {
  it('infra:plan on a contract with one refused field exits 1, naming the field and why, and prints no plan', () => {
    copy.replace('asyncapi.yaml', '            rawMessageDelivery: true\n', '            rawMessageDelivery: true\n            displayName: Audit\n');
    const refused = copy.run('packages/infra/src/plan/cli.ts', ['--json']);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('generated/ is stale');
    expect(refused.stderr).toMatch(/operations\.publishEvents\.bindings\.sns\.consumers\[0\]\.displayName is refused: a display name is the sender name of SMS and email subscriptions/);
  }, 60_000);
});
