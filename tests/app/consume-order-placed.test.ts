import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { envName } from '@orders/runtime/resources';
import { ORDERS_TABLE } from '../../app/src/settings.ts';
import { startDynalite, type DynaliteHandle } from '../helpers/dynalite.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { anOrder, orderRecord, sqsRecord } from '../helpers/orders.ts';

let db: DynaliteHandle;
let proxy: FaultProxy;
let handler: typeof import('../../app/consumers/consumeOrderPlaced.ts').handler;
const logs: string[] = [];

const context = {
  functionName: 'OrderSubscriber',
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
  // Powertools writes INFO to stdout and WARN/ERROR to stderr; Lambda sends both to CloudWatch.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
  }
  ({ handler } = await import('../../app/consumers/consumeOrderPlaced.ts'));
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

const logLines = () => logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

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
