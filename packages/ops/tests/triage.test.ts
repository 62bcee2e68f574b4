/**
 * Nothing published leaves no trace, on the real local stack with its functions running (the
 * order consumer and the framework's triage function of the order topic): a valid OrderPlaced
 * published with a body ONLY (no message attribute at all: `aws sns publish --message`, which
 * no SNS filter policy admits, the unrouted complement's included), an undeclared major and an
 * undeclared event type each end in the topic's unrouted queue, with why; a declared order is
 * stored, and is not there. On a fixture system of its own (tests/fixtures/single-consumer: one
 * consumer writing each order to its Orders table), not the order application.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSubscriptionAttributesCommand, PublishCommand, SNSClient, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { bannerLines, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { unroutedOf } from '@sluice/model';
import type { DeadLetterListingJson } from '@sluice/ops';
import { TRIAGE_REASON_ATTRIBUTE } from '@sluice/runtime/triage';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';
import { peekQueue } from '../../../tests/helpers/peek-queue.ts';

const topology = await fixtureTopology('single-consumer');
let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let sns: SNSClient;
let dynamo: DynamoDBClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

const routedMajors = unroutedOf(topology).find((u) => u.topic === 'OrderTopic')!.routed.find((r) => r.eventType === 'OrderPlaced')!.majors;
const undeclaredMajor = String(Math.max(...routedMajors.map(Number)) + 1);
const declaredVersion = `${Math.min(...routedMajors.map(Number))}.0.0`;
const undeclaredType = 'NoConsumerDeclaresThis';
const run = `${process.pid}-${Date.now()}`;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, logLevel: 'SILENT', batchWindowSeconds: 0 });
  sqs = new SQSClient(runtime.clientConfig);
  sns = new SNSClient(runtime.clientConfig);
  dynamo = new DynamoDBClient(runtime.clientConfig);
}, 60_000);
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  dynamo?.destroy();
  await runtime?.functions?.stop();
  await runtime?.stop();
  fixture?.dispose();
});

async function publish(orderId: string, attributes?: Record<string, string>): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: runtime.resources.topics.OrderTopic!.arn,
      Message: JSON.stringify(fixtureOrder(orderId)),
      // Undefined: no MessageAttributes entry at all on the wire, as `aws sns publish --message` sends.
      ...(attributes ? { MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])) } : {}),
    }),
  );
}

/** The unrouted queue's messages of this run, by order id: the reason the triage function gave (if it kept it), left visible. */
async function unrouted(): Promise<Map<string, string | undefined>> {
  const found = new Map<string, string | undefined>();
  for (const m of await peekQueue(sqs, url('OrderTopicUnrouted'), ['All'])) {
    const orderId = (JSON.parse((JSON.parse(m.Body!) as { Message: string }).Message) as { orderId: string }).orderId;
    if (orderId.endsWith(run)) found.set(orderId, m.MessageAttributes?.[TRIAGE_REASON_ATTRIBUTE]?.StringValue);
  }
  return found;
}

