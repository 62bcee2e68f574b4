/**
 * Lambda-like concurrency across processes: three `npm run subscriber` processes, each polling with
 * up to `maximumConcurrency` batches at once (5, from the settings), race on the same orders: few
 * orders, many events each, mixed offsets, duplicates. One of them is SIGKILLed while it is
 * handling records and a replacement starts. Every message must end with exactly one fate, and the
 * table equal the oracle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerSettings } from '@sluice/model';
import { settings } from '@orders/app/settings';
import { CONSUMER, crash, depth, publishAll, reconcile, scale, startHarness, startSubscriber, viaSns, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { recordRow } from './summary.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ consumers: false, visibilityTimeoutSeconds: 5 });
});
afterAll(async () => {
  await h?.stop();
});

describe('three subscriber processes racing on the same orders, one SIGKILLed mid-load and replaced', () => {
  it('ends with every message accounted for once and the latest state of every order', async ({ task }) => {
    const subscribers = await Promise.all(['subscriber-1', 'subscriber-2', 'subscriber-3'].map((name) => startSubscriber(h, name)));
    await Promise.all(subscribers.map((s) => s.ready));

    const orders = Math.round(150 * scale);
    const events = eventStream({ orders, eventsPerOrder: 12, duplicateRate: 0.3, seed: 83, prefix: 'race' });
    // Half now, half once the replacement runs, so that it has its share of the race too.
    const half = Math.floor(events.length / 2);
    const published = await publishAll(h.publisher, events.slice(0, half));

    // Kill subscriber-2 while it is handling records (its last line is fresh), half-way through the first half.
    const victim = subscribers[1]!;
    const linesOf = (source: string) => h.log.lines.filter((l) => l.source === source);
    const deadline = Date.now() + 120_000;
    while (h.log.lines.length < published.length / 2 || Date.now() - (linesOf(victim.name).at(-1)?.at ?? 0) > 100) {
      if (Date.now() > deadline) throw new Error('subscriber-2 never got busy');
      await new Promise((r) => setTimeout(r, 10));
    }
    const unacknowledged = await crash(victim);
    const handledByVictim = linesOf(victim.name).length;
    const left = await depth(h.sqs, h.queueUrl);
    expect(handledByVictim).toBeGreaterThan(0);
    expect(left).toBeGreaterThan(0); // really mid-load
    expect(unacknowledged).toBeGreaterThan(0); // it had batches in flight
    const replacement = await startSubscriber(h, 'subscriber-4');
    subscribers.push(replacement);
    await replacement.ready;
    published.push(...(await publishAll(h.publisher, events.slice(half))));

    await waitUntilSettled(h, 600_000);
    const ledger = await reconcile(h, viaSns(published));
    const perProcess = subscribers.map((s) => `${s.name} ${linesOf(s.name).length}`).join(', ');
    // Orders written by more than one process: the processes really raced on the same orders.
    const writers = new Map<string, Set<string>>();
    for (const line of h.log.lines) if (line.outcome === 'stored') writers.set(line.orderId!, (writers.get(line.orderId!) ?? new Set()).add(line.source));
    const shared = [...writers.values()].filter((s) => s.size > 1).length;
    const maximum = consumerSettings(settings, CONSUMER).maximumConcurrency;
    const faults = `3 processes × ${maximum} concurrent batches; subscriber-2 SIGKILLed after ${handledByVictim} records with ${unacknowledged} batch(es) unacknowledged (${left} msgs queued or in flight), replaced`;
    recordRow(task, 'three subscribers racing, one SIGKILLed', ledger, faults);
    console.log(`three subscribers: record lines per process: ${perProcess}; ${shared} of ${orders} orders written by more than one process; ${ledger.line}`);
    ledger.assert();
    expect(ledger.counts['dead-lettered']).toBe(0);
    expect(ledger.ordersStored).toBe(orders);
    for (const s of subscribers) expect(linesOf(s.name).length, `${s.name} handled nothing`).toBeGreaterThan(0);
    expect(shared).toBeGreaterThan(0);
  });
});
