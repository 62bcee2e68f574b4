/**
 * The pre-framework OrderPlaced-specific code, kept as a bench baseline (section 2 compares the
 * generic consumer with it). Not used by the application.
 *
 * What the subscriber does with one SQS record: decode, validate, store. Returns the outcome as a
 * value for logging; the Lambda adapter turns `invalid` and `failed` into batch item failures.
 */
import { decodeOrderRecord, type OrderRecordInput } from './decode-order-record.ts';
import type { DecodeErrorCode } from './errors.ts';
// The application's store, unchanged in substance: both sides of the comparison make the same write.
import type { OrderStore, SaveOutcome } from '@orders/app/store';

/** Every way a record can end. `invalid` and `failed` are retried by SQS, then dead-lettered. */
export type RecordOutcome = SaveOutcome | 'invalid' | 'failed';

/** What happened to one record, for its log line. */
export interface RecordReport {
  outcome: RecordOutcome;
  /** Present once the payload was readable enough to name the order. */
  orderId?: string;
  /** Stable code for `invalid` (a DecodeErrorCode) and `failed` (the AWS error name). */
  code?: DecodeErrorCode | string;
  /** Human reasons: which fields and why, or the storage error. */
  reasons?: string[];
  /** The error behind `failed`, for the caller to surface (never swallowed). */
  error?: unknown;
}

/** True for outcomes whose record must stay on the queue (retried, then dead-lettered). */
export function isFailure(outcome: RecordOutcome): boolean {
  return outcome === 'invalid' || outcome === 'failed';
}

/**
 * Decodes and stores one record. Never throws: storage errors come back as `failed` with the
 * error attached, so that the caller reports them and logs them with the record's identity.
 */
export async function processOrderRecord(record: OrderRecordInput, store: OrderStore): Promise<RecordReport> {
  const decoded = decodeOrderRecord(record);
  if (!decoded.ok) {
    const { code, message, issues } = decoded.error;
    return { outcome: 'invalid', code, reasons: issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [message] };
  }
  const { order } = decoded;
  try {
    return { outcome: await store.saveIfNewer(order), orderId: order.orderId };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: 'failed', orderId: order.orderId, code: name, reasons: [message], error };
  }
}
