/**
 * The whole pipeline on one machine: the local stack plus the event-source poller running the
 * subscriber handler, configured like the deployed function (env, timeout, batch settings).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { pipelineSettings } from '@orders/core';
import { EventSourcePoller, type BatchReport, type SqsHandler } from './event-source-poller.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack.ts';

export interface LocalPipelineOptions extends LocalStackOptions {
  /** The handler to run. @default the subscriber Lambda handler of @orders/functions */
  handler?: SqsHandler;
  onBatch?: (report: BatchReport) => void;
  onError?: (error: unknown) => void;
  /**
   * Run the subscriber in this process. When false, only the stack runs and another process runs
   * the subscriber (`npm run subscriber`), as a Lambda runs apart from its queue. @default true
   */
  subscriber?: boolean;
}

export interface LocalPipeline {
  readonly stack: LocalStack;
  /** Absent when the subscriber runs in another process (`subscriber: false`). */
  readonly poller: EventSourcePoller | undefined;
  /** Stops polling (the batch in flight finishes, its successes are deleted), then the stack. */
  stop(): Promise<void>;
}

/**
 * Gives the handler the environment Lambda would: the table and topic (as SST links would) and the
 * local endpoint for its AWS clients. The subscriber creates its clients on first use, after this.
 */
function setFunctionEnvironment(stack: LocalStack): void {
  const { resources, endpoint } = stack;
  process.env[pipelineSettings.env.tableName] = resources.tableName;
  process.env[pipelineSettings.env.topicArn] = resources.topicArn;
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = resources.region;
  process.env.AWS_ACCESS_KEY_ID = stack.clientConfig.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = stack.clientConfig.credentials.secretAccessKey;
  process.env.AWS_LAMBDA_FUNCTION_NAME ??= pipelineSettings.subscriber.name;
}

/**
 * @example
 * const pipeline = await startLocalPipeline({ port: 4566, dataDir: '.orders-data/dynamodb' });
 * // … publish to pipeline.stack.resources.topicArn …
 * await pipeline.stop();
 */
export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const stack = await startLocalStack(options);
  setFunctionEnvironment(stack);
  if (options.subscriber === false) {
    return { stack, poller: undefined, stop: () => stack.stop() };
  }
  let handler = options.handler;
  if (!handler) {
    try {
      // Imported after the environment is set, as Lambda loads the module in a configured sandbox.
      handler = (await import('@orders/functions/subscriber')).handler as SqsHandler;
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }
  const sqs = new SQSClient(stack.clientConfig);
  const { subscriber } = pipelineSettings;
  const poller = new EventSourcePoller({
    sqs,
    queueUrl: stack.resources.queueUrl,
    queueArn: stack.resources.queueArn,
    handler,
    function: { functionName: subscriber.name, timeoutSeconds: subscriber.timeoutSeconds, memoryMB: subscriber.memoryMB, region: stack.resources.region },
    batchSize: subscriber.batchSize,
    batchWindowSeconds: subscriber.batchWindowSeconds,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  poller.start();
  return {
    stack,
    poller,
    async stop() {
      await poller.stop();
      sqs.destroy();
      await stack.stop();
    },
  };
}
