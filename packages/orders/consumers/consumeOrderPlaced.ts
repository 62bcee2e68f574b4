/**
 * The handler of receive operation `consumeOrderPlaced` (asyncapi.yaml): every OrderPlaced that
 * reaches OrderQueue is stored as the latest state of its order, unless a newer one already is.
 *
 * Found by convention (a file named after the operation id in packages/orders/consumers/); the framework
 * decodes, validates, reports partial batch failures and logs one line per record. The store is
 * created at module level, in Lambda's init phase: a missing table name fails the init loudly
 * instead of failing every record.
 */
import { operations } from '@orders/contract';
import { defineConsumer } from '@sluice/runtime/consumer';
import { OrderStore } from '../src/order-store.ts';

const store = new OrderStore();

export const handler = defineConsumer(operations.consumeOrderPlaced, async (order, context) => {
  context.annotate({ orderId: order.orderId });
  return store.saveIfNewer(order); // 'stored' | 'duplicate' | 'stale'
});
