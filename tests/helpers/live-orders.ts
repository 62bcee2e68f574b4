/**
 * Orders through a running local stack of the order application (a copy of this project): an
 * order, its publish, its stored item, and the batch that carried it. Shared by the tests that
 * edit the application's handler while the stack runs (live-dev-loop, function-processes).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchReport, LocalRuntime } from '@sluice/local';
import { createPublisher } from '@sluice/runtime/publisher';
import { operations, type OrderPlaced } from '@orders/contract';
import { createDocumentClient, OrderStore } from '@orders/app/store';

/** A valid OrderPlaced with this id. */
export const liveOrder = (orderId: string): OrderPlaced => ({ orderId, userId: 'usr-1', itemName: 'Lamp', quantity: 1, status: 'PAID', timestamp: '2026-03-01T10:00:00Z' });

/** Helpers bound to the stack `runtime()` returns and the batches the test collects. */
export function liveOrders(runtime: () => LocalRuntime, batches: readonly BatchReport[]) {
  return {
    /** Publishes `liveOrder(orderId)` with the contract's publisher. */
    async publish(orderId: string): Promise<void> {
      const sns = new SNSClient(runtime().clientConfig);
      try {
        await createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: runtime().resources.topics.OrderTopic!.arn }).publish(liveOrder(orderId));
      } finally {
        sns.destroy();
      }
    },
    /** The stored order, or undefined. */
    async stored(orderId: string) {
      const dynamodb = new DynamoDBClient(runtime().clientConfig);
      try {
        return await new OrderStore({ client: createDocumentClient(dynamodb), tableName: runtime().resources.tables.Orders!.name }).get(orderId);
      } finally {
        dynamodb.destroy();
      }
    },
    /** The batch that carried `orderId`, once it has been handled. */
    batchOf: (orderId: string) => batches.find((b) => b.records.some((r) => r.body.includes(`\\"orderId\\":\\"${orderId}\\"`))),
  };
}
