/**
 * A shuffled stream with duplicates and mixed offsets through one consumer whose poller runs up to
 * `maximumConcurrency` batches at once (5, from the settings `sst.config.ts` deploys), so
 * concurrent batches race on the same orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerSettings } from '@sluice/model';
import { settings } from '@orders/app/settings';
import { CONSUMER, peakConcurrentBatches, publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { recordRow } from './summary.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a shuffled stream with duplicates and mixed offsets', () => {
  it('ends with the latest state of every order, each message accounted for exactly once', async ({ task }) => {
    const orders = Math.round(500 * scale);
    const events = eventStream({ orders, eventsPerOrder: 8, duplicateRate: 0.3, seed: 7, prefix: 'stream' });
    const duplicates = events.length - orders * 8;
    expect(events.length).toBeGreaterThanOrEqual(5000 * scale);
    expect(duplicates / events.length).toBeGreaterThanOrEqual(0.2);
    expect(new Set(events.map((e) => e.timestamp.slice(-6))).size).toBeGreaterThanOrEqual(5);

    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 600_000, (left) => console.log(`stream: ${left} message(s) left in the queue`));
    const ledger = await reconcile(h, viaSns(published));
    const peak = peakConcurrentBatches(h);
    const maximum = consumerSettings(settings, CONSUMER).maximumConcurrency;
    recordRow(task, 'shuffled stream (8 events/order, 30 % duplicates)', ledger, `none; up to ${peak} concurrent batches (maximumConcurrency ${maximum})`);
    console.log(`shuffled stream: ${ledger.line}; peak ${peak} concurrent batches`);
    ledger.assert();
    expect(ledger.counts['dead-lettered']).toBe(0);
    expect(ledger.ordersStored).toBe(orders);
    // Lambda-like: several batches at once, never more than the settings allow.
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(maximum);
  });
});
