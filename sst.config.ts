/// <reference path="./.sst/platform/config.d.ts" />
// The production deployment of the order pipeline (SST v4 on AWS):
//
//   OrderTopic ──(SNS subscription, envelope kept)──▶ OrderQueue ──(batches, partial responses)──▶
//   OrderSubscriber ──PutItem/GetItem──▶ Orders          OrderQueue ──3 failed receives──▶ OrderDLQ
//
// Every name and number comes from the pipeline settings the local runtime reads too; this file
// only says how they map onto AWS. `npm test` verifies it offline (tests/infra).

/** The stage `npm run deploy:prod` deploys; the only one that is retained and protected. */
const PRODUCTION_STAGE = 'prod';

export default $config({
  app(input) {
    const production = input?.stage === PRODUCTION_STAGE;
    return {
      name: 'orders-pipeline',
      home: 'aws',
      // prod keeps its data when the stack goes away and refuses `sst remove`; every other
      // stage is a throwaway that `npm run remove` cleans up completely.
      removal: production ? 'retain' : 'remove',
      protect: production,
      // Pinned so an SST upgrade cannot silently move the provider under a deployed stack.
      providers: { aws: { version: '7.20.0' } },
    };
  },

  async run() {
    // SST allows no top-level imports in this file.
    const { pipelineSettings: settings } = await import('./packages/core/src/settings.ts');
    const { topic, queue, deadLetterQueue, table, subscriber } = settings;
    const production = $app.stage === PRODUCTION_STAGE;

    const orderTopic = new sst.aws.SnsTopic(topic.name);

    const orderDlq = new sst.aws.Queue(deadLetterQueue.name, {
      transform: {
        queue: {
          messageRetentionSeconds: deadLetterQueue.retentionSeconds,
          sqsManagedSseEnabled: true,
        },
      },
    });

    const orderQueue = new sst.aws.Queue(queue.name, {
      visibilityTimeout: `${queue.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: orderDlq.arn, retry: deadLetterQueue.maxReceiveCount },
      transform: {
        queue: {
          messageRetentionSeconds: queue.retentionSeconds,
          sqsManagedSseEnabled: true,
        },
      },
    });

    const orders = new sst.aws.Dynamo(table.name, {
      fields: { [table.partitionKey]: 'string' },
      primaryIndex: { hashKey: table.partitionKey },
      // Dynamo is on-demand (PAY_PER_REQUEST) already; recovery and deletion protection are
      // worth paying for only where the data matters.
      deletionProtection: production,
      transform: {
        table: { pointInTimeRecovery: { enabled: production } },
      },
    });

    subscribeTopicToQueue(`${topic.name}To${queue.name}`, orderTopic, orderQueue, {
      rawMessageDelivery: topic.rawMessageDelivery,
    });

    // Not `link: [orders]`: SST's Dynamo link grants `dynamodb:*`. The subscriber gets the two
    // actions it uses and finds the table through the same variable the local runtime sets.
    const orderSubscriber = new sst.aws.Function(subscriber.name, {
      handler: subscriber.handler,
      runtime: 'nodejs24.x',
      timeout: `${subscriber.timeoutSeconds} seconds`,
      memory: `${subscriber.memoryMB} MB`,
      logging: { format: 'json' },
      environment: { [settings.env.tableName]: orders.name },
      transform: {
        role: (role) => {
          // SST 4.17.1 tests `!dev` on an Output (always false), so every function role also
          // trusts the whole account. Only `sst dev` needs that (the local process assumes it).
          if (!$dev) {
            role.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({
              Service: 'lambda.amazonaws.com',
            });
          }
        },
      },
      permissions: [
        { actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [orders.arn] },
        {
          // What the Lambda event source mapping needs to poll and delete, nothing more.
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          resources: [orderQueue.arn],
        },
      ],
    });

    // Subscribed by ARN: given function args instead, SST would create the function inside the
    // subscriber component and add its own, broader SQS grant (GetQueueUrl, ChangeVisibility).
    orderQueue.subscribe(orderSubscriber.arn, {
      batch: {
        size: subscriber.batchSize,
        window: `${subscriber.batchWindowSeconds} seconds`,
        // Only failed records are retried (and eventually dead-lettered), not the whole batch.
        partialResponses: true,
      },
    });

    alarmOnDeadLetters(`${deadLetterQueue.name}DepthAlarm`, orderDlq, {
      description: `Orders failed ${deadLetterQueue.maxReceiveCount} times and wait in ${deadLetterQueue.name}`,
    });

    return {
      topicArn: orderTopic.arn,
      queueUrl: orderQueue.url,
      deadLetterQueueUrl: orderDlq.url,
      tableName: orders.name,
    };
  },
});

/**
 * Subscribes `queue` to `topic`, with raw delivery as the subscriber expects it.
 *
 * Declared with plain `aws` resources rather than `SnsTopic.subscribeQueue`, whose queue policy
 * lets any SNS topic, S3 bucket or EventBridge bus send to the queue; this one admits only
 * `topic`.
 *
 * @example
 * subscribeTopicToQueue('OrderTopicToOrderQueue', topic, queue, { rawMessageDelivery: false });
 */
function subscribeTopicToQueue(
  name: string,
  topic: sst.aws.SnsTopic,
  queue: sst.aws.Queue,
  { rawMessageDelivery }: { rawMessageDelivery: boolean },
): void {
  new aws.sqs.QueuePolicy(`${name}Policy`, {
    queueUrl: queue.url,
    policy: aws.iam.getPolicyDocumentOutput({
      statements: [
        {
          actions: ['sqs:SendMessage'],
          resources: [queue.arn],
          principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
          conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [topic.arn] }],
        },
      ],
    }).json,
  });
  new aws.sns.TopicSubscription(`${name}Subscription`, {
    topic: topic.arn,
    protocol: 'sqs',
    endpoint: queue.arn,
    rawMessageDelivery,
  });
}

/**
 * Raises a CloudWatch alarm as soon as one message waits in `deadLetterQueue`: each one is an
 * order that was not stored. No alarm action is wired: route it to whatever pages the on-call.
 *
 * @example
 * alarmOnDeadLetters('OrderDLQDepthAlarm', dlq, { description: 'Orders failed 3 times' });
 */
function alarmOnDeadLetters(
  name: string,
  deadLetterQueue: sst.aws.Queue,
  { description }: { description: string },
): void {
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
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
