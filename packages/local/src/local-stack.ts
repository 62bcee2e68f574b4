/**
 * The embedded local stack: fauxqs (SNS + SQS) and dynalite (DynamoDB) in this process, behind
 * one AWS-compatible endpoint, with the pipeline's resources created from the shared settings.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { startAwsGateway, type AwsGateway } from './aws-gateway.ts';
import { localCredentials, localRegion } from './local-defaults.ts';
import { bootstrapPipelineResources, type PipelineResources } from './pipeline-resources.ts';

export interface LocalStackOptions {
  /** Port of the single endpoint; 0 picks a free one. @default 4566 */
  port?: number;
  /** Folder for DynamoDB's LevelDB files; in memory when absent (tests). */
  dataDir?: string;
  /** Queue visibility timeout override in seconds (see {@link bootstrapPipelineResources}). */
  visibilityTimeoutSeconds?: number;
}

export interface LocalStack {
  /** The one endpoint for SNS, SQS and DynamoDB. */
  readonly endpoint: string;
  readonly resources: PipelineResources;
  /** The DynamoDB data folder, or undefined when in memory. */
  readonly dataDir: string | undefined;
  /** SDK client configuration for this stack (endpoint, region, dummy credentials). */
  readonly clientConfig: { endpoint: string; region: string; credentials: typeof localCredentials };
  /** Stops the endpoint and both emulators; DynamoDB data is flushed to `dataDir`. */
  stop(): Promise<void>;
}

async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Starts the stack and creates the resources.
 *
 * @example
 * const stack = await startLocalStack({ port: 4566, dataDir: '.orders-data/dynamodb' });
 * console.log(stack.endpoint, stack.resources.queueUrl);
 * await stack.stop();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Tables become ACTIVE at once: nothing to wait for locally.
  const dynamoServer: Server = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoUrl = await listenOnLoopback(dynamoServer);
  // buildApp rather than startFauxqs: startFauxqs listens on 0.0.0.0, and this stack stays on loopback.
  const fauxqs = buildApp({ logger: false, defaultRegion: localRegion });
  const fauxqsUrl = await fauxqs.listen({ port: 0, host: '127.0.0.1' });

  let gateway: AwsGateway;
  try {
    gateway = await startAwsGateway({ upstreams: { fauxqs: fauxqsUrl, dynalite: dynamoUrl }, port: options.port ?? 4566 });
  } catch (error) {
    await fauxqs.close();
    await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
    throw error;
  }

  const clientConfig = { endpoint: gateway.endpoint, region: localRegion, credentials: localCredentials };
  const sqs = new SQSClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const dynamodb = new DynamoDBClient(clientConfig);
  let resources: PipelineResources;
  try {
    resources = await bootstrapPipelineResources({
      sqs,
      sns,
      dynamodb,
      region: localRegion,
      ...(options.visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds } : {}),
    });
  } finally {
    sqs.destroy();
    sns.destroy();
    dynamodb.destroy();
  }

  return {
    endpoint: gateway.endpoint,
    resources,
    dataDir: options.dataDir,
    clientConfig,
    async stop() {
      await gateway.close();
      await fauxqs.close();
      await new Promise<void>((resolve, reject) => dynamoServer.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}
