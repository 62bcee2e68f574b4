/**
 * Equal instants, different content: several states of one order stamped with the same instant
 * (written in different offsets). The store's rule: the larger SHA-256 digest of the contract
 * fields wins, so every arrival order converges to one item. Checked two ways:
 * - one order, its three variants delivered one at a time in each of the 6 possible orders (the
 *   item removed between rounds): the same item every time, and each step's outcome (`stored` or
 *   `stale`) the one the oracle predicts;
 * - many orders, ties mixed with earlier events and duplicates, all at once through concurrent
 *   batches: the table equals the oracle, whose tie-break is computed here, independently of the
 *   store's code, and agrees with the digest the store wrote.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderPlaced, OrderStatus } from '@orders/contract';
import { ORDERS_TABLE } from '@orders/app/settings';
import { publishAll, reconcile, scale, scanTable, startHarness, viaSns, waitForSuccess, waitUntilSettled, type Harness, type Published } from './harness.ts';
import { formatWithOffset, random } from './event-stream.ts';
import { CONTRACT_FIELDS, contentDigest, latestByOrder, supersedes } from './ledger.ts';
import { recordRow } from './summary.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const TIE_OFFSETS = [0, 120, -330, 345];
const TIE_STATUSES: OrderStatus[] = ['PAID', 'SHIPPED', 'CANCELLED', 'REFUNDED'];

/** `count` different states of one order, all at the instant `ms`, each written in another offset. */
function variantsAt(orderId: string, ms: number, count: number): OrderPlaced[] {
  return Array.from({ length: count }, (_, v) => ({
    orderId,
    userId: 'usr-tie',
    itemName: `Variant ${v}`,
    quantity: v + 1,
    status: TIE_STATUSES[v]!,
    timestamp: formatWithOffset(ms, TIE_OFFSETS[v]!),
  }));
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const fieldsOf = (item: Record<string, unknown> | undefined) => Object.fromEntries(CONTRACT_FIELDS.map((k) => [k, item?.[k]]));

describe('events of one order at the same instant with different content', () => {
  it('converges to one item whatever the arrival order, the larger digest winning', async ({ task }) => {
    const sent: Published[] = [];

    // One order, every arrival order of its three variants, one message at a time.
    const variants = variantsAt('tie-sequential', Date.parse('2026-06-10T12:00:00Z'), 3);
    expect(new Set(variants.map((v) => Date.parse(v.timestamp))).size).toBe(1);
    const expected = latestByOrder(variants).get('tie-sequential')!;
    const rounds = permutations(variants);
    for (const order of rounds) {
      await h.doc.send(new DeleteCommand({ TableName: ORDERS_TABLE, Key: { orderId: 'tie-sequential' } }));
      let current: OrderPlaced | undefined;
      for (const variant of order) {
        const [published] = await publishAll(h.publisher, [variant]);
        sent.push(published!);
        await waitForSuccess(h, [published!.messageId]);
        const outcome = h.log.lines.find((l) => l.snsMessageId === published!.messageId)!.outcome;
        const wins = !current || supersedes(variant, current);
        expect(outcome, `${order.map((v) => v.status).join(' → ')}: ${variant.status}`).toBe(wins ? 'stored' : 'stale');
        if (wins) current = variant;
      }
      const { Item } = await h.doc.send(new GetCommand({ TableName: ORDERS_TABLE, Key: { orderId: 'tie-sequential' }, ConsistentRead: true }));
      expect(fieldsOf(Item), `arrival order ${order.map((v) => v.status).join(' → ')}`).toEqual(fieldsOf(expected as unknown as Record<string, unknown>));
    }

    // Many orders at once: two earlier events, then four variants at one instant, 50 % duplicated, shuffled.
    const rnd = random(73);
    const orders = Math.round(100 * scale);
    const events: OrderPlaced[] = [];
    for (let o = 0; o < orders; o++) {
      const tie = Date.parse('2026-06-11T00:00:00Z') + Math.floor(rnd() * 86_400_000);
      const orderId = `tie-${o}`;
      events.push(
        { orderId, userId: 'usr-tie', itemName: 'Earlier', quantity: 1, status: 'PENDING', timestamp: formatWithOffset(tie - 7_200_000, -60) },
        { orderId, userId: 'usr-tie', itemName: 'Earlier', quantity: 1, status: 'CONFIRMED', timestamp: formatWithOffset(tie - 1, 60) },
        ...variantsAt(orderId, tie, 4),
      );
    }
    const all = [...events, ...events.filter(() => rnd() < 0.5)];
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    const concurrent = await publishAll(h.publisher, all);
    sent.push(...concurrent);
    await waitUntilSettled(h, 600_000);

    const ledger = await reconcile(h, viaSns(sent));
    recordRow(task, 'equal instants, different content', ledger, `${rounds.length} arrival orders of 3 tied variants; ${orders} orders × 4 tied variants at once`);
    console.log(`equal instants: ${ledger.line}`);
    ledger.assert();
    expect(ledger.counts['dead-lettered']).toBe(0);

    // Each order's item carries the version of the winner the oracle chose (its digest ends eventVersion).
    const table = await scanTable(h.doc);
    const winners = latestByOrder(concurrent.map((p) => p.event));
    for (const [orderId, winner] of winners) expect(String(table.get(orderId)?.eventVersion).split('#')[1], orderId).toBe(contentDigest(winner));
    // Tied losers arrived both before the winner (stored, then replaced) and after it (stale).
    const winnerDigests = new Set([...winners.values()].map(contentDigest));
    const tiedLosers = concurrent.filter((p) => p.event.itemName.startsWith('Variant') && !winnerDigests.has(contentDigest(p.event)));
    const outcomes = tiedLosers.flatMap((p) => ledger.fates.get(p.messageId)!.successes);
    console.log(`equal instants: tied losers ${outcomes.filter((o) => o === 'stored').length}× stored before the winner, ${outcomes.filter((o) => o === 'stale').length}× stale after it`);
    expect(outcomes).toContain('stored');
    expect(outcomes).toContain('stale');
  });
});
