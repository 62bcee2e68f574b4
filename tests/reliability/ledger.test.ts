/** Fast checks of the ledger's rules (the reliability suite runs it end to end). */
import { describe, expect, it } from 'vitest';
import type { OrderPlaced } from '@orders/contract';
import { eventVersionOf } from '@orders/app/store';
import { contentDigest, latestByOrder, reconcileLedger, type ConsumerLine, type LedgerInput, type Sent } from './ledger.ts';

const event = (status: OrderPlaced['status'], timestamp: string, orderId = 'o-1'): OrderPlaced => ({ orderId, userId: 'u-1', itemName: 'Item', quantity: 1, status, timestamp });
const line = (snsMessageId: string, outcome: string, receiveCount = 1): ConsumerLine => ({
  source: 'test',
  messageId: `sqs-${snsMessageId}-${receiveCount}`,
  snsMessageId,
  orderId: 'o-1',
  outcome,
  receiveCount,
  code: undefined,
  at: 0,
});
const itemOf = (e: OrderPlaced) => ({ ...e });

const paid = event('PAID', '2026-01-01T10:00:00Z');
const shipped = event('SHIPPED', '2026-01-01T11:00:00Z');
const sent: Sent[] = [
  { id: 'a', by: 'sns', event: paid },
  { id: 'b', by: 'sns', event: shipped },
];
const input = (overrides: Partial<LedgerInput>): LedgerInput => ({
  sent,
  lines: [line('a', 'stored'), line('b', 'stored')],
  deadLetters: [],
  table: new Map([['o-1', itemOf(shipped)]]),
  queueDepth: 0,
  ...overrides,
});

describe('the ledger', () => {
  it('balances when each message has one fate and the table holds the latest event', () => {
    const ledger = reconcileLedger(input({}));
    expect(ledger.problems).toEqual([]);
    expect(ledger.counts).toMatchObject({ stored: 2, unaccounted: 0, 'double-accounted': 0 });
    expect(() => ledger.assert()).not.toThrow();
  });

  it('accepts a redelivery after a success that ends duplicate, and counts it', () => {
    const ledger = reconcileLedger(input({ lines: [line('a', 'stored'), line('b', 'stored'), line('b', 'duplicate', 2)] }));
    expect(ledger.problems).toEqual([]);
    expect(ledger.fates.get('b')!.fate).toBe('stored');
    expect(ledger.redelivered).toBe(1);
  });

  it('reports a message with no success line and not in the DLQ as unaccounted, even when the table looks right', () => {
    const ledger = reconcileLedger(input({ lines: [line('b', 'stored'), line('a', 'failed')] }));
    expect(ledger.counts.unaccounted).toBe(1);
    expect(ledger.tableMatchesOracle).toBe(true);
    expect(() => ledger.assert()).toThrow(/unaccounted.*\ba\b.*after 1 failure line/);
  });

  it.each([
    ['two stored lines (a second write)', { lines: [line('a', 'stored'), line('a', 'stored', 2), line('b', 'stored')] }],
    ['a success line and the DLQ', { lines: [line('a', 'stale'), line('b', 'stored')], deadLetters: [{ messageId: 'x', snsMessageId: 'a' }] }],
    ['the DLQ twice', { lines: [line('b', 'stored')], deadLetters: [{ messageId: 'x', snsMessageId: 'a' }, { messageId: 'y', snsMessageId: 'a' }] }],
  ])('reports %s as double-accounted', (_name, overrides) => {
    const ledger = reconcileLedger(input(overrides));
    expect(ledger.fates.get('a')!.fate).toBe('double-accounted');
    expect(() => ledger.assert()).toThrow(/double-accounted/);
  });

  it('leaves dead-lettered events out of the oracle', () => {
    const ledger = reconcileLedger(input({ lines: [line('a', 'stored'), line('b', 'failed')], deadLetters: [{ messageId: 'x', snsMessageId: 'b' }], table: new Map([['o-1', itemOf(paid)]]) }));
    expect(ledger.problems).toEqual([]);
    expect(ledger.counts['dead-lettered']).toBe(1);
  });

  it('fails when the table differs from the oracle, a message stays queued, or lines name unknown messages', () => {
    const ledger = reconcileLedger(input({ table: new Map([['o-1', itemOf(paid)]]), queueDepth: 2, lines: [line('a', 'stored'), line('b', 'stored'), line('zz', 'stored')] }));
    expect(ledger.tableMatchesOracle).toBe(false);
    expect(ledger.problems.join('\n')).toMatch(/status is PAID, expected SHIPPED/);
    expect(ledger.problems.join('\n')).toMatch(/2 message\(s\) still in the source queue/);
    expect(ledger.problems.join('\n')).toMatch(/never sent: zz/);
  });
});

describe('the oracle', () => {
  it('orders by instant, not by text, across offsets', () => {
    const early = event('PAID', '2026-01-01T10:00:00+02:00'); // 08:00Z
    const late = event('SHIPPED', '2026-01-01T09:00:00Z');
    expect(latestByOrder([late, early]).get('o-1')).toBe(late);
    expect(latestByOrder([early, late]).get('o-1')).toBe(late);
  });

  it('breaks a tie of instants by the larger digest, the same one the store writes', () => {
    const a = event('PAID', '2026-01-01T10:00:00Z');
    const b = event('SHIPPED', '2026-01-01T12:00:00+02:00');
    const winner = contentDigest(a) > contentDigest(b) ? a : b;
    expect(latestByOrder([a, b]).get('o-1')).toBe(winner);
    expect(latestByOrder([b, a]).get('o-1')).toBe(winner);
    expect(eventVersionOf(a).split('#')[1]).toBe(contentDigest(a));
  });
});
