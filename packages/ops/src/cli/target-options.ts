/**
 * The options every operator command takes to choose its target (the local stack or AWS), and
 * the project's generated contract module those commands read.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, urlOption, type OptionSpec } from '@sluice/cli';
import { loadProject, type ProjectConfig } from '@sluice/model';
import type { MessageContract, Operation, Topology } from '@sluice/runtime/contract';
import { ConfigurationError } from '@sluice/runtime/resources';
import { Target } from '../target.ts';
import { defaultLocalEndpoint, endpointEnv } from '../local-endpoint.ts';

export const targetOptions: Record<string, OptionSpec> = {
  endpoint: { type: 'string', valueName: 'url', description: 'local stack endpoint', defaultText: `$${endpointEnv}, else ${defaultLocalEndpoint}` },
  aws: { type: 'boolean', description: 'talk to AWS instead: default credentials and region; resources from SST links (sst shell -- …) or ORDER_TOPIC_ARN-style variables' },
};

/**
 * Runs `fn` with a {@link Target} built from `--endpoint`/`--aws`, and releases its clients after.
 *
 * @example
 * return withTarget(values, async (target) => { await target.checkReachable(); … });
 */
export async function withTarget<T>(values: { endpoint?: unknown; aws?: unknown }, fn: (target: Target) => Promise<T>): Promise<T> {
  const endpoint = urlOption('endpoint', values.endpoint);
  const target = new Target({ ...(endpoint !== undefined ? { endpoint } : {}), aws: values.aws === true });
  try {
    return await fn(target);
  } catch (error) {
    // Its message says what is wrong, then what to do ("… at <url>. Start it with `npm start` …"):
    // the convention's cause line and next-step line, without the class name or a stack.
    if (error instanceof ConfigurationError) {
      const [, cause, next] = /^(.+?)\.\s+([A-Z].*)$/s.exec(error.message) ?? [];
      throw cause && next ? new CliError(cause, { next, cause: error }) : new CliError(error.message, { cause: error });
    }
    throw error;
  } finally {
    target.destroy();
  }
}

/** The generated module of a project (`generated/index.js`): its messages, operations and topology. */
export interface ContractModule {
  messages: Record<string, MessageContract>;
  operations: Record<string, Operation>;
  topology: Topology;
}

const loaded = new Map<string, Promise<ContractModule>>();

/** Imports the project's generated contract module once. */
export function contractModule(project: ProjectConfig = loadProject()): Promise<ContractModule> {
  const file = path.join(project.generated, 'index.js');
  let module = loaded.get(file);
  if (!module) {
    module = import(pathToFileURL(file).href) as Promise<ContractModule>;
    loaded.set(file, module);
  }
  return module;
}
