/**
 * The deployment plan: the contract's topology and the application's settings resolved once into
 * everything a renderer needs, so that `sst.config.ts` (the `SluiceTopology` component of
 * `@sluice/infra`) and the local stack (`@sluice/local`) write the environment, the permissions and
 * the limits of each function from one place.
 *
 * Values known only once the resources exist (an ARN, a URL, a deployed table name) are
 * references ({@link ResourceRef}); each renderer fills them in from what it created.
 */
import type { PolicyStatementSpec, QueueSpec, SubscriptionSpec, Topology } from '@sluice/runtime/contract';
import { envName } from '@sluice/runtime/resources';
import { SOURCE_TOPICS_ENV, type AppSettings } from '@sluice/runtime/settings';
import { ALERTS_TOPIC, alertsReachNobody, checkSettings, consumerSettings, functionNameOf, metricsNamespaceOf, settingsWarnings, visibilityTimeoutOf, type ResolvedConsumerSettings } from './settings.ts';
import { checkUnrouted, UNROUTED_RETENTION_SECONDS, unroutedOf, unroutedQueueNameOf, type UnroutedSpec } from './unrouted.ts';
import { triageOf, triageResources, type TriagePlan } from './triage.ts';
import { anyOccurrenceAlarm, deadLetterAge, functionAlarm } from './alarms.ts';

export * from './plan-types.ts';
import type { AlarmPlan, EnvironmentValue, FunctionPlan, KeyPlan, PermissionPlan, QueuePlan, ResourceRef, TablePlan, TopicPlan } from './plan-types.ts';

