/**
 * The ledger's self-test of the verdicts: the consumer lies. It runs the application's handler,
 * but for two orders it writes nothing and logs `duplicate` (tests/reliability/lying-consumer.ts):
 *
 * - every event of `liar-1`: an order it never wrote. The table has no item of it;
 * - the earliest event of `liar-0` only: its later events are written, so the table holds the latest
 *   event, equal to the oracle, and only the wire (no PutItem of that event ever reached the
 *   server) shows the lie.
 *
 * Every message has exactly one success line and the queue drains: a count of the consumer's
 * verdicts (published = stored + duplicate + stale) sees nothing. The ledger must report each lie,
 * and nothing else, as a verdict no evidence backs, and fail.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { recordRow } from './summary.ts';

const events = eventStream({ orders: Math.max(6, Math.round(40 * scale)), eventsPerOrder: 3, duplicateRate: 0.2, seed: 41, prefix: 'liar' });
const earliestOfLiar0 = events.filter((e) => e.orderId === 'liar-0').sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))[0]!;
const lies = [{ orderId: 'liar-0', timestamp: earliestOfLiar0.timestamp }, { orderId: 'liar-1' }];
const lied = (e: { orderId: string; timestamp: string }) => lies.some((l) => l.orderId === e.orderId && (l.timestamp === undefined || l.timestamp === e.timestamp));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ handlerFile: path.join(import.meta.dirname, 'lying-consumer.ts'), functionEnvironment: { LYING_CONSUMER_LIES: JSON.stringify(lies) } });
});
afterAll(async () => {
  await h?.stop();
});

describe('the ledger against a consumer that logs `duplicate` for events it never wrote', () => {
  it('reports each lie as a verdict no write backs, and fails, although every message has one success', async ({ task }) => {
    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 120_000);
    const ledger = await reconcile(h, viaSns(published));
    const liedAbout = published.filter((p) => lied(p.event)).map((p) => p.messageId);
    recordRow(task, 'lying consumer: `duplicate` for events never written', ledger, `${liedAbout.length} message(s) of 2 orders answered \`duplicate\`, nothing written`, { expectedToFail: true });
    console.log(`lying consumer: ${liedAbout.length} message(s) lied about; ${ledger.line}`);

    // What a count of the verdicts sees: all accounted for, once each.
    expect(ledger.counts.unaccounted).toBe(0);
    expect(ledger.counts['double-accounted']).toBe(0);
    expect(ledger.counts['dead-lettered']).toBe(0);
    // Each lie, and nothing else, is unjustified: one per line of the messages lied about.
    const lieLines = h.log.lines.filter((l) => liedAbout.includes(l.snsMessageId!) && l.outcome !== 'failed');
    expect(lieLines.every((l) => l.outcome === 'duplicate')).toBe(true);
    expect(ledger.verdicts.unjustified).toBe(lieLines.length);
    const verdictProblems = ledger.problems.find((p) => p.startsWith('verdicts no evidence backs'))!;
    for (const id of liedAbout.slice(0, 8)) expect(verdictProblems).toContain(id);
    expect(verdictProblems).toMatch(/liar-1 .*`duplicate`: the table holds no item of liar-1/);
    expect(verdictProblems).toContain(`(liar-0 ${earliestOfLiar0.status} at ${earliestOfLiar0.timestamp}) \`duplicate\`: no write of this event reached the server before the line`);
    expect(() => ledger.assert()).toThrow(/verdicts no evidence backs \(table and wire\)/);
    // liar-0's lie is invisible in the table (it holds the latest event); liar-1 is missing from it.
    expect(ledger.problems.join('\n')).not.toMatch(/order liar-0/);
    expect(ledger.problems.join('\n')).toMatch(/order liar-1 missing/);

    // The table alone catches the order never written, not the event under a newer one: the wire does.
    const tableOnly = await reconcile(h, viaSns(published), { wire: false });
    expect(tableOnly.verdicts.evidence).toBe('table');
    const liar1Lines = lieLines.filter((l) => l.orderId === 'liar-1').length;
    expect(tableOnly.verdicts.unjustified).toBe(liar1Lines);
  });
});
