/**
 * What a consumer function sees, locally as on AWS: its own environment (the tables it may use,
 * the topics feeding its queue, its name and log level) and its configuration (timeout, memory,
 * batch size and window, concurrency). One place, used by `npm start` and `npm run subscriber`
 * alike, so the two cannot drift.
 */
import type { Topology } from '@sluice/runtime/contract';
import { envName } from '@sluice/runtime/resources';
import { consumerSettings, functionNameOf, metricsNamespaceOf, SOURCE_TOPICS_ENV, type AppSettings, type ResolvedConsumerSettings } from '@sluice/runtime/settings';
import type { LocalClientConfig } from '../stack/emulators.ts';
import type { LocalResources } from '../stack/provision.ts';

/** Everything needed to run one consumer function locally. */
export interface FunctionSpec {
  operationId: string;
  functionName: string;
  /** The handler module (absolute path), found by the consumers-folder convention. */
  handlerFile: string;
  queueUrl: string;
  queueArn: string;
  /** The queue's visibility timeout as created (locally often shorter than the function timeout). */
  visibilityTimeoutSeconds?: number;
  region: string;
  settings: ResolvedConsumerSettings;
  /** The function's own environment variables (not the developer's shell). */
  environment: Record<string, string>;
}

export interface FunctionSpecOptions {
  topology: Topology;
  settings: AppSettings;
  operationId: string;
  handlerFile: string;
  resources: Pick<LocalResources, 'region' | 'queues' | 'topics' | 'tables'>;
  clientConfig: LocalClientConfig;
  /** Overrides the settings' log level (`npm start -- --log-level`). */
  logLevel?: string;
  /** Overrides the settings' concurrency. */
  concurrency?: number;
  /** Extra variables (tests inject faults this way, e.g. `AWS_MAX_ATTEMPTS`). */
  extraEnvironment?: Record<string, string>;
}

/**
 * @example
 * const spec = functionSpec({ topology, settings, operationId: 'consumeOrderPlaced', handlerFile, resources, clientConfig });
 * spec.environment.ORDERS_TABLE_NAME; // 'Orders'
 */
export function functionSpec(options: FunctionSpecOptions): FunctionSpec {
  const { topology, operationId, resources, clientConfig } = options;
  const operation = topology.operations[operationId];
  if (!operation || operation.action !== 'receive') throw new Error(`${operationId} is not a receive operation of the contract`);
  const queue = resources.queues[operation.queue!];
  if (!queue) throw new Error(`queue ${operation.queue} of ${operationId} was not created`);
  const settings = consumerSettings(options.settings, operationId);
  if (options.concurrency !== undefined) settings.maximumConcurrency = options.concurrency;
  const functionName = functionNameOf(operationId);
  const environment: Record<string, string> = {
    // The local endpoint and dummy credentials, always: a developer's real AWS credentials or
    // endpoint in the shell must never take a local function's writes to AWS.
    AWS_ENDPOINT_URL: clientConfig.endpoint,
    AWS_REGION: clientConfig.region,
    AWS_DEFAULT_REGION: clientConfig.region,
    AWS_ACCESS_KEY_ID: clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: clientConfig.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    POWERTOOLS_SERVICE_NAME: operationId,
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? settings.logLevel,
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespaceOf(options.settings),
    [SOURCE_TOPICS_ENV]: (operation.sources ?? []).map((s) => resources.topics[s.topic]?.arn).filter(Boolean).join(','),
  };
  for (const table of Object.keys(settings.tables)) environment[envName.tableName(table)] = resources.tables[table]?.name ?? table;
  return {
    operationId,
    functionName,
    handlerFile: options.handlerFile,
    queueUrl: queue.url,
    queueArn: queue.arn,
    visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
    region: resources.region,
    settings,
    environment: { ...environment, ...(options.extraEnvironment ?? {}) },
  };
}
