/**
 * The local stack's journal of why messages failed (`FailureJournal`): what it reads from a
 * consumer's lines and batch ends, what it forgets, what it keeps across a restart on the data
 * folder, and how the endpoint answers for it. End to end (`dlq list` on a dead letter the
 * handler threw on), see point-to-point-consumer.test.ts; consumers in another process, see
 * subscriber-failures.test.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { changesOfBatch, FailureJournal, failureOfLogLine, startAwsGateway, type BatchReport } from '@sluice/local';
import { describeHandlerFailure, localHandlerFailures } from '@sluice/ops';

const dir = mkdtempSync(path.join(tmpdir(), 'failure-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A record line as the runtime's consumer writes it (see defineConsumer's runRecord). */
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'ERROR', message: 'record failed', timestamp: '2026-12-06T10:00:00.000Z', service: 'orders', operation: 'consumeOrderPlaced', outcome: 'failed', ...fields });

const record = (messageId: string, receiveCount = 1) => ({ messageId, attributes: { ApproximateReceiveCount: String(receiveCount) } }) as unknown as SQSRecord;

describe('failureOfLogLine', () => {
  it("keeps a record line of this consumer that failed or was rejected, with the handler's words", () => {
    expect(failureOfLogLine('consumeOrderPlaced', line({ messageId: 'm-1', code: 'Error', reasons: ['the ledger is closed'], receiveCount: 3, error: { name: 'Error' } }))).toEqual({
      messageId: 'm-1',
      operationId: 'consumeOrderPlaced',
      at: '2026-12-06T10:00:00.000Z',
      outcome: 'failed',
      code: 'Error',
      reasons: ['the ledger is closed'],
      receiveCount: 3,
    });
    expect(failureOfLogLine('consumeOrderPlaced', line({ message: 'record rejected', level: 'WARN', outcome: 'invalid', messageId: 'm-2', code: 'OUT_OF_STOCK', reasons: ['sku-9 is sold out'] }))).toMatchObject({
      outcome: 'invalid',
      code: 'OUT_OF_STOCK',
      reasons: ['sku-9 is sold out'],
    });
  });

  it("leaves everything else: a processed record, another consumer's line, the handler's own lines, text", () => {
    expect(failureOfLogLine('consumeOrderPlaced', line({ message: 'record processed', outcome: 'stored', messageId: 'm-1' }))).toBeUndefined();
    expect(failureOfLogLine('consumeAudit', line({ messageId: 'm-1' }))).toBeUndefined();
    // A handler logging its own line that happens to say "record failed" names no outcome of a record.
    expect(failureOfLogLine('consumeOrderPlaced', JSON.stringify({ level: 'ERROR', message: 'record failed', messageId: 'm-1' }))).toBeUndefined();
    expect(failureOfLogLine('consumeOrderPlaced', 'record failed: m-1')).toBeUndefined();
    expect(failureOfLogLine('consumeOrderPlaced', '{"message":"record failed",')).toBeUndefined();
  });
});

describe('changesOfBatch', () => {
  const report = (fields: Partial<BatchReport>): BatchReport => ({ records: [record('m-1', 2), record('m-2')], succeeded: [], failed: [], durationMs: 5, ...fields });

  it('forgets what was deleted; a batch that failed whole is a failure of each of its messages', () => {
    expect(changesOfBatch('consumeOrderPlaced', report({ succeeded: ['m-1'], failed: ['m-2'] }))).toEqual({ forget: ['m-1'], record: [] });
    const whole = changesOfBatch('consumeOrderPlaced', report({ failed: ['m-1', 'm-2'], batchFailure: 'function timed out after 30 s' }));
    expect(whole.record.map((f) => [f.messageId, f.outcome, f.reasons, f.receiveCount])).toEqual([
      ['m-1', 'batch failed', ['function timed out after 30 s'], 2],
      ['m-2', 'batch failed', ['function timed out after 30 s'], 1],
    ]);
    expect(describeHandlerFailure(whole.record[0]!)).toBe('consumeOrderPlaced failed the whole batch on receive 2: function timed out after 30 s');
  });
});

