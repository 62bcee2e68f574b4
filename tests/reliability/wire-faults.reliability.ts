/**
 * Faults at the wire: a proxy in front of the DynamoDB endpoint fails ~30 % of the subscriber's
 * writes (throttling, 500s, dropped connections) for a while, then heals.
 *
 * The subscriber's SDK is set to a single attempt (AWS_MAX_ATTEMPTS=1) so that the faults reach
 * the handler instead of being absorbed by the SDK's retries: with retries, 30 % per attempt fails
 * a receive only 2.7 % of the time and almost nothing would ever reach the DLQ. This way some
 * messages fail 3 receives and the DLQ accounting is really exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.ts';
import { account, publishAll, scale, startHarness, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream, random } from './event-stream.ts';

let h: Harness;
let proxy: FaultProxy;
const injected: Record<Fault, number> = { throttle: 0, 'server-error': 0, drop: 0 };

beforeAll(async () => {
  // The proxy forwards to the stack's endpoint, which only exists once the stack runs; start it on a
  // placeholder, then give the consumer's DynamoDB client its address through the function's environment.
  proxy = await startFaultProxy('http://127.0.0.1:1');
  h = await startHarness({ visibilityTimeoutSeconds: 1, functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, AWS_MAX_ATTEMPTS: '1' } });
  proxy.setUpstream(h.endpoint);
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

describe('wire faults on ~30 % of writes for a while', () => {
  it('loses nothing: messages failing 3 times are in the DLQ and counted, the rest are stored', async () => {
    const rnd = random(99);
    const kinds: Fault[] = ['throttle', 'server-error', 'drop'];
    let faulty = true;
    proxy.setFault((request) => {
      if (!faulty || !request.target.endsWith('.PutItem') || rnd() >= 0.3) return undefined;
      const kind = kinds[Math.floor(rnd() * kinds.length)]!;
      injected[kind]++;
      return kind;
    });

    const orders = Math.round(200 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 11, prefix: 'fault' });
    const published = await publishAll(h.publisher, events);
    // Faults until every message has been received once and retries have had time for two more
    // rounds (retried messages queue up behind the backlog), then the database "recovers".
    while (h.receives.size < published.length) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 8_000));
    faulty = false;

    await waitUntilSettled(h, 600_000);
    const result = await account(h, published).catch(async (error) => {
      const orderId = /order (\S+):/.exec(String(error))?.[1];
      const mine = published.filter((p) => p.event.orderId === orderId);
      const letters = await h.dlq.list();
      for (const p of mine) {
        const batches = h.batches.filter((b) => b.records.some((r) => JSON.parse(r.body).MessageId === p.messageId));
        console.log('DEBUG', p.event.status, p.event.timestamp, p.messageId, JSON.stringify(batches.map((b) => { const r = b.records.find((x) => JSON.parse(x.body).MessageId === p.messageId)!; return { id: r.messageId, rc: r.attributes.ApproximateReceiveCount, ok: b.succeeded.includes(r.messageId), whole: b.batchFailure }; })), letters.some((l) => l.snsMessageId === p.messageId));
      }
      throw error;
    });
    const total = injected.throttle + injected['server-error'] + injected.drop;
    const maxReceives = [...h.receives.values()].map((r) => Math.max(...r));
    console.log('receive histogram', [1, 2, 3, 4].map((n) => maxReceives.filter((m) => m === n).length));
    console.log(`wire faults: injected ${total} (throttle ${injected.throttle}, 500 ${injected['server-error']}, dropped ${injected.drop}); ${result.line}`);
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected['server-error']).toBeGreaterThan(0);
    expect(injected.drop).toBeGreaterThan(0);
    // Some messages failed three receives in a row and were dead-lettered, each exactly once.
    expect(result.deadLettered).toBeGreaterThan(0);
    for (const letter of await h.dlq.list()) {
      expect(h.receives.get(letter.messageId)).toEqual([1, 2, 3]);
      expect(letter.reason).toBeUndefined(); // a valid order: it failed on the wire, not on the contract
    }
  });
});
