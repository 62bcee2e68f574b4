/**
 * The options every operator command takes to choose its target (the local stack or AWS), and
 * the project's generated contract module those commands read.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, shownPath, urlOption, type OptionSpec } from '@sluice/cli';
import { CODEGEN_COMMAND, staleGeneratedReason } from '@sluice/codegen/freshness';
import { loadProject, projectRootFrom, type ProjectConfig } from '@sluice/model';
import type { MessageContract, Operation, Topology } from '@sluice/runtime/contract';
import { ConfigurationError } from '@sluice/runtime/resources';
import { Target } from '../target.ts';
import { defaultLocalEndpoint, endpointEnv } from '../local-endpoint.ts';

/**
 * `--endpoint <url>` and `--aws`: spread them into a command's `options` and pass its values to
 * {@link withTarget}.
 */
export const targetOptions: Record<string, OptionSpec> = {
  endpoint: { type: 'string', valueName: 'url', description: 'local stack endpoint', defaultText: `$${endpointEnv}, else ${defaultLocalEndpoint}` },
  aws: { type: 'boolean', description: 'talk to AWS instead: default credentials and region; resources from SST links (sst shell -- …) or <NAME>_ARN, <NAME>_URL, <NAME>_TABLE_NAME variables' },
};

/**
 * Runs `fn` with a {@link Target} built from `--endpoint`/`--aws`, and releases its clients after.
 *
 * A {@link ConfigurationError} becomes a `CliError` with its cause and next step (exit 1); so do
 * the AWS SDK's own setup failures under `--aws` (no region, no credentials), with what to set.
 *
 * @throws UsageError when `--endpoint` is not a URL
 *
 * @example
 * ```ts
 * import type { CommandSpec } from '@sluice/cli';
 * import { queueDepth, targetOptions, withTarget } from '@sluice/ops';
 *
 * export const depthCommand: CommandSpec = {
 *   name: 'depth',
 *   summary: 'messages waiting in one queue',
 *   options: { ...targetOptions },
 *   run: ({ values, io }) =>
 *     withTarget(values, async (target) => {
 *       await target.checkReachable();
 *       io.out(String((await queueDepth(target.sqs, await target.queueUrl('PaymentQueue'))).visible));
 *       return 0;
 *     }),
 * };
 * ```
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
    throw (target.mode === 'aws' && awsSetupFailure(error)) || error;
  } finally {
    target.destroy();
  }
}

/**
 * The flags that point a command at the same system as `values` (`--aws`, or the `--endpoint`
 * given), for a command line a command prints as the next step: pasted as printed, it reaches the
 * stack this one reached, not the default port. Empty when neither was given.
 *
 * @example
 * ```ts
 * import { targetFlags } from '@sluice/ops';
 *
 * targetFlags({ endpoint: 'http://127.0.0.1:4610' }); // ' --endpoint http://127.0.0.1:4610'
 * targetFlags({ aws: true }); // ' --aws'
 * targetFlags({}); // ''
 * ```
 */
export function targetFlags(values: { endpoint?: unknown; aws?: unknown }): string {
  if (values.aws === true) return ' --aws';
  return typeof values.endpoint === 'string' && values.endpoint !== '' ? ` --endpoint ${values.endpoint.replace(/\/$/, '')}` : '';
}

/**
 * The AWS SDK's failures that mean AWS is not set up on this machine (they come before any
 * request), as a `CliError` saying what to set; undefined for any other error.
 */
function awsSetupFailure(error: unknown): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const said = `(the SDK says: ${error.message})`;
  if (error.message === 'Region is missing') {
    return new CliError(`--aws: no AWS region is configured ${said}`, {
      next: 'Set AWS_REGION (e.g. `export AWS_REGION=eu-west-1`), or use a profile with a region: `AWS_PROFILE=<name>`, its region in ~/.aws/config (`aws configure --profile <name>` writes it).',
      cause: error,
    });
  }
  if (error.name === 'CredentialsProviderError' && /could not load credentials/i.test(error.message)) {
    return new CliError(`--aws: no AWS credentials found ${said}`, {
      next: 'Configure them: `aws configure` (or `aws sso login --profile <name>`), then run with `AWS_PROFILE=<name>`; or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      cause: error,
    });
  }
  return undefined;
}

/** The generated module of a project (`generated/index.js`): its messages, operations and topology. */
export interface ContractModule {
  /** Every message's run-time contract, by name. */
  messages: Record<string, MessageContract>;
  /** Every operation, by id. */
  operations: Record<string, Operation>;
  /** The topology manifest. */
  topology: Topology;
}

const loaded = new Map<string, Promise<ContractModule>>();
/** What was said of a stale generated module (each reason once per process, however many times a command reads it). */
const saidStale = new Set<string>();

/**
 * Imports the project's generated contract module (`<generated>/index.js`) once; later calls for
 * the same project share the import. A project without it (codegen never ran) is refused, naming
 * the command to run; with `warn`, a `generated/` that no longer matches the contract (edited
 * since the last `npm run codegen`) is said once, since the command then works from the previous
 * contract: payloads checked against it, queues named by it.
 *
 * @param project - the project layout; by default read from the `eventContract` of the nearest
 *   package.json that declares one, at or above the working directory ({@link projectRootFrom})
 * @param options.warn - where to say that `generated/` is stale (a command's `io.err`)
 * @throws CliError when `<generated>/index.js` does not exist
 *
 * @example
 * ```ts
 * import { contractModule } from '@sluice/ops';
 *
 * const { topology } = await contractModule(undefined, { warn: console.error });
 * console.log(Object.keys(topology.queues));
 * ```
 */
export function contractModule(project: ProjectConfig = loadProject(projectRootFrom()), options: { warn?: (line: string) => void } = {}): Promise<ContractModule> {
  const file = path.join(project.generated, 'index.js');
  if (!existsSync(file)) {
    return Promise.reject(
      new CliError(`${shownPath(file, process.cwd())} is missing: the project's generated contract, which these commands read, is written by \`${CODEGEN_COMMAND}\``, {
        next: `Run \`${CODEGEN_COMMAND}\`, then try again.`,
      }),
    );
  }
  const stale = options.warn ? staleGeneratedReason(project) : undefined;
  if (stale && !saidStale.has(`${file}\n${stale}`)) {
    saidStale.add(`${file}\n${stale}`);
    options.warn!(`warning: ${stale} Until then this command works from the contract generated/ holds (the previous one).`);
  }
  let module = loaded.get(file);
  if (!module) {
    module = import(pathToFileURL(file).href) as Promise<ContractModule>;
    loaded.set(file, module);
  }
  return module;
}
