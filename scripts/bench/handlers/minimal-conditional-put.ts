/**
 * Context for section 3: the writes the consumer must make and nothing else — one PutItem per
 * record with the order store's exact condition (`SAVE_CONDITION`), all at once, same client
 * construction as the one-PutItem baseline. Consumer minus this = the cost of our own code
 * (decode, validation, logging, batch processing) on a first batch. Bundled on its own, so its
 * import of the order store does not change the baseline's size.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SAVE_CONDITION } from '@orders/app/store';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

/** One conditional PutItem per record (new items, so every condition holds). */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  await Promise.all(
    event.Records.map((r) => {
      const eventVersion = `2026-01-01T00:00:00.000000000Z#${r.messageId}`;
      return client.send(
        new PutCommand({
          TableName: process.env.ORDERS_TABLE_NAME,
          Item: { orderId: `cond-${r.messageId}`, eventVersion },
          ConditionExpression: SAVE_CONDITION,
          ExpressionAttributeNames: { '#orderId': 'orderId', '#eventVersion': 'eventVersion' },
          ExpressionAttributeValues: { ':eventVersion': eventVersion },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    }),
  );
  return { batchItemFailures: [] };
}
