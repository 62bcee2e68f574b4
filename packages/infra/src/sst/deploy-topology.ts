/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The topology manifest on AWS, with SST's components: every topic, queue (with its redrive
 * policy, retention, SQS-managed encryption, a policy that admits only its topics and only TLS),
 * dead-letter queue (redrive allowed only from its sources), subscription (with the filter policy
 * that admits exactly what its consumer declares, and a dead-letter queue for what SNS cannot
 * deliver), one function per receive operation (handler found by the consumers-folder convention,
 * settings from the application, logs only to its own log group), the application's tables, and
 * the alarms an on-call engineer needs, all acting on one alerts topic.
 *
 * Called from `sst.config.ts` inside `run()`; like every file `sst.config.ts` imports, it sees the
 * `sst` and `aws` globals the SST CLI provides. Nothing here names a resource: the names come from
 * the contract (topics, queues) and the settings (tables).
 */
import path from 'node:path';
import { loadProject } from '@sluice/model';
import type { QueueSpec, SubscriptionSpec, Topology } from '@sluice/runtime/contract';
import { envName } from '@sluice/runtime/resources';
import { ALERTS_TOPIC, checkSettings, consumerSettings, functionNameOf, metricsNamespaceOf, visibilityTimeoutOf } from '@sluice/model';
import { SOURCE_TOPICS_ENV, type AppSettings } from '@sluice/runtime/settings';

/** The Lambda runtime every consumer is deployed on: the Node.js major the project runs on (.nvmrc). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export interface DeployTopologyOptions {
  topology: Topology;
  settings: AppSettings;
  /** The consumers folder, relative to the project root, with `/` (`packages/orders/consumers`). */
  consumersDir: string;
  /** Production keeps data: point-in-time recovery and deletion protection on tables. */
  production: boolean;
  /** `sst dev` runs functions on the developer's machine, which assumes the function role. */
  dev: boolean;
}

export interface DeployedTopology {
  topics: Record<string, sst.aws.SnsTopic>;
  queues: Record<string, sst.aws.Queue>;
  tables: Record<string, sst.aws.Dynamo>;
  functions: Record<string, sst.aws.Function>;
  /** The topic every alarm notifies when it goes off and when it recovers. */
  alerts: sst.aws.SnsTopic;
  /** Stack outputs: where everything is (`OrderTopicArn`, `OrderQueueUrl`, `OrdersTableName`, `AlertsTopicArn`). */
  outputs: Record<string, $util.Output<string>>;
}

/** The consumers folder of the project at `root`, relative to it with `/`: what SST's `handler` paths start with. */
export function consumersDirOf(root: string): string {
  const project = loadProject(root);
  return path.relative(project.root, project.consumers).split(path.sep).join('/');
}

/**
 * Declares the whole topology.
 *
 * @example
 * // sst.config.ts, in run()
 * const { outputs } = deployTopology({ topology, settings, consumersDir: 'packages/orders/consumers', production, dev: $dev });
 * return outputs;
 */
