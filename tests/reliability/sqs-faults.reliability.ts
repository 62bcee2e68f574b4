/**
 * Faults on the event source's side: a proxy in front of SQS for the consumer's poller (its client
 * follows the function's AWS_ENDPOINT_URL_SQS).
 * - ReceiveMessage: 500s and dropped connections (nothing received: the poller polls again), and
 *   answers lost after SQS handed the messages out: they stay invisible for the visibility
 *   timeout, then come back with a higher receive count.
 * - DeleteMessageBatch: failing on every attempt (the SDK's retries included), so the messages
 *   handled successfully stay on the queue and are delivered again: the redelivery must end as
 *   `duplicate` (`stale` if a newer event of the order was stored meanwhile), never as a second
 *   write; and deletes applied but unanswered, which must not bring anything back.
 * Each message suffers at most one of these, so none can reach maxReceiveCount through them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerSettings } from '@sluice/model';
import { settings } from '@orders/app/settings';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { CONSUMER, FAULT_SCENARIO_QUEUE, publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, warmUp, type Harness } from './harness.ts';
import { eventStream, random } from './event-stream.ts';
import { latestByOrder } from './ledger.ts';
import { recordRow } from './summary.ts';

let h: Harness;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy('http://127.0.0.1:1');
  h = await startHarness({ eagerInstances: true, ...FAULT_SCENARIO_QUEUE, functionEnvironment: { AWS_ENDPOINT_URL_SQS: proxy.endpoint } });
  proxy.setUpstream(h.endpoint);
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

interface ReceiveAnswer {
  Messages?: { MessageId: string; ReceiptHandle: string }[];
}

describe('SQS faults on receive and delete', () => {
  it('delivers again what a failed delete left, ending as duplicate, and loses nothing a lost receive hid', async ({ task }) => {
    const rnd = random(53);
    let active = false;
    const messageOf = new Map<string, string>(); // receipt handle → SQS message id
    const faulted = new Set<string>(); // SQS message ids that had their one fault
    const doomed = new Set<string>(); // receipt handles whose delete fails on every attempt
    const lostReceive = new Set<string>();
    const failedDelete = new Set<string>();
    const stats = { receiveErrors: 0, receivesLost: 0, deletesFailed: 0, deletesUnanswered: 0 };

    proxy.setFault((request) => {
      if (request.target === 'AmazonSQS.ReceiveMessage') {
        const r = active ? rnd() : 1;
        if (r < 0.03) {
          stats.receiveErrors++;
          return r < 0.015 ? 'server-error' : 'drop';
        }
        return {
          loseResponseIf: (response) => {
            const messages = (JSON.parse(response.body) as ReceiveAnswer).Messages ?? [];
            for (const m of messages) messageOf.set(m.ReceiptHandle, m.MessageId);
            if (r >= 0.15 || messages.length === 0 || messages.some((m) => faulted.has(m.MessageId))) return false;
            for (const m of messages) faulted.add(m.MessageId), lostReceive.add(m.MessageId);
            stats.receivesLost++;
            return true;
          },
        };
      }
      if (request.target === 'AmazonSQS.DeleteMessageBatch') {
        const handles = (JSON.parse(request.body) as { Entries: { ReceiptHandle: string }[] }).Entries.map((e) => e.ReceiptHandle);
        if (handles.some((handle) => doomed.has(handle))) return 'server-error';
        const ids = handles.map((handle) => messageOf.get(handle));
        if (!active || ids.some((id) => id === undefined || faulted.has(id))) return undefined;
        const r = rnd();
        if (r < 0.15) {
          for (const handle of handles) doomed.add(handle);
          for (const id of ids) faulted.add(id!), failedDelete.add(id!);
          stats.deletesFailed++;
          return 'server-error';
        }
        if (r < 0.2) {
          for (const id of ids) faulted.add(id!);
          stats.deletesUnanswered++;
          return 'lose-response';
        }
      }
      return undefined;
    });
    const warm = await warmUp(h, consumerSettings(settings, CONSUMER).maximumConcurrency);
    active = true;

    const orders = Math.round(200 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 61, prefix: 'sqs' });
    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 600_000);
    active = false;
    const ledger = await reconcile(h, viaSns([...warm, ...published]));
    const faults =
      `ReceiveMessage: ${stats.receiveErrors} failed (500/drop), ${stats.receivesLost} answers lost (${lostReceive.size} msgs); ` +
      `DeleteMessageBatch: ${stats.deletesFailed} failed on every attempt (${failedDelete.size} msgs), ${stats.deletesUnanswered} applied but unanswered`;
    recordRow(task, 'SQS faults on receive and delete', ledger, faults);
    console.log(`SQS faults: ${faults}; ${ledger.line}`);
    ledger.assert();

    expect(stats.receivesLost).toBeGreaterThan(0);
    expect(stats.deletesFailed).toBeGreaterThan(0);
    expect(ledger.failureLines).toBe(0);
    expect(ledger.counts['dead-lettered']).toBe(0);

    const linesOf = (sqsId: string) => h.log.lines.filter((l) => l.messageId === sqsId);
    const winners = new Set([...latestByOrder(published.map((p) => p.event)).values()]);
    const eventOf = new Map(published.map((p) => [p.messageId, p.event]));
    // A failed delete means a redelivery, and the redelivery finds the write already there.
    for (const id of failedDelete) {
      const lines = linesOf(id);
      expect(lines.length, `message ${id}: a failed delete must bring it back`).toBeGreaterThanOrEqual(2);
      const [first, ...again] = lines;
      expect(first!.outcome).not.toBe('failed');
      const isWinner = winners.has(eventOf.get(first!.snsMessageId!)!);
      for (const line of again) {
        expect(line.receiveCount).toBeGreaterThanOrEqual(2);
        expect(line.outcome === 'duplicate' || (line.outcome === 'stale' && !isWinner), `message ${id} redelivered as ${line.outcome}`).toBe(true);
      }
    }
    // A lost receive hid its messages for one visibility timeout; they were handled on a later receive.
    for (const id of lostReceive) {
      const lines = linesOf(id);
      expect(lines.length, `message ${id} of a lost receive was never handled`).toBeGreaterThan(0);
      expect(Math.min(...lines.map((l) => l.receiveCount ?? 0))).toBeGreaterThanOrEqual(2);
    }
  });
});
