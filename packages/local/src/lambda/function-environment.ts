/**
 * What a consumer function sees, locally as on AWS: its own environment (the tables it may use,
 * the topics feeding its queue, its name and log level) and its configuration (timeout, memory,
 * batch size and window, concurrency). One place, used by `npm start` and `npm run subscriber`
 * alike, and rendered from the same plan as the deployment, so none of them can drift.
 */
import { renderEnvironment, resolvePlan, type FunctionPlan, type ResolvedConsumerSettings } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import type { LocalClientConfig } from '../stack/emulators.ts';
import type { LocalResources } from '../stack/provision.ts';

/** Everything needed to run one consumer function locally. */
export interface FunctionSpec {
  /** The receive operation the function consumes for. */
  operationId: string;
  /** The function's name, as `AWS_LAMBDA_FUNCTION_NAME` and its Lambda context give it. */
  functionName: string;
  /** The handler module (absolute path), found by the consumers-folder convention. */
  handlerFile: string;
  /** The queue it polls. */
  queueUrl: string;
  /** That queue's ARN (each record's `eventSourceARN`). */
  queueArn: string;
  /** The queue's visibility timeout as created (locally often shorter than the function timeout). */
  visibilityTimeoutSeconds?: number;
  /** The region the function runs in (`AWS_REGION`). */
  region: string;
  /** Its resolved settings: batch size and window, timeout, memory, concurrency, log level. */
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
 * Renders one function of the deployment plan (`resolvePlan` of `@sluice/model`, the same plan
 * `sst.config.ts` deploys) for the local stack: the plan's environment with the local ARNs and
 * names filled in, plus what Lambda itself gives a function (its name, memory, log group) and the
 * local endpoint with dummy credentials.
 *
 * @example
 * ```ts
 * import { functionSpec, startLocalRuntime } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime({ consumers: false });
 * const { topology, settings, handlers } = runtime.application;
 * const spec = functionSpec({ topology, settings, operationId: 'consumePaymentCaptured', handlerFile: handlers.consumePaymentCaptured!, resources: runtime.resources, clientConfig: runtime.clientConfig });
 * spec.environment.PAYMENTS_TABLE_NAME; // 'Payments'
 * await runtime.stop();
 * ```
 */
export function functionSpec(options: FunctionSpecOptions): FunctionSpec {
  const { topology, operationId, resources, clientConfig } = options;
  const operation = topology.operations[operationId];
  if (!operation || operation.action !== 'receive') throw new Error(`${operationId} is not a receive operation of the contract`);
  const queue = resources.queues[operation.queue!];
  if (!queue) throw new Error(`queue ${operation.queue} of ${operationId} was not created`);
  // The application's settings were checked when it was loaded; what is resolved here may carry
  // local overrides (one poller, no batch window) that only the local stack accepts.
  const plan = resolvePlan({ topology, settings: options.settings, check: false }).functions.find((f) => f.operationId === operationId)!;
  const settings = { ...plan.settings, tables: { ...plan.settings.tables } };
  if (options.concurrency !== undefined) settings.maximumConcurrency = options.concurrency;
  const { functionName } = plan;
  const environment = localEnvironment(plan, settings.memoryMB, resources, clientConfig, options.logLevel);
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

/**
 * The environment of one planned function (a consumer or the framework's triage) on the local
 * stack: the local endpoint and dummy credentials, always (a developer's real AWS credentials or
 * endpoint in the shell must never take a local function's writes to AWS), what Lambda itself
 * sets for every function, and the plan's environment with the local ARNs, URLs and names.
 *
 * @param plan - the function in the deployment plan
 * @param memoryMB - its memory as run (the plan's, or a local override)
 * @param logLevel - overrides the plan's log level (`npm start -- --log-level`)
 * @returns the variables, by name
 */
export function localEnvironment(
  plan: Pick<FunctionPlan, 'functionName' | 'environment'>,
  memoryMB: number,
  resources: Pick<LocalResources, 'queues' | 'topics' | 'tables'>,
  clientConfig: LocalClientConfig,
  logLevel?: string,
): Record<string, string> {
  const planned = renderEnvironment(
    { ...plan.environment, ...(logLevel ? { POWERTOOLS_LOG_LEVEL: logLevel } : {}) },
    {
      topicArn: (topic) => resources.topics[topic]?.arn ?? '',
      queueArn: (name) => resources.queues[name]?.arn ?? '',
      queueUrl: (name) => resources.queues[name]?.url ?? '',
      tableName: (table) => resources.tables[table]?.name ?? table,
      tableArn: (table) => resources.tables[table]?.name ?? table,
      // The local stack has no KMS: nothing is encrypted there.
      keyArn: () => '',
    },
    (arns) => arns.filter(Boolean).join(','),
  );
  return {
    AWS_ENDPOINT_URL: clientConfig.endpoint,
    AWS_REGION: clientConfig.region,
    AWS_DEFAULT_REGION: clientConfig.region,
    AWS_ACCESS_KEY_ID: clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: clientConfig.credentials.secretAccessKey,
    // What Lambda sets for every function.
    AWS_LAMBDA_FUNCTION_NAME: plan.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    // Each instance starts on demand, as a Lambda without provisioned concurrency: its first invocation is a cold start.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${plan.functionName}`,
    // What the plan gives it, deployed as locally.
    ...planned,
  } as Record<string, string>;
}
