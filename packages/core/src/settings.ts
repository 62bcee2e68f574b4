/**
 * The pipeline settings: the one place that names the resources and sets the numbers.
 *
 * `sst.config.ts` (production) and the local runtime (`npm start`) both read this module, so the
 * deployed and the local pipeline cannot drift. Change a number here, not in either of them.
 */

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;

/** Subscriber (Lambda) settings. */
const subscriber = {
  /** Component / function name. */
  name: 'OrderSubscriber',
  /** Handler path as SST expects it (relative to the repository root). */
  handler: 'packages/functions/src/subscriber.handler',
  /** Function timeout. @default 30 */
  timeoutSeconds: 30,
  /** Function memory. @default 512 */
  memoryMB: 512,
  /** Records per invocation (SQS event source mapping). @default 10 */
  batchSize: 10,
  /** How long the event source gathers records before invoking. @default 1 */
  batchWindowSeconds: 1,
} as const;

export const pipelineSettings = {
  /** SNS topic producers publish `OrderPlaced` to. */
  topic: {
    name: 'OrderTopic',
    /**
     * Raw message delivery off: the queue receives the SNS notification envelope, which keeps the
     * SNS MessageId and attributes; the subscriber decodes that shape (and also accepts raw bodies).
     */
    rawMessageDelivery: false,
  },
  /** SQS queue subscribed to the topic; the subscriber consumes it. */
  queue: {
    name: 'OrderQueue',
    /** AWS guidance: at least 6 × the function timeout (SST's default is only 1.5 ×). */
    visibilityTimeoutSeconds: 6 * subscriber.timeoutSeconds,
    /** @default 4 days (the SQS default) */
    retentionSeconds: 4 * DAY,
  },
  /** Dead-letter queue: where a record goes after failing `maxReceiveCount` receives. */
  deadLetterQueue: {
    name: 'OrderDLQ',
    /** A record is processed at most this many times before it is dead-lettered. @default 3 */
    maxReceiveCount: 3,
    /** Long enough to investigate: 14 days (the SQS maximum). */
    retentionSeconds: 14 * DAY,
  },
  /** DynamoDB table of the latest state of each order. */
  table: {
    name: 'Orders',
    partitionKey: 'orderId',
  },
  subscriber,
  /** Plain environment variables used when there is no SST link (local runs, scripts). */
  env: {
    tableName: 'ORDERS_TABLE_NAME',
    topicArn: 'ORDER_TOPIC_ARN',
  },
} as const;

export type PipelineSettings = typeof pipelineSettings;
