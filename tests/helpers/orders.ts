/** Test data builders: valid orders and the SQS records that carry them. */
import type { OrderPlaced } from '@orders/contract';
import type { SQSRecord } from 'aws-lambda';
import { sqsRecord, snsEnvelope } from './sns-envelope.ts';

export function anOrder(overrides: Partial<OrderPlaced> = {}): OrderPlaced {
  return {
    orderId: 'ord-1',
    userId: 'usr-1',
    itemName: 'Mechanical keyboard',
    quantity: 2,
    status: 'PENDING',
    timestamp: '2026-01-01T09:00:00Z',
    ...overrides,
  };
}

export { ORDER_TOPIC_ARN, snsEnvelope, sqsRecord } from './sns-envelope.ts';

/** An SQS record carrying `order` in an SNS envelope. */
export function orderRecord(order: unknown, messageId?: string): SQSRecord {
  return sqsRecord(JSON.stringify(snsEnvelope(order)), messageId);
}
