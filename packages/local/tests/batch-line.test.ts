/**
 * The batch line of `npm start`: what was deleted, what stays for a retry, and what goes to the
 * dead-letter queue next. A record that fails on its queue's last receive (`receive 3/3`) is not
 * retried: the queue moves it to its dead-letter queue when it comes back, and the line says so,
 * naming that queue and the operator command that lists it when they are known.
 */
import { describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { batchLine, deadLetterRouteOf, loadApplication, type BatchReport } from '@sluice/local';

const record = (messageId: string, receives: number): SQSRecord => ({ messageId, body: '{}', attributes: { ApproximateReceiveCount: String(receives) } }) as unknown as SQSRecord;
const report = (records: SQSRecord[], failed: string[], batchFailure?: string): BatchReport => ({
  records,
  succeeded: records.map((r) => r.messageId).filter((id) => !failed.includes(id)),
  failed,
  durationMs: 12,
  ...(batchFailure ? { batchFailure } : {}),
});

describe('batchLine', () => {
  it('leaves a record failed before its last receive for a retry, as before', () => {
    const line = batchLine('consumeOrderPlaced', report([record('a', 1), record('b', 2)], ['b']), 3);
    expect(line).toMatch(/consumeOrderPlaced: batch of 2 \(1 redelivered\): 1 done \(deleted\), 1 left for retry \(receive 2\/3\) in 12 ms$/);
    expect(line).not.toMatch(/dead-letter|DLQ/);
  });

  it('says a record failed on its last receive goes to the dead-letter queue next, not that it is left for retry', () => {
    const line = batchLine('consumeOrderPlaced', report([record('a', 3)], ['a'], 'handler error: Error: boom'), 3);
    expect(line).not.toContain('left for retry');
    expect(line).toContain('1 failed on its last receive (3/3): to its dead-letter queue after the visibility timeout');
    // The batch was a redelivery; what happens next is the dead-letter queue (it read "…to its dead-letter queue next, 1 redelivered").
    expect(line).toMatch(/batch of 1 \(redelivered\): 0 done \(deleted\), 1 failed on its last receive/);
    expect(line).not.toMatch(/next, \d+ redelivered/);
  });

  it('names the dead-letter queue and the command that lists it, when known, and tells retried records from dead-lettered ones', () => {
    const line = batchLine('consumeOrderPlaced', report([record('a', 1), record('b', 3), record('c', 4)], ['a', 'b', 'c']), { maxReceiveCount: 3, deadLetterQueue: 'OrderPlacedDLQ', listCommand: 'npx orders dlq list --queue OrderPlacedDLQ' });
    expect(line).toContain('1 left for retry (receive 1/3)');
    // Moved when received again after the visibility timeout: a listing right away would not show them yet.
    expect(line).toContain('2 failed on their last receive (3/3): to OrderPlacedDLQ after the visibility timeout (`npx orders dlq list --queue OrderPlacedDLQ` lists them then)');
  });

  it("finds a consumer's dead-letter queue and the application's command to list it", async () => {
    const application = await loadApplication(process.cwd());
    const op = Object.values(application.topology.operations).find((o) => o.action === 'receive' && o.queue && application.topology.queues[o.queue]?.deadLetter)!;
    const dlq = application.topology.queues[op.queue!]!.deadLetter!;
    expect(deadLetterRouteOf(application, op.id)).toEqual({ maxReceiveCount: dlq.maxReceiveCount, deadLetterQueue: dlq.queue, listCommand: `${application.project.operatorCommand} dlq list --queue ${dlq.queue}` });
    const { operatorCommand: _declared, ...project } = application.project;
    expect(deadLetterRouteOf({ ...application, project }, op.id)).toEqual({ maxReceiveCount: dlq.maxReceiveCount, deadLetterQueue: dlq.queue });
    expect(deadLetterRouteOf(application, 'noSuchOperation')).toBeUndefined();
  });
});
