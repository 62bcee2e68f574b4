/**
 * The pre-framework OrderPlaced-specific code, kept as a bench baseline (sections 1 to 3 compare
 * the generic `createDecoder` with it). Not used by the application.
 *
 * Decoding an SQS record into a validated `OrderPlaced`.
 *
 * The body is either the SNS notification envelope (raw message delivery off, the pipeline's
 * setting) or, with raw delivery on, the published message itself. Either way the payload goes
 * through the generated validator; additive fields from a newer producer are tolerated and dropped.
 */
import { formatIssues, messages, toIssues, type OrderPlaced } from '@orders/contract';
import { decodeError, DecodeErrorCode, type DecodeError } from './errors.ts';

const contract = messages.OrderPlaced;
const supportedMajor = contract.schemaVersion.split('.')[0]!;

/** The parts of an SQS record (Lambda event shape) the decoder reads. */
export interface OrderRecordInput {
  body: string;
  /** SQS message attributes: where SNS attributes land with raw delivery on. */
  messageAttributes?: Record<string, { stringValue?: string | undefined; dataType?: string } | undefined>;
}

/** What the SNS notification envelope told us, when the body was one. */
export interface SnsEnvelopeInfo {
  messageId: string;
  topicArn: string;
  timestamp?: string;
}

/** A validated order with its envelope, or why the record is not one. */
export type DecodeResult =
  | { ok: true; order: OrderPlaced; envelope?: SnsEnvelopeInfo }
  | { ok: false; error: DecodeError; envelope?: SnsEnvelopeInfo };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // Deeply nested input throws RangeError; report it like any other unreadable body.
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

const ENVELOPE_FIELDS = ['MessageId', 'TopicArn', 'Message'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `1.0.0` → `1`, without the array `split` allocates. */
function majorOf(version: string): string {
  const dot = version.indexOf('.');
  return dot === -1 ? version : version.slice(0, dot);
}

/** Reads a String attribute from SNS envelope (`{Type, Value}`) or SQS (`{stringValue}`) form. */
function attribute(attrs: unknown, name: string): string | undefined {
  if (!isPlainObject(attrs)) return undefined;
  const a = attrs[name];
  if (!isPlainObject(a)) return undefined;
  const v = a.Value ?? a.stringValue;
  return typeof v === 'string' ? v : undefined;
}

function checkAttributes(attrs: unknown): DecodeError | undefined {
  const eventType = attribute(attrs, 'eventType');
  if (eventType !== undefined && eventType !== contract.eventType) {
    return decodeError(DecodeErrorCode.WRONG_EVENT_TYPE, `eventType attribute is "${eventType}", expected "${contract.eventType}"`);
  }
  const version = attribute(attrs, 'schemaVersion');
  if (version !== undefined && majorOf(version) !== supportedMajor) {
    return decodeError(
      DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION,
      `schemaVersion attribute is "${version}"; this subscriber understands ${supportedMajor}.x (publish a new major version side by side)`,
    );
  }
  return undefined;
}

function checkPayload(payload: unknown): { ok: true; order: OrderPlaced } | { ok: false; error: DecodeError } {
  // The type guard directly (not `check`): no result object on the hot path.
  if (!contract.validate(payload)) {
    const issues = toIssues(contract.validate.errors);
    return { ok: false, error: decodeError(DecodeErrorCode.PAYLOAD_INVALID, `OrderPlaced payload is invalid: ${formatIssues(issues)}`, issues) };
  }
  // Tolerant reader: keep only the fields this version of the contract knows.
  return { ok: true, order: contract.pick(payload) };
}

/**
 * Decodes one SQS record body into a validated order, or says precisely why it cannot.
 *
 * @example
 * const result = decodeOrderRecord(record);
 * if (result.ok) await store.saveIfNewer(result.order);
 * else console.log(result.error.code, result.error.message); // PAYLOAD_INVALID quantity: must be >= 1
 */
export function decodeOrderRecord(record: OrderRecordInput): DecodeResult {
  const body = parseJson(record.body);
  if (!body.ok) return { ok: false, error: decodeError(DecodeErrorCode.BODY_NOT_JSON, `SQS body is not JSON (${body.reason})`) };
  const value = body.value;

  if (isPlainObject(value) && 'Type' in value) {
    if (value.Type !== 'Notification') {
      return { ok: false, error: decodeError(DecodeErrorCode.NOT_AN_ENVELOPE, `SNS message Type is ${JSON.stringify(value.Type)}, expected "Notification"`) };
    }
    // Checked field by field: the array-and-closure form costs more than the check itself on the hot path.
    if (typeof value.MessageId !== 'string' || typeof value.TopicArn !== 'string' || typeof value.Message !== 'string') {
      const missing = ENVELOPE_FIELDS.filter((k) => typeof value[k] !== 'string');
      return { ok: false, error: decodeError(DecodeErrorCode.NOT_AN_ENVELOPE, `SNS notification envelope lacks string ${missing.join(', ')}`) };
    }
    const envelope: SnsEnvelopeInfo = {
      messageId: value.MessageId as string,
      topicArn: value.TopicArn as string,
    };
    if (typeof value.Timestamp === 'string') envelope.timestamp = value.Timestamp;
    const attrError = checkAttributes(value.MessageAttributes);
    if (attrError) return { ok: false, error: attrError, envelope };
    const message = parseJson(value.Message as string);
    if (!message.ok) {
      return { ok: false, error: decodeError(DecodeErrorCode.MESSAGE_NOT_JSON, `SNS Message is not JSON (${message.reason})`), envelope };
    }
    // Built field by field: spreading the payload result into a new object would cost a third of the decode.
    const payload = checkPayload(message.value);
    return payload.ok ? { ok: true, order: payload.order, envelope } : { ok: false, error: payload.error, envelope };
  }

  // Raw message delivery: the body is the payload, the attributes are SQS message attributes.
  const attrError = checkAttributes(record.messageAttributes);
  if (attrError) return { ok: false, error: attrError };
  return checkPayload(value);
}
