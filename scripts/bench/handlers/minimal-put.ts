/**
 * The cold-start baseline of section 3: a Lambda handler that only makes one PutItem, with the
 * same client the consumer's order store builds (`createDocumentClient` in packages/orders/src/order-store.ts:
 * a default DynamoDBClient wrapped in a document client that removes undefined values). The
 * construction is repeated here rather than imported, because importing the store would bundle
 * the very code whose cost the baseline exists to expose.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

/**
 * Writes one PutItem per record, all at once, and nothing else: no decoding, no logging. Tells
 * apart what the consumer's first batch costs for its ten writes from what its own code costs.
 */
export async function handlerPerRecord(event: SQSEvent): Promise<SQSBatchResponse> {
  await Promise.all(
    event.Records.map((r) => client.send(new PutCommand({ TableName: process.env.ORDERS_TABLE_NAME, Item: { orderId: `min-${r.messageId}` } }))),
  );
  return { batchItemFailures: [] };
}

/** Writes one item named after the first record, reports no failures. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  await client.send(new PutCommand({ TableName: process.env.ORDERS_TABLE_NAME, Item: { orderId: `min-${event.Records[0]!.messageId}` } }));
  return { batchItemFailures: [] };
}
