/**
 * Which pipeline the CLI talks to: the local stack (default) or AWS, and where its resources are.
 *
 * Local: the endpoint from `--endpoint`, else `$ORDERS_ENDPOINT`, else http://127.0.0.1:4566; the
 * resources are found by their names in the pipeline settings.
 * AWS (`--aws`): the default AWS configuration (profile, region, credentials); resources from SST
 * links (`sst shell -- npm run orders …`) or environment variables (ORDERS_TABLE_NAME,
 * ORDER_TOPIC_ARN, ORDER_QUEUE_URL, ORDER_DLQ_URL). Each is resolved only when a command needs it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, createDocumentClient, pipelineSettings, resolveTableName, resolveTopicArn } from '@orders/core';
import { Resource } from 'sst/resource';
import { defaultLocalEndpoint, endpointEnv, localCredentials, localRegion, queueEnv } from './local-defaults.ts';

export interface PipelineTargetOptions {
  /** Talk to AWS instead of the local stack. */
  aws?: boolean;
  /** Local endpoint. @default $ORDERS_ENDPOINT, else http://127.0.0.1:4566 */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
}

function linkedUrl(name: string): string | undefined {
  const resources = Resource as unknown as Record<string, Record<string, unknown> | undefined>;
  if (!(name in resources)) return undefined;
  const url = resources[name]?.url;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/**
 * The SDK clients and resource locations of one pipeline.
 *
 * @example
 * const target = new PipelineTarget({});           // local stack on :4566
 * await target.checkReachable();
 * const url = await target.deadLetterQueueUrl();
 */
export class PipelineTarget {
  readonly mode: 'local' | 'aws';
  /** The local endpoint (undefined on AWS). */
  readonly endpoint: string | undefined;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
  readonly documents: ReturnType<typeof createDocumentClient>;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: PipelineTargetOptions = {}) {
    this.env = options.env ?? process.env;
    this.mode = options.aws ? 'aws' : 'local';
    this.endpoint = options.aws ? undefined : (options.endpoint ?? (this.env[endpointEnv] || defaultLocalEndpoint)).replace(/\/$/, '');
    const config = this.endpoint ? { endpoint: this.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 2 } : {};
    this.sqs = new SQSClient(config);
    this.sns = new SNSClient(config);
    this.dynamodb = new DynamoDBClient(config);
    this.documents = createDocumentClient(this.dynamodb);
  }

  /** Where this target is, for messages. */
  describe(): string {
    return this.mode === 'local' ? `local stack at ${this.endpoint}` : 'AWS (default credentials and region)';
  }

  /** Fails with what to do next when the local stack is not running. */
  async checkReachable(): Promise<void> {
    if (this.mode === 'aws') return;
    try {
      const res = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // fall through to the explanation
    }
    throw new ConfigurationError(
      `No local stack answers at ${this.endpoint}. Start it in another terminal with \`npm start\`, ` +
        `or pass --endpoint <url> (or set ${endpointEnv}), or --aws to use AWS.`,
    );
  }

  async tableName(): Promise<string> {
    return this.mode === 'local' ? pipelineSettings.table.name : resolveTableName(this.env);
  }

  async topicArn(): Promise<string> {
    if (this.mode === 'aws') return resolveTopicArn(this.env);
    const suffix = `:${pipelineSettings.topic.name}`;
    let token: string | undefined;
    do {
      const page = await this.sns.send(new ListTopicsCommand({ NextToken: token }));
      const found = page.Topics?.find((t) => t.TopicArn?.endsWith(suffix));
      if (found?.TopicArn) return found.TopicArn;
      token = page.NextToken;
    } while (token);
    throw new ConfigurationError(`The local stack at ${this.endpoint} has no topic ${pipelineSettings.topic.name}: restart it with \`npm start\`.`);
  }

  async queueUrl(): Promise<string> {
    return this.queueUrlOf(pipelineSettings.queue.name, queueEnv.queueUrl);
  }

  async deadLetterQueueUrl(): Promise<string> {
    return this.queueUrlOf(pipelineSettings.deadLetterQueue.name, queueEnv.deadLetterQueueUrl);
  }

  private async queueUrlOf(name: string, envName: string): Promise<string> {
    if (this.mode === 'aws') {
      const url = linkedUrl(name) ?? this.env[envName];
      if (!url) throw new ConfigurationError(`Queue ${name} unknown: run under \`sst shell\` (SST link "${name}") or set ${envName}.`);
      return url;
    }
    const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!out.QueueUrl) throw new ConfigurationError(`The local stack has no queue ${name}: restart it with \`npm start\`.`);
    return out.QueueUrl;
  }

  destroy(): void {
    this.sqs.destroy();
    this.sns.destroy();
    this.dynamodb.destroy();
  }
}
