/**
 * The parts of the deployment plan (`resolvePlan` in `plan.ts`) that its resolvers share: resource
 * references, queues, functions, permissions, alarms, tables, topics and the key.
 */
import type { QueueSpec, TopicSpec } from '@sluice/runtime/contract';
import type { LogLevel, TableSettings } from '@sluice/runtime/settings';
import type { ResolvedConsumerSettings } from './settings.ts';
import type { UnroutedSpec } from './unrouted.ts';

/** Where a resource is, filled in by the renderer: a topic's ARN, a queue's ARN or URL, a table's name or ARN, a key's ARN. */
export type ResourceRef =
  | { readonly topicArn: string }
  | { readonly keyArn: string }
  | { readonly queueArn: string }
  | { readonly queueUrl: string }
  | { readonly tableName: string }
  | { readonly tableArn: string };

/**
 * An environment variable's value: a literal, a reference, or the ARNs of topics joined by commas
 * (`{ topicArns: ['PaymentTopic'] }`, for `EVENT_SOURCE_TOPIC_ARNS`).
 */
export type EnvironmentValue = string | ResourceRef | { readonly topicArns: readonly string[] };

/** IAM actions a function may perform on one resource. */
export interface PermissionPlan {
  /** IAM actions, e.g. `dynamodb:PutItem`. */
  readonly actions: readonly string[];
  /** The resource they apply to, by reference (`{ tableArn: 'Payments' }`). */
  readonly resource: ResourceRef;
}

/** A CloudWatch alarm; every alarm notifies the alerts topic when it goes off and when it recovers. */
export interface AlarmPlan {
  /** Logical name, e.g. `PaymentDLQDepthAlarm`. */
  readonly name: string;
  /** What it means and what to do, shown in the notification. */
  readonly description: string;
  /** What it watches: a queue (by name), a consumer function (by operation id) or a topic (by name). */
  readonly subject: { readonly queue: string } | { readonly function: string } | { readonly topic: string };
  /** The CloudWatch namespace of the metric. */
  readonly namespace: 'AWS/SQS' | 'AWS/Lambda' | 'AWS/SNS';
  /** The metric, e.g. `ApproximateAgeOfOldestMessage`. */
  readonly metricName: string;
  /** How the metric's data points are combined over a period. */
  readonly statistic: 'Maximum' | 'Sum';
  /** Seconds per period. */
  readonly period: number;
  /** Periods over the threshold before it goes off. */
  readonly evaluationPeriods: number;
  /** It goes off above the threshold. */
  readonly comparisonOperator: 'GreaterThanThreshold';
  /** The threshold, in the metric's unit (seconds of age, messages, invocations). */
  readonly threshold: number;
  /** An idle queue or function reports nothing, which is healthy. */
  readonly treatMissingData: 'notBreaching';
}

/**
 * What a queue is for: a consumer's queue (`queue`, also one nobody consumes), a dead-letter queue
 * (`deadLetter`), or a topic's unrouted queue (`unrouted`, derived by the framework: it keeps what
 * no subscription of its topic admits).
 */
export type QueueKind = 'queue' | 'deadLetter' | 'unrouted';

/** One queue, as it is created. */
export interface QueuePlan {
  /** What the queue is for. */
  readonly kind: QueueKind;
  /** What the contract says about the queue (for an unrouted queue, what the framework derives). */
  readonly spec: QueueSpec;
  /** For an unrouted queue: its topic, the subscription filling it and what the topic routes. */
  readonly unrouted?: UnroutedSpec;
  /** Encrypted with the deployment's customer-managed key (SNS sends to it from an encrypted topic), else SQS-managed. */
  readonly encryption: 'kms' | 'sqs-managed';
  /** The queue's name, as in the contract. */
  readonly name: string;
  /** The name without `.fifo`: what logical names and outputs are made of. */
  readonly baseName: string;
  /** The visibility timeout it gets: the contract's, else 6 × its consumer's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** The receive operation consuming it, if any. */
  readonly consumer?: string;
  /** Topics whose SNS may send to it: those subscribed to it, and those whose undeliverable notifications it keeps. */
  readonly senders: readonly string[];
  /** Its depth alarm (dead-letter queues) and the age of its oldest message. */
  readonly alarms: readonly AlarmPlan[];
}

