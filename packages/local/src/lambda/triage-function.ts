/**
 * The framework's triage functions, run by the local stack like the consumers: one per topic with
 * an unrouted queue, polling the topic's triage queue (subscribed without a filter policy) and
 * keeping in the unrouted queue what no filter policy admits. Rendered from the same plan as
 * `sst.config.ts` deploys (`resolvePlan(...).functions` of kind `triage`).
 */
import { fileURLToPath } from 'node:url';
import { resolvePlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import type { LocalClientConfig } from '../stack/emulators.ts';
import type { LocalResources } from '../stack/provision.ts';
import { localEnvironment, type FunctionSpec } from './function-environment.ts';

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
      return {
        operationId: fn.operationId,
        functionName: fn.functionName,
        handlerFile: TRIAGE_HANDLER_FILE,
        queueUrl: queue.url,
        queueArn: queue.arn,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
        region: resources.region,
        settings: { ...fn.settings, tables: {} },
        environment: localEnvironment(fn, fn.memoryMB, resources, clientConfig, options.logLevel),
      };
    });
}