/** Everything to create for one topology and its settings. */
export interface DeploymentPlan {
  /** The contract's topics, hardened. */
  readonly topics: readonly TopicPlan[];
  /** The customer-managed key the topics and the queues they feed are encrypted with (`MessagesKey`). */
  readonly key: KeyPlan;
  /**
   * The alerts topic's own customer-managed key (`AlertsKey`): CloudWatch must use the key of the
   * topic it notifies, so an alarm about `MessagesKey` (disabled, pending deletion) would not
   * reach anyone if the alerts topic shared it.
   */
  readonly alertsKey: KeyPlan;
  /** Each topic's unrouted queue and its subscription (also in `queues` and `subscriptions`). */
  readonly unrouted: readonly UnroutedSpec[];
  /** Each topic's triage: a subscription without filter policy, a queue and the function keeping in the unrouted queue what no filter admits (also in `queues`, `subscriptions`, `functions`). */
  readonly triage: readonly TriagePlan[];
  /** What works but goes against AWS's guidance, or is kept as a superset: shown by `infra:plan` and `sst deploy`. */
  readonly warnings: readonly string[];
  /** Dead-letter queues first: their ARNs go into the redrive policies of their sources. */
  readonly queues: readonly QueuePlan[];
  /** Topic → queue subscriptions, with their filter policies. */
  readonly subscriptions: readonly SubscriptionSpec[];
  /** One per receive operation. */
  readonly functions: readonly FunctionPlan[];
  /** The application's tables. */
  readonly tables: readonly TablePlan[];
  /** The topic every alarm notifies, and the addresses subscribed to it by email. */
  readonly alerts: {
    readonly topic: string;
    readonly emails: readonly string[];
    /** Other subscriptions (a paging tool's HTTPS endpoint, a queue, a function). */
    readonly endpoints: readonly { readonly protocol: string; readonly endpoint: string }[];
    /** Who subscribes outside the deployment, as the settings say. */
    readonly subscribedElsewhere?: string;
  };
  /** Every alarm: the queues' and the functions'. */
  readonly alarms: readonly AlarmPlan[];
  /** Stack outputs, by name: where every topic, queue and table is (`PaymentTopicArn`, `PaymentQueueUrl`, `PaymentsTableName`, `AlertsTopicArn`), and the messages' key (`MessagesKeyArn`). */
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
   * The triage functions' handler, as SST takes it: `triageHandlerOf(root)` of the project root
   * (what the deployment passes). @default `TRIAGE_HANDLER` (the framework's workspace layout)
   */
  triageHandler?: string;
  /**
   * Check the settings against the contract first ({@link checkSettings}). The local stack turns
   * it off for settings it has overridden on purpose (one poller, a zero batch window), after
   * checking the application's own. @default true
   */
  check?: boolean;
  /**
   * A production stage: the plan refuses an alerts topic nobody subscribes to (a
   * {@link SettingsError} naming the setting to fill in); other stages get a warning. @default false
   */
  production?: boolean;
}

/** The settings do not fit the contract; `problems` lists each, one line. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  /** Each way the settings do not fit the contract, one line. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`The settings do not fit the contract:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
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

/** The customer-managed key of the topics and the queues they feed (`DeploymentPlan.key`). */
const MESSAGES_KEY = 'MessagesKey';
const ALERTS_KEY = 'AlertsKey';

const sqsAlarm = { namespace: 'AWS/SQS', statistic: 'Maximum', comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' } as const;

/** Whether a statement's actions include `action` (itself, its service's `*`, or `*`). */
function grants(statement: PolicyStatementSpec, action: string): boolean {
  const actions = typeof statement.action === 'string' ? [statement.action] : [...statement.action];
  const service = `${action.split(':')[0]}:*`;
  return actions.some((a) => a === '*' || a.toLowerCase() === action.toLowerCase() || a.toLowerCase() === service.toLowerCase());
}

/**
 * The contract's policy statements that cannot take effect: an Allow of publishing to a topic, or
 * of sending to a queue, comes after the framework's Deny of every other publisher or sender, and
 * an explicit Deny wins. Each is said, with where the permission is given instead; it was deployed
 * without a word, and had no effect.
 *
 * @example
 * ```ts
 * import { contractPolicyWarnings } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * for (const warning of contractPolicyWarnings(topology)) console.warn(warning);
 * ```
 */
export function contractPolicyWarnings(topology: Topology): string[] {
  const warnings: string[] = [];
  const principalOf = (s: PolicyStatementSpec) => (typeof s.principal === 'string' ? s.principal : JSON.stringify(s.principal));
  for (const topic of Object.values(topology.topics)) {
    const senders = Object.values(topology.operations).filter((o) => o.action === 'send' && o.topic === topic.name).map((o) => o.id);
    for (const [i, s] of (topic.policy ?? []).entries()) {
      if (s.effect !== 'Allow' || !grants(s, 'sns:Publish')) continue;
      warnings.push(
        `topic ${topic.name}: its SNS binding's policy.statements[${i}] allows sns:Publish to ${principalOf(s)}, which has no effect: the framework denies publishing to every principal its settings do not name, and an explicit Deny wins. Name the publisher in settings.publishers.${senders[0] ?? '<send operation>'}.principals instead${senders.length > 1 ? ` (or that of ${senders.slice(1).join(', ')})` : ''}, and leave the statement out.`,
      );
    }
  }
  for (const queue of Object.values(topology.queues)) {
    for (const [i, s] of (queue.policy ?? []).entries()) {
      if (s.effect !== 'Allow' || !grants(s, 'sqs:SendMessage')) continue;
      warnings.push(
        `queue ${queue.name}: its SQS binding's policy.statements[${i}] allows sqs:SendMessage to ${principalOf(s)}, which has no effect beyond the deploying account: the framework denies sending to every other principal but SNS for the topics the queue subscribes to, and an explicit Deny wins. A producer of another account publishes to one of those topics (settings.publishers.<send operation>.principals names it); leave the statement out.`,
      );
    }
  }
  return warnings;
}

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
  const problems = options.check === false ? [] : [...checkSettings(topology, settings), ...checkUnrouted(topology)];
  const nobody = alertsReachNobody(settings);
  if (nobody && options.production) problems.push(`a production stage must reach someone: ${nobody}`);
  if (problems.length > 0) throw new SettingsError(problems);
  const warnings = [...(nobody && !options.production ? [`${nobody} (a production stage refuses to deploy without one)`] : []), ...settingsWarnings(topology, settings), ...contractPolicyWarnings(topology)];
  const unrouted = unroutedOf(topology);
  const subscriptions = [...topology.subscriptions, ...unrouted.map((u) => u.subscription)];
  const consumersDir = (options.consumersDir ?? 'consumers').replace(/\/+$/, '');
  const receive = Object.values(topology.operations).filter((o) => o.action === 'receive');
  const consumerOf = (queue: string) => receive.find((o) => o.queue === queue);
  // What the alarm descriptions tell the on-call engineer to run.
  const operator = (command: string) => (options.operatorCommand ? `\`${options.operatorCommand} ${command}\`` : `the application's \`${command}\` command`);

  const sendersOf = (queue: string) => [...new Set(subscriptions.filter((s) => s.queue === queue || s.deadLetterQueue === queue).map((s) => s.topic))];
  const contractQueues = Object.values(topology.queues)
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
      // that they are about to be lost unexamined, at half the time they surely have left.
      const deadLetter = queue.deadLetterFor.length > 0 ? deadLetterAge(queue, queue.deadLetterFor.map((name) => topology.queues[name]!)) : undefined;
      const maximumAge = consumer ? consumerSettings(settings, consumer.id, queue).maximumMessageAgeSeconds : (deadLetter?.thresholdSeconds ?? Math.floor(queue.retentionSeconds / 2));
      alarms.push({
        name: `${baseName}AgeAlarm`,
        description: consumer
          ? `A message has waited in ${queue.name} for over ${maximumAge} s: ${consumer.id} is down, failing every record or too slow. See its logs and ${operator('status --aws')}`
          : `A message has waited in ${queue.name} for over ${maximumAge} s, ${deadLetter?.why ?? 'half its retention'}: examine and redrive or purge it before it expires (${operator('dlq list --aws')})`,
        subject: { queue: queue.name },
        ...sqsAlarm,
        metricName: 'ApproximateAgeOfOldestMessage',
        period: 60,
        evaluationPeriods: 3,
        threshold: maximumAge,
      });
      const senders = sendersOf(queue.name);
      return {
        kind: queue.deadLetterFor.length > 0 ? 'deadLetter' : 'queue',
        spec: queue,
        name: queue.name,
        baseName,
        encryption: senders.length > 0 ? 'kms' : 'sqs-managed',
        visibilityTimeoutSeconds: visibilityTimeoutOf(topology, settings, queue),
        ...(consumer ? { consumer: consumer.id } : {}),
        senders,
        alarms,
      };
    });
  const unroutedQueues = unrouted.map((u): QueuePlan => {
    const spec: QueueSpec = { name: u.queue, channel: topology.topics[u.topic]!.channel, fifo: u.fifo, retentionSeconds: UNROUTED_RETENTION_SECONDS, deadLetterFor: [] };
    const baseName = baseNameOf(u.queue);
    const depth = (name: string, metricName: string, threshold: number, evaluationPeriods: number, description: string): AlarmPlan => ({
      name,
      description,
      subject: { queue: u.queue },
      ...sqsAlarm,
      metricName,
      period: 60,
      evaluationPeriods,
      threshold,
    });
    return {
      kind: 'unrouted',
      spec,
      unrouted: u,
      name: u.queue,
      baseName,
      encryption: 'kms',
      visibilityTimeoutSeconds: 30,
      senders: [u.topic],
      alarms: [
        depth(`${baseName}DepthAlarm`, 'ApproximateNumberOfMessagesVisible', 0, 1, `A publish on ${u.topic} reached no consumer (no eventType/schemaVersion, or an event type or major version no consumer declares) and waits in ${u.queue}: see why with ${operator(`dlq list --queue ${u.queue} --aws`)}, fix the producer or the contract, then redrive`),
        depth(`${baseName}AgeAlarm`, 'ApproximateAgeOfOldestMessage', UNROUTED_RETENTION_SECONDS / 2, 3, `A publish on ${u.topic} nobody consumes has waited in ${u.queue} for half its 14-day retention: examine, redrive or purge it before it expires (${operator(`dlq list --queue ${u.queue} --aws`)})`),
      ],
    };
  });
  const triage = triageOf(topology, unrouted);
  const triaged = triageResources(triage, settings, operator, options.triageHandler);
  const queues = [...contractQueues, ...unroutedQueues, ...triaged.queues];

  const consumers = receive.map((op): FunctionPlan => {
    const queue = topology.queues[op.queue!];
    if (!queue) throw new Error(`${op.id} consumes queue ${op.queue}, which the topology does not declare`);
    // On a FIFO queue, no batching window (Lambda supports none there).
    const s = consumerSettings(settings, op.id, queue);
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
    const alarm = (metricName: 'Errors' | 'Throttles', description: string) => functionAlarm(functionNameOf(op.id), op.id, metricName, description);
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
      reservedConcurrency: s.reservedConcurrency,
      logLevel: s.logLevel,
      sourceTopics,
      environment,
      permissions,
      alarms: [
        alarm('Errors', `${op.id} failed whole invocations (a crash, a timeout, an error outside a record): its batches are retried and may be dead-lettered. See its logs`),
        alarm('Throttles', `${op.id} was throttled although ${s.reservedConcurrency} executions are reserved for it and its event source runs at most ${s.maximumConcurrency} batches: something else invokes it, or the reservation was changed outside the deployment. Throttled batches use up receives and can dead-letter valid messages`),
      ],
    };
  });

  const functions = [...consumers, ...triaged.functions];
  const tables = Object.entries(settings.tables ?? {}).map(([name, table]): TablePlan => ({ name, ...table }));
  const sends = Object.values(topology.operations).filter((o) => o.action === 'send');
  const allSubscriptions = [...subscriptions, ...triaged.subscriptions];
  const topics = Object.values(topology.topics).map((topic): TopicPlan => {
    const topicAlarm = (reason: 'NoMessageAttributes' | 'InvalidAttributes', description: string): AlarmPlan =>
      anyOccurrenceAlarm({ name: `${baseNameOf(topic.name)}FilteredOut${reason}Alarm`, description, subject: { topic: topic.name }, namespace: 'AWS/SNS', metricName: `NumberOfNotificationsFilteredOut-${reason}` });
    const own = allSubscriptions.filter((s) => s.topic === topic.name);
    const deadLettered = own.filter((s) => s.deadLetterQueue !== undefined);
    const undeadLettered = own.filter((s) => s.deadLetterQueue === undefined);
    const pairs = (list: readonly SubscriptionSpec[]) => [...new Set(list.map((s) => `${s.queue} → ${s.deadLetterQueue}`))].join(', ');
    const deliveryAlarms: AlarmPlan[] = [];
    // SNS gave up delivering to a queue AND could not put the message in the subscription's
    // dead-letter queue: AWS discards it. The queue and its dead-letter queue share the key and
    // the policy pattern, so one cause (a disabled key) breaks both; nothing else sees it.
    if (deadLettered.length > 0) {
      deliveryAlarms.push(
        anyOccurrenceAlarm({
          name: `${baseNameOf(topic.name)}FailedToRedriveToDlqAlarm`,
          description: `SNS could not deliver a publish on ${topic.name} to a subscribed queue, nor move it to that subscription's dead-letter queue (${pairs(deadLettered)}): the message is lost, SNS discards it, and no queue holds it. Check that the key ${MESSAGES_KEY} is enabled and lets sns.amazonaws.com use it, and each queue's policy; then republish the lost messages from the producer's side`,
          subject: { topic: topic.name },
          namespace: 'AWS/SNS',
          metricName: 'NumberOfNotificationsFailedToRedriveToDlq',
        }),
      );
    }
    // What SNS stopped trying to deliver. Where every subscription has a dead-letter queue it is
    // either there (that queue's depth alarm pages) or lost (the alarm above): no alarm of its
    // own. A subscription without one has SNS discard it, and this count is the only trace.
    if (undeadLettered.length > 0) {
      deliveryAlarms.push(
        anyOccurrenceAlarm({
          name: `${baseNameOf(topic.name)}DeliveryFailedAlarm`,
          description: `SNS stopped trying to deliver a publish on ${topic.name} to a subscribed queue. ${[...new Set(undeadLettered.map((s) => s.queue))].join(', ')} ${undeadLettered.length > 1 ? 'have' : 'has'} no dead-letter queue, so what SNS could not deliver there is discarded: look in the other subscriptions' dead-letter queues first${deadLettered.length > 0 ? ` (${pairs(deadLettered)})` : ''}; if none holds it, it is lost. Check the queue's policy and the key ${MESSAGES_KEY}, and give the queue a redrivePolicy in the contract`,
          subject: { topic: topic.name },
          namespace: 'AWS/SNS',
          metricName: 'NumberOfNotificationsFailed',
        }),
      );
    }
    return {
      ...topic,
      encryption: 'kms',
      publishers: sends
        .filter((o) => o.topic === topic.name)
        .map((o) => ({ operationId: o.id, principals: settings.publishers?.[o.id]?.principals ?? 'deployingAccount' })),
      operators: [...(settings.operators?.principals ?? [])],
      alarms: [
        topicAlarm('NoMessageAttributes', `A publish on ${topic.name} carried no message attribute at all (e.g. \`aws sns publish\` with a body only): no filter policy can admit it, not even the unrouted queue's, so SNS filtered it out of every filtered subscription; the topic's triage function kept it in the unrouted queue (${operator(`dlq list --queue ${unroutedQueueNameOf(topic)} --aws`)}). Find the publisher (the topic policy names who may publish; CloudTrail data events say who did) and have it publish through the contract's publisher`),
        topicAlarm('InvalidAttributes', `A publish on ${topic.name} carried message attributes SNS could not read for filtering (malformed, or an unsupported type): SNS filtered it out of every subscription that has a filter policy, the unrouted queue's included; the topic's triage subscription has none, so its function received it: look for it in the unrouted queue (${operator(`dlq list --queue ${unroutedQueueNameOf(topic)} --aws`)}) and in the triage function's logs. Find and fix the publisher`),
        ...deliveryAlarms,
      ],
    };
  });
  const kmsQueues = queues.filter((q) => q.encryption === 'kms').map((q) => q.name);
  const outputs: Record<string, ResourceRef> = { [`${ALERTS_TOPIC}TopicArn`]: { topicArn: ALERTS_TOPIC } };
  for (const table of tables) outputs[`${table.name}TableName`] = { tableName: table.name };
  for (const queue of queues) outputs[`${queue.baseName}Url`] = { queueUrl: queue.name };
  for (const topic of topics) outputs[`${baseNameOf(topic.name)}Arn`] = { topicArn: topic.name };
  // A publisher of another account needs it in its own IAM policy (kms:GenerateDataKey*, kms:Decrypt).
  outputs[`${MESSAGES_KEY}Arn`] = { keyArn: MESSAGES_KEY };
  return {
    topics,
    key: { name: MESSAGES_KEY, topics: topics.map((t) => t.name), queues: kmsQueues, services: ['sns.amazonaws.com', 'sqs.amazonaws.com'], publishers: namedPrincipalsOf(topics) },
    // Not MessagesKey: CloudWatch publishes an alarm's notification with the alerts topic's key, so
    // with MessagesKey disabled or pending deletion the alarm saying so could not be delivered.
    alertsKey: { name: ALERTS_KEY, topics: [ALERTS_TOPIC], queues: [], services: ['cloudwatch.amazonaws.com'], publishers: [] },
    unrouted,
    triage,
    warnings,
    queues,
    subscriptions: allSubscriptions,
    functions,
    tables,
    alerts: {
      topic: ALERTS_TOPIC,
      emails: settings.alerts?.emails ?? [],
      endpoints: settings.alerts?.endpoints ?? [],
      ...(settings.alerts?.subscribedElsewhere ? { subscribedElsewhere: settings.alerts.subscribedElsewhere } : {}),
    },
    alarms: [...queues.flatMap((q) => q.alarms), ...functions.flatMap((f) => f.alarms), ...topics.flatMap((t) => t.alarms)],
    outputs,
  };
}

/** The principals the settings let publish to any topic (its publishers, the operators), once each, in order. */
function namedPrincipalsOf(topics: readonly TopicPlan[]): string[] {
  return [...new Set(topics.flatMap((t) => [...t.publishers.flatMap((p) => (p.principals === 'deployingAccount' ? [] : [...p.principals])), ...t.operators]))];
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
  /** A KMS key's ARN, by its logical name (`MessagesKey`). */
  keyArn(key: string): T;
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
 *   keyArn: (k) => k,
 * }); // 'arn:aws:sns:us-east-1:000000000000:PaymentTopic'
 * ```
 */
export function resolveReference<T>(ref: ResourceRef, resolver: ReferenceResolver<T>): T {
  if ('topicArn' in ref) return resolver.topicArn(ref.topicArn);
  if ('queueArn' in ref) return resolver.queueArn(ref.queueArn);
  if ('queueUrl' in ref) return resolver.queueUrl(ref.queueUrl);
  if ('tableName' in ref) return resolver.tableName(ref.tableName);
  if ('keyArn' in ref) return resolver.keyArn(ref.keyArn);
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
 *   keyArn: (k) => `arn:aws:kms:us-east-1:000000000000:alias/${k}`,
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
