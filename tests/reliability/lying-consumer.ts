/**
 * A consumer that lies, for the ledger's self-test (lying-consumer.reliability.ts): the application's
 * handler, except that for the events `LYING_CONSUMER_LIES` names it writes nothing and returns
 * `duplicate`, so the framework logs the usual line, as a consumer whose store check is wrong would.
 *
 * `LYING_CONSUMER_LIES`: a JSON list of `{ orderId, timestamp? }`; without a timestamp, every event
 * of the order.
 */
import { operations } from '@orders/contract';
import { defineConsumer } from '@sluice/runtime/consumer';
import { OrderStore } from '@orders/app/store';

const store = new OrderStore();
const lies = JSON.parse(process.env.LYING_CONSUMER_LIES ?? '[]') as { orderId: string; timestamp?: string }[];

export const handler = defineConsumer(operations.consumeOrderPlaced, async (order, context) => {
  context.annotate({ orderId: order.orderId });
  if (lies.some((lie) => lie.orderId === order.orderId && (lie.timestamp === undefined || lie.timestamp === order.timestamp))) return 'duplicate' as const;
  return store.saveIfNewer(order);
});