describe('every publish ends in a queue, attribute-less ones included (the triage of the order topic)', () => {
  it('runs the triage function with the consumers, and npm start\'s banner shows it, its queue and its subscription without filter', () => {
    expect(runtime.functions!.functions.map((f) => f.operationId)).toContain('triageOrderTopic');
    const banner = bannerLines(runtime).join('\n');
    expect(banner).toMatch(/triage {8}triageOrderTopic \(TriageOrderTopic/);
    expect(banner).toMatch(/subscription {2}OrderTopic → OrderTopicTriage \(no filter: every publish/);
    expect(Object.keys(runtime.resources.subscriptions)).toContain('OrderTopicToOrderTopicTriage');
  });

  it('keeps a body-only publish, an undeclared major and an undeclared event type in the unrouted queue with why; stores the declared order, which is not kept', async () => {
    const ids = { bodyOnly: `ord-body-only-${run}`, major: `ord-major-${run}`, type: `ord-type-${run}`, declared: `ord-declared-${run}` };
    await publish(ids.bodyOnly);
    await publish(ids.major, { eventType: 'OrderPlaced', schemaVersion: `${undeclaredMajor}.0.0` });
    await publish(ids.type, { eventType: undeclaredType, schemaVersion: '1.0.0' });
    await publish(ids.declared, { eventType: 'OrderPlaced', schemaVersion: declaredVersion });

    let kept = new Map<string, string | undefined>();
    await expect.poll(async () => [...(kept = await unrouted()).keys()].sort(), { timeout: 30_000, interval: 500 }).toEqual([ids.bodyOnly, ids.major, ids.type].sort());
    // The body-only one was kept by the triage function (no filter policy could), with its reason;
    // the others by SNS itself, through the complement subscription.
    expect(kept.get(ids.bodyOnly)).toBe('published without message attributes: no filter policy admits it');
    expect(kept.get(ids.major)).toBeUndefined();

    await expect.poll(async () => (await dynamo.send(new GetItemCommand({ TableName: runtime.resources.tables.Orders!.name, Key: { orderId: { S: ids.declared } } }))).Item?.orderId?.S, { timeout: 30_000, interval: 500 }).toBe(ids.declared);
    for (const id of [ids.bodyOnly, ids.major, ids.type]) {
      expect((await dynamo.send(new GetItemCommand({ TableName: runtime.resources.tables.Orders!.name, Key: { orderId: { S: id } } }))).Item).toBeUndefined();
    }

    const io = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderTopicUnrouted', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    const listed = (JSON.parse(io.stdout()) as DeadLetterListingJson).OrderTopicUnrouted!.messages;
    const why = Object.fromEntries(
      listed.map((l) => [(JSON.parse((JSON.parse(l.body) as { Message: string }).Message) as { orderId: string }).orderId, l.unrouted] as const).filter(([id]) => id.endsWith(run)),
    );
    expect(why).toEqual({
      [ids.bodyOnly]: 'published without eventType/schemaVersion',
      [ids.major]: `no consumer declares OrderPlaced v${undeclaredMajor}`,
      [ids.type]: `no consumer declares ${undeclaredType}`,
    });

    // Everything the triage received was handled: nothing waits or was dead-lettered.
    await expect.poll(async () => {
      const counts = await Promise.all(['OrderTopicTriage', 'OrderTopicTriageDLQ'].map(async (q) => {
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url(q), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
      }));
      return counts;
    }, { timeout: 15_000, interval: 500 }).toEqual([0, 0]);
  }, 90_000);

  it("its dead-letter queue is read, redriven and shown with the operator commands: dlq list / redrive --queue <Topic>TriageDLQ, status", async () => {
    const id = `ord-triage-dlq-${run}`;
    // An envelope as SNS delivers it, put in the dead-letter queue by hand (as a failure of the triage function would, with a DeadLetterQueueSourceArn: unrouted.test.ts).
    const envelope = {
      Type: 'Notification',
      MessageId: `sns-${run}`,
      TopicArn: runtime.resources.topics.OrderTopic!.arn,
      Message: JSON.stringify(fixtureOrder(id)),
      Timestamp: new Date().toISOString(),
    };
    // The local stack made the unrouted subscription with that dead-letter queue, as the deployment does.
    const sns = new SNSClient(runtime.clientConfig);
    try {
      const { Attributes = {} } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted!.arn }));
      expect(JSON.parse(Attributes.RedrivePolicy ?? 'null')).toEqual({ deadLetterTargetArn: expect.stringMatching(/:OrderTopicTriageDLQ$/) });
    } finally {
      sns.destroy();
    }
    await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderTopicTriageDLQ'), MessageBody: JSON.stringify(envelope) }));

    const list = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderTopicTriageDLQ', '--endpoint', runtime.endpoint], list)), list.stderr()).toBe(0);
    // The heading on its own line, the table under it; why: sent there by hand (it read as the triage function's failure), and what a redrive does with it.
    expect(list.stdout()).toMatch(/^OrderTopicTriageDLQ \(publishes of OrderTopic that TriageOrderTopic could not keep, or SNS could not deliver to OrderTopicUnrouted\):\nmessageId +receives/m);
    expect(list.stdout()).toContain('sent to this queue directly, not dead-lettered: SQS did not move it from OrderTopicTriage (no DeadLetterQueueSourceArn) and SNS did not dead-letter it');
    expect(list.stdout()).not.toContain('could not keep it in OrderTopicUnrouted');

    const status = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['status', '--json', '--endpoint', runtime.endpoint], status)), status.stderr()).toBe(0);
    const rows = (JSON.parse(status.stdout()) as { queues: { queue: string; kind: string; total: number }[] }).queues;
    expect(rows.find((r) => r.queue === 'OrderTopicTriage')).toMatchObject({ kind: 'triage' });
    expect(rows.find((r) => r.queue === 'OrderTopicTriageDLQ')).toMatchObject({ kind: 'triageDeadLetter', total: 1 });


    // And what SNS could not deliver to the unrouted queue (its policy or key broken, the queue gone): dead-lettered
    // into the same queue by the unrouted subscription (it had none: lost), the envelope naming that subscription.
    const lostId = `ord-unrouted-dlq-${run}`;
    const subscription = runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted!.arn;
    const dead = { ...envelope, MessageId: `sns-unrouted-${run}`, Message: JSON.stringify(fixtureOrder(lostId)), UnsubscribeURL: `http://127.0.0.1/?Action=Unsubscribe&SubscriptionArn=${subscription}` };
    const { MessageId: deadId } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderTopicTriageDLQ'), MessageBody: JSON.stringify(dead) }));
    // And one sent there by hand that a subscription admits (a declared order): the reason says a redrive drops it in the triage queue.
    const admittedId = `ord-admitted-by-hand-${run}`;
    const admitted = { ...envelope, MessageId: `sns-admitted-${run}`, Message: JSON.stringify(fixtureOrder(admittedId)), MessageAttributes: { eventType: { Type: 'String', Value: 'OrderPlaced' }, schemaVersion: { Type: 'String', Value: declaredVersion } } };
    await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderTopicTriageDLQ'), MessageBody: JSON.stringify(admitted) }));
    const both = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderTopicTriageDLQ', '--endpoint', runtime.endpoint], both)), both.stderr()).toBe(0);
    expect(both.stdout()).toMatch(new RegExp(`^${deadId} .*TriageOrderTopic could not keep it in OrderTopicUnrouted \\(see its log for this messageId\\), or SNS could not deliver it there`, 'm'));
    expect(both.stdout().match(/sent to this queue directly/g)).toHaveLength(2);

    // Each where it was going: the first back to the triage queue, where the function handles it again (a body-only
    // publish, kept in the unrouted queue with why); the second into the unrouted queue (back to the triage, it would be left to SNS again).
    const redrive = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--queue', 'OrderTopicTriageDLQ', '--endpoint', runtime.endpoint], redrive)), redrive.stderr()).toBe(0);
    expect(redrive.stdout()).toContain(`moved ${deadId} to OrderTopicUnrouted`);
    expect(redrive.stdout().match(/^ {2}moved \S+ to OrderTopicTriage$/gm)).toHaveLength(2);
    await expect.poll(async () => (await unrouted()).get(id), { timeout: 30_000, interval: 500 }).toBe('published without message attributes: no filter policy admits it');
    expect((await unrouted()).has(lostId)).toBe(true);
    // The one a subscription admits: the function left it to SNS, which never had it; nowhere now, as its reason said.
    await expect.poll(async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url('OrderTopicTriage'), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes, { timeout: 15_000, interval: 500 }).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await unrouted()).has(admittedId)).toBe(false);
    expect((await dynamo.send(new GetItemCommand({ TableName: runtime.resources.tables.Orders!.name, Key: { orderId: { S: admittedId } } }))).Item).toBeUndefined();
  }, 60_000);
  it("status says when the topic has no unrouted (or triage) subscription there, deleted by hand: it listed it from the contract, as if it existed (last: it unsubscribes it)", async () => {
    const sns = new SNSClient(runtime.clientConfig);
    try {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted!.arn }));
    } finally {
      sns.destroy();
    }
    const status = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['status', '--endpoint', runtime.endpoint], status)), status.stderr()).toBe(0);
    expect(status.stdout()).toMatch(/^OrderTopic → OrderTopicUnrouted \(not subscribed there: deleted\?\)/m);
    expect(status.stdout()).toMatch(/^OrderTopic → OrderQueue {2}/m);
    expect(status.stderr()).toMatch(/warning: the local stack at \S+ has no subscription OrderTopic → OrderTopicUnrouted \(deleted\?\): what it would take reaches no queue, and is lost\. restart npm start \(it applies the contract when it starts\) to make it again\./);
    const json = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['status', '--json', '--endpoint', runtime.endpoint], json)), json.stderr()).toBe(0);
    expect((JSON.parse(json.stdout()) as { notSubscribed: string[] }).notSubscribed).toEqual(['OrderTopic → OrderTopicUnrouted']);
  });
});
