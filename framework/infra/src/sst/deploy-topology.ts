/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The topology manifest on AWS, with SST's components: every topic, queue (with its redrive
 * policy, retention, SQS-managed encryption), dead-letter queue (with a depth alarm),
 * subscription (with the filter policy that admits exactly what its consumer declares), one
 * function per receive operation (handler found by the consumers-folder convention, settings from
 * the application), and the application's tables.
 *
 * Called from `sst.config.ts` inside `run()`; like every file `sst.config.ts` imports, it sees the
 * `sst` and `aws` globals the SST CLI provides. Nothing here names a resource: the names come from
 * the contract (topics, queues) and the settings (tables).
 */
import path from 'node:path';
import { loadProject } from '@orders/codegen/project';
import type { QueueSpec, SubscriptionSpec, Topology } from '@orders/runtime/contract';
import { envName } from '@orders/runtime/resources';
import { consumerSettings, functionNameOf, SOURCE_TOPICS_ENV, visibilityTimeoutOf, type AppSettings } from '@orders/runtime/settings';

/** The Lambda runtime every consumer is deployed on: the Node.js major the project runs on (.nvmrc). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export interface DeployTopologyOptions {
  topology: Topology;
  settings: AppSettings;
  /** The consumers folder, relative to the project root, with `/` (`app/consumers`). */
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
  /** Stack outputs: where everything is (`OrderTopicArn`, `OrderQueueUrl`, `OrdersTableName`). */
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
 * const { outputs } = deployTopology({ topology, settings, consumersDir: 'app/consumers', production, dev: $dev });
 * return outputs;
 */
export function deployTopology(options: DeployTopologyOptions): DeployedTopology {
  const { topology, settings, production } = options;
  const deployed: DeployedTopology = { topics: {}, queues: {}, tables: {}, functions: {}, outputs: {} };

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
    deployed.outputs[`${queue.name.replace(/\.fifo$/, '')}Url`] = deployed.queues[queue.name].url;
    if (queue.deadLetterFor.length > 0) alarmOnDeadLetters(queue, deployed.queues[queue.name]);
  }

  for (const topic of Object.values(topology.topics)) {
    deployed.topics[topic.name] = new sst.aws.SnsTopic(topic.name, { fifo: topic.fifo });
    deployed.outputs[`${topic.name.replace(/\.fifo$/, '')}Arn`] = deployed.topics[topic.name].arn;
  }

  // One policy per queue (a queue has one), admitting every topic subscribed to it and no other.
  for (const [queueName, subscriptions] of groupBy(topology.subscriptions, (s) => s.queue)) {
    allowTopicsToSend(queueName, deployed.queues[queueName]!, subscriptions.map((s) => deployed.topics[s.topic]!));
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
    const fn = new sst.aws.Function(functionNameOf(op.id), {
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
        },
      },
    });
    deployed.functions[op.id] = fn;
    // Subscribed by ARN: given function args instead, SST would create the function inside the
    // subscriber component and add its own, broader SQS grant (GetQueueUrl, ChangeVisibility).
    queue.subscribe(fn.arn, {
      batch: {
        size: s.batchSize,
        window: `${s.batchWindowSeconds} seconds`,
        // Only failed records are retried (and eventually dead-lettered), not the whole batch.
        partialResponses: true,
      },
      transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: s.maximumConcurrency } } },
    });
  }
  return deployed;
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
 * Lets exactly `topics` send to `queue`. Declared with plain `aws` resources rather than
 * `SnsTopic.subscribeQueue`, whose queue policy lets any SNS topic, S3 bucket or EventBridge bus
 * send to the queue.
 */
function allowTopicsToSend(queueName: string, queue: sst.aws.Queue, topics: sst.aws.SnsTopic[]): void {
  new aws.sqs.QueuePolicy(`${queueName.replace(/\.fifo$/, '')}Policy`, {
    queueUrl: queue.url,
    policy: aws.iam.getPolicyDocumentOutput({
      statements: [
        {
          actions: ['sqs:SendMessage'],
          resources: [queue.arn],
          principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
          conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: topics.map((t) => t.arn) }],
        },
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

/**
 * Raises a CloudWatch alarm as soon as one message waits in a dead-letter queue: each one is a
 * message no consumer could process.
 */
function alarmOnDeadLetters(queue: QueueSpec, deadLetterQueue: sst.aws.Queue): void {
  new aws.cloudwatch.MetricAlarm(`${queue.name.replace(/\.fifo$/, '')}DepthAlarm`, {
    alarmDescription: `Messages failed ${queue.deadLetterFor.join(', ')} and wait in ${queue.name}: see \`npx orders dlq list --aws\``,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: deadLetterQueue.nodes.queue.name },
    statistic: 'Maximum',
    period: 60,
    evaluationPeriods: 1,
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
    // An empty DLQ reports no datapoints at all; that is the healthy state.
    treatMissingData: 'notBreaching',
  });
}
