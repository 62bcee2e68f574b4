import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DYNAMODB_TIMEOUTS, OrderStore, SAVE_CONDITION, contentDigestOf, eventVersionOf } from '../src/order-store.ts';
import { startDynalite, testCredentials, type DynaliteHandle } from '../../../tests/helpers/dynalite.ts';
import { startFaultProxy, type FaultProxy } from '../../../tests/helpers/fault-proxy.ts';
import { anOrder } from '../../../tests/helpers/orders.ts';

let db: DynaliteHandle;
let proxy: FaultProxy;
let store: OrderStore;
let seq = 0;
/** A fresh order id per test, so tests share one table without seeing each other's items. */
let id: string;

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startFaultProxy(db.endpoint);
  store = new OrderStore({ client: db.client({ endpoint: proxy.endpoint }), tableName: db.tableName });
});
afterAll(async () => {
  await proxy.stop();
  await db.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
});
beforeEach(() => {
  id = `ord-${++seq}`;
  proxy.setFault(() => undefined);
  proxy.requests.length = 0;
});

const writes = () => proxy.requests.filter((r) => r.target.endsWith('.PutItem'));

describe('OrderStore.saveIfNewer', () => {
  it('stores a new order with exactly one conditional PutItem', async () => {
    expect(await store.saveIfNewer(anOrder({ orderId: id }))).toBe('stored');
    expect(writes()).toHaveLength(1);
    expect(JSON.parse(writes()[0]!.body).ConditionExpression).toBe(SAVE_CONDITION);
    expect(proxy.requests).toHaveLength(1);
    expect(await store.get(id)).toMatchObject(anOrder({ orderId: id }));
  });

  it('acknowledges a redelivered event as duplicate and writes nothing', async () => {
    const order = anOrder({ orderId: id });
    await store.saveIfNewer(order);
    const before = await store.get(id);
    expect(await store.saveIfNewer({ ...order })).toBe('duplicate');
    expect(await store.get(id)).toEqual(before);
  });

  it('replaces the order when the event is newer', async () => {
    await store.saveIfNewer(anOrder({ orderId: id, status: 'PENDING', timestamp: '2026-01-01T09:00:00Z' }));
    expect(await store.saveIfNewer(anOrder({ orderId: id, status: 'PAID', timestamp: '2026-01-01T09:00:00.001Z' }))).toBe('stored');
    expect((await store.get(id))?.status).toBe('PAID');
  });

  it('compares instants, not strings: 10:00+02:00 is earlier than 09:00Z', async () => {
    await store.saveIfNewer(anOrder({ orderId: id, status: 'CONFIRMED', timestamp: '2026-01-01T09:00:00Z' }));
    // As text "2026-01-01T10:00:00+02:00" > "2026-01-01T09:00:00Z", but it is 08:00Z.
    expect(await store.saveIfNewer(anOrder({ orderId: id, status: 'PENDING', timestamp: '2026-01-01T10:00:00+02:00' }))).toBe('stale');
    expect((await store.get(id))?.status).toBe('CONFIRMED');
    // 05:00-05:00 is 10:00Z: later, although it sorts first as text.
    expect(await store.saveIfNewer(anOrder({ orderId: id, status: 'SHIPPED', timestamp: '2026-01-01T05:00:00-05:00' }))).toBe('stored');
    expect((await store.get(id))?.status).toBe('SHIPPED');
  });

  it('never lets a stale event overwrite newer state, whatever the arrival order', async () => {
    const events = [
      anOrder({ orderId: id, status: 'PENDING', timestamp: '2026-03-01T10:00:00+01:00' }),
      anOrder({ orderId: id, status: 'CONFIRMED', timestamp: '2026-03-01T09:30:00Z' }),
      anOrder({ orderId: id, status: 'PAID', timestamp: '2026-03-01T11:00:00+01:00' }),
      anOrder({ orderId: id, status: 'SHIPPED', timestamp: '2026-03-01T05:00:00-05:00' }),
    ];
    const outcomes = [];
    for (const e of [events[3]!, events[0]!, events[2]!, events[1]!, events[3]!]) outcomes.push(await store.saveIfNewer(e));
    expect(outcomes).toEqual(['stored', 'stale', 'stale', 'stale', 'duplicate']);
    expect((await store.get(id))?.status).toBe('SHIPPED');
  });

  it('breaks ties between different events at the same instant deterministically', async () => {
    const a = anOrder({ orderId: id, status: 'PAID', timestamp: '2026-01-01T12:00:00+01:00' });
    const b = anOrder({ orderId: id, status: 'CANCELLED', timestamp: '2026-01-01T11:00:00Z' });
    const winner = eventVersionOf(a) > eventVersionOf(b) ? a : b;
    const loser = winner === a ? b : a;
    // Either arrival order ends with the same stored state.
    expect(await store.saveIfNewer(loser)).toBe('stored');
    expect(await store.saveIfNewer(winner)).toBe('stored');
    expect(await store.saveIfNewer(loser)).toBe('stale');
    expect((await store.get(id))?.status).toBe(winner.status);
  });

  it('stores only the contract fields (plus the event version)', async () => {
    const withExtra = { ...anOrder({ orderId: id }), giftWrap: true } as ReturnType<typeof anOrder>;
    await store.saveIfNewer(withExtra);
    const { Items } = await db.client().send(new ScanCommand({ TableName: db.tableName }));
    const item = Items!.find((i) => i.orderId === id)!;
    expect(Object.keys(item).sort()).toEqual(['eventVersion', 'itemName', 'orderId', 'quantity', 'status', 'timestamp', 'userId']);
  });

  it.each(['throttle', 'server-error', 'drop'] as const)('throws (never reports success) when every write attempt fails with %s', async (fault) => {
    proxy.setFault((r) => (r.target.endsWith('.PutItem') ? fault : undefined));
    const failing = new OrderStore({ client: db.client({ endpoint: proxy.endpoint, maxAttempts: 2 }), tableName: db.tableName });
    await expect(failing.saveIfNewer(anOrder({ orderId: id }))).rejects.toThrow();
    expect(writes()).toHaveLength(2); // the SDK retried once, then surfaced the error
    proxy.setFault(() => undefined);
    expect(await store.get(id)).toBeUndefined();
  });

  // Well under the consumer's 30 s function timeout: a hung write must fail its record, not the batch.
  it('abandons a hung PutItem after its request timeout, so the write fails instead of eating the function timeout', { timeout: 20_000 }, async () => {
    // The client the consumer gets (createDocumentClient's default), configured from the
    // environment as in Lambda, pointed at the proxy; the SDK's default 3 attempts.
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', proxy.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', testCredentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', testCredentials.secretAccessKey);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '3');
    const lambdaStore = new OrderStore({ tableName: db.tableName });
    try {
      proxy.setFault((r) => (r.target.endsWith('.PutItem') ? 'hang' : undefined));
      const error = await lambdaStore.saveIfNewer(anOrder({ orderId: id })).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining(`${DYNAMODB_TIMEOUTS.requestTimeout} ms requestTimeout`) });
      // Each of the 3 attempts reached the proxy and hung there until the client gave up on it.
      expect(writes()).toHaveLength(3);
      proxy.setFault(() => undefined);
      expect(await store.get(id)).toBeUndefined();
    } finally {
      lambdaStore.client.destroy();
    }
  });

  it('recovers through the SDK retry when a single write is throttled', async () => {
    let faults = 1;
    proxy.setFault((r) => (r.target.endsWith('.PutItem') && faults-- > 0 ? 'throttle' : undefined));
    expect(await store.saveIfNewer(anOrder({ orderId: id }))).toBe('stored');
    expect(writes()).toHaveLength(2);
  });
});

