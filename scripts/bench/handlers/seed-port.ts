/**
 * A faithful TypeScript port of the seed's Python handler (shared/seed/order-processing-seed.md),
 * the baseline of section 2: a DynamoDB resource created inside the handler (so a new client per
 * invocation, as `boto3.resource('dynamodb')` there), two `json.loads`, no validation, one
 * unconditional `put_item` per record awaited in sequence, two prints per record, errors printed
 * and swallowed, and always `statusCode: 200`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';

export interface SeedHandlerOptions {
  /**
   * Create the client inside the handler, as the seed does. `false` hoists it to the container
   * (a one-line fix) to show how much of the gap that alone explains.
   * @default true
   */
  clientPerInvocation?: boolean;
}

/** Builds the seed's handler. */
export function createSeedHandler(options: SeedHandlerOptions = {}) {
  const perInvocation = options.clientPerInvocation ?? true;
  const shared = perInvocation ? undefined : DynamoDBDocumentClient.from(new DynamoDBClient({}));

  return async function lambdaHandler(event: SQSEvent, _context: Context) {
    const table = shared ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
    for (const record of event.Records) {
      const snsMessage = JSON.parse(record.body);
      const orderData = JSON.parse(snsMessage.Message);
      const { orderId, userId, itemName, quantity, status, timestamp } = orderData;
      console.log(`Received order: ${orderId} , ${itemName} , ${quantity} , ${status} , ${timestamp}`);
      try {
        // The seed names the table literally.
        await table.send(new PutCommand({ TableName: 'Orders', Item: { orderId, userId, itemName, quantity, status, timestamp } }));
        console.log(`Order ${orderId} saved to DynamoDB.`);
      } catch (e) {
        console.log(`Error saving order to DynamoDB: ${e}`);
      }
    }
    return { statusCode: 200, body: JSON.stringify('Message processed successfully') };
  };
}

/** The seed's handler as written. */
export const handler = createSeedHandler();
