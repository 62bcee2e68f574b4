/**
 * The deployment plan: the contract's topology and the application's settings resolved once into
 * everything a renderer needs, so that `sst.config.ts` (the `SluiceTopology` component of
 * `@sluice/infra`) and the local stack (`@sluice/local`) write the environment, the permissions and
 * the limits of each function from one place.
 *
 * Values known only once the resources exist (an ARN, a URL, a deployed table name) are
 * references ({@link ResourceRef}); each renderer fills them in from what it created.
 */
import type { QueueSpec, SubscriptionSpec, Topology, TopicSpec } from '@sluice/runtime/contract';
import { envName } from '@sluice/runtime/resources';
import { SOURCE_TOPICS_ENV, type AppSettings, type LogLevel, type TableSettings } from '@sluice/runtime/settings';
import { ALERTS_TOPIC, checkSettings, consumerSettings, functionNameOf, metricsNamespaceOf, visibilityTimeoutOf, type ResolvedConsumerSettings } from './settings.ts';

/** Where a resource is, filled in by the renderer: a topic's ARN, a queue's ARN or URL, a table's name or ARN. */
export type ResourceRef =
  | { readonly topicArn: string }
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
  /** What it watches: a queue (by name) or a consumer function (by operation id). */
  readonly subject: { readonly queue: string } | { readonly function: string };
  /** The CloudWatch namespace of the metric. */
  readonly namespace: 'AWS/SQS' | 'AWS/Lambda';
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

