/**
 * Creates the pipeline's resources on the local stack from the shared pipeline settings, through
 * the real AWS APIs (the same calls would create them on AWS), so local and deployed cannot drift.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pipelineSettings } from '@orders/core';

/** Where each resource of the pipeline is. */
export interface PipelineResources {
  region: string;
  topicArn: string;
  subscriptionArn: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  tableName: string;
  /** The visibility timeout the queue was created with (may be a local override). */
  visibilityTimeoutSeconds: number;
}

export interface BootstrapOptions {
  sqs: SQSClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
  region: string;
  /**
   * Local override of the queue's visibility timeout, so that retries and dead-lettering happen in
   * seconds rather than minutes. @default pipelineSettings.queue.visibilityTimeoutSeconds
   */
  visibilityTimeoutSeconds?: number;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}

async function ensureTable(dynamodb: DynamoDBClient): Promise<void> {
  const { name, partitionKey } = pipelineSettings.table;
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return; // persisted from an earlier run
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}

/**
 * Creates (or finds) the topic, queue, dead-letter queue, subscription and table. Idempotent.
 *
 * @example
 * const resources = await bootstrapPipelineResources({ sqs, sns, dynamodb, region: 'us-east-1', visibilityTimeoutSeconds: 5 });
 */
export async function bootstrapPipelineResources(options: BootstrapOptions): Promise<PipelineResources> {
  const { sqs, sns, dynamodb, region } = options;
  const { topic, queue, deadLetterQueue } = pipelineSettings;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds;

  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: deadLetterQueue.name,
      Attributes: { MessageRetentionPeriod: String(deadLetterQueue.retentionSeconds) },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl!;
  const deadLetterQueueArn = await queueArnOf(sqs, deadLetterQueueUrl);

  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: queue.name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(queue.retentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: deadLetterQueue.maxReceiveCount }),
      },
    }),
  );
  const queueUrl = main.QueueUrl!;
  const queueArn = await queueArnOf(sqs, queueUrl);

  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: topic.name }));
  const { SubscriptionArn: subscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: String(topic.rawMessageDelivery) },
      ReturnSubscriptionArn: true,
    }),
  );

  await ensureTable(dynamodb);

  return {
    region,
    topicArn: topicArn!,
    subscriptionArn: subscriptionArn!,
    queueUrl,
    queueArn,
    deadLetterQueueUrl,
    deadLetterQueueArn,
    tableName: pipelineSettings.table.name,
    visibilityTimeoutSeconds,
  };
}
