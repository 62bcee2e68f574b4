/**
 * Property tests of the consumer's decoder: whatever the body, it returns a result and never
 * throws (a throw would fail the whole batch, not one record), and the reasons it gives for
 * unreadable JSON never quote the body (consumers log them; bodies carry personal data).
 * Seeds are fixed so that a run is reproducible; a failure prints its counterexample and seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRfc3339DateTime, operations, toUtcInstant } from '@orders/contract';
import { createDecoder, DecodeErrorCode, RecordRejected, type DecodeResult, type RecordInput } from '@sluice/runtime/consumer';
import { eventVersionOf } from '@orders/app/store';
import { anOrder, snsEnvelope } from '../../../tests/helpers/orders.ts';

const SEED = 20_260_101;
const check = <T>(property: fc.IProperty<T>, numRuns: number) => fc.assert(property, { numRuns, seed: SEED });

const decode = createDecoder(operations.consumeOrderPlaced);
const CODES = new Set<string>(Object.values(DecodeErrorCode));
const ORDER_ATTRIBUTES = { eventType: { stringValue: 'OrderPlaced', dataType: 'String' }, schemaVersion: { stringValue: '1.0.0', dataType: 'String' } };

/** Decodes, and checks the result has the shape every caller relies on. */
function decodesWithoutThrowing(record: RecordInput): DecodeResult {
  let result: DecodeResult;
  try {
    result = decode(record);
  } catch (error) {
    throw new Error(`the decoder threw for body ${JSON.stringify(record.body.slice(0, 200))}`, { cause: error });
  }
  expect(typeof result.ok).toBe('boolean');
  if (!result.ok) {
    expect(CODES.has(result.error.code), result.error.code).toBe(true);
    expect(typeof result.error.message).toBe('string');
    expect(typeof result.attributes).toBe('object');
  }
  return result;
}

/** Serialises anything; values JSON cannot represent at the top level become `null`. */
const serialise = (value: unknown) => JSON.stringify(value) ?? 'null';

const arbKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'Type', 'Message', 'Value', 'stringValue', 'eventType', 'schemaVersion'));
const arbAnything = fc.anything({ key: arbKey, maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withObjectString: true, withMap: true, withSet: true, withSparseArray: true });

/** Attributes in either form, well-formed or not. */
const arbAttributes = fc.oneof(
  fc.constant(ORDER_ATTRIBUTES),
  fc.dictionary(
    fc.constantFrom('eventType', 'schemaVersion', 'correlationId', '__proto__', 'x'),
    fc.oneof(
      fc.record({ stringValue: fc.oneof(fc.constantFrom('OrderPlaced', '1.0.0', '2.0.0', '1', ''), fc.string()), dataType: fc.constant('String') }, { requiredKeys: ['stringValue'] }),
      fc.record({ Type: fc.constant('String'), Value: fc.oneof(fc.constantFrom('OrderPlaced', '1.1.0', '3'), fc.string()) }),
      arbAnything,
    ),
  ),
  arbAnything,
);

/** An order whose fields are valid, invalid, missing, extra or of the wrong type. */
const arbOrderLike = fc.oneof(
  fc.constant(anOrder()),
  fc.record(
    {
      orderId: fc.oneof(fc.constantFrom('ord-1', 'o'), fc.string(), arbAnything),
      userId: fc.oneof(fc.constant('usr-1'), fc.string(), arbAnything),
      itemName: fc.oneof(fc.constant('Desk lamp'), fc.string(), arbAnything),
      quantity: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.double(), arbAnything),
      status: fc.oneof(fc.constantFrom('PENDING', 'PAID', 'LOST'), arbAnything),
      timestamp: fc.oneof(fc.constant('2026-01-01T09:00:00Z'), fc.constant('9999-12-31T23:59:59-01:00'), fc.string(), arbAnything),
      extra: arbAnything,
    },
    { requiredKeys: [] },
  ),
);

