import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { operations } from '@orders/contract';
import { defineConsumer } from '@sluice/runtime/consumer';
import { ConfigurationError, envName } from '@sluice/runtime/resources';
import { SOURCE_TOPICS_ENV } from '@sluice/runtime/settings';
import { ORDERS_TABLE } from '../src/settings.ts';
import { startDynalite, type DynaliteHandle } from '../../../tests/helpers/dynalite.ts';
import { startFaultProxy, type FaultProxy } from '../../../tests/helpers/fault-proxy.ts';
import { anOrder, ORDER_TOPIC_ARN, orderRecord, snsEnvelope, sqsRecord } from '../../../tests/helpers/orders.ts';

let db: DynaliteHandle;
let proxy: FaultProxy;
let handler: typeof import('../consumers/consumeOrderPlaced.ts').handler;
const logs: string[] = [];

const context = {
  functionName: 'ConsumeOrderPlaced',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ConsumeOrderPlaced',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startFaultProxy(db.endpoint);
  // The handler builds its clients from the environment, as in Lambda: point them at the proxy.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_MAX_ATTEMPTS = '2';
  process.env[envName.tableName(ORDERS_TABLE)] = db.tableName;
  // What sst.config.ts tells the function: the topics its queue is subscribed to.
  process.env[SOURCE_TOPICS_ENV] = ORDER_TOPIC_ARN;
  // Powertools writes INFO to stdout and WARN/ERROR to stderr; Lambda sends both to CloudWatch.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
  }
  ({ handler } = await import('../consumers/consumeOrderPlaced.ts'));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await proxy.stop();
  await db.stop();
});
beforeEach(() => {
  proxy.setFault(() => undefined);
  logs.length = 0;
});

const logLines = () =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => !('_aws' in l));
/** The embedded-metric-format documents written (what CloudWatch turns into metrics). */
const metricDocs = () =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } });

