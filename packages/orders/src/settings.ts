/**
 * The order application's settings: what the contract has no place for. The topology (topic,
 * queues, dead-letter queue, redrive, retention, subscriptions) comes from asyncapi.yaml through
 * the generated manifest; these are the functions' numbers and the Orders table.
 *
 * `sst.config.ts` deploys them and `npm start` runs with them. A consumer without an entry here
 * gets the framework's defaults (packages/runtime/src/settings.ts).
 */
import { defineSettings } from '@sluice/runtime/settings';

export const settings = defineSettings({
  tables: {
    /** The latest state of each order, one item per order. */
    Orders: { partitionKey: 'orderId' },
  },
  consumers: {
    consumeOrderPlaced: {
      timeoutSeconds: 30,
      memoryMB: 512,
      batchSize: 10,
      batchWindowSeconds: 1,
      /** Lambda's initial scaling for SQS; the local runtime runs as many pollers. */
      maximumConcurrency: 5,
      /** One line per record in CloudWatch; WARN would keep only rejected and failed records. */
      logLevel: 'INFO',
      /** The queue's age alarm pages when an order has waited this long: orders are expected within seconds. */
      maximumMessageAgeSeconds: 900,
      /** One conditional PutItem per record, and a GetItem to tell a duplicate from a stale event. */
      tables: { Orders: ['dynamodb:PutItem', 'dynamodb:GetItem'] },
    },
  },
  /** The consumers' CloudWatch metrics (records by outcome, message age, batch size) go here. */
  metricsNamespace: 'OrdersPipeline',
  alerts: {
    /**
     * Who gets an email when an alarm goes off or recovers (each address confirms once). Paging
     * tools subscribe to the deployed `AlertsTopicArn` output instead.
     */
    emails: [],
  },
});

/** The table the order store writes to. */
export const ORDERS_TABLE = 'Orders';
