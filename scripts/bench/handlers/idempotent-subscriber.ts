/**
 * What a team would build with Powertools instead of our conditional write: the same batch
 * processor and logger as the consumer, each record made idempotent with Powertools
 * idempotency and its DynamoDB persistence layer (keyed on the SQS `messageId`, the documented
 * pattern for batch processing), then a plain PutItem of the decoded order.
 *
 * Every record costs the persistence layer's conditional PutItem (IN_PROGRESS) and its UpdateItem
 * (COMPLETED) on top of the order's PutItem: three writes where the consumer makes one.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { operations, type OrderPlaced } from '@orders/contract';
import { createDecoder } from '@sluice/runtime/consumer';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { IDEMPOTENCY_TABLE } from './idempotent-subscriber-table.ts';

const decodeOrderRecord = createDecoder(operations.consumeOrderPlaced);
const client = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(client);
const logger = new Logger({ serviceName: 'orders-subscriber-idempotent' });
const processor = new BatchProcessor(EventType.SQS);
const config = new IdempotencyConfig({ eventKeyJmesPath: 'messageId' });
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY_TABLE, awsSdkV3Client: client });

async function recordHandler(record: SQSRecord): Promise<string> {
  const decoded = decodeOrderRecord(record);
  if (!decoded.ok) {
    logger.warn('order record rejected', { messageId: record.messageId, code: decoded.error.code });
    throw new Error(decoded.error.message);
  }
  const order = decoded.payload as OrderPlaced;
  await documents.send(new PutCommand({ TableName: process.env.ORDERS_TABLE_NAME ?? 'Orders', Item: order }));
  logger.info('order record processed', { messageId: record.messageId, orderId: order.orderId, outcome: 'stored' });
  return order.orderId;
}

const idempotentRecordHandler = makeIdempotent(recordHandler, { persistenceStore, config });

/** The SQS-triggered handler. */
export async function handler(event: SQSEvent, context: Context) {
  config.registerLambdaContext(context);
  return processPartialResponse(event, idempotentRecordHandler, processor, { context, throwOnFullBatchFailure: false });
}
