/**
 * What the operator's commands print from message content is terminal-safe: `dlq list` (the
 * subject and the reason come from a rejected payload), `orders list` (stored fields) and
 * `npm start`'s batch lines (a handler's error). Each line holds no raw ESC, BEL or bidi control.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '@aws-sdk/client-sqs';
import { batchLine } from '@sluice/local';
import { formatDeadLetters, type DeadLetter } from '@sluice/ops';
import { formatOrders } from '../../packages/orders/src/cli/order-commands.ts';

const hostile = 'ord-1\u001b]0;title\u0007\u001b[2J\u202eevil';
const shown = 'ord-1\\x1b]0;title\\x07\\x1b[2J\\u202eevil';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('printers of message content', () => {
  it('dlq list shows a rejected payload\'s orderId and reason escaped', () => {
    const letter: DeadLetter = {
      messageId: 'm-1',
      receiveCount: 3,
      sentAt: undefined,
      body: '{}',
      snsMessageId: undefined,
      messageName: 'OrderPlaced',
      reason: { code: 'INVALID_PAYLOAD', message: `orderId ${hostile} is not valid` } as unknown as DeadLetter['reason'],
      subject: hostile,
      message: {} as Message,
    };
    const text = formatDeadLetters([letter], 'orderId');
    expect(text).not.toMatch(RAW);
    expect(text).toContain(shown);
    expect(text).toContain(`orderId ${shown} is not valid`);
  });

  it('orders list shows stored fields escaped', () => {
    const text = formatOrders([{ orderId: hostile, status: 'PAID', quantity: 1, timestamp: '2026-03-01T10:00:00Z', itemName: `lamp\u202e`, userId: 'u' } as never]);
    expect(text).not.toMatch(RAW);
    expect(text).toContain(shown);
    expect(text).toContain('lamp\\u202e');
  });

  it('npm start\'s batch line shows a handler\'s error escaped', () => {
    const line = batchLine('consumeOrderPlaced', { records: [], succeeded: [], failed: [], batchFailure: `Error: bad ${hostile}`, durationMs: 3 }, 3);
    expect(line).not.toMatch(RAW);
    expect(line).toContain(`Error: bad ${shown}`);
  });
});
