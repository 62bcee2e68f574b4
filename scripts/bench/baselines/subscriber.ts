/**
 * The pre-framework OrderPlaced-specific code, kept as a bench baseline (sections 2 and 3 compare
 * the generic consumer, packages/orders/consumers/consumeOrderPlaced.ts, with it). Not used by the application.
 *
 * Lambda entry point: SQS batch (OrderQueue) → contract → DynamoDB (Orders).
 *
 * Records are processed concurrently and independently. The function returns a partial batch
 * response: records that are invalid (retried, then dead-lettered after 3 receives with their body
 * intact) or whose write failed (throttling, network, 5xx) are listed in `batchItemFailures`;
 * stored, duplicate and stale records are deleted and never retried because a neighbour failed.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
// The application's store: both sides of the comparison make the same conditional write.
import { OrderStore } from '@orders/app/store';
import { isFailure, processOrderRecord } from './process-order-record.ts';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// Created once per container, during Lambda's init phase rather than in the first invocation: the
// DynamoDB client and the store (validators are generated code, nothing is compiled at run time).
// A missing table name fails the init, loudly, instead of failing every record.
const logger = new Logger({ serviceName: 'orders-subscriber' });
const processor = new BatchProcessor(EventType.SQS);
const store = new OrderStore();

/** Thrown for a record that must stay on the queue; the batch processor reports its id. */
class RecordFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordFailure';
  }
}

async function handleRecord(record: SQSRecord): Promise<string> {
  const report = await processOrderRecord(record, store);
  // One line per record: identity, outcome, reasons. No userId, no item names (personal data).
  const line = {
    messageId: record.messageId,
    orderId: report.orderId,
    outcome: report.outcome,
    code: report.code,
    reasons: report.reasons,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0) || undefined,
  };
  if (report.outcome === 'failed') logger.error('order record failed', { ...line, error: report.error as Error });
  else if (report.outcome === 'invalid') logger.warn('order record rejected', line);
  else logger.info('order record processed', line);
  if (isFailure(report.outcome)) {
    throw new RecordFailure(`${report.outcome}: ${(report.reasons ?? []).join('; ')}`, { cause: report.error });
  }
  return report.outcome;
}

/** The SQS-triggered handler (`ReportBatchItemFailures` must be enabled on the event source). */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handleRecord, processor, {
    context,
    // A batch whose every record failed is still a partial response listing each id, not a
    // thrown error: the outcome is the same for SQS, and the log stays one line per record.
    throwOnFullBatchFailure: false,
  });
}