/** One queue, as it is created. */
export interface QueuePlan {
  /** What the contract says about the queue. */
  readonly spec: QueueSpec;
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

/** Everything to create for one topology and its settings. */
export interface DeploymentPlan {
  /** The contract's topics. */
  readonly topics: readonly TopicSpec[];
  /** Dead-letter queues first: their ARNs go into the redrive policies of their sources. */
  readonly queues: readonly QueuePlan[];
  /** Topic → queue subscriptions, with their filter policies. */
  readonly subscriptions: readonly SubscriptionSpec[];
  /** One per receive operation. */
  readonly functions: readonly FunctionPlan[];
  /** The application's tables. */
  readonly tables: readonly TablePlan[];
  /** The topic every alarm notifies, and the addresses subscribed to it by email. */
  readonly alerts: { readonly topic: string; readonly emails: readonly string[] };
  /** Every alarm: the queues' and the functions'. */
  readonly alarms: readonly AlarmPlan[];
  /** Stack outputs, by name: where every topic, queue and table is (`PaymentTopicArn`, `PaymentQueueUrl`, `PaymentsTableName`, `AlertsTopicArn`). */
  readonly outputs: Readonly<Record<string, ResourceRef>>;
}

/** What {@link resolvePlan} takes. */
export interface PlanOptions {
  /** The topology manifest (`generated/topology.json`). */
  topology: Topology;
  /** The application's settings (`defineSettings`). */
  settings: AppSettings;
  /** The consumers folder relative to the project root, with `/`: what `handler` paths start with. @default 'consumers' */
  consumersDir?: string;
  /**
   * The application's command that mounts the operator commands (`dlq`, `status`), e.g.
   * `npx payments` (the project's `operatorCommand`): the alarm descriptions tell the on-call
   * engineer to run `<operatorCommand> dlq list --aws`. Without it they name the command alone.
   */
  operatorCommand?: string;
  /**
   * Check the settings against the contract first ({@link checkSettings}). The local stack turns
   * it off for settings it has overridden on purpose (one poller, a zero batch window), after
   * checking the application's own. @default true
   */
  check?: boolean;
}

/** The settings do not fit the contract; `problems` lists each, one line. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`The settings do not fit the contract:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The IAM actions the Lambda event source mapping needs to poll and delete, nothing more. */
export const EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

/**
 * A queue or topic name without the `.fifo` suffix: what logical names and outputs are made of.
 *
 * @example
 * ```ts
 * import { baseNameOf } from '@sluice/model';
 *
 * baseNameOf('PaymentEvents.fifo'); // 'PaymentEvents'
 * ```
 */
export function baseNameOf(name: string): string {
  return name.replace(/\.fifo$/, '');
}

const sqsAlarm = { namespace: 'AWS/SQS', statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' } as const;

/**
 * Resolves the topology and the settings into the deployment plan. Checks the settings first
 * ({@link checkSettings}) and throws a {@link SettingsError} listing every problem.
 *
 * @param options - the topology, the settings, the consumers folder and the operator command
 * @returns the plan; references stand for what exists only once deployed
 * @throws {@link SettingsError} when the settings do not fit the contract (unless `check` is false)
 * @example
 * ```ts
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const plan = resolvePlan({ topology, settings, consumersDir: 'consumers', operatorCommand: 'npx payments' });
 * plan.functions[0]?.environment.EVENT_SOURCE_TOPIC_ARNS; // { topicArns: ['PaymentTopic'] }
 * plan.functions[0]?.handler; // 'consumers/consumePaymentCaptured.handler'
 * ```
 */
export function resolvePlan(options: PlanOptions): DeploymentPlan {
  const { topology, settings } = options;
  const problems = options.check === false ? [] : checkSettings(topology, settings);
  if (problems.length > 0) throw new SettingsError(problems);
  const consumersDir = (options.consumersDir ?? 'consumers').replace(/\/+$/, '');
  const receive = Object.values(topology.operations).filter((o) => o.action === 'receive');
  const consumerOf = (queue: string) => receive.find((o) => o.queue === queue);
  // What the alarm descriptions tell the on-call engineer to run.
  const operator = (command: string) => (options.operatorCommand ? `\`${options.operatorCommand} ${command}\`` : `the application's \`${command}\` command`);

  const queues = Object.values(topology.queues)
    .sort((a, b) => Number(b.deadLetterFor.length > 0) - Number(a.deadLetterFor.length > 0))
    .map((queue): QueuePlan => {
      const consumer = consumerOf(queue.name);
      const baseName = baseNameOf(queue.name);
      const alarms: AlarmPlan[] = [];
      if (queue.deadLetterFor.length > 0) {
        alarms.push({
          name: `${baseName}DepthAlarm`,
          description: `Messages failed ${queue.deadLetterFor.join(', ')} and wait in ${queue.name}: see ${operator('dlq list --aws')}`,
          subject: { queue: queue.name },
          ...sqsAlarm,
          metricName: 'ApproximateNumberOfMessagesVisible',
          period: 60,
          evaluationPeriods: 1,
          threshold: 0,
        });
      }
      // The age of the oldest message: a consumer that is down, failing or too slow, before the
      // messages expire. A dead-letter queue's messages were already paged for; this one warns
      // that they are about to be lost unexamined.
      const maximumAge = consumer ? consumerSettings(settings, consumer.id).maximumMessageAgeSeconds : Math.floor(queue.retentionSeconds / 2);
      alarms.push({
        name: `${baseName}AgeAlarm`,
        description: consumer
          ? `A message has waited in ${queue.name} for over ${maximumAge} s: ${consumer.id} is down, failing every record or too slow. See its logs and ${operator('status --aws')}`
          : `A message has waited in ${queue.name} for over ${maximumAge} s, half its retention: examine and redrive or purge it before it expires (${operator('dlq list --aws')})`,
        subject: { queue: queue.name },
        ...sqsAlarm,
        metricName: 'ApproximateAgeOfOldestMessage',
        period: 60,
        evaluationPeriods: 3,
        threshold: maximumAge,
      });
      const senders = [...new Set(topology.subscriptions.filter((s) => s.queue === queue.name || s.deadLetterQueue === queue.name).map((s) => s.topic))];
      return { spec: queue, name: queue.name, baseName, visibilityTimeoutSeconds: visibilityTimeoutOf(topology, settings, queue), ...(consumer ? { consumer: consumer.id } : {}), senders, alarms };
    });

  const functions = receive.map((op): FunctionPlan => {
    const s = consumerSettings(settings, op.id);
    const queue = topology.queues[op.queue!];
    if (!queue) throw new Error(`${op.id} consumes queue ${op.queue}, which the topology does not declare`);
    const sourceTopics = (op.sources ?? []).map((src) => src.topic);
    const environment: Record<string, EnvironmentValue> = {
      POWERTOOLS_SERVICE_NAME: op.id,
      POWERTOOLS_LOG_LEVEL: s.logLevel,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespaceOf(settings),
      [SOURCE_TOPICS_ENV]: { topicArns: sourceTopics },
    };
    const permissions: PermissionPlan[] = [{ actions: [...EVENT_SOURCE_ACTIONS], resource: { queueArn: queue.name } }];
    for (const [table, actions] of Object.entries(s.tables)) {
      // The handler finds the table through the conventional variable, and may do only what the settings list.
      environment[envName.tableName(table)] = { tableName: table };
      permissions.push({ actions: [...actions], resource: { tableArn: table } });
    }
    const functionAlarm = (metricName: 'Errors' | 'Throttles', description: string): AlarmPlan => ({
      name: `${functionNameOf(op.id)}${metricName}Alarm`,
      description,
      subject: { function: op.id },
      namespace: 'AWS/Lambda',
      metricName,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
    });
    return {
      operationId: op.id,
      functionName: functionNameOf(op.id),
      handler: `${consumersDir}/${op.id}.handler`,
      queue: queue.name,
      ...(queue.deadLetter ? { deadLetterQueue: queue.deadLetter.queue } : {}),
      visibilityTimeoutSeconds: visibilityTimeoutOf(topology, settings, queue),
      settings: s,
      timeoutSeconds: s.timeoutSeconds,
      memoryMB: s.memoryMB,
      batchSize: s.batchSize,
      batchWindowSeconds: s.batchWindowSeconds,
      maximumConcurrency: s.maximumConcurrency,
      logLevel: s.logLevel,
      sourceTopics,
      environment,
      permissions,
      alarms: [
        functionAlarm('Errors', `${op.id} failed whole invocations (a crash, a timeout, an error outside a record): its batches are retried and may be dead-lettered. See its logs`),
        functionAlarm('Throttles', `${op.id} was throttled: the account's concurrency is exhausted, or the function's reserved concurrency is too low for maximumConcurrency ${s.maximumConcurrency}`),
      ],
    };
  });

  const tables = Object.entries(settings.tables ?? {}).map(([name, table]): TablePlan => ({ name, ...table }));
  const topics = Object.values(topology.topics);
  const outputs: Record<string, ResourceRef> = { [`${ALERTS_TOPIC}TopicArn`]: { topicArn: ALERTS_TOPIC } };
  for (const table of tables) outputs[`${table.name}TableName`] = { tableName: table.name };
  for (const queue of queues) outputs[`${queue.baseName}Url`] = { queueUrl: queue.name };
  for (const topic of topics) outputs[`${baseNameOf(topic.name)}Arn`] = { topicArn: topic.name };
  return {
    topics,
    queues,
    subscriptions: topology.subscriptions,
    functions,
    tables,
    alerts: { topic: ALERTS_TOPIC, emails: settings.alerts?.emails ?? [] },
    alarms: [...queues.flatMap((q) => q.alarms), ...functions.flatMap((f) => f.alarms)],
    outputs,
  };
}

/** How a renderer finds the value of each kind of reference. */
export interface ReferenceResolver<T> {
  /** A topic's ARN. */
  topicArn(topic: string): T;
  /** A queue's ARN. */
  queueArn(queue: string): T;
  /** A queue's URL. */
  queueUrl(queue: string): T;
  /** A table's (deployed) name. */
  tableName(table: string): T;
  /** A table's ARN. */
  tableArn(table: string): T;
}

/**
 * The value of a reference, from what the renderer created.
 *
 * @example
 * ```ts
 * import { resolveReference } from '@sluice/model';
 *
 * const arns: Record<string, string> = { PaymentTopic: 'arn:aws:sns:us-east-1:000000000000:PaymentTopic' };
 * resolveReference({ topicArn: 'PaymentTopic' }, {
 *   topicArn: (t) => arns[t]!,
 *   queueArn: (q) => q,
 *   queueUrl: (q) => q,
 *   tableName: (t) => t,
 *   tableArn: (t) => t,
 * }); // 'arn:aws:sns:us-east-1:000000000000:PaymentTopic'
 * ```
 */
export function resolveReference<T>(ref: ResourceRef, resolver: ReferenceResolver<T>): T {
  if ('topicArn' in ref) return resolver.topicArn(ref.topicArn);
  if ('queueArn' in ref) return resolver.queueArn(ref.queueArn);
  if ('queueUrl' in ref) return resolver.queueUrl(ref.queueUrl);
  if ('tableName' in ref) return resolver.tableName(ref.tableName);
  return resolver.tableArn(ref.tableArn);
}

/**
 * A function's environment with every reference filled in: literals as they are, references by
 * `resolver`, topic lists joined with commas by `join`.
 *
 * @example
 * ```ts
 * import { renderEnvironment, resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const [fn] = resolvePlan({ topology, settings }).functions;
 * const environment = renderEnvironment(fn!.environment, {
 *   topicArn: (t) => `arn:aws:sns:us-east-1:000000000000:${t}`,
 *   queueArn: (q) => `arn:aws:sqs:us-east-1:000000000000:${q}`,
 *   queueUrl: (q) => `http://localhost:4566/000000000000/${q}`,
 *   tableName: (t) => t,
 *   tableArn: (t) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`,
 * }, (arns) => arns.join(','));
 * environment.PAYMENTS_TABLE_NAME; // 'Payments'
 * ```
 */
export function renderEnvironment<T>(environment: Readonly<Record<string, EnvironmentValue>>, resolver: ReferenceResolver<T>, join: (values: T[]) => T | string): Record<string, T | string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : 'topicArns' in value ? join(value.topicArns.map((topic) => resolver.topicArn(topic))) : resolveReference(value, resolver),
    ]),
  );
}
