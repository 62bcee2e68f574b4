/**
 * The error vocabulary of consumers: one stable code per way a record can be rejected, with a
 * human message. Codes are public API (logs, DLQ tooling and alerts match on them); messages may
 * be reworded.
 */
import type { ValidationIssue } from '../contract/model.ts';

/** The stable codes of the records a consumer rejects before its handler runs. */
export const DecodeErrorCode = {
  /** The SQS body is not JSON at all. */
  BODY_NOT_JSON: 'BODY_NOT_JSON',
  /** The body has an SNS `Type` but is not a well-formed SNS Notification envelope. */
  NOT_AN_ENVELOPE: 'NOT_AN_ENVELOPE',
  /** The envelope's `Message` string is not JSON. */
  MESSAGE_NOT_JSON: 'MESSAGE_NOT_JSON',
  /**
   * The `eventType` attribute names a message this consumer's operation does not declare, or it
   * arrived as a Binary message attribute (it names none: the message is picked by its string; the
   * reason says to publish it as a String attribute).
   */
  WRONG_EVENT_TYPE: 'WRONG_EVENT_TYPE',
  /** No `eventType` attribute, and the operation declares several messages: which one is it? (One sent as Binary is there: `WRONG_EVENT_TYPE`.) */
  MISSING_EVENT_TYPE: 'MISSING_EVENT_TYPE',
  /**
   * The `schemaVersion` attribute has a major version this consumer does not declare, or there is
   * none and the event type has several majors, or it arrived as a Binary message attribute (no
   * major can be read from it, even where the event type has one: the reason says to publish it as
   * a String attribute).
   */
  UNSUPPORTED_SCHEMA_VERSION: 'UNSUPPORTED_SCHEMA_VERSION',
  /** The payload is JSON but violates the contract; `issues` say which fields and why. */
  PAYLOAD_INVALID: 'PAYLOAD_INVALID',
  /**
   * The message attributes break the message's headers schema: a header it requires is missing, a
   * header's value is outside what the schema allows (pattern, values, length), or a header it does
   * not declare is present where the schema allows no others (`additionalProperties: false`), or
   * a header it declares arrived as a Binary message attribute (headers are strings: said as such,
   * not as missing); `issues` name each header and why. The identity (`eventType`, `schemaVersion`) is judged by
   * the codes above, and the framework's optional headers out of bounds are refused, not the
   * message (`HEADERS_INVALID` under `headersRefused`).
   */
  MESSAGE_HEADERS_INVALID: 'MESSAGE_HEADERS_INVALID',
  /** An SNS envelope from a topic the queue is not subscribed to: sent to the queue directly, not by SNS. */
  TOPIC_NOT_SUBSCRIBED: 'TOPIC_NOT_SUBSCRIBED',
  /** A raw body on a queue whose subscriptions all deliver SNS envelopes: sent to the queue directly, not by SNS. */
  RAW_BODY_UNEXPECTED: 'RAW_BODY_UNEXPECTED',
} as const;

/** One of the {@link DecodeErrorCode} values. */
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

/** Why a record could not be decoded into a message. A value, not an exception. */
export interface DecodeError {
  /** Why, as a stable code (logs, DLQ tooling and alerts match on it). */
  readonly code: DecodeErrorCode;
  /** One line for people: what is wrong and, where it helps, what to do. */
  readonly message: string;
  /** Field-level reasons, for `PAYLOAD_INVALID`; header by header, for `MESSAGE_HEADERS_INVALID`. */
  readonly issues: readonly ValidationIssue[];
}

/**
 * Builds a {@link DecodeError} value.
 *
 * @param issues - field-level reasons (for `PAYLOAD_INVALID`, `MESSAGE_HEADERS_INVALID`); none by default
 *
 * @example
 * ```ts
 * import { DecodeErrorCode, decodeError } from '@sluice/runtime/consumer';
 *
 * const error = decodeError(DecodeErrorCode.BODY_NOT_JSON, 'the SQS body is not JSON');
 * ```
 */
export function decodeError(code: DecodeErrorCode, message: string, issues: readonly ValidationIssue[] = []): DecodeError {
  return { code, message, issues };
}

/**
 * Thrown by a handler for a record that can never succeed (e.g. it refers to something that does
 * not exist): reported as `invalid` with `code`, retried by SQS and dead-lettered like a record
 * the contract rejects. Any other error is a transient `failed`.
 *
 * @example
 * ```ts
 * import { RecordRejected } from '@sluice/runtime/consumer';
 *
 * declare const payment: { paymentId: string };
 * throw new RecordRejected('UNKNOWN_PAYMENT', `payment ${payment.paymentId} does not exist`);
 * ```
 */
export class RecordRejected extends Error {
  /** Why the record can never succeed, as a stable code (e.g. `UNKNOWN_PAYMENT`): the code it is reported `invalid` with. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'RecordRejected';
  }
}
