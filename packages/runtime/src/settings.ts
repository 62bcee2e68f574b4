/**
 * The application's settings: what the contract has no place for. Function memory, timeout, batch
 * size and window, concurrency and log level per consumer (keyed by receive operation id), and the
 * tables the application stores into. `sst.config.ts` deploys them and the local runtime runs with
 * them; every consumer without an entry gets the defaults each field documents.
 *
 * Only the types, `defineSettings` and the name of the source-topics variable live here: this
 * module is loaded inside Lambda (the application's settings module imports it). Resolving the
 * settings against the contract (defaults, visibility timeouts, the check) is `@sluice/model`'s.
 */

/** A DynamoDB table of the application. */
export interface TableSettings {
  /** Partition key attribute (a string). */
  partitionKey: string;
  /** Sort key attribute (a string), if any. */
  sortKey?: string;
}

/** A consumer's log level (Powertools'): `DEBUG` and `INFO` log every record, `WARN` only rejected and failed ones. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** One consumer function. Every field has a default. */
export interface ConsumerSettings {
  /** Function timeout. @default 30 */
  timeoutSeconds?: number;
  /** Function memory. @default 512 */
  memoryMB?: number;
  /** Records per invocation (SQS event source). @default 10 */
  batchSize?: number;
  /** How long the event source gathers records before invoking. @default 1 */
  batchWindowSeconds?: number;
  /**
   * Most batches processed at once. Lambda starts with 5 concurrent batches per queue and scales
   * out; this caps it (2..1000). The local runtime runs this many pollers. @default 5
   */
  maximumConcurrency?: number;
  /**
   * Concurrent executions reserved for the function (Lambda's `reservedConcurrentExecutions`).
   * At least `maximumConcurrency`, so the event source is never throttled: a throttled batch goes
   * back to the queue and uses up a receive, and enough of them dead-letter a valid message that
   * was never handled. Taken from the account's pool. @default maximumConcurrency
   */
  reservedConcurrency?: number;
  /**
   * Why the queue's `maxReceiveCount` stays below 5, AWS's guidance for queues feeding Lambda,
   * when it does: shown with the warning instead of a bare one. @default undefined (a bare warning)
   */
  lowMaxReceiveCountReason?: string;
  /** Deployed log level: `INFO` logs one line per record, `WARN` only rejected and failed ones. @default 'INFO' */
  logLevel?: LogLevel;
  /**
   * The alarm on the consumer's queue pages when its oldest message has waited longer than this:
   * the consumer is down, failing or too slow. Must be well below the queue's retention (the
   * message is lost when it expires). @default 900
   */
  maximumMessageAgeSeconds?: number;
  /** IAM actions the function may perform on each application table, e.g. `{ Payments: ['dynamodb:PutItem'] }`. */
  tables?: Record<string, readonly string[]>;
}

/** Who is told when an alarm goes off. */
export interface AlertSettings {
  /**
   * Addresses subscribed by email to the alerts topic (each confirms once, from the message AWS
   * sends). Paging tools subscribe to the `AlertsTopicArn` output instead. @default []
   */
  emails?: readonly string[];
  /**
   * Other subscriptions to the alerts topic (a paging tool's HTTPS endpoint, an SQS queue, a
   * Lambda function), each created with the topic. @default []
   */
  endpoints?: readonly { readonly protocol: 'https' | 'http' | 'sqs' | 'lambda' | 'sms' | 'email-json'; readonly endpoint: string }[];
  /**
   * Who subscribes to the `AlertsTopicArn` output outside this deployment (e.g. "PagerDuty, from
   * the ops-infra repository"). A production stage refuses to deploy when there is no email, no
   * endpoint and no `subscribedElsewhere`: its alarms would notify nobody. @default undefined
   */
  subscribedElsewhere?: string;
}

/** Who may publish through one send operation (its topic's policy allows `sns:Publish` to them only). */
export interface PublisherSettings {
  /**
   * IAM principals: role or user ARNs, or 12-digit account ids (any principal of that account
   * allowed by its own IAM policies). @default the deploying account (its root)
   */
  principals: readonly string[];
}

/**
 * Who redrives a topic's unrouted queue on AWS (`dlq redrive --queue <Topic>Unrouted --aws`
 * publishes each message to the topic again): every topic's policy lets them `sns:Publish` too.
 */
export interface OperatorSettings {
  /**
   * IAM principals: the role or user ARNs the operators run the commands as (for a session, the
   * role it assumed), or 12-digit account ids. Empty: nobody redrives an unrouted queue by
   * publishing, on purpose.
   */
  principals: readonly string[];
}

/** What the contract has no place for, declared with {@link defineSettings}. */
export interface AppSettings {
  /** The application's DynamoDB tables, by name. */
  tables?: Record<string, TableSettings>;
  /** Each consumer function's settings, keyed by its receive operation id. */
  consumers?: Record<string, ConsumerSettings>;
  /** Who is told when an alarm goes off. */
  alerts?: AlertSettings;
  /**
   * Who may publish, by send operation id (`publishPaymentCaptured`); a topic allows the union of its
   * send operations' principals. @default the deploying account only
   */
  publishers?: Record<string, PublisherSettings>;
  /**
   * Who redrives the unrouted queues on AWS: `dlq redrive --queue <Topic>Unrouted --aws` publishes
   * to the topic, which a topic whose `publishers` are named refuses to everyone else. Every topic
   * lets these principals publish too. @default nobody besides the publishers (with the default
   * publishers, the deploying account, the operators' roles included)
   */
  operators?: OperatorSettings;
  /** CloudWatch namespace of the consumers' metrics (deployed and local). @default 'EventContract' */
  metricsNamespace?: string;
}

/**
 * Declares the settings (an identity function, for type checking and editor help).
 *
 * @example
 * ```ts
 * import { defineSettings } from '@sluice/runtime/settings';
 *
 * export const settings = defineSettings({
 *   tables: { Payments: { partitionKey: 'paymentId' } },
 *   consumers: { consumePaymentCaptured: { timeoutSeconds: 30, tables: { Payments: ['dynamodb:PutItem', 'dynamodb:GetItem'] } } },
 * });
 * ```
 */
export function defineSettings<const S extends AppSettings>(settings: S): S {
  return settings;
}

/** Environment variable through which a consumer learns the ARNs of the topics its queue is subscribed to (comma-separated). */
export const SOURCE_TOPICS_ENV = 'EVENT_SOURCE_TOPIC_ARNS';

/**
 * Environment variable the local stack sets (to `1`) on the consumers it runs, so that it learns
 * why every record failed or was rejected whatever their log level: a consumer that would not
 * write its `record failed` or `record rejected` line (`LOG_LEVEL=ERROR` hides the rejected ones,
 * `SILENT` both) writes it anyway, starting with {@link FAILURE_LINE_PREFIX}, for the stack's
 * failure journal only (the stack never prints it). Never set on AWS.
 */
export const FAILURE_LINES_ENV = 'SLUICE_FAILURE_LINES';
/** How a line written only for the local stack's failure journal starts (see {@link FAILURE_LINES_ENV}). */
export const FAILURE_LINE_PREFIX = '{"sluiceFailureLine":true,';