describe('the consumeOrderPlaced handler', () => {
  it('returns exactly the failing message ids of a mixed batch and stores the others once', async () => {
    const fresh = anOrder({ orderId: 'mix-1', timestamp: '2026-05-01T10:00:00Z' });
    const older = anOrder({ orderId: 'mix-2', status: 'PAID', timestamp: '2026-05-01T12:00:00+02:00' });
    const newer = anOrder({ orderId: 'mix-2', status: 'SHIPPED', timestamp: '2026-05-01T11:00:00Z' });
    const failing = anOrder({ orderId: 'mix-3-write-fails' });
    // Seed mix-2 with the newer state, so `older` is stale.
    await handler({ Records: [orderRecord(newer, 'seed')] }, context);
    proxy.setFault((r) => (r.target.endsWith('.PutItem') && r.body.includes('mix-3-write-fails') ? 'server-error' : undefined));

    const response = await handler(
      {
        Records: [
          orderRecord(fresh, 'm-valid'),
          orderRecord({ ...fresh, quantity: -1 }, 'm-invalid'),
          sqsRecord('{not json', 'm-poison'),
          orderRecord(fresh, 'm-duplicate'),
          orderRecord(older, 'm-stale'),
          orderRecord(failing, 'm-write-fails'),
        ],
      },
      context,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-invalid', 'm-poison', 'm-write-fails']);

    proxy.setFault(() => undefined);
    const stored = await db.client().send(new (await import('@aws-sdk/lib-dynamodb')).ScanCommand({ TableName: db.tableName }));
    const byId = new Map(stored.Items!.map((i) => [i.orderId, i]));
    expect(byId.get('mix-1')?.status).toBe('PENDING');
    expect(byId.get('mix-2')?.status).toBe('SHIPPED');
    expect(byId.has('mix-3-write-fails')).toBe(false);

    const outcomes = Object.fromEntries(logLines().filter((l) => l.messageId).map((l) => [l.messageId, l.outcome]));
    expect(outcomes).toMatchObject({
      'm-valid': 'stored',
      'm-invalid': 'invalid',
      'm-poison': 'invalid',
      'm-stale': 'stale',
      'm-write-fails': 'failed',
    });
    // m-valid and m-duplicate race for the same event: one stores, the other is the duplicate.
    expect(new Set([outcomes['m-valid'], outcomes['m-duplicate']])).toEqual(new Set(['stored', 'duplicate']));
  });

  it('reports a throttled write as a batch item failure, never as success', async () => {
    proxy.setFault((r) => (r.target.endsWith('.PutItem') ? 'throttle' : undefined));
    const response = await handler({ Records: [orderRecord(anOrder({ orderId: 'throttled' }), 'm-throttled')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-throttled' }]);
    const line = logLines().find((l) => l.messageId === 'm-throttled')!;
    expect(line).toMatchObject({ outcome: 'failed', orderId: 'throttled', level: 'ERROR' });
  });

  it('reports a dropped connection as a batch item failure', async () => {
    proxy.setFault((r) => (r.target.endsWith('.PutItem') ? 'drop' : undefined));
    const response = await handler({ Records: [orderRecord(anOrder({ orderId: 'dropped' }), 'm-dropped')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-dropped' }]);
  });

  it('logs one JSON line per record with messageId, orderId, outcome and reasons, and no personal data', async () => {
    const order = anOrder({ orderId: 'log-1', userId: 'usr-secret-77', itemName: 'Secret item name' });
    await handler({ Records: [orderRecord(order, 'm-log-ok'), orderRecord({ ...order, quantity: 0 }, 'm-log-bad')] }, context);
    const lines = logLines().filter((l) => String(l.messageId).startsWith('m-log'));
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.messageId === 'm-log-bad')).toMatchObject({ outcome: 'invalid', code: 'PAYLOAD_INVALID', reasons: ['quantity: must be >= 1'] });
    expect(lines.find((l) => l.messageId === 'm-log-ok')).toMatchObject({ outcome: 'stored', orderId: 'log-1' });
    const all = logs.join('');
    expect(all).not.toContain('usr-secret-77');
    expect(all).not.toContain('Secret item name');
  });

  it('answers a batch whose every record fails with each id, not a thrown error', async () => {
    const response = await handler({ Records: [sqsRecord('x', 'm-a'), sqsRecord('[]', 'm-b')] }, context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-a', 'm-b']);
  });

  it('returns an empty failure list when every record succeeds', async () => {
    const response = await handler({ Records: [orderRecord(anOrder({ orderId: 'ok-1' })), orderRecord(anOrder({ orderId: 'ok-2' }))] }, context);
    expect(response).toEqual({ batchItemFailures: [] });
  });
});

describe('where a record may come from', () => {
  it('rejects an envelope from a topic the queue is not subscribed to, storing nothing', async () => {
    const forged = { ...snsEnvelope(anOrder({ orderId: 'forged-1' })), TopicArn: 'arn:aws:sns:us-east-1:000000000000:SomeoneElsesTopic' };
    const response = await handler({ Records: [sqsRecord(JSON.stringify(forged), 'm-forged')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-forged' }]);
    expect(logLines().find((l) => l.messageId === 'm-forged')).toMatchObject({ outcome: 'invalid', code: 'TOPIC_NOT_SUBSCRIBED', snsMessageId: forged.MessageId });
    expect(await storedOrder('forged-1')).toBeUndefined();
  });

  it('rejects a raw body where every subscription delivers envelopes, storing nothing', async () => {
    const raw = sqsRecord(JSON.stringify(anOrder({ orderId: 'raw-1' })), 'm-raw');
    raw.messageAttributes = { eventType: { stringValue: 'OrderPlaced', dataType: 'String' } as never, schemaVersion: { stringValue: '1.1.0', dataType: 'String' } as never };
    const response = await handler({ Records: [raw] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-raw' }]);
    expect(logLines().find((l) => l.messageId === 'm-raw')).toMatchObject({ outcome: 'invalid', code: 'RAW_BODY_UNEXPECTED' });
    expect(await storedOrder('raw-1')).toBeUndefined();
  });

  it('refuses to run without knowing its source topics, rather than trust whoever can send to the queue', async () => {
    const handled: string[] = [];
    const blind = defineConsumer(operations.consumeOrderPlaced, (order) => void handled.push(order.orderId), { sourceTopicArns: [] });
    await expect(blind({ Records: [orderRecord(anOrder({ orderId: 'blind-1' }))] }, context)).rejects.toThrow(ConfigurationError);
    await expect(blind({ Records: [orderRecord(anOrder({ orderId: 'blind-1' }))] }, context)).rejects.toThrow(/set EVENT_SOURCE_TOPIC_ARNS/);
    expect(handled).toEqual([]);
  });
});

describe('what an on-call engineer reads', () => {
  it('logs with the Lambda context: request id, function and cold start', async () => {
    await handler({ Records: [orderRecord(anOrder({ orderId: 'ctx-1' }), 'm-ctx')] }, { ...context, awsRequestId: 'req-ctx' } as Context);
    expect(logLines().find((l) => l.messageId === 'm-ctx')).toMatchObject({
      function_request_id: 'req-ctx',
      function_name: 'ConsumeOrderPlaced',
      function_arn: context.invokedFunctionArn,
      cold_start: expect.any(Boolean),
    });
  });

  it('logs the SNS MessageId on every line of a record that came in an envelope, stored ones included', async () => {
    const envelope = snsEnvelope(anOrder({ orderId: 'sns-id-1' }));
    await handler({ Records: [sqsRecord(JSON.stringify(envelope), 'm-sns-stored')] }, context);
    expect(logLines().find((l) => l.messageId === 'm-sns-stored')).toMatchObject({ outcome: 'stored', orderId: 'sns-id-1', snsMessageId: envelope.MessageId });
  });

  it("puts the SNS MessageId on the handler's own log lines (its child logger) and on a failed record's line", async () => {
    const logged = defineConsumer(operations.consumeOrderPlaced, (order, ctx) => {
      ctx.logger.info('handling');
      ctx.logger.warn('handling, warned');
      if (order.orderId === 'sns-child-fails') throw new Error('write failed');
      return 'stored';
    }, { sourceTopicArns: [ORDER_TOPIC_ARN] });
    const ok = snsEnvelope(anOrder({ orderId: 'sns-child-ok' }));
    const failing = snsEnvelope(anOrder({ orderId: 'sns-child-fails' }));
    await logged({ Records: [sqsRecord(JSON.stringify(ok), 'm-sns-child-ok'), sqsRecord(JSON.stringify(failing), 'm-sns-child-fails')] }, context);
    for (const [messageId, env, outcome] of [['m-sns-child-ok', ok, 'record processed'], ['m-sns-child-fails', failing, 'record failed']] as const) {
      const lines = logLines().filter((l) => l.messageId === messageId);
      expect(lines.map((l) => l.message).sort()).toEqual(['handling', 'handling, warned', outcome].sort());
      for (const line of lines) expect(line, String(line.message)).toMatchObject({ snsMessageId: env.MessageId });
    }
  });

  it('lets a handler log an order without losing its timestamp', async () => {
    const logged = defineConsumer(operations.consumeOrderPlaced, (order, ctx) => {
      ctx.logger.info('received', { ...order });
      ctx.logger.info('received, nested', { order });
    }, { sourceTopicArns: [ORDER_TOPIC_ARN] });
    await logged({ Records: [orderRecord(anOrder({ orderId: 'ts-1', timestamp: '2026-03-04T05:06:07+01:00' }), 'm-ts')] }, context);
    const lines = logLines().filter((l) => l.messageId === 'm-ts' && String(l.message).startsWith('received'));
    expect(lines.find((l) => l.message === 'received')).toMatchObject({ orderId: 'ts-1', field_timestamp: '2026-03-04T05:06:07+01:00' });
    expect(lines.find((l) => l.message === 'received, nested')).toMatchObject({ order: { orderId: 'ts-1', timestamp: '2026-03-04T05:06:07+01:00' } });
    expect(logs.join('')).not.toMatch(/reserved key/);
  });

  it('writes metrics per batch: records by outcome, the age of each message, the batch size', async () => {
    await handler({ Records: [orderRecord(anOrder({ orderId: 'met-1' })), orderRecord(anOrder({ orderId: 'met-1' })), orderRecord({ ...anOrder(), quantity: 0 })] }, context);
    const doc = metricDocs().find((d) => d._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === 'BatchSize'))!;
    expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'EventContract', Dimensions: [['service']] });
    expect(doc).toMatchObject({ service: 'consumeOrderPlaced', BatchSize: 3, RecordsInvalid: 1, RecordsFailed: 0 });
    // The same order twice in one batch: one write wins, the other is a duplicate.
    expect(Number(doc.RecordsStored ?? 0) + Number(doc.RecordsDuplicate ?? 0)).toBe(2);
    // Published 2026-01-01T09:00:00.123Z (the envelope's Timestamp): its age now.
    const ages = doc.MessageAgeMs as number[];
    expect(ages).toHaveLength(3);
    for (const age of ages) expect(Math.abs(age - (Date.now() - Date.parse('2026-01-01T09:00:00.123Z')))).toBeLessThan(60_000);
  });

  it('keeps the order of a FIFO queue: after a failure, the rest go back unprocessed', async () => {
    const handled: string[] = [];
    const fifo = defineConsumer(operations.consumeOrderPlaced, (order) => {
      handled.push(order.orderId);
      if (order.orderId === 'fifo-2') throw new Error('write failed');
      return 'stored';
    }, { sourceTopicArns: [ORDER_TOPIC_ARN] });
    const records = ['fifo-1', 'fifo-2', 'fifo-3'].map((id) => ({ ...orderRecord(anOrder({ orderId: id }), `m-${id}`), eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:Orders.fifo' }));
    const response = await fifo({ Records: records }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-fifo-2' }, { itemIdentifier: 'm-fifo-3' }]);
    expect(handled).toEqual(['fifo-1', 'fifo-2']);
  });

  it("on a FIFO queue, goes on with the other message groups after a failure: only the failed record's group goes back unprocessed", async () => {
    const handled: string[] = [];
    const fifo = defineConsumer(operations.consumeOrderPlaced, (order) => {
      handled.push(order.orderId);
      if (order.orderId === 'bad') throw new Error('write failed');
      return 'stored';
    }, { sourceTopicArns: [ORDER_TOPIC_ARN] });
    const grouped = (id: string, group: string) => {
      const record = { ...orderRecord(anOrder({ orderId: id }), `m-${id}`), eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:Orders.fifo' };
      return { ...record, attributes: { ...record.attributes, MessageGroupId: group } };
    };
    const records = [grouped('bad', 'g1'), grouped('g2-first', 'g2'), grouped('g1-next', 'g1'), grouped('g3-first', 'g3'), grouped('g2-next', 'g2')];
    const response = await fifo({ Records: records }, context);
    // The failed record and the one behind it in its group go back; g2's and g3's are handled, in order.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-bad' }, { itemIdentifier: 'm-g1-next' }]);
    expect(handled).toEqual(['bad', 'g2-first', 'g3-first', 'g2-next']);
  });
});

async function storedOrder(orderId: string): Promise<Record<string, unknown> | undefined> {
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  return (await db.client().send(new GetCommand({ TableName: db.tableName, Key: { orderId } }))).Item;
}
