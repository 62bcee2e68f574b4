/**
 * The framework's triage functions, run by the local stack like the consumers: one per topic with
 * an unrouted queue, polling the topic's triage queue (subscribed without a filter policy) and
 * keeping in the unrouted queue what no filter policy admits. Rendered from the same plan as
 * `sst.config.ts` deploys (`resolvePlan(...).functions` of kind `triage`).
 */
import { fileURLToPath } from 'node:url';
import { renderEnvironment, resolvePlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import type { LocalClientConfig } from '../stack/emulators.ts';
import type { LocalResources } from '../stack/provision.ts';
import type { FunctionSpec } from './function-environment.ts';

/** The triage handler module, as installed: what each triage function's instances import. */
export const TRIAGE_HANDLER_FILE = fileURLToPath(import.meta.resolve('@sluice/runtime/triage/handler'));

/**
 * The local function of each topic's triage, with the local ARNs and URLs filled in.
 *
 * @param options - the topology and settings, the created resources and the local endpoint
 * @returns one spec per triage function of the plan (none for a topology without unrouted queues)
 * @example
 * ```ts
 * import { startLocalRuntime, triageFunctionSpecs } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime({ consumers: false });
 * const [triage] = triageFunctionSpecs({ topology: runtime.application.topology, settings: runtime.application.settings, resources: runtime.resources, clientConfig: runtime.clientConfig });
 * triage?.operationId; // 'triageOrderTopic'
 * await runtime.stop();
 * ```
 */
export function triageFunctionSpecs(options: {
  topology: Topology;
  settings: AppSettings;
  resources: Pick<LocalResources, 'region' | 'queues' | 'topics' | 'tables'>;
  clientConfig: LocalClientConfig;
  logLevel?: string;
}): FunctionSpec[] {
  const { resources, clientConfig } = options;
  return resolvePlan({ topology: options.topology, settings: options.settings, check: false })
    .functions.filter((f) => f.kind === 'triage')
    .map((fn) => {
      const queue = resources.queues[fn.queue];
      if (!queue) throw new Error(`queue ${fn.queue} of ${fn.operationId} was not created`);
      const planned = renderEnvironment(
        { ...fn.environment, ...(options.logLevel ? { POWERTOOLS_LOG_LEVEL: options.logLevel } : {}) },
        {
          topicArn: (topic) => resources.topics[topic]?.arn ?? '',
          queueArn: (name) => resources.queues[name]?.arn ?? '',
          queueUrl: (name) => resources.queues[name]?.url ?? '',
          tableName: (table) => resources.tables[table]?.name ?? table,
          tableArn: (table) => resources.tables[table]?.name ?? table,
        },
        (arns) => arns.filter(Boolean).join(','),
      );
      return {
        operationId: fn.operationId,
        functionName: fn.functionName,
        handlerFile: TRIAGE_HANDLER_FILE,
        queueUrl: queue.url,
        queueArn: queue.arn,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
        region: resources.region,
        settings: { ...fn.settings, tables: {} },
        environment: {
          // The local endpoint and dummy credentials, always, as for the consumers.
          AWS_ENDPOINT_URL: clientConfig.endpoint,
          AWS_REGION: clientConfig.region,
          AWS_DEFAULT_REGION: clientConfig.region,
          AWS_ACCESS_KEY_ID: clientConfig.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: clientConfig.credentials.secretAccessKey,
          AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMB),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
          ...planned,
        },
      };
    });
}
