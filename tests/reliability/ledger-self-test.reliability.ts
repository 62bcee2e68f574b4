/**
 * The ledger's self-test: it must catch a lost message. A rogue poller (the test's own SQS client)
 * takes one message from OrderQueue while the consumer runs and deletes it without handling it,
 * as a buggy event source would. Everything else is handled normally, the queue drains, and a
 * count-based check (published = acknowledged + dead-lettered, with acknowledged derived from
 * them) would see nothing; the ledger must report exactly that message unaccounted and its check
 * must throw, naming it.
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderPlaced } from '@orders/contract';
import { publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, type Harness, type Published } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { recordRow } from './summary.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('the ledger against a poller that deletes a message without calling the handler', () => {
  it('reports the skipped message unaccounted and fails the scenario, naming it', async ({ task }) => {
    const events = eventStream({ orders: Math.round(100 * scale), eventsPerOrder: 3, duplicateRate: 0.2, seed: 97, prefix: 'rogue' });
    const published: Published[] = [];
    let publishing: Promise<unknown> = publishAll(h.publisher, events).then((p) => published.push(...p));
    // The rogue competes with the consumer's pollers for the first message it can get. Should the
    // pollers take them all first (the rogue's receive came late), it gets one more order to
    // compete for, published like the rest and in the ledger like them, until it wins one.
    let lost: string | undefined;
    const deadline = Date.now() + 120_000;
    for (let more = 0; !lost; ) {
      if (Date.now() > deadline) throw new Error(`the rogue poller got no message in 120 s (${more} more order(s) published for it)`);
      const { Messages } = await h.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
      const message = Messages?.[0];
      if (!message) {
        await publishing;
        const extra: OrderPlaced = { orderId: `rogue-more-${more++}`, userId: 'usr-rogue', itemName: 'One more', quantity: 1, status: 'PAID', timestamp: '2026-05-02T00:00:00Z' };
        publishing = publishAll(h.publisher, [extra]).then((p) => published.push(...p));
        continue;
      }
      await h.sqs.send(new DeleteMessageCommand({ QueueUrl: h.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      lost = (JSON.parse(message.Body!) as { MessageId: string }).MessageId;
    }
    await publishing;
    await waitUntilSettled(h, 300_000);

    const ledger = await reconcile(h, viaSns(published));
    recordRow(task, 'handler skipped: a rogue poller deletes 1 message', ledger, `1 message deleted without the handler (${lost})`, { expectedToFail: true });
    const event = published.find((p) => p.messageId === lost)!.event;
    const latest = ledger.tableMatchesOracle ? 'not the latest of its order: the table alone shows nothing' : 'the latest of its order: the table differs too';
    console.log(`ledger self-test: lost ${lost} (${event.orderId} ${event.status}), ${latest}; ${ledger.line}`);
    // What a count-based check sees: nothing dead-lettered, the queue empty, "all acknowledged".
    expect(ledger.counts['dead-lettered']).toBe(0);
    expect(ledger.counts.unaccounted).toBe(1);
    expect(ledger.fates.get(lost)!.fate).toBe('unaccounted');
    expect(ledger.counts['double-accounted']).toBe(0);
    expect(() => ledger.assert()).toThrow(lost);
    expect(() => ledger.assert()).toThrow(/unaccounted \(no success line, not in the DLQ\)/);
  });
});
