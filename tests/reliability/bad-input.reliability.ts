/**
 * Bad input end to end: every body of the corpus is sent to OrderQueue as SNS (or a producer
 * writing to the queue directly) would deliver it. Each must be received exactly 3 times, then sit
 * in the DLQ with its body intact and a readable reason; nothing is written; the process survives
 * and keeps storing good orders. The ledger keys the bodies by their SQS MessageId (several share
 * an SNS MessageId, some have none).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAll, reconcile, scanTable, startHarness, viaSns, waitUntilSettled, type Harness } from './harness.ts';
import { badBodies } from './bad-bodies.ts';
import type { Sent } from './ledger.ts';
import { recordRow } from './summary.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ visibilityTimeoutSeconds: 1 });
});
afterAll(async () => {
  await h?.stop();
});

describe('the bad-input corpus through the local runtime', () => {
  it('dead-letters every bad body after exactly 3 receives, intact and explained, writing nothing', async ({ task }) => {
    const sent = new Map<string, (typeof badBodies)[number]>();
    for (const bad of badBodies) {
      const out = await h.sqs.send(new SendMessageCommand({ QueueUrl: h.queueUrl, MessageBody: bad.body }));
      sent.set(out.MessageId!, bad);
    }
    await waitUntilSettled(h, 300_000);

    const letters = await h.dlq.list();
    expect(letters).toHaveLength(badBodies.length);
    for (const letter of letters) {
      const bad = sent.get(letter.messageId);
      expect(bad, `unexpected DLQ message ${letter.messageId}`).toBeDefined();
      expect(letter.body, bad!.name).toBe(bad!.body);
      // Concurrent batches report in the order they finish, not the order they received.
      expect([...(h.receives.get(letter.messageId) ?? [])].sort((a, b) => a - b), bad!.name).toEqual([1, 2, 3]);
      expect(letter.reason?.code, bad!.name).toBe(bad!.code);
      expect(letter.reason?.message, bad!.name).toMatch(/\w{3,}/);
    }
    expect(h.receives.size).toBe(badBodies.length);
    expect((await scanTable(h.doc)).size).toBe(0);

    // The subscriber survived all of it and still stores good orders.
    const good = { orderId: 'after-bad-input', userId: 'u-1', itemName: 'Still working', quantity: 1, status: 'PAID' as const, timestamp: '2026-07-01T12:00:00+02:00' };
    const published = await publishAll(h.publisher, [good]);
    await waitUntilSettled(h, 60_000);

    const all: Sent[] = [...[...sent.keys()].map((id): Sent => ({ id, by: 'sqs' })), ...viaSns(published)];
    const ledger = await reconcile(h, all);
    recordRow(task, `bad input: ${badBodies.length} malformed bodies + 1 good order`, ledger, `${badBodies.length} bodies that break the contract (sent to the queue directly)`);
    console.log(`bad input: ${ledger.line}`);
    ledger.assert();
    expect(ledger.counts['dead-lettered']).toBe(badBodies.length);
    expect(ledger.counts.stored).toBe(1);
    // The consumer's own lines agree: three `invalid` lines per bad body, one per receive.
    for (const [id, bad] of sent) expect(ledger.fates.get(id)!.failures, bad.name).toBe(3);
  });
});