describe('FailureJournal', () => {
  it('keeps the last failure of each message, forgets one handled since, and holds at most its limit (the oldest go)', () => {
    const journal = new FailureJournal({ limit: 2 });
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'm-1', reasons: ['first'], receiveCount: 1 }));
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'm-1', reasons: ['second'], receiveCount: 2 }));
    expect(journal.lookup(['m-1', 'nope'])).toEqual({ 'm-1': expect.objectContaining({ reasons: ['second'], receiveCount: 2 }) });
    journal.fromBatch('consumeOrderPlaced', { records: [record('m-1', 3)], succeeded: ['m-1'], failed: [], durationMs: 1 });
    expect(journal.lookup(['m-1'])).toEqual({});
    for (const id of ['a', 'b', 'c']) journal.fromLogLine('consumeOrderPlaced', line({ messageId: id, reasons: [id] }));
    expect(Object.keys(journal.lookup(['a', 'b', 'c']))).toEqual(['b', 'c']);
  });

  it('is kept in its file: a journal started again on it knows what the first knew, a line cut short said and left out', () => {
    const file = path.join(dir, 'restart.jsonl');
    const events: string[] = [];
    const first = new FailureJournal({ file, onEvent: (l) => events.push(l) });
    first.fromLogLine('consumeOrderPlaced', line({ messageId: 'kept', reasons: ['the ledger is closed'], receiveCount: 3 }));
    first.fromLogLine('consumeOrderPlaced', line({ messageId: 'handled', reasons: ['once'] }));
    first.forget(['handled']);
    // A crash in the middle of a write.
    writeFileSync(file, readFileSync(file, 'utf8') + '{"messageId":"cut', { flag: 'w' });

    const second = new FailureJournal({ file, onEvent: (l) => events.push(l) });
    expect(second.lookup(['kept', 'handled'])).toEqual({ kept: expect.objectContaining({ reasons: ['the ledger is closed'], receiveCount: 3 }) });
    expect(events).toEqual([`failure journal: 1 unreadable line(s) in ${file} left out (a write cut short?)`]);
    // Rewritten short on start: one line per message kept.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('rewrites its file short once it holds many more changes than messages', () => {
    const file = path.join(dir, 'compact.jsonl');
    const journal = new FailureJournal({ file, limit: 10 });
    for (let i = 0; i < 50; i++) {
      journal.fromLogLine('consumeOrderPlaced', line({ messageId: `m-${i}` }));
      journal.forget([`m-${i}`]);
    }
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'last' }));
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(11);
    expect(Object.keys(new FailureJournal({ file }).lookup(['last', 'm-49']))).toEqual(['last']);
  });

  it('says once when its file cannot be written, and goes on in memory', () => {
    const events: string[] = [];
    const journal = new FailureJournal({ file: path.join(dir, 'no-such-folder', 'failures.jsonl'), onEvent: (l) => events.push(l) });
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'm-1' }));
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'm-2' }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^failure journal: cannot write .*no-such-folder.*; failures are kept in memory until the stack stops$/);
    expect(Object.keys(journal.lookup(['m-1', 'm-2']))).toEqual(['m-1', 'm-2']);
  });

  it('leaves no temporary file in the data folder when a rewrite fails, and says so', () => {
    const folder = mkdtempSync(path.join(dir, 'rewrite-fails-'));
    const file = path.join(folder, 'failures.jsonl');
    const events: string[] = [];
    const journal = new FailureJournal({ file, limit: 1, onEvent: (l) => events.push(l) });
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'a' }));
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'b' })); // a goes: the limit is 1
    // Something in the way of the journal's name: the rewrite's rename fails.
    rmSync(file);
    mkdirSync(file);
    writeFileSync(path.join(file, 'in-the-way'), '');
    journal.forget(['b']); // three lines for no message: rewritten
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^failure journal: cannot write .*failures\.jsonl .*; failures are kept in memory until the stack stops$/);
    expect(readdirSync(folder)).toEqual(['failures.jsonl']);
  });
});

describe("the endpoint's /_sluice/failures", () => {
  it('answers the failures of the ids asked, takes reports in order, refuses a malformed body, and is absent without a journal', async () => {
    const journal = new FailureJournal({});
    journal.fromLogLine('consumeOrderPlaced', line({ messageId: 'm-1', reasons: ['the ledger is closed'], receiveCount: 3 }));
    const upstreams = { fauxqs: 'http://127.0.0.1:9', dynalite: 'http://127.0.0.1:9' };
    const gateway = await startAwsGateway({ upstreams, port: 0, failures: journal });
    const bare = await startAwsGateway({ upstreams, port: 0 });
    try {
      const found = await localHandlerFailures(gateway.endpoint, ['m-1', 'm-2']);
      expect([...found.keys()]).toEqual(['m-1']);
      expect(describeHandlerFailure(found.get('m-1')!)).toBe('consumeOrderPlaced threw on receive 3: the ledger is closed');

      // A report from consumers in another process: recorded, then forgotten, in the order sent.
      const post = (body: string) => fetch(`${gateway.endpoint}/_sluice/failures/report`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const failure = { messageId: 'm-2', operationId: 'consumeOrderPlaced', at: '2026-12-06T10:00:00.000Z', outcome: 'invalid', code: 'OUT_OF_STOCK', reasons: ['sold out'] };
      expect((await post(JSON.stringify({ changes: [{ forget: [], record: [failure] }, { forget: ['m-1'], record: [] }] }))).status).toBe(204);
      expect([...(await localHandlerFailures(gateway.endpoint, ['m-1', 'm-2'])).keys()]).toEqual(['m-2']);

      const refused = await post(JSON.stringify({ changes: [{ forget: [1], record: [] }] }));
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('"changes" must be a list');
      expect((await post('{not json')).status).toBe(400);
      // An older stack, or one without a journal: nothing known, the listing says where else to look.
      expect((await localHandlerFailures(bare.endpoint, ['m-2'])).size).toBe(0);
    } finally {
      await gateway.close();
      await bare.close();
    }
  });
});
