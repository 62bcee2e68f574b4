/** Fast checks of the ledger's rules (the reliability suite runs it end to end). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { OrderPlaced } from '@orders/contract';
import { eventVersionOf } from '@orders/app/store';
import { ConsumerLog, contentDigest, latestByOrder, reconcileLedger, writesOnTheWire, type ConsumerLine, type LedgerInput, type ObservedWrite, type Sent } from './ledger.ts';

const event = (status: OrderPlaced['status'], timestamp: string, orderId = 'o-1'): OrderPlaced => ({ orderId, userId: 'u-1', itemName: 'Item', quantity: 1, status, timestamp });
const line = (snsMessageId: string, outcome: string, receiveCount = 1, at = 0): ConsumerLine => ({
  source: 'test',
  messageId: `sqs-${snsMessageId}-${receiveCount}`,
  snsMessageId,
  orderId: 'o-1',
  outcome,
  receiveCount,
  code: undefined,
  at,
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

  it('fails when a stored field has the right text but the wrong type (quantity "3" for 3): the store\'s digest takes one for the other, the ledger does not', () => {
    const ledger = reconcileLedger(input({ table: new Map([['o-1', { ...itemOf(shipped), quantity: String(shipped.quantity) }]]) }));
    expect(ledger.tableMatchesOracle).toBe(false);
    expect(ledger.problems.join('\n')).toMatch(/quantity/);
  });

  it('fails when the table differs from the oracle, a message stays queued, or lines name unknown messages', () => {
    const ledger = reconcileLedger(input({ table: new Map([['o-1', itemOf(paid)]]), queueDepth: 2, lines: [line('a', 'stored'), line('b', 'stored'), line('zz', 'stored')] }));
    expect(ledger.tableMatchesOracle).toBe(false);
    expect(ledger.problems.join('\n')).toMatch(/status is PAID, expected SHIPPED/);
    expect(ledger.problems.join('\n')).toMatch(/2 message\(s\) still in the source queue/);
    expect(ledger.problems.join('\n')).toMatch(/never sent: zz/);
  });
});

describe('the verdicts, checked against the store and the wire, not the log', () => {
  const wrote = (e: OrderPlaced, at = 0): ObservedWrite => ({ event: e, at });
  const onTheWire = { writes: [wrote(paid), wrote(shipped)], lines: [line('a', 'stored', 1, 1), line('b', 'stored', 1, 1)] };

  it('accepts verdicts each backed by a write of the table and the wire', () => {
    const ledger = reconcileLedger(input({ ...onTheWire, lines: [...onTheWire.lines, line('a', 'duplicate', 2, 2), line('a', 'stale', 3, 3)] }));
    expect(ledger.problems).toEqual([]);
    expect(ledger.verdicts).toEqual({ checked: 4, unjustified: 0, evidence: 'table and wire' });
    expect(reconcileLedger(input({})).verdicts).toEqual({ checked: 2, unjustified: 0, evidence: 'table' });
  });

  it('catches a consumer that logs `duplicate` for an order it never wrote: the table holds no item of it', () => {
    const lonely = event('PAID', '2026-01-01T10:00:00Z', 'o-2');
    const ledger = reconcileLedger(input({ sent: [...sent, { id: 'c', by: 'sns', event: lonely }], lines: [line('a', 'stored'), line('b', 'stored'), line('c', 'duplicate')] }));
    // What a count-based check sees: every message has one success.
    expect(ledger.counts).toMatchObject({ stored: 2, duplicate: 1, unaccounted: 0, 'double-accounted': 0 });
    expect(ledger.verdicts.unjustified).toBe(1);
    expect(() => ledger.assert()).toThrow(/verdicts no evidence backs \(table\): c \(o-2 PAID at 2026-01-01T10:00:00Z\) `duplicate`: the table holds no item of o-2/);
  });

  it('catches `duplicate` for an event never written when a newer one of its order is: the wire sees it, the table cannot', () => {
    const lie = { lines: [line('a', 'duplicate', 1, 1), line('b', 'stored', 1, 1)] };
    expect(reconcileLedger(input(lie)).problems).toEqual([]); // the table alone: SHIPPED is newer, nothing to see
    const ledger = reconcileLedger(input({ ...lie, writes: [wrote(shipped)] }));
    expect(ledger.tableMatchesOracle).toBe(true);
    expect(ledger.verdicts.unjustified).toBe(1);
    expect(() => ledger.assert()).toThrow(/a \(o-1 PAID at .*\) `duplicate`: no write of this event reached the server before the line \(1 write\(s\) of o-1 on the wire in all\)/);
  });

  it('catches `stored` with no write of the event, and more `stored` claims of one event than writes of it', () => {
    const missing = reconcileLedger(input({ ...onTheWire, writes: [wrote(shipped)] }));
    expect(missing.problems.join('\n')).toMatch(/a \(o-1 PAID .*\) `stored`: no write of this event/);
    const twice: Sent[] = [...sent, { id: 'c', by: 'sns', event: { ...paid } }];
    const claims = { sent: twice, lines: [...onTheWire.lines, line('c', 'stored', 1, 1)] };
    expect(reconcileLedger(input({ ...claims, writes: [wrote(paid), wrote(shipped)] })).problems.join('\n')).toMatch(/o-1 PAID at .* `stored` 2 times \(a, c\), 1 write\(s\) of it on the wire/);
    expect(reconcileLedger(input(claims)).problems.join('\n')).toMatch(/`stored` 2 times \(a, c\), the store writes an event once/);
    expect(reconcileLedger(input({ ...claims, writes: [wrote(paid), wrote(paid), wrote(shipped)] })).problems).toEqual([]);
  });

  it('catches `stale` when no newer event was written before the line, and when the table holds the event itself', () => {
    const early = reconcileLedger(input({ lines: [line('a', 'stale', 1, 1), line('b', 'stored', 1, 9)], writes: [wrote(shipped, 5)] }));
    expect(early.problems.join('\n')).toMatch(/a \(o-1 PAID .*\) `stale`: no write of a newer event of the order reached the server before the line/);
    const late = reconcileLedger(input({ lines: [line('a', 'stale', 1, 6), line('b', 'stored', 1, 9)], writes: [wrote(shipped, 5)] }));
    expect(late.problems).toEqual([]);
    const same = reconcileLedger(input({ sent: [sent[0]!], lines: [line('a', 'stale')], table: new Map([['o-1', itemOf(paid)]]) }));
    expect(same.problems.join('\n')).toMatch(/`stale`: the table holds PAID at 2026-01-01T10:00:00Z, not a newer event/);
  });

  it('catches a success for a body that carries no order', () => {
    const ledger = reconcileLedger(input({ sent: [...sent, { id: 'sqs-x', by: 'sqs' }], lines: [line('a', 'stored'), line('b', 'stored'), { ...line('x', 'stored'), messageId: 'sqs-x' }] }));
    expect(ledger.problems.join('\n')).toMatch(/sqs-x: `stored`, but it carries no order/);
  });

  it('reads the writes from the wire: PutItem calls on the table the server answered 200, nothing else', () => {
    const put = (e: OrderPlaced, status: number | undefined, table = 'Orders', target = 'DynamoDB_20120810.PutItem') => ({
      target,
      at: 7,
      body: JSON.stringify({ TableName: table, Item: { ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: v }])), eventVersion: { S: 'x' } } }),
      ...(status === undefined ? {} : { response: { status, body: '{}' } }),
    });
    const writes = writesOnTheWire([put(paid, 200), put(shipped, 400), put(shipped, undefined), put(shipped, 200, 'Other'), put(shipped, 200, 'Orders', 'DynamoDB_20120810.GetItem')], 'Orders');
    expect(writes).toEqual([{ event: paid, at: 7 }]);
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

describe('ConsumerLog.attach', () => {
  it("reads a process's last record line when its output ends without a newline (it was left unread), and a line split across chunks once", async () => {
    const log = new ConsumerLog();
    const output = new PassThrough();
    const others: string[] = [];
    log.attach(output, 'subscriber', (other) => others.push(other));
    output.write('{"messageId":"m-1","outco');
    output.write('me":"stored"}\nstarting\n{"messageId":"m-2","outcome":"failed"}');
    output.end();
    await new Promise((resolve) => output.once('end', resolve));
    expect(log.lines.map((l) => `${l.messageId} ${l.outcome}`)).toEqual(['m-1 stored', 'm-2 failed']);
    expect(others).toEqual(['starting']);
  });
});