export function deployTopology(options: DeployTopologyOptions): DeployedTopology {
  const { topology, settings, production } = options;
  const problems = checkSettings(topology, settings);
  if (problems.length > 0) throw new Error(`The settings do not fit the contract:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (topology.topics[ALERTS_TOPIC]) throw new Error(`The contract declares a topic named ${ALERTS_TOPIC}, the name of the framework's alerts topic: rename it`);

  const alerts = declareAlerts(settings);
  const deployed: DeployedTopology = { topics: {}, queues: {}, tables: {}, functions: {}, alerts, outputs: { [`${ALERTS_TOPIC}TopicArn`]: alerts.arn } };
  const alarm = (name: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions'>) =>
    // Every alarm pages when it goes off and says so when it recovers.
    new aws.cloudwatch.MetricAlarm(name, { ...args, alarmActions: [alerts.arn], okActions: [alerts.arn] });

  for (const [name, table] of Object.entries(settings.tables ?? {})) {
    deployed.tables[name] = new sst.aws.Dynamo(name, {
      fields: { [table.partitionKey]: 'string', ...(table.sortKey ? { [table.sortKey]: 'string' } : {}) },
      primaryIndex: { hashKey: table.partitionKey, ...(table.sortKey ? { rangeKey: table.sortKey } : {}) },
      // Dynamo is on-demand (PAY_PER_REQUEST) already; recovery and deletion protection are
      // worth paying for only where the data matters.
      deletionProtection: production,
      transform: { table: { pointInTimeRecovery: { enabled: production } } },
    });
    deployed.outputs[`${name}TableName`] = deployed.tables[name].name;
  }

  // Dead-letter queues first: their ARNs go into the redrive policies of their sources.
  const queues = Object.values(topology.queues).sort((a, b) => Number(b.deadLetterFor.length > 0) - Number(a.deadLetterFor.length > 0));
  for (const queue of queues) {
    deployed.queues[queue.name] = declareQueue(queue, visibilityTimeoutOf(topology, settings, queue), deployed.queues);
    deployed.outputs[`${baseName(queue.name)}Url`] = deployed.queues[queue.name].url;
  }
  for (const queue of queues) {
    const declared = deployed.queues[queue.name]!;
    const consumer = Object.values(topology.operations).find((o) => o.action === 'receive' && o.queue === queue.name);
    if (queue.deadLetterFor.length > 0) {
      // Only its own sources may redrive into a dead-letter queue.
      new aws.sqs.RedriveAllowPolicy(`${baseName(queue.name)}RedriveAllow`, {
        queueUrl: declared.url,
        redriveAllowPolicy: $util
          .all(queue.deadLetterFor.map((source) => deployed.queues[source]!.arn))
          .apply((arns) => JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: arns })),
      });
      alarm(`${baseName(queue.name)}DepthAlarm`, {
        alarmDescription: `Messages failed ${queue.deadLetterFor.join(', ')} and wait in ${queue.name}: see \`npx orders dlq list --aws\``,
        ...sqsMetric(declared, 'ApproximateNumberOfMessagesVisible'),
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
      });
    }
    // The age of the oldest message: a consumer that is down, failing or too slow, before the
    // messages expire. A dead-letter queue's messages were already paged for; this one warns
    // that they are about to be lost unexamined.
    const maximumAge = consumer ? consumerSettings(settings, consumer.id).maximumMessageAgeSeconds : Math.floor(queue.retentionSeconds / 2);
    alarm(`${baseName(queue.name)}AgeAlarm`, {
      alarmDescription: consumer
        ? `A message has waited in ${queue.name} for over ${maximumAge} s: ${consumer.id} is down, failing every record or too slow. See its logs and \`npx orders status --aws\``
        : `A message has waited in ${queue.name} for over ${maximumAge} s, half its retention: examine and redrive or purge it before it expires (\`npx orders dlq list --aws\`)`,
      ...sqsMetric(declared, 'ApproximateAgeOfOldestMessage'),
      period: 60,
      evaluationPeriods: 3,
      threshold: maximumAge,
    });
  }

  for (const topic of Object.values(topology.topics)) {
    deployed.topics[topic.name] = new sst.aws.SnsTopic(topic.name, { fifo: topic.fifo });
    deployed.outputs[`${baseName(topic.name)}Arn`] = deployed.topics[topic.name].arn;
  }

  // One policy per queue (a queue has one): TLS only, and SNS may send only from the topics
  // subscribed to it, or whose undeliverable notifications it keeps.
  for (const queue of queues) {
    const senders = topology.subscriptions.filter((s) => s.queue === queue.name || s.deadLetterQueue === queue.name).map((s) => deployed.topics[s.topic]!);
    declareQueuePolicy(queue.name, deployed.queues[queue.name]!, [...new Set(senders)]);
  }
  for (const subscription of topology.subscriptions) {
    subscribe(subscription, deployed.topics[subscription.topic]!, deployed.queues[subscription.queue]!, deployed.queues);
  }

  for (const op of Object.values(topology.operations)) {
    if (op.action !== 'receive') continue;
    const s = consumerSettings(settings, op.id);
    const queue = deployed.queues[op.queue!]!;
    const environment: Record<string, $util.Input<string>> = {
      POWERTOOLS_SERVICE_NAME: op.id,
      POWERTOOLS_LOG_LEVEL: s.logLevel,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespaceOf(settings),
      [SOURCE_TOPICS_ENV]: $util.all((op.sources ?? []).map((src) => deployed.topics[src.topic]!.arn)).apply((arns) => arns.join(',')),
    };
    const permissions: sst.aws.FunctionArgs['permissions'] = [
      // What the Lambda event source mapping needs to poll and delete, nothing more.
      { actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [queue.arn] },
    ];
    for (const [table, actions] of Object.entries(s.tables)) {
      const dynamo = deployed.tables[table];
      if (!dynamo) throw new Error(`settings.consumers.${op.id}.tables names ${table}, which settings.tables does not declare`);
      // Not `link: [table]`: SST's Dynamo link grants `dynamodb:*`. The handler finds the table
      // through the conventional variable instead, and may do only what the settings list.
      environment[envName.tableName(table)] = dynamo.name;
      permissions.push({ actions: [...actions], resources: [dynamo.arn] });
    }
    const name = functionNameOf(op.id);
    const fn = new sst.aws.Function(name, {
      handler: `${options.consumersDir}/${op.id}.handler`,
      runtime: LAMBDA_RUNTIME,
      timeout: `${s.timeoutSeconds} seconds`,
      memory: `${s.memoryMB} MB`,
      logging: { format: 'json' },
      environment,
      permissions,
      transform: {
        role: (role) => {
          // SST 4.17.1 tests `!dev` on an Output (always false), so every function role also
          // trusts the whole account. Only `sst dev` needs that (the local process assumes it).
          if (!options.dev) role.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: 'lambda.amazonaws.com' });
          // AWSLambdaBasicExecutionRole lets the function write to any log group in the account;
          // the inline policy below allows its own log group only.
          role.managedPolicyArns = $util.output(role.managedPolicyArns ?? []).apply((arns) => arns.filter((arn) => !arn.endsWith(':policy/service-role/AWSLambdaBasicExecutionRole')));
        },
      },
    });
    const logs = new aws.iam.RolePolicy(`${name}Logs`, {
      role: fn.nodes.role.name,
      policy: fn.nodes.logGroup.apply((group) => {
        if (!group) throw new Error(`${name} has no log group of its own: keep \`logging\` on`);
        return aws.iam.getPolicyDocumentOutput({
          statements: [{ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [group.arn, $util.interpolate`${group.arn}:log-stream:*`] }],
        }).json;
      }),
    });
    deployed.functions[op.id] = fn;
    for (const metricName of ['Errors', 'Throttles'] as const) {
      alarm(`${name}${metricName}Alarm`, {
        alarmDescription:
          metricName === 'Errors'
            ? `${op.id} failed whole invocations (a crash, a timeout, an error outside a record): its batches are retried and may be dead-lettered. See its logs`
            : `${op.id} was throttled: the account's concurrency is exhausted, or the function's reserved concurrency is too low for maximumConcurrency ${s.maximumConcurrency}`,
        namespace: 'AWS/Lambda',
        metricName,
        dimensions: { FunctionName: fn.name },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        treatMissingData: 'notBreaching',
      });
    }
    // Subscribed by ARN: given function args instead, SST would create the function inside the
    // subscriber component and add its own, broader SQS grant (GetQueueUrl, ChangeVisibility).
    queue.subscribe(fn.arn, {
      batch: {
        size: s.batchSize,
        window: `${s.batchWindowSeconds} seconds`,
        // Only failed records are retried (and eventually dead-lettered), not the whole batch.
        partialResponses: true,
      },
      transform: {
        eventSourceMapping: (args, opts) => {
          args.scalingConfig = { maximumConcurrency: s.maximumConcurrency };
          // No batch before the function may write its logs.
          opts.dependsOn = [...(Array.isArray(opts.dependsOn) ? opts.dependsOn : opts.dependsOn ? [opts.dependsOn] : []), logs] as $util.Resource[];
        },
      },
    });
  }
  return deployed;
}

