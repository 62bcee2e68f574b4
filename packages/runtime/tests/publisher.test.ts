/**
 * The publisher a generated send operation gives (`createPublisher`), against fauxqs: on the
 * single-consumer fixture's generated contract (tests/fixtures/single-consumer: OrderPlaced v1 on
 * OrderTopic, delivered to OrderQueue), not the order application's.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { createDecoder } from '@sluice/runtime/consumer';
import type { TopicSendOperation } from '@sluice/runtime/contract';
import { BatchPublishInterrupted, ContractViolation, createPublisher, InvalidHeadersError, InvalidMessagesError, UndeclaredFieldsError, type Publisher } from '@sluice/runtime/publisher';
import { startFaultProxy } from '../../../tests/helpers/fault-proxy.ts';
import { testCredentials } from '../../../tests/helpers/test-credentials.ts';
import { fixtureOrder, fixtureProject, receiveOperationOf } from '../../../tests/helpers/fixture-project.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const contract = await fixture.contract();
const { messages, operations } = contract;
const publishOrderPlaced = operations.publishOrderPlaced as TopicSendOperation;
/** An OrderPlaced payload of the fixture (its own type lives in the fixture project). */
type OrderPlaced = Record<string, unknown>;
const anOrder = (overrides: OrderPlaced = {}): OrderPlaced => fixtureOrder('ord-1', overrides);

let server: FauxqsServer;
let sns: SNSClient;
let sqs: SQSClient;
let publisher: Publisher<typeof publishOrderPlaced>;
const decode = createDecoder(receiveOperationOf(contract, 'consumeOrderPlaced'));
let queueUrl: string;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  const config = { endpoint: server.address, region: 'us-east-1', credentials: testCredentials };
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
  ({ queueUrl } = server.createQueue('OrderQueue'));
  const { topicArn } = server.createTopic('OrderTopic');
  server.subscribe({ topic: 'OrderTopic', queue: 'OrderQueue', attributes: { RawMessageDelivery: 'false' } });
  publisher = createPublisher(publishOrderPlaced, { client: sns, topicArn });
});
afterAll(async () => {
  sns.destroy();
  sqs.destroy();
  await server.stop();
});
beforeEach(async () => {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
});

async function drain(expected: number) {
  const bodies: string[] = [];
  for (let i = 0; i < 20 && bodies.length < expected; i++) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    bodies.push(...(out.Messages ?? []).map((m) => m.Body!));
    if (!out.Messages?.length) break;
  }
  return bodies;
}

