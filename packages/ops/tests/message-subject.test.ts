/**
 * The framework's subject of a message (`subjectFromContract`): what `dlq list` and the local
 * console both show of a dead letter, from the contract alone. In process, on message contracts
 * as the generated module gives them (their fields in order).
 */
import { describe, expect, it } from 'vitest';
import { subjectFromContract } from '@sluice/ops';

const orderPlaced = { properties: ['orderId', 'quantity'] };
const paymentCaptured = { properties: ['paymentId', 'orderId'] };
const subjectOf = subjectFromContract({ OrderPlaced: orderPlaced, PaymentCaptured: paymentCaptured });

describe('subjectFromContract', () => {
  it("is the value of its message's first field", () => {
    expect(subjectOf({ orderId: 'ord-1', quantity: 2 }, 'OrderPlaced')).toBe('ord-1');
    expect(subjectOf({ paymentId: 'pay-1', orderId: 'ord-1' }, 'PaymentCaptured')).toBe('pay-1');
    expect(subjectOf({ orderId: 42 }, 'OrderPlaced')).toBe('42');
    expect(subjectOf({ quantity: 2 }, 'OrderPlaced')).toBeUndefined();
  });

  it('of a payload the consumer rejected (its message unknown), the first field of the first message it has: a rejected order still shows its order id (the console showed none)', () => {
    expect(subjectOf({ orderId: 'ord-bad', quantity: 'two' }, undefined)).toBe('ord-bad');
    expect(subjectOf({ paymentId: 'pay-bad' }, undefined)).toBe('pay-bad');
  });

  it('is none for a body that is no message of the contract, nor for a value that is no id (an object, a text over 64 characters)', () => {
    expect(subjectOf({ hello: 2 }, undefined)).toBeUndefined();
    expect(subjectOf('ord-1', undefined)).toBeUndefined();
    expect(subjectOf(null, undefined)).toBeUndefined();
    expect(subjectOf([{ orderId: 'ord-1' }], undefined)).toBeUndefined();
    expect(subjectOf({ orderId: { id: 'ord-1' } }, 'OrderPlaced')).toBeUndefined();
    expect(subjectOf({ orderId: 'x'.repeat(65) }, 'OrderPlaced')).toBeUndefined();
    expect(subjectOf({ orderId: 'ord-1' }, 'NoSuchMessage')).toBeUndefined();
    // Its own fields only, not what an object inherits.
    expect(subjectOf(Object.create({ orderId: 'inherited' }), undefined)).toBeUndefined();
  });
});
