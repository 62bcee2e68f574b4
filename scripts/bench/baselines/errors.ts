/**
 * The pre-framework OrderPlaced-specific code, kept as a bench baseline (sections 1 to 3 compare
 * the generic consumer with it). Not used by the application.
 *
 * The error vocabulary the OrderPlaced-specific decoder returns: one stable code per way a record
 * can be rejected, with a human message. Only what the decoder uses is kept.
 */
import type { ValidationIssue } from '@orders/contract';

export const DecodeErrorCode = {
  /** The SQS body is not JSON at all. */
  BODY_NOT_JSON: 'BODY_NOT_JSON',
  /** The body has an SNS `Type` but is not a well-formed SNS Notification envelope. */
  NOT_AN_ENVELOPE: 'NOT_AN_ENVELOPE',
  /** The envelope's `Message` string is not JSON. */
  MESSAGE_NOT_JSON: 'MESSAGE_NOT_JSON',
  /** The event type attribute names another event: this subscriber does not handle it. */
  WRONG_EVENT_TYPE: 'WRONG_EVENT_TYPE',
  /** The schemaVersion attribute has a major version this subscriber does not understand. */
  UNSUPPORTED_SCHEMA_VERSION: 'UNSUPPORTED_SCHEMA_VERSION',
  /** The payload is JSON but violates the contract; `issues` say which fields and why. */
  PAYLOAD_INVALID: 'PAYLOAD_INVALID',
} as const;

export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

/** Why a record could not be decoded into an order. A value, not an exception. */
export interface DecodeError {
  readonly code: DecodeErrorCode;
  /** One line for people: what is wrong and, where it helps, what to do. */
  readonly message: string;
  /** Field-level reasons, for `PAYLOAD_INVALID`. */
  readonly issues: readonly ValidationIssue[];
}

/** A {@link DecodeError} value. */
export function decodeError(code: DecodeErrorCode, message: string, issues: readonly ValidationIssue[] = []): DecodeError {
  return { code, message, issues };
}
