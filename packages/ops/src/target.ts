/**
 * Which system the operator tools talk to: the local stack (default) or AWS, and where the
 * contract's resources are in it.
 *
 * Local: the endpoint from `--endpoint`, else `$SLUICE_ENDPOINT`, else http://127.0.0.1:4566; the
 * resources are found by their names in the topology.
 * AWS (`--aws`): the default AWS configuration (profile, region, credentials); resources from SST
 * links (`sst shell -- npx payments …`) or the conventional environment variables
 * (`PAYMENT_TOPIC_ARN`, `PAYMENT_QUEUE_URL`, `PAYMENT_DLQ_URL`, `PAYMENTS_TABLE_NAME`). Each is resolved
 * only when a command needs it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, envName, linked, resolveQueueUrl, resolveTableName, resolveTopicArn } from '@sluice/runtime/resources';
import { endpointEnv, localCredentials, localEndpoint, localRegion } from './local-endpoint.ts';
import { queuesOn } from './owned-queues.ts';

/** The options of a {@link Target}; by default the local stack. */
export interface TargetOptions {
  /** Talk to AWS instead of the local stack. */
  aws?: boolean;
  /** Local endpoint. @default $SLUICE_ENDPOINT, else http://127.0.0.1:4566 */
  endpoint?: string;
  /** Where `SLUICE_ENDPOINT` and the resource variables are looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * The SDK clients and resource locations of one system.
 *
 * @example
 * ```ts
 * import { Target } from '@sluice/ops';
 *
 * const target = new Target({}); // the local stack on :4566
 * try {
 *   await target.checkReachable();
 *   const url = await target.queueUrl('PaymentDLQ');
 * } finally {
 *   target.destroy();
 * }
 * ```
 */
export class Target {
  /** The local stack or AWS. */
  readonly mode: 'local' | 'aws';
  /** The local endpoint (undefined on AWS). */
  readonly endpoint: string | undefined;
  /** An SQS client for the target (local: 2 attempts; a request times out after 15 s). */
  readonly sqs: SQSClient;
  /** An SNS client for the target, configured as `sqs`. */
  readonly sns: SNSClient;
  /** A DynamoDB client for the target, configured as `sqs`. */
  readonly dynamodb: DynamoDBClient;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: TargetOptions = {}) {
    this.env = options.env ?? process.env;
    this.mode = options.aws ? 'aws' : 'local';
    this.endpoint = options.aws ? undefined : localEndpoint(options.endpoint, this.env);
    // No call of these tools waits long on purpose (receives poll for 1 s at most): a hung request fails.
    const requestHandler = { connectionTimeout: 2_000, requestTimeout: 15_000, throwOnRequestTimeout: true };
    const config = this.endpoint ? { endpoint: this.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 2, requestHandler } : { requestHandler };
    this.sqs = new SQSClient(config);
    this.sns = new SNSClient(config);
    this.dynamodb = new DynamoDBClient(config);
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
      `no local stack answers at ${this.endpoint}. Start it in another terminal with \`npm start\`, or pass --endpoint <url> (or set ${endpointEnv}), or --aws to use AWS.`,
    );
  }

  /**
   * The physical name of the contract's table `table`: the name itself locally; on AWS its SST
   * link, else `$<TABLE>_TABLE_NAME`.
   * @throws ConfigurationError on AWS when neither is set
   */
  async tableName(table: string): Promise<string> {
    return this.mode === 'local' ? table : resolveTableName(table, this.env);
  }

  /**
   * The ARN of topic `topic`: locally found by name among the stack's topics; on AWS its SST link,
   * else `$<TOPIC>_ARN`.
   * @throws ConfigurationError when it cannot be found; the message says what to do
   */
  async topicArn(topic: string): Promise<string> {
    if (this.mode === 'aws') return resolveTopicArn(topic, this.env);
    let token: string | undefined;
    do {
      const page = await this.sns.send(new ListTopicsCommand({ NextToken: token }));
      const found = page.Topics?.find((t) => t.TopicArn?.split(':').pop() === topic);
      if (found?.TopicArn) return found.TopicArn;
      token = page.NextToken;
    } while (token);
    throw new ConfigurationError(`the local stack at ${this.endpoint} has no topic ${topic}: restart it with \`npm start\` (after \`npm run codegen\`).`);
  }

  /**
   * The URL of queue `queue`: locally from `GetQueueUrl`; on AWS its SST link, else `$<QUEUE>_URL`.
   * @throws ConfigurationError when it cannot be found; the message says what to do
   */
  async queueUrl(queue: string): Promise<string> {
    if (this.mode === 'aws') return resolveQueueUrl(queue, this.env);
    try {
      const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
      if (out.QueueUrl) return out.QueueUrl;
    } catch {
      // explained below
    }
    throw new ConfigurationError(`the local stack has no queue ${queue}: restart it with \`npm start\` (after \`npm run codegen\`).`);
  }

  /**
   * The names of every queue the local stack has (its own and those an earlier contract left);
   * undefined on AWS, where the account's queues are not this application's alone.
   */
  async localQueueNames(): Promise<string[] | undefined> {
    if (this.mode === 'aws') return undefined;
    return (await queuesOn(this.sqs)).map((q) => q.name);
  }

  /**
   * On AWS, checks that every one of these resources can be located (its SST link, else its
   * variable) before a command reads any, and names every one that cannot in one error, with
   * the variables to set: the user sets them all at once, not one per run. Nothing to check
   * locally, where resources are found by name.
   *
   * @throws ConfigurationError on AWS when one or more cannot be located
   */
  requireLocated(resources: { queues?: Iterable<string>; topics?: Iterable<string>; tables?: Iterable<string> }): void {
    if (this.mode === 'local') return;
    const unknown: { what: string; variable: string }[] = [];
    const check = (kind: 'queue' | 'topic' | 'table', names: Iterable<string> | undefined, field: 'url' | 'arn' | 'name', variableOf: (name: string) => string) => {
      for (const name of [...new Set(names ?? [])].sort()) {
        const variable = variableOf(name);
        if (!linked(name, field) && !this.env[variable]) unknown.push({ what: `${kind} ${name}`, variable });
      }
    };
    check('topic', resources.topics, 'arn', envName.topicArn);
    check('queue', resources.queues, 'url', envName.queueUrl);
    check('table', resources.tables, 'name', envName.tableName);
    if (unknown.length === 0) return;
    throw new ConfigurationError(
      `AWS locations unknown for ${unknown.length === 1 ? 'a resource' : `${unknown.length} resources`} of the contract: ${unknown.map((u) => `${u.what} (${u.variable})`).join(', ')}. ` +
        `Run the command under \`sst shell\` (e.g. \`npx sst shell --stage prod -- <this command>\`), which sets them from the stage's links, or set ${unknown.length === 1 ? 'it' : 'them all'}: export ${unknown.map((u) => `${u.variable}=…`).join(' ')}`,
    );
  }

  /** Releases the clients' connections; call it when done. */
  destroy(): void {
    this.sqs.destroy();
    this.sns.destroy();
    this.dynamodb.destroy();
  }
}