/** SNS-envelope-shaped objects: right or wrong Type, fields missing or of any type, any Message. */
const arbEnvelope = fc.record(
  {
    Type: fc.oneof(fc.constant('Notification'), fc.constantFrom('SubscriptionConfirmation', ''), arbAnything),
    MessageId: fc.oneof(fc.uuid(), arbAnything),
    TopicArn: fc.oneof(fc.constant('arn:aws:sns:us-east-1:000000000000:OrderTopic'), arbAnything),
    Message: fc.oneof(arbOrderLike.map(serialise), fc.json(), fc.string(), arbAnything),
    Timestamp: fc.oneof(fc.constant('2026-01-01T09:00:00.123Z'), arbAnything),
    MessageAttributes: fc.oneof(
      fc.constant({ eventType: { Type: 'String', Value: 'OrderPlaced' }, schemaVersion: { Type: 'String', Value: '1.0.0' } }),
      arbAttributes,
    ),
  },
  { requiredKeys: [] },
);

/** A record with that body, with or without SQS message attributes. */
const withAttributes = (body: fc.Arbitrary<string>) =>
  fc.tuple(body, fc.option(arbAttributes, { nil: undefined })).map(
    ([b, attributes]): RecordInput => ({ body: b, ...(attributes === undefined ? {} : { messageAttributes: attributes as RecordInput['messageAttributes'] }) }),
  );

describe('the decoder never throws', () => {
  it('for arbitrary strings', () => {
    check(fc.property(withAttributes(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(...'{}[]":,\\ 0-1.eEtrufalsn'), maxLength: 30 }))), (r) => void decodesWithoutThrowing(r)), 2000);
  });

  it('for arbitrary JSON values', () => {
    check(fc.property(withAttributes(fc.oneof(fc.json(), fc.jsonValue().map(serialise), arbAnything.map(serialise))), (r) => void decodesWithoutThrowing(r)), 2000);
  });

  it('for order-shaped bodies (raw delivery)', () => {
    check(fc.property(withAttributes(arbOrderLike.map(serialise)), (r) => void decodesWithoutThrowing(r)), 1500);
  });

  it('for SNS-envelope-shaped bodies with arbitrary fields', () => {
    check(fc.property(withAttributes(arbEnvelope.map(serialise)), (r) => void decodesWithoutThrowing(r)), 2000);
  });
});