describe('eventVersionOf', () => {
  it('orders by instant across offsets and fractional seconds', () => {
    const v = (timestamp: string) => eventVersionOf(anOrder({ timestamp }));
    expect(v('2026-01-01T10:00:00+02:00') < v('2026-01-01T09:00:00Z')).toBe(true);
    expect(v('2026-01-01T09:00:00.5Z') > v('2026-01-01T09:00:00.49999Z')).toBe(true);
    expect(v('2026-01-01T00:30:00+01:00').startsWith('2025-12-31T23:30:00.000000000Z#')).toBe(true);
  });
});

describe('contentDigestOf', () => {
  // Two field lists, as a contract before and after an optional field is added (wherever it goes).
  const declared = ['orderId', 'userId', 'itemName', 'quantity', 'status', 'timestamp'];
  const withGiftNote = ['orderId', 'userId', 'giftNote', 'itemName', 'quantity', 'status', 'timestamp'];

  it('is the same for an event whether or not the contract declares an optional field the event lacks', () => {
    // During a deploy consumers of both contracts run: a redelivery must get the version the first delivery wrote.
    const order = anOrder();
    expect(contentDigestOf(order, withGiftNote)).toBe(contentDigestOf(order, declared));
    expect(contentDigestOf({ ...order, giftNote: undefined } as typeof order, withGiftNote)).toBe(contentDigestOf(order, declared));
    expect(contentDigestOf({ ...order, giftNote: 'Happy birthday' } as typeof order, withGiftNote)).not.toBe(contentDigestOf(order, declared));
  });

  it("is the digest the version ends with, unchanged for today's events", () => {
    const order = anOrder();
    expect(contentDigestOf(order)).toBe(contentDigestOf(order, declared));
    expect(eventVersionOf(order)).toBe('2026-01-01T09:00:00.000000000Z#fdfe3c929f78263c0b4a644d045c816a619f94636d97be502c1ad1ebbc339298');
  });

  it('tells apart events that differ only in an object or a list, whatever the order of its keys', () => {
    const fields = [...declared, 'address', 'tags'];
    const withValues = (address: object, tags: unknown[]) => ({ ...anOrder(), address, tags }) as ReturnType<typeof anOrder>;
    const here = contentDigestOf(withValues({ city: 'Lyon', zip: '69001' }, ['gift']), fields);
    expect(contentDigestOf(withValues({ city: 'Paris', zip: '75001' }, ['gift']), fields)).not.toBe(here);
    expect(contentDigestOf(withValues({ city: 'Lyon', zip: '69001' }, ['gift', 'fragile']), fields)).not.toBe(here);
    expect(contentDigestOf(withValues({ zip: '69001', city: 'Lyon' }, ['gift']), fields)).toBe(here);
  });
});
