/**
 * The console's lookup of one dead letter that it did not find (a 404) says why it may be there
 * unseen: on a FIFO dead-letter queue, a letter waits behind the first message of its group, not
 * visible until that one is redriven or deleted (it said only "no message … in …", which is false
 * of a letter that is there). In process: the text function the 404 is made of; the reading itself
 * is DeadLetterQueue.listing's (packages/ops/tests/fifo-operator-tools.test.ts, on a stack).
 */
import { describe, expect, it } from 'vitest';
import { deadLetterNotFound } from '@sluice/local/console';
import { fifoNotShownReason } from '@sluice/ops';

describe('the 404 of a dead letter the console did not find', () => {
  it('on a FIFO queue, says it may be waiting behind the first message of its group, with how many wait (dlq list words)', () => {
    expect(deadLetterNotFound('PaymentDLQ.fifo', 'm-7', { fifo: true, notShown: 2 })).toBe(
      `no message m-7 among those PaymentDLQ.fifo shows: on a FIFO queue it may be waiting behind the first message of its group, not visible until that one is redriven or deleted; ${fifoNotShownReason(2)}`,
    );
    // Nothing counted besides those read: said too, not left out.
    expect(deadLetterNotFound('PaymentDLQ.fifo', 'm-7', { fifo: true, notShown: 0 })).toBe(
      'no message m-7 in PaymentDLQ.fifo: on a FIFO queue it may be waiting behind the first message of its group, not visible until that one is redriven or deleted, but PaymentDLQ.fifo counts no message besides those read (the count is approximate: look again)',
    );
  });

  it('on a standard queue, says no group of it, and what SQS counted but could not be read, if anything', () => {
    expect(deadLetterNotFound('PaymentDLQ', 'm-7', { fifo: false, notShown: 0 })).toBe('no message m-7 in PaymentDLQ');
    expect(deadLetterNotFound('PaymentDLQ', 'm-7', { fifo: false, notShown: 1 })).toMatch(/^no message m-7 in PaymentDLQ; 1 more message\(s\) counted by SQS than could be read/);
    expect(deadLetterNotFound('PaymentDLQ', 'm-7', { fifo: false, notShown: 1 })).not.toMatch(/FIFO|group/);
  });
});