/** A queue or topic name without the `.fifo` suffix: what logical names and outputs are made of. */
function baseName(name: string): string {
  return name.replace(/\.fifo$/, '');
}

/** The alerts topic, and an email subscription for each address the settings list. */
function declareAlerts(settings: AppSettings): sst.aws.SnsTopic {
  const topic = new sst.aws.SnsTopic(ALERTS_TOPIC);
  for (const email of settings.alerts?.emails ?? []) {
    new aws.sns.TopicSubscription(`${ALERTS_TOPIC}To${email.replace(/[^A-Za-z0-9]/g, '')}`, { topic: topic.arn, protocol: 'email', endpoint: email });
  }
  return topic;
}

/** An SQS metric of `queue`, compared by its maximum; an idle queue reports nothing, which is healthy. */
function sqsMetric(queue: sst.aws.Queue, metricName: string) {
  return {
    namespace: 'AWS/SQS',
    metricName,
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: 'Maximum',
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  } as const;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function declareQueue(queue: QueueSpec, visibilityTimeoutSeconds: number, declared: Record<string, sst.aws.Queue>): sst.aws.Queue {
  const dlq = queue.deadLetter ? declared[queue.deadLetter.queue] : undefined;
  if (queue.deadLetter && !dlq) throw new Error(`queue ${queue.name} redrives to ${queue.deadLetter.queue}, which was not declared first`);
  return new sst.aws.Queue(queue.name, {
    fifo: queue.fifo,
    visibilityTimeout: `${visibilityTimeoutSeconds} seconds`,
    ...(dlq && queue.deadLetter ? { dlq: { queue: dlq.arn, retry: queue.deadLetter.maxReceiveCount } } : {}),
    transform: {
      queue: {
        messageRetentionSeconds: queue.retentionSeconds,
        sqsManagedSseEnabled: true,
        ...(queue.deliveryDelaySeconds !== undefined ? { delaySeconds: queue.deliveryDelaySeconds } : {}),
      },
    },
  });
}

/**
 * The queue's only policy: requests without TLS are denied to everyone, and SNS may send only on
 * behalf of `topics`. Declared with plain `aws` resources rather than `SnsTopic.subscribeQueue`,
 * whose queue policy lets any SNS topic, S3 bucket or EventBridge bus send to the queue.
 */
function declareQueuePolicy(queueName: string, queue: sst.aws.Queue, topics: sst.aws.SnsTopic[]): void {
  new aws.sqs.QueuePolicy(`${baseName(queueName)}Policy`, {
    queueUrl: queue.url,
    policy: aws.iam.getPolicyDocumentOutput({
      statements: [
        {
          sid: 'DenyWithoutTls',
          effect: 'Deny',
          actions: ['sqs:*'],
          resources: [queue.arn],
          principals: [{ type: '*', identifiers: ['*'] }],
          conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
        ...(topics.length > 0
          ? [
              {
                sid: 'SubscribedTopicsOnly',
                actions: ['sqs:SendMessage'],
                resources: [queue.arn],
                principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
                conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: topics.map((t) => t.arn) }],
              },
            ]
          : []),
      ],
    }).json,
  });
}

/** The subscription, with the filter policy that keeps messages its consumer does not declare out of the queue. */
function subscribe(subscription: SubscriptionSpec, topic: sst.aws.SnsTopic, queue: sst.aws.Queue, queues: Record<string, sst.aws.Queue>): void {
  const dlq = subscription.deadLetterQueue ? queues[subscription.deadLetterQueue] : undefined;
  new aws.sns.TopicSubscription(`${subscription.name}Subscription`, {
    topic: topic.arn,
    protocol: 'sqs',
    endpoint: queue.arn,
    rawMessageDelivery: subscription.rawMessageDelivery,
    filterPolicy: JSON.stringify(subscription.filterPolicy),
    filterPolicyScope: subscription.filterPolicyScope,
    ...(dlq ? { redrivePolicy: dlq.arn.apply((arn) => JSON.stringify({ deadLetterTargetArn: arn })) } : {}),
  });
}
