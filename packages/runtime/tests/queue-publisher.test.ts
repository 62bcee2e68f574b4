/**
 * Point-to-point and FIFO publishing (issue 18, item 3): the queue publisher validates like the
 * topic publisher and sends straight to the queue; a FIFO target needs a message group id (the
 * caller's, or the payload field `x-message-group-id` names) and gets a deduplication id unless
 * content-based deduplication is on. Against fauxqs (SQS and SNS emulated). Its messages are the
 * single-consumer fixture's (tests/fixtures/single-consumer: OrderPlaced v1), not the order
 * application's; the application's own generated operations are checked by the application's tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { defineOperation, type QueueSendOperation, type TopicSendOperation } from '@sluice/runtime/contract';
import { createDecoder } from '@sluice/runtime/consumer';
import { createPublisher, createQueuePublisher, fifoFieldsOf, UndeclaredFieldsError } from '@sluice/runtime/publisher';
import { fixtureOrder, fixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { testCredentials } from '../../../tests/helpers/test-credentials.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const { messages, operations } = await fixture.contract();
const anOrder = (overrides: Record<string, unknown> = {}): Record<string, unknown> => fixtureOrder('ord-1', overrides);

let server: FauxqsServer;
let sqs: SQSClient;
let sns: SNSClient;
const all = messages as never;
const fifo = { contentBasedDeduplication: false, messageGroupIdFields: { OrderPlaced: 'userId' } };
const sendOrder = defineOperation({ id: 'sendOrder', action: 'send', title: 'send', channel: 'orders', queue: 'orders.fifo', messages: ['OrderPlaced'], fifo }, all) as QueueSendOperation;
const sendStandard = defineOperation({ id: 'sendPlain', action: 'send', title: 'send', channel: 'plain', queue: 'plain', messages: ['OrderPlaced'] }, all) as QueueSendOperation;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  const config = { endpoint: server.address, region: 'us-east-1', credentials: testCredentials };
  sqs = new SQSClient(config);
  sns = new SNSClient(config);
});
afterAll(async () => {
  sqs.destroy();
  sns.destroy();
  await server.stop();
});

describe('createQueuePublisher (point-to-point)', () => {
  it('sends a valid message to the queue, with its identity as attributes; the consumer of the queue decodes it', async () => {
    const { queueUrl } = server.createQueue('plain');
    const publisher = createQueuePublisher(sendStandard, { client: sqs, queueUrl });
    await publisher.publish(anOrder() as never);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    const m = out.Messages![0]!;
    expect(JSON.parse(m.Body!)).toEqual(anOrder());
    expect(m.MessageAttributes?.eventType?.StringValue).toBe('OrderPlaced');
    // A receive operation fed by no topic takes the bare body.
    const consume = defineOperation({ id: 'consumePlain', action: 'receive', title: 'c', channel: 'plain', queue: 'plain', messages: ['OrderPlaced'], sources: [] }, all);
    const decoded = createDecoder(consume as never, { sourceTopicArns: [] })({ body: m.Body!, messageAttributes: { eventType: { stringValue: 'OrderPlaced', dataType: 'String' }, schemaVersion: { stringValue: m.MessageAttributes!.schemaVersion!.StringValue!, dataType: 'String' } } } as never);
    expect(decoded.ok).toBe(true);
  });

  it('validates like the topic publisher: nothing sent for undeclared fields', async () => {
    const publisher = createQueuePublisher(sendStandard, { client: sqs, queueUrl: 'http://unused' });
    await expect(publisher.publish({ ...anOrder(), extra: 1 } as never)).rejects.toBeInstanceOf(UndeclaredFieldsError);
  });

  it('FIFO: the message group id from the payload field x-message-group-id names, a deduplication id sent', async () => {
    const { queueUrl } = server.createQueue('orders.fifo', { attributes: { FifoQueue: 'true' } });
    const publisher = createQueuePublisher(sendOrder, { client: sqs, queueUrl });
    await publisher.publish(anOrder({ userId: 'usr-7' }) as never);
    await publisher.publish(anOrder({ userId: 'usr-7' }) as never); // the same message again: deduplicated
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'], WaitTimeSeconds: 1 }));
    expect(out.Messages).toHaveLength(1);
    expect(out.Messages![0]!.Attributes?.MessageGroupId).toBe('usr-7');
    expect(out.Messages![0]!.Attributes?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('FIFO: no group id (none given, no field named) sends nothing and says what to do', () => {
    expect(() => fifoFieldsOf({ contentBasedDeduplication: false, messageGroupIdFields: {} }, 'OrderPlaced', anOrder(), '{}', {})).toThrow(/needs a message group id: give \{ messageGroupId \} or name a payload field with x-message-group-id/);
    expect(fifoFieldsOf({ contentBasedDeduplication: true, messageGroupIdFields: {} }, 'OrderPlaced', anOrder(), '{}', { messageGroupId: 'g' })).toEqual({ MessageGroupId: 'g' });
  });

  it('a topic operation is refused by createQueuePublisher, a queue operation by createPublisher: by the types, and at run time (JavaScript callers)', () => {
    const toTopic = defineOperation({ id: 'pub', action: 'send', title: 'p', channel: 't', topic: 'T', messages: ['OrderPlaced'] }, all) as TopicSendOperation;
    // Each call below must be a type error (`npm run typecheck` fails on an unused @ts-expect-error); the checks still throw.
    // @ts-expect-error a send operation to a topic has no queue: createPublisher publishes for it
    expect(() => createQueuePublisher(toTopic)).toThrow(/which publishes to topic T: use createPublisher/);
    // @ts-expect-error a point-to-point send operation has no topic: createQueuePublisher publishes for it
    expect(() => createPublisher(sendStandard, { client: sns, topicArn: 'x' })).toThrow(/sends point-to-point to queue plain, not to a topic: use createQueuePublisher/);
  });

  it('the generated operations have the precise type: a topic operation is no queue publisher\'s, and the reverse', () => {
    const declarations = readFileSync(path.join(fixture.project.generated, 'index.d.ts'), 'utf8');
    const sends = Object.entries(operations).filter(([, op]) => op.action === 'send');
    expect(sends.length).toBeGreaterThan(0);
    for (const [id, op] of sends) {
      expect(declarations).toContain(`readonly ${id}: ${op.action === 'send' && op.queue !== undefined ? 'QueueSendOperation' : 'TopicSendOperation'}<'${id}'`);
    }
    // The fixture's publishOrderPlaced sends to a topic (its precise type lives in the fixture
    // project; the type errors are pinned on the application's by the application's tests).
    const publishOrderPlaced = operations.publishOrderPlaced as TopicSendOperation;
    expect(() => createQueuePublisher(publishOrderPlaced as never)).toThrow(/use createPublisher/);
    expect(createPublisher(publishOrderPlaced, { client: sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:Orders' }).operation).toBe(publishOrderPlaced);
  });
});

describe('createPublisher to a FIFO topic', () => {
  it('sends the group id and a deduplication id when content-based deduplication is off', async () => {
    const { topicArn } = server.createTopic('orders.fifo', { attributes: { FifoTopic: 'true' } });
    const op = defineOperation({ id: 'pubFifo', action: 'send', title: 'p', channel: 't', topic: 'orders.fifo', messages: ['OrderPlaced'], fifo }, all) as TopicSendOperation;
    const publisher = createPublisher(op, { client: sns, topicArn });
    await expect(publisher.publish(anOrder() as never)).resolves.toHaveProperty('messageId');
    const noGroup = createPublisher({ ...op, fifo: { contentBasedDeduplication: false, messageGroupIdFields: {} } } as TopicSendOperation, { client: sns, topicArn });
    await expect(noGroup.publish(anOrder() as never)).rejects.toThrow(/needs a message group id/);
  });
});