/** One consumer function, resolved. */
export interface FunctionPlan {
  /** `triage`: the framework's triage function of a topic (see {@link DeploymentPlan.triage}); a consumer otherwise. */
  readonly kind?: 'consumer' | 'triage';
  /** The receive operation it handles. */
  readonly operationId: string;
  /** Function and component name: the operation id in PascalCase. */
  readonly functionName: string;
  /** The handler by the consumers-folder convention, as SST takes it: `<consumersDir>/<operationId>.handler`. */
  readonly handler: string;
  /** The queue it consumes. */
  readonly queue: string;
  /** Where the queue's failed messages go, if anywhere. */
  readonly deadLetterQueue?: string;
  /** The queue's visibility timeout as deployed. */
  readonly visibilityTimeoutSeconds: number;
  /** The consumer's settings, defaults applied (timeout, memory, batch, concurrency, log level, tables). */
  readonly settings: ResolvedConsumerSettings;
  /** Function timeout. */
  readonly timeoutSeconds: number;
  /** Function memory. */
  readonly memoryMB: number;
  /** Records per invocation. */
  readonly batchSize: number;
  /** How long the event source gathers records before invoking. */
  readonly batchWindowSeconds: number;
  /** Most batches processed at once (the local stack runs as many pollers). */
  readonly maximumConcurrency: number;
  /** Concurrent executions reserved for the function: at least `maximumConcurrency`, so the event source is never throttled. */
  readonly reservedConcurrency: number;
  /** The function's log level. */
  readonly logLevel: LogLevel;
  /** Topics feeding its queue. */
  readonly sourceTopics: readonly string[];
  /** The function's own environment: service name, log level, metrics namespace, source topics, tables. */
  readonly environment: Readonly<Record<string, EnvironmentValue>>;
  /** What it may do: poll and delete on its queue, and the table actions its settings list. */
  readonly permissions: readonly PermissionPlan[];
  /** Its errors and throttles alarms. */
  readonly alarms: readonly AlarmPlan[];
}

/** An application table. */
export interface TablePlan extends TableSettings {
  /** The table's name, as in the settings. */
  readonly name: string;
}

/** Who may publish to a topic: by send operation, the principals the settings name, or the deploying account. */
export interface TopicPublisherPlan {
  /** The send operation publishing to the topic. */
  readonly operationId: string;
  /** Role or user ARNs and account ids; `'deployingAccount'`: the account it is deployed to (its root), the default. */
  readonly principals: readonly string[] | 'deployingAccount';
}

/** A topic, hardened: encrypted with the deployment's key (`MessagesKey`), TLS only, published to only by its publishers. */
export interface TopicPlan extends TopicSpec {
  /** Server-side encryption with the customer-managed key {@link DeploymentPlan.key}. */
  readonly encryption: 'kms';
  /** Who may publish, per send operation. */
  readonly publishers: readonly TopicPublisherPlan[];
  /** Who may publish besides, to redrive its unrouted queue (`settings.operators.principals`). */
  readonly operators: readonly string[];
  /** SNS's own count of what every subscription filtered out for missing or unreadable attributes: alarmed. */
  readonly alarms: readonly AlarmPlan[];
}

/**
 * A customer-managed KMS key of the deployment: `MessagesKey` (the contract's topics and the queues
 * they feed; SNS and SQS may use it) or `AlertsKey` (the alerts topic alone; CloudWatch may use it).
 */
export interface KeyPlan {
  /** Logical name: `MessagesKey` or `AlertsKey`. */
  readonly name: string;
  /** Topics encrypted with it. */
  readonly topics: readonly string[];
  /** Queues encrypted with it: every queue SNS sends to (SQS must decrypt what an encrypted topic delivers); none for `AlertsKey`. */
  readonly queues: readonly string[];
  /** Services its key policy lets use it, besides the account's administrators. */
  readonly services: readonly ('sns.amazonaws.com' | 'sqs.amazonaws.com' | 'cloudwatch.amazonaws.com')[];
  /**
   * Every principal `settings.publishers` and `settings.operators` name (role or user ARNs,
   * account ids), once: each may publish to the topics. Publishing
   * to a topic encrypted with the key needs `kms:GenerateDataKey*` and `kms:Decrypt` on it, and a
   * principal of another account gets them only from the key policy (its own account's IAM alone
   * is not enough): the renderer grants them to those of another account than the deploying one,
   * through SNS only (`kms:ViaService`). The deploying account's are left to its IAM, as the key
   * policy leaves everyone of the account.
   */
  readonly publishers: readonly string[];
}