describe('createPublisher(operations.publishOrderPlaced)', () => {
  it('publishes a valid order with the contract attributes, decodable by the consumer', async () => {
    const order = anOrder({ orderId: 'pub-1' });
    const { messageId } = await publisher.publish(order);
    const [body] = await drain(1);
    const envelope = JSON.parse(body!);
    expect(envelope.MessageId).toBe(messageId);
    expect(envelope.MessageAttributes).toEqual({
      eventType: { Type: 'String', Value: 'OrderPlaced' },
      schemaVersion: { Type: 'String', Value: messages.OrderPlaced!.schemaVersion },
      correlationId: { Type: 'String', Value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      traceparent: { Type: 'String', Value: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) },
    });
    // What the publisher sends is what the contract declares as the message's headers.
    const headers = Object.fromEntries(Object.entries(envelope.MessageAttributes as Record<string, { Value: string }>).map(([k, v]) => [k, v.Value]));
    expect(messages.OrderPlaced!.validateHeaders!(headers)).toBe(true);
    expect(decode({ body: body! })).toMatchObject({ ok: true, payload: order });
  });

  it('refuses an invalid order with the field and reason, and publishes nothing', async () => {
    const bad = { ...anOrder(), quantity: 1.5, orderId: '' } as OrderPlaced;
    const error = await publisher.publish(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as ContractViolation).message).toBe('Invalid OrderPlaced: orderId: must not be empty; quantity: must be an integer');
    expect(await drain(1)).toEqual([]);
  });

  it('publishes a batch larger than one PublishBatch call and returns every message id in order', async () => {
    const orders = Array.from({ length: 23 }, (_, i) => anOrder({ orderId: `batch-${i}` }));
    const result = await publisher.publishBatch(orders);
    expect(result.failed).toEqual([]);
    expect(result.successful.map((s) => s.index)).toEqual(orders.map((_, i) => i));
    expect(new Set(result.successful.map((s) => s.messageId)).size).toBe(23);
    const received = (await drain(23)).map((b) => JSON.parse(JSON.parse(b).Message).orderId).sort();
    expect(received).toEqual(orders.map((o) => o.orderId).sort());
  });

  it('refuses a whole batch when one order is invalid, naming its index', async () => {
    const orders = [anOrder({ orderId: 'ok' }), { ...anOrder(), status: 'LOST' } as unknown as OrderPlaced];
    const error = await publisher.publishBatch(orders).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessagesError);
    expect((error as InvalidMessagesError).entries).toEqual([{ index: 1, issues: [expect.objectContaining({ path: 'status', keyword: 'enum' })] }]);
    expect(await drain(2)).toEqual([]);
  });

  it('reports entries SNS refuses instead of throwing', async () => {
    // A FIFO topic refuses entries without a MessageGroupId: a real per-entry failure from the emulator.
    const { topicArn } = server.createTopic('OrderTopic.fifo', { attributes: { FifoTopic: 'true' } });
    const fifo = createPublisher(publishOrderPlaced, { client: sns, topicArn });
    const result = await fifo.publishBatch([anOrder({ orderId: 'f-1' }), anOrder({ orderId: 'f-2' })]);
    expect(result.successful).toEqual([]);
    expect(result.failed).toEqual([
      expect.objectContaining({ index: 0, code: 'InvalidParameter', senderFault: true }),
      expect.objectContaining({ index: 1, code: 'InvalidParameter', senderFault: true }),
    ]);
  });

  it("keeps what the calls before a PublishBatch call that failed as a whole published: thrown with them (BatchPublishInterrupted), not lost with the error", async () => {
    // The second PublishBatch call's connection is closed before the server sees it (the client does not retry here): the first call's ten went out.
    const proxy = await startFaultProxy(server.address);
    const client = new SNSClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    try {
      let calls = 0;
      proxy.setFault((request) => (/PublishBatch/.test(`${request.target} ${request.body}`) && ++calls >= 2 ? 'drop' : undefined));
      const orders = Array.from({ length: 25 }, (_, i) => anOrder({ orderId: `int-${i}` }));
      const error = await createPublisher(publishOrderPlaced, { client, topicArn: publisher.topicArn }).publishBatch(orders).catch((e: unknown) => e);
      const interrupted = error as BatchPublishInterrupted;
      expect(interrupted.result?.successful.map((s) => s.index), String(error)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(error).toBeInstanceOf(BatchPublishInterrupted);
      expect(interrupted.result.failed).toEqual([]);
      expect(interrupted.unknown).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(interrupted.unsent).toEqual([20, 21, 22, 23, 24]);
      expect(interrupted.message).toMatch(/^publishBatch stopped: the PublishBatch call of entries #10–#19 failed \(\w+: [^)]+\); the calls before it were answered \(10 published, 0 refused: error\.result\), entries #10–#19 may or may not have been published \(error\.unknown\), entries #20–#24 were not sent \(error\.unsent\)$/);
      // What it says was published was.
      expect(await drain(10)).toHaveLength(10);
    } finally {
      client.destroy();
      await proxy.stop();
    }
  });

  it('refuses one messageDeduplicationId for a batch of several, sending nothing: SNS would deliver the first and report them all as published', async () => {
    const { topicArn } = server.createTopic('OrderTopic.fifo', { attributes: { FifoTopic: 'true' } });
    const fifo = createPublisher(publishOrderPlaced, { client: sns, topicArn });
    const sent: unknown[] = [];
    const counting = { send: (command: unknown) => (sent.push(command), sns.send(command as never)) } as unknown as SNSClient;
    const guarded = createPublisher(publishOrderPlaced, { client: counting, topicArn });
    const orders = [anOrder({ orderId: 'd-1' }), anOrder({ orderId: 'd-2' })];
    await expect(guarded.publishBatch(orders, { messageGroupId: 'g', messageDeduplicationId: 'import-42' })).rejects.toThrow(
      /^Nothing was published: publishBatch of 2 OrderPlaced messages was given one messageDeduplicationId \("import-42"\); SNS would deliver only the first of them/,
    );
    expect(sent).toEqual([]);
    // One message may have its own.
    expect((await fifo.publishBatch([orders[0]!], { messageGroupId: 'g', messageDeduplicationId: 'import-42' })).successful).toHaveLength(1);
  });

  it('adds the attributes a caller gives, but never lets one replace the identity subscriptions filter on', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await publisher.publish(anOrder({ orderId: 'attr-1' }), { correlationId: 'c-42', traceparent, attributes: { tenant: 'shop-7', eventType: 'Spoofed', empty: '' } });
    const [body] = await drain(1);
    expect(JSON.parse(body!).MessageAttributes).toEqual({
      tenant: { Type: 'String', Value: 'shop-7' },
      correlationId: { Type: 'String', Value: 'c-42' },
      traceparent: { Type: 'String', Value: traceparent },
      eventType: { Type: 'String', Value: 'OrderPlaced' },
      schemaVersion: { Type: 'String', Value: messages.OrderPlaced!.schemaVersion },
    });
  });

  it('refuses a header named __proto__ (JSON.parse makes it an own key) instead of losing it on the way', async () => {
    const attributes = JSON.parse('{"tenant":"shop-7","__proto__":"x"}') as Record<string, string>;
    await expect(publisher.publish(anOrder({ orderId: 'attr-proto' }), { attributes })).rejects.toThrow(/__proto__ cannot be a message attribute's name/);
  });

  it('refuses more message attributes than SNS allows, before sending', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, 'x']));
    await expect(publisher.publish(anOrder({ orderId: 'attr-2' }), { attributes })).rejects.toThrow(/13 message attributes; SNS allows 10/);
    expect(await drain(1)).toEqual([]);
  });

  it('finds its topic through the conventional variable when no ARN is given', () => {
    const { topicArn } = server.createTopic('OrderTopic');
    expect(createPublisher(publishOrderPlaced, { client: sns, env: { ORDER_TOPIC_ARN: topicArn } }).topicArn).toBe(topicArn);
    expect(() => createPublisher(publishOrderPlaced, { client: sns, env: {} })).toThrow(/set ORDER_TOPIC_ARN/);
  });

  it('gives each message of a batch its own correlation id and trace, unless the caller gives one', async () => {
    await publisher.publishBatch([anOrder({ orderId: 'corr-1' }), anOrder({ orderId: 'corr-2' })]);
    const ids = (await drain(2)).map((b) => JSON.parse(b).MessageAttributes.correlationId.Value as string);
    expect(new Set(ids).size).toBe(2);
    await publisher.publishBatch([anOrder({ orderId: 'corr-3' }), anOrder({ orderId: 'corr-4' })], { correlationId: 'import-2026-11' });
    expect((await drain(2)).map((b) => JSON.parse(b).MessageAttributes.correlationId.Value)).toEqual(['import-2026-11', 'import-2026-11']);
  });

  it('is built only from a send operation', () => {
    expect(() => createPublisher(operations.consumeOrderPlaced as never, { client: sns, topicArn: 'arn' })).toThrow(/needs a send operation/);
  });

  it('refuses a field the contract does not declare, with a stable code, and publishes nothing', async () => {
    const order = { ...anOrder({ orderId: 'strict-1' }), email: 'a@example.com', cardNumber: '4111111111111111' };
    const error = await publisher.publish(order as OrderPlaced).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndeclaredFieldsError);
    expect(error).toMatchObject({ code: 'UNDECLARED_FIELDS', messageName: 'OrderPlaced', entries: [{ index: 0, fields: ['email', 'cardNumber'] }] });
    expect((error as Error).message).not.toContain('4111111111111111');
    expect(await drain(1)).toEqual([]);
  });

  it('refuses a whole batch when one order has an undeclared field, naming its index', async () => {
    const orders = [anOrder({ orderId: 'strict-2' }), { ...anOrder({ orderId: 'strict-3' }), email: 'b@example.com' } as OrderPlaced];
    await expect(publisher.publishBatch(orders)).rejects.toMatchObject({ code: 'UNDECLARED_FIELDS', entries: [{ index: 1, fields: ['email'] }] });
    expect(await drain(2)).toEqual([]);
  });

  it('refuses headers out of the contract bounds (a 200 KB correlationId, a malformed traceparent) with a stable code, without repeating the value', async () => {
    const huge = 'c'.repeat(200 * 1024);
    const error = await publisher.publish(anOrder({ orderId: 'hdr-1' }), { correlationId: huge }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidHeadersError);
    expect(error).toMatchObject({ code: 'INVALID_HEADERS', issues: [expect.objectContaining({ path: 'correlationId', keyword: 'maxLength' })] });
    expect((error as Error).message.length).toBeLessThan(500);
    await expect(publisher.publish(anOrder({ orderId: 'hdr-2' }), { traceparent: 'not-a-trace' })).rejects.toMatchObject({ code: 'INVALID_HEADERS' });
    await expect(publisher.publishBatch([anOrder({ orderId: 'hdr-3' })], { correlationId: 'bad id with spaces' })).rejects.toMatchObject({ code: 'INVALID_HEADERS' });
    expect(await drain(3)).toEqual([]);
  });
});
