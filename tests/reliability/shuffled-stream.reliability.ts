import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, publishAll, scale, startHarness, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a shuffled stream with duplicates and mixed offsets', () => {
  it('ends with the latest state of every order, nothing lost, nothing doubled', async () => {
    const orders = Math.round(500 * scale);
    const events = eventStream({ orders, eventsPerOrder: 8, duplicateRate: 0.3, seed: 7, prefix: 'stream' });
    const duplicates = events.length - orders * 8;
    expect(events.length).toBeGreaterThanOrEqual(5000 * scale);
    expect(duplicates / events.length).toBeGreaterThanOrEqual(0.2);
    expect(new Set(events.map((e) => e.timestamp.slice(-6))).size).toBeGreaterThanOrEqual(5);

    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 600_000, (left) => console.log(`stream: ${left} message(s) left in the queue`));
    const result = await account(h, published);
    console.log(`shuffled stream: ${result.line}`);
    expect(result.deadLettered).toBe(0);
    expect(result.ordersStored).toBe(orders);
  });
});