// ---------------------------------------------------------------------------------------------
// Valid orders with any valid timestamp are stored, never failed
// ---------------------------------------------------------------------------------------------

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Timestamps around the valid set: every year 0000-9999, every day of the month, offsets to ±23:59. */
const arbTimestamp = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 }), { nil: undefined }),
    offset: fc.oneof(fc.constantFrom('Z', 'z', '+23:59', '-23:59'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`)),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${t.fraction === undefined ? '' : `.${t.fraction}`}${t.offset}`,
  );

describe('a valid order decodes and orders', () => {
  it('for any timestamp: decoded ok exactly when the timestamp is valid, and then eventVersionOf does not throw', () => {
    let decoded = 0;
    check(
      fc.property(arbTimestamp, fc.boolean(), (timestamp, raw) => {
        const order = anOrder({ timestamp });
        const record: RecordInput = raw ? { body: JSON.stringify(order), messageAttributes: ORDER_ATTRIBUTES } : { body: JSON.stringify(snsEnvelope(order)) };
        const result = decodesWithoutThrowing(record);
        expect(result.ok, timestamp).toBe(isRfc3339DateTime(timestamp));
        if (!result.ok) {
          expect(result.error.code).toBe(DecodeErrorCode.PAYLOAD_INVALID);
          return;
        }
        decoded++;
        const version = eventVersionOf(result.payload as typeof order);
        expect(version.startsWith(`${toUtcInstant(timestamp)}#`), timestamp).toBe(true);
      }),
      3000,
    );
    expect(decoded).toBeGreaterThan(1000);
  });

  it('eventVersionOf rejects (permanently, not as a TypeError) an order that bypassed validation', () => {
    for (const timestamp of ['9999-12-31T23:59:59-01:00', '0000-01-01T00:00:00+00:01', 'yesterday']) {
      let thrown: unknown;
      try {
        eventVersionOf(anOrder({ timestamp }));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RecordRejected);
      expect(thrown).toMatchObject({ code: DecodeErrorCode.PAYLOAD_INVALID, message: expect.stringContaining('UTC years 0001 to 9999') });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Reasons for unreadable JSON never quote the body
// ---------------------------------------------------------------------------------------------

const REASON = /^(unexpected end of JSON input|(not valid JSON|control character in a JSON string|bad escape sequence in a JSON string) at position (\d+))$/;

/** The reason inside `SQS body is not JSON (…)` / `SNS Message is not JSON (…)`. */
function reasonOf(message: string): string {
  const m = /^(?:SQS body|SNS Message) is not JSON \((.*)\)$/.exec(message);
  expect(m, message).not.toBeNull();
  return m![1]!;
}

/** Makes `json` invalid: cut short, a character inserted, or one replaced. */
const arbBroken = (json: fc.Arbitrary<string>) =>
  fc
    .tuple(json, fc.nat(), fc.constantFrom('cut', 'insert', 'replace'), fc.constantFrom(...'x{}[],:"\\\u0001 '))
    .map(([s, at, edit, c]) => {
      const i = at % (s.length + 1);
      return edit === 'cut' ? s.slice(0, i) : edit === 'insert' ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + c + s.slice(i + 1);
    })
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });

describe('a body that is not JSON', () => {
  const email = 'alice.liddell@example.com';
  const personal = JSON.stringify({ ...anOrder(), userId: 'alice-liddell-1865', contact: email });

  it.each([
    ['unquoted text', `${email} ordered a keyboard`, 'not valid JSON at position 0'],
    ['a trailing comma', personal.replace(/}$/, ',}'), `not valid JSON at position ${personal.length}`],
    ['a stray character after a value', personal.replace(`"${email}"`, `"${email}" x`), `not valid JSON at position ${personal.indexOf(email) + email.length + 2}`],
    ['a body cut short', personal.slice(0, personal.indexOf(email) + 5), 'unexpected end of JSON input'],
    ['a raw newline inside a string', personal.replace(email, `alice\n${email}`), `control character in a JSON string at position ${personal.indexOf(email) + 5}`],
  ])('with %s: the reason says what and where, and quotes nothing', (_name, broken, reason) => {
    for (const record of [{ body: broken }, { body: JSON.stringify(snsEnvelope(broken)) }]) {
      const result = decodesWithoutThrowing(record);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe(record.body === broken ? DecodeErrorCode.BODY_NOT_JSON : DecodeErrorCode.MESSAGE_NOT_JSON);
      expect(reasonOf(result.error.message)).toBe(reason);
      expect(result.error.message).not.toContain('alice');
    }
  });

  it('never quotes a personal value, however the body (or the SNS Message) is broken', () => {
    const arbPersonalOrder = fc
      .tuple(fc.emailAddress(), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{7,20}$/), fc.boolean())
      .map(([contact, userId, first]) => ({ contact, userId, json: JSON.stringify(first ? { contact, ...anOrder({ userId }) } : { ...anOrder({ userId }), contact }) }));
    check(
      fc.property(
        arbPersonalOrder.chain((p) => arbBroken(fc.constant(p.json)).map((broken) => ({ ...p, broken }))),
        fc.boolean(),
        ({ contact, userId, broken }, inEnvelope) => {
          const result = decodesWithoutThrowing({ body: inEnvelope ? JSON.stringify(snsEnvelope(broken)) : broken });
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.error.code).toBe(inEnvelope ? DecodeErrorCode.MESSAGE_NOT_JSON : DecodeErrorCode.BODY_NOT_JSON);
          expect(reasonOf(result.error.message)).toMatch(REASON);
          // The whole message is fixed words and a number (pinned above), so nothing of the body is in it.
          expect(result.error.message).not.toContain(contact);
          expect(result.error.message).not.toContain(userId);
        },
      ),
      1500,
    );
  });

  it('is reported as not JSON exactly when JSON.parse fails, at the position the engine names when it names one', () => {
    check(
      fc.property(fc.oneof(fc.string(), fc.json(), arbBroken(fc.json())), (body) => {
        let engineError: Error | undefined;
        try {
          JSON.parse(body);
        } catch (error) {
          engineError = error as Error;
        }
        const result = decodesWithoutThrowing({ body });
        expect(!result.ok && result.error.code === DecodeErrorCode.BODY_NOT_JSON, body).toBe(engineError !== undefined);
        if (engineError === undefined || result.ok) return;
        const reason = reasonOf(result.error.message);
        expect(reason, body).toMatch(REASON);
        const ours = REASON.exec(reason)![3];
        const engines = / at position (\d+)/.exec(engineError.message)?.[1];
        if (ours !== undefined && engines !== undefined) expect(ours, body).toBe(engines);
      }),
      3000,
    );
  });
});
