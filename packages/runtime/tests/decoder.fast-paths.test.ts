/**
 * The decoder's hot-path shortcuts give exactly what the plain forms gave: the major of
 * `schemaVersion` compared in place (not sliced off), `JSON.parse` called directly (not through
 * `parseJson`) with the same reasons on failure. Built on a hand-made contract, so that the
 * properties do not depend on any application's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineMessage, defineOperation, majorOf, type ReceiveOperation } from '@sluice/runtime/contract';
import { createDecoder, DecodeErrorCode } from '@sluice/runtime/consumer';
import { parseJson } from '../src/consumer/json-syntax.ts';

const SEED = 20_260_105;
const check = <T>(property: fc.IProperty<T>, numRuns: number) => fc.assert(property, { numRuns, seed: SEED });

/** A receive operation of two messages: Ping 1.x and Ping 12.x (same event type, majors sharing a prefix). */
function pingOperation(): ReceiveOperation {
  const isPing = (d: unknown) => typeof d === 'object' && d !== null && typeof (d as { id?: unknown }).id === 'string';
  const message = (name: string, schemaVersion: string) =>
    defineMessage({ name, title: name, eventType: 'Ping', schemaVersion, properties: ['id'], headers: [] }, isPing, undefined, (d) => ({ id: d.id }));
  const messages = { PingV1: message('PingV1', '1.4.0'), PingV12: message('PingV12', '12.0.0') };
  return defineOperation({ id: 'consumePing', action: 'receive', queue: 'PingQueue', messages: ['PingV1', 'PingV12'] }, messages) as unknown as ReceiveOperation;
}

/** The same, with only Ping 1.x: the one-message operation the decoder has a shortcut for. */
function singlePingOperation(): ReceiveOperation {
  const operation = pingOperation();
  const messages = { PingV1: operation.messages.PingV1! };
  return defineOperation({ id: 'consumePingV1', action: 'receive', queue: 'PingQueue', messages: ['PingV1'] }, messages) as unknown as ReceiveOperation;
}

const decode = createDecoder(pingOperation());
const decodeSingle = createDecoder(singlePingOperation());

function envelope(message: string, schemaVersion?: string, eventType: string | undefined = 'Ping') {
  const attributes: Record<string, { Type: string; Value: string }> = {};
  if (eventType !== undefined) attributes.eventType = { Type: 'String', Value: eventType };
  if (schemaVersion !== undefined) attributes.schemaVersion = { Type: 'String', Value: schemaVersion };
  return JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:Ping', Message: message, MessageAttributes: attributes });
}

describe('schemaVersion picks the message whose major is the part before the first dot', () => {
  it.each([
    ['1.4.0', 'PingV1'],
    ['1', 'PingV1'],
    ['1.', 'PingV1'],
    ['1.x.y', 'PingV1'],
    ['12.0.0', 'PingV12'],
    ['12', 'PingV12'],
    ['10.0.0', undefined],
    ['1x.0', undefined],
    ['120', undefined],
    ['', undefined],
    ['.1', undefined],
    [' 1.0.0', undefined],
  ])('%j → %s', (version, expected) => {
    const result = decode({ body: envelope('{"id":"p-1"}', version) });
    if (expected === undefined) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe(DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION);
    } else {
      expect(result.ok && result.name).toBe(expected);
    }
  });

  it('for any version string, as majorOf(version) says', () => {
    const arbVersion = fc.oneof(fc.string({ maxLength: 8 }), fc.stringMatching(/^(1|12|10|2)?(\.[0-9x]{0,2}){0,3}$/));
    check(
      fc.property(arbVersion, (version) => {
        const result = decode({ body: envelope('{"id":"p-1"}', version) });
        const major = majorOf(version);
        const expected = major === '1' ? 'PingV1' : major === '12' ? 'PingV12' : undefined;
        expect(result.ok ? result.name : undefined).toBe(expected);
      }),
      2000,
    );
  });
});

describe('a one-message operation', () => {
  it('takes a record exactly when its eventType (if any) is the message\'s and the major of its schemaVersion (if any) is', () => {
    const arbEventType = fc.option(fc.oneof(fc.constantFrom('Ping', 'ping', 'Ping ', 'Pong', ''), fc.string({ maxLength: 6 })), { nil: undefined });
    const arbVersion = fc.option(fc.oneof(fc.constantFrom('1', '1.0.0', '1.', '10.0.0', '2.0.0', '', '.1'), fc.string({ maxLength: 6 })), { nil: undefined });
    check(
      fc.property(arbEventType, arbVersion, (eventType, version) => {
        const result = decodeSingle({ body: envelope('{"id":"p-1"}', version, eventType) });
        const expected =
          eventType !== undefined && eventType !== 'Ping'
            ? DecodeErrorCode.WRONG_EVENT_TYPE
            : version !== undefined && majorOf(version) !== '1'
              ? DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION
              : 'PingV1';
        expect(result.ok ? result.name : result.error.code).toBe(expected);
      }),
      2000,
    );
  });
});

describe('a body or SNS Message that is not JSON', () => {
  it('is reported with the reason parseJson gives, for the body and for the Message', () => {
    check(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.json().map((j) => j.slice(0, -1))), (text) => {
        const parsed = parseJson(text);
        const asBody = decode({ body: text });
        const asMessage = decode({ body: envelope(text, '1.0.0') });
        if (parsed.ok) {
          if (!asBody.ok) expect(asBody.error.code).not.toBe(DecodeErrorCode.BODY_NOT_JSON);
          if (!asMessage.ok) expect(asMessage.error.code).not.toBe(DecodeErrorCode.MESSAGE_NOT_JSON);
          return;
        }
        expect(asBody.ok).toBe(false);
        expect(asMessage.ok).toBe(false);
        if (!asBody.ok) expect(asBody.error.message).toBe(`SQS body is not JSON (${parsed.reason})`);
        if (!asMessage.ok) expect(asMessage.error.message).toBe(`SNS Message is not JSON (${parsed.reason})`);
      }),
      1000,
    );
  });
});
