/**
 * A crash: the subscriber process is killed with SIGKILL in the middle of the load, then started
 * again. Batches in flight were neither finished nor acknowledged; SQS makes them visible again
 * after the visibility timeout and the restarted subscriber processes them: no loss, and a write
 * that landed just before the kill comes back as `duplicate`, never as a second write.
 *
 * The stack (the emulated SQS, SNS and DynamoDB) runs in the test process and the subscriber in a
 * child process (`npm run subscriber`), as on AWS the queue outlives any Lambda instance. The
 * whole stack killed (emulators included) is stack-restart.reliability.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crash, depth, publishAll, reconcile, scale, startHarness, startSubscriber, viaSns, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { recordRow } from './summary.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ consumers: false, visibilityTimeoutSeconds: 2 });
});
afterAll(async () => {
  await h?.stop();
});

describe('the subscriber killed with SIGKILL mid-load and restarted', () => {
  it('loses nothing and doubles nothing', async ({ task }) => {
    const orders = Math.round(300 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 23, prefix: 'crash' });
    const published = await publishAll(h.publisher, events);

    const worker = await startSubscriber(h, 'subscriber-1');
    // Let it get well into the load, then kill it without warning.
    const deadline = Date.now() + 120_000;
    while (h.log.lines.length < published.length * 0.3) {
      if (Date.now() > deadline) throw new Error('the subscriber made no progress');
      await new Promise((r) => setTimeout(r, 50));
    }
    const unacknowledged = await crash(worker);
    const handledBeforeKill = h.log.lines.length;
    const left = await depth(h.sqs, h.queueUrl);
    expect(left).toBeGreaterThan(0); // really mid-load
    expect(unacknowledged).toBeGreaterThan(0); // batches handled but never acknowledged

    await startSubscriber(h, 'subscriber-2');
    await waitUntilSettled(h, 600_000);
    const ledger = await reconcile(h, viaSns(published));
    recordRow(task, 'crash: 1 subscriber SIGKILLed mid-load, restarted', ledger, `SIGKILL after ${handledBeforeKill} records, ${unacknowledged} batch(es) unacknowledged, ${left} msgs queued or in flight`);
    console.log(`crash: killed after ${handledBeforeKill} record lines, ${unacknowledged} batch(es) handled but unacknowledged, ${left} message(s) still queued or in flight; ${ledger.line}`);
    ledger.assert();
    expect(ledger.counts['dead-lettered']).toBe(0);
    expect(ledger.ordersStored).toBe(orders);
  });
});
