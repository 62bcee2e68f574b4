/**
 * The decoder of a receive operation, on a fixture contract of its own
 * (tests/fixtures/single-consumer: OrderPlaced v1 on OrderTopic, consumed by consumeOrderPlaced),
 * generated in a fixture project as codegen generates an application's.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecoder, DecodeErrorCode } from '@sluice/runtime/consumer';
import { defineMessage, defineOperation, type ReceiveOperation } from '@sluice/runtime/contract';
import { fixtureOrder, fixtureProject, receiveOperationOf } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const envelopeBody = readFileSync(new URL('./events/sns-envelope.json', import.meta.url), 'utf8');
const decode = createDecoder(receiveOperationOf(await fixture.contract(), 'consumeOrderPlaced'));
/** A valid OrderPlaced of the fixture (order `ord-1`), with `overrides`. */
const anOrder = (overrides: Record<string, unknown> = {}) => fixtureOrder('ord-1', overrides);

function decodeBody(body: string, messageAttributes?: Record<string, { stringValue: string; dataType: string }>) {
  return decode({ body, ...(messageAttributes ? { messageAttributes } : {}) });
}

describe('the decoder of consumeOrderPlaced', () => {
  it('decodes the SNS notification envelope SNS delivers with raw delivery off', () => {
    const result = decodeBody(envelopeBody);
    expect(result).toMatchObject({
      ok: true,
      name: 'OrderPlaced',
      attributes: { eventType: 'OrderPlaced', schemaVersion: '1.0.0' },
      payload: {
        orderId: 'ord-2026-000123',
        userId: 'usr-42',
        itemName: 'Mechanical keyboard',
        quantity: 2,
        status: 'PENDING',
        timestamp: '2026-01-01T09:00:00Z',
      },
      envelope: {
        messageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        topicArn: 'arn:aws:sns:us-east-1:123456789012:OrderTopic',
        timestamp: '2026-01-01T09:00:00.901Z',
      },
    });
  });

  it('decodes a raw-delivery body (the published message itself)', () => {
    const order = anOrder({ status: 'SHIPPED' });
    const result = decodeBody(JSON.stringify(order), { eventType: { stringValue: 'OrderPlaced', dataType: 'String' } });
    expect(result).toMatchObject({ ok: true, name: 'OrderPlaced', payload: order });
    expect(result.ok && result.envelope).toBe(undefined);
  });

  it('tolerates an additive field from a newer producer and drops it', () => {
    const result = decodeBody(JSON.stringify(snsEnvelope({ ...anOrder(), giftWrap: true, notes: { a: 1 } })));
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.keys(result.payload as object)).toEqual(['orderId', 'userId', 'itemName', 'quantity', 'status', 'timestamp']);
  });

  it.each([
    ['a body that is not JSON', '{"Type": "Notification", ', DecodeErrorCode.BODY_NOT_JSON],
    ['an SNS message of another type', JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'm', TopicArn: 't', Message: '{}' }), DecodeErrorCode.NOT_AN_ENVELOPE],
    ['an envelope whose Message is not a string', JSON.stringify({ ...snsEnvelope(anOrder()), Message: anOrder() }), DecodeErrorCode.NOT_AN_ENVELOPE],
    ['an envelope without TopicArn', JSON.stringify({ ...snsEnvelope(anOrder()), TopicArn: undefined }), DecodeErrorCode.NOT_AN_ENVELOPE],
    ['an envelope whose Message is not JSON', JSON.stringify(snsEnvelope('not json {')), DecodeErrorCode.MESSAGE_NOT_JSON],
    ['a JSON array body', '[1,2,3]', DecodeErrorCode.PAYLOAD_INVALID],
    ['a JSON string body', '"hello"', DecodeErrorCode.PAYLOAD_INVALID],
    ['deeply nested JSON', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, DecodeErrorCode.PAYLOAD_INVALID],
    ['another event type', JSON.stringify(snsEnvelope(anOrder(), { eventType: 'OrderShipped', schemaVersion: '1.0.0' })), DecodeErrorCode.WRONG_EVENT_TYPE],
    ['a newer major version', JSON.stringify(snsEnvelope(anOrder(), { eventType: 'OrderPlaced', schemaVersion: '2.0.0' })), DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION],
  ])('rejects %s with a stable code', (_name, body, code) => {
    const result = decodeBody(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message.length).toBeGreaterThan(10);
    }
  });

  it('rejects an unsupported major version delivered raw, from the SQS message attributes', () => {
    const result = decodeBody(JSON.stringify(anOrder()), { schemaVersion: { stringValue: '3.1.0', dataType: 'String' } });
    expect(result.ok || result.error.code).toBe(DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION);
  });

  it('says which fields are wrong and why', () => {
    const bad = { ...anOrder(), quantity: 0, status: 'LOST', timestamp: '2026-01-01T09:00:00' } as Record<string, unknown>;
    delete bad.userId;
    const result = decodeBody(JSON.stringify(snsEnvelope(bad)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(DecodeErrorCode.PAYLOAD_INVALID);
    expect(result.error.issues.map((i) => `${i.path}: ${i.keyword}`)).toEqual([
      'userId: required',
      'quantity: minimum',
      'status: enum',
      'timestamp: format',
    ]);
    expect(result.error.message).toContain('quantity: must be >= 1');
    expect(result.envelope?.topicArn).toContain('OrderTopic');
  });

  it('treats __proto__ and constructor keys as plain data, not as prototypes', () => {
    const body = `{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ${JSON.stringify(anOrder()).slice(1)}`;
    const result = decodeBody(body);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (result.ok) expect(Object.keys(result.payload as object)).not.toContain('__proto__');
  });
});

describe('a payload with a field of its own named Type, on a queue that takes raw bodies', () => {
  const plan = defineMessage({ name: 'Plan', title: 'Plan', eventType: 'Plan', schemaVersion: '1.0.0', properties: ['Type', 'userId'], headers: [] }, () => true, undefined, (d) => d);
  const attributes = { eventType: { stringValue: 'Plan', dataType: 'String' } };
  const body = JSON.stringify({ Type: 'premium', userId: 'u-1' });
  const decoderOf = (sources: { topic: string; rawMessageDelivery: boolean }[], topicArns: string[]) =>
    createDecoder(defineOperation({ id: 'consumePlan', action: 'receive', queue: 'PlanQueue', sources, messages: ['Plan'] }, { Plan: plan }) as unknown as ReceiveOperation, { sourceTopicArns: topicArns });

  it('is the payload, not an SNS envelope (it was refused as NOT_AN_ENVELOPE: sent, never consumed)', () => {
    // A point-to-point queue (no topic feeds it), and a raw-delivery subscription.
    for (const decodePlan of [decoderOf([], []), decoderOf([{ topic: 'PlanTopic', rawMessageDelivery: true }], ['arn:aws:sns:us-east-1:000000000000:PlanTopic'])]) {
      const result = decodePlan({ body, messageAttributes: attributes });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (result.ok) expect(result.payload).toEqual({ Type: 'premium', userId: 'u-1' });
    }
  });

  it('an SNS message of another Type (a subscription confirmation) is still no envelope the consumer takes', () => {
    const confirmation = JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:000000000000:PlanTopic', Message: 'confirm' });
    const result = decoderOf([], [])({ body: confirmation, messageAttributes: attributes });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(DecodeErrorCode.NOT_AN_ENVELOPE);
  });
});
