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
      /**
       * Executions reserved for the consumer: at least maximumConcurrency, so the event source is
       * never throttled (a throttled batch would use up a receive of each order in it).
       */
      reservedConcurrency: 5,
      /** The contract's maxReceiveCount 3 is below AWS's 5 for Lambda event sources, on purpose. */
      lowMaxReceiveCountReason:
        "3 is the seed's number, kept so the reliability runs dead-letter a poison order after 3 attempts; throttles cannot use receives here (reservedConcurrency ≥ maximumConcurrency), only timeouts and crashes do",
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
     * tools subscribe to the deployed `AlertsTopicArn` output instead (say who in
     * `subscribedElsewhere`). Empty on purpose: this repository has no on-call address, so
     * `npm run infra:plan -- --stage prod` and `npm run deploy:prod` refuse until you fill one in;
     * other stages deploy with a warning.
     */
    emails: [],
  },
});

/** The table the order store writes to. */
export const ORDERS_TABLE = 'Orders';
