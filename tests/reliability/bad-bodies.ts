/**
 * A corpus of SQS bodies the subscriber must refuse: each one ends in the DLQ after exactly
 * `maxReceiveCount` receives with a readable reason, writes nothing and never crashes the process.
 * Built in code (not files) because several are generated: deep nesting, bodies near 256 KiB.
 */
import type { DecodeErrorCode } from '@sluice/runtime/consumer';

export interface BadBody {
  name: string;
  body: string;
  /** The decode error code the subscriber must report. */
  code: DecodeErrorCode;
}

const valid = {
  orderId: 'rel-bad',
  userId: 'usr-1',
  itemName: 'Mechanical keyboard',
  quantity: 2,
  status: 'PENDING',
  timestamp: '2026-01-01T09:00:00Z',
};

/** SNS notification envelope around `message` (a string is used as is). */
function envelope(message: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '6f1f3a4e-0000-4000-8000-000000000000',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:OrderTopic',
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-01-01T09:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://example.invalid/cert.pem',
    UnsubscribeURL: 'https://example.invalid/unsubscribe',
    ...extra,
  });
}

const withField = (field: string, value: unknown) => ({ ...valid, [field]: value });
const without = (field: string) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field));
const KiB = 1024;

export const badBodies: BadBody[] = [
  // Not JSON at all.
  // (An empty body is not in the corpus: SQS itself refuses to send it.)
  { name: 'JSON with a comment', body: '{"orderId": "o" /* note */}', code: 'BODY_NOT_JSON' },
  { name: 'whitespace body', body: '   \n\t', code: 'BODY_NOT_JSON' },
  { name: 'plain text', body: 'hello, orders', code: 'BODY_NOT_JSON' },
  { name: 'truncated JSON', body: envelope(valid).slice(0, 80), code: 'BODY_NOT_JSON' },
  { name: 'single quotes', body: "{'orderId': 'o'}", code: 'BODY_NOT_JSON' },
  { name: 'trailing comma', body: '{"orderId": "o",}', code: 'BODY_NOT_JSON' },
  { name: 'NaN literal', body: '{"quantity": NaN}', code: 'BODY_NOT_JSON' },
  { name: 'XML body', body: '<order><orderId>o</orderId></order>', code: 'BODY_NOT_JSON' },
  { name: 'byte order mark before the JSON', body: `\uFEFF${JSON.stringify(valid)}`, code: 'BODY_NOT_JSON' },
  { name: 'JSON followed by garbage', body: `${JSON.stringify(valid)} trailing`, code: 'BODY_NOT_JSON' },
  // Malformed SNS envelopes.
  { name: 'SubscriptionConfirmation type', body: envelope(valid, { Type: 'SubscriptionConfirmation' }), code: 'NOT_AN_ENVELOPE' },
  { name: 'UnsubscribeConfirmation type', body: envelope(valid, { Type: 'UnsubscribeConfirmation' }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Type null', body: envelope(valid, { Type: null }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Type lowercase', body: envelope(valid, { Type: 'notification' }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Message is an object', body: envelope(valid, { Message: valid }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Message is a number', body: envelope(valid, { Message: 42 }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Message is null', body: envelope(valid, { Message: null }), code: 'NOT_AN_ENVELOPE' },
  { name: 'Message missing', body: envelope(valid, { Message: undefined }), code: 'NOT_AN_ENVELOPE' },
  { name: 'TopicArn missing', body: envelope(valid, { TopicArn: undefined }), code: 'NOT_AN_ENVELOPE' },
  { name: 'MessageId is a number', body: envelope(valid, { MessageId: 7 }), code: 'NOT_AN_ENVELOPE' },
  // Envelope fine, Message not JSON.
  { name: 'Message plain text', body: envelope('not json'), code: 'MESSAGE_NOT_JSON' },
  { name: 'Message empty string', body: envelope(''), code: 'MESSAGE_NOT_JSON' },
  { name: 'Message double-encoded then truncated', body: envelope(JSON.stringify(JSON.stringify(valid)).slice(0, 40)), code: 'MESSAGE_NOT_JSON' },
  { name: 'Message deeply nested arrays', body: envelope(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), code: 'PAYLOAD_INVALID' },
  // Wrong routing attributes.
  { name: 'eventType of another event', body: envelope(valid, { MessageAttributes: { eventType: { Type: 'String', Value: 'OrderShipped' } } }), code: 'WRONG_EVENT_TYPE' },
  { name: 'schemaVersion 2.0.0', body: envelope(valid, { MessageAttributes: { schemaVersion: { Type: 'String', Value: '2.0.0' } } }), code: 'UNSUPPORTED_SCHEMA_VERSION' },
  { name: 'schemaVersion 0.9.0', body: envelope(valid, { MessageAttributes: { schemaVersion: { Type: 'String', Value: '0.9.0' } } }), code: 'UNSUPPORTED_SCHEMA_VERSION' },
  // Payloads that are JSON but not orders.
  { name: 'raw JSON array', body: '[]', code: 'PAYLOAD_INVALID' },
  { name: 'raw JSON null', body: 'null', code: 'PAYLOAD_INVALID' },
  { name: 'raw JSON number', body: '12345', code: 'PAYLOAD_INVALID' },
  { name: 'raw JSON string', body: '"OrderPlaced"', code: 'PAYLOAD_INVALID' },
  { name: 'raw JSON true', body: 'true', code: 'PAYLOAD_INVALID' },
  { name: 'raw empty object', body: '{}', code: 'PAYLOAD_INVALID' },
  { name: 'deeply nested objects', body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, code: 'PAYLOAD_INVALID' },
  { name: 'deeply nested arrays', body: `${'['.repeat(120_000)}${']'.repeat(120_000)}`, code: 'PAYLOAD_INVALID' },
  { name: 'envelope around an array', body: envelope([valid]), code: 'PAYLOAD_INVALID' },
  { name: 'envelope around null', body: envelope('null'), code: 'PAYLOAD_INVALID' },
  // Prototype keys must be data, never prototypes, and still fail validation.
  { name: '__proto__ replaces the order', body: `{"__proto__": ${JSON.stringify(valid)}}`, code: 'PAYLOAD_INVALID' },
  { name: 'constructor.prototype pollution attempt', body: envelope(`{"constructor": {"prototype": {"orderId": "x"}}}`), code: 'PAYLOAD_INVALID' },
  { name: '__proto__ in envelope', body: `{"__proto__": {"Type": "Notification"}, "Message": "{}"}`, code: 'PAYLOAD_INVALID' },
  // Duplicate keys: JSON.parse keeps the last one; the last one here is invalid.
  { name: 'duplicate quantity key, last invalid', body: envelope(`${JSON.stringify(valid).slice(0, -1)}, "quantity": 0}`), code: 'PAYLOAD_INVALID' },
  { name: 'duplicate status key, last invalid', body: envelope(`${JSON.stringify(valid).slice(0, -1)}, "status": "LOST"}`), code: 'PAYLOAD_INVALID' },
  // Numbers.
  { name: 'quantity beyond the safe integer range', body: envelope(`${JSON.stringify(valid).slice(0, -1)}, "quantity": 9007199254740993}`), code: 'PAYLOAD_INVALID' },
  { name: 'quantity 1e400 (Infinity)', body: envelope(`${JSON.stringify(valid).slice(0, -1)}, "quantity": 1e400}`), code: 'PAYLOAD_INVALID' },
  { name: 'quantity -0', body: envelope(`${JSON.stringify(valid).slice(0, -1)}, "quantity": -0}`), code: 'PAYLOAD_INVALID' },
  { name: 'quantity 1.0000000000000002', body: envelope(withField('quantity', 1.0000000000000002)), code: 'PAYLOAD_INVALID' },
  { name: 'quantity as string', body: envelope(withField('quantity', '2')), code: 'PAYLOAD_INVALID' },
  // Unicode edge cases.
  { name: 'orderId with zero-width space', body: envelope(withField('orderId', 'ord\u200b1')), code: 'PAYLOAD_INVALID' },
  { name: 'orderId with fullwidth digits', body: envelope(withField('orderId', 'ord１２３')), code: 'PAYLOAD_INVALID' },
  { name: 'orderId homoglyph (Cyrillic o)', body: envelope(withField('orderId', 'оrd-1')), code: 'PAYLOAD_INVALID' },
  { name: 'itemName with NUL', body: envelope(withField('itemName', 'Key\u0000board')), code: 'PAYLOAD_INVALID' },
  { name: 'itemName with C1 control', body: envelope(withField('itemName', 'Key\u0085board')), code: 'PAYLOAD_INVALID' },
  // Written as JSON escapes: fauxqs 1.9.2 refuses astral characters in a body (real SQS accepts them).
  { name: 'itemName of 201 emoji', body: envelope(withField('itemName', '😀'.repeat(201))).replace(/😀/g, '\\ud83d\\ude00'), code: 'PAYLOAD_INVALID' },
  // JSON.stringify writes a lone surrogate as the escape "\ud800": valid JSON, invalid Unicode text.
  { name: 'itemName lone surrogate', body: envelope(withField('itemName', 'Key\ud800board')), code: 'PAYLOAD_INVALID' },
  { name: 'status with trailing space', body: envelope(withField('status', 'PAID ')), code: 'PAYLOAD_INVALID' },
  { name: 'timestamp with Arabic-Indic digits', body: envelope(withField('timestamp', '٢٠٢٦-01-01T09:00:00Z')), code: 'PAYLOAD_INVALID' },
  // Timestamps.
  { name: 'timestamp without offset', body: envelope(withField('timestamp', '2026-01-01T09:00:00')), code: 'PAYLOAD_INVALID' },
  { name: 'timestamp 31 April', body: envelope(withField('timestamp', '2026-04-31T09:00:00Z')), code: 'PAYLOAD_INVALID' },
  { name: 'timestamp offset +24:00', body: envelope(withField('timestamp', '2026-01-01T09:00:00+24:00')), code: 'PAYLOAD_INVALID' },
  // Missing fields and size limits.
  { name: 'missing orderId', body: envelope(without('orderId')), code: 'PAYLOAD_INVALID' },
  { name: 'missing timestamp', body: envelope(without('timestamp')), code: 'PAYLOAD_INVALID' },
  { name: 'body near 256 KiB: huge unknown field but invalid quantity', body: envelope({ ...valid, quantity: 0, padding: 'x'.repeat(250 * KiB) }), code: 'PAYLOAD_INVALID' },
  { name: 'body near 256 KiB: huge itemName', body: envelope(withField('itemName', 'x'.repeat(250 * KiB))), code: 'PAYLOAD_INVALID' },
  { name: 'body near 256 KiB: plain text', body: 'x'.repeat(255 * KiB), code: 'BODY_NOT_JSON' },
];
