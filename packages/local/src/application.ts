/**
 * The application the local runtime runs: its topology manifest (generated), its settings and the
 * handler of each receive operation, found through the project configuration.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '@sluice/cli';
import { pathToFileURL } from 'node:url';
import { checkSettings, handlerFileOf, loadProject, type ProjectConfig } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';

/** The application as the local runtime runs it, loaded and checked by {@link loadApplication}. */
export interface Application {
  /** Where the contract, the generated code, the consumers and the settings are. */
  project: ProjectConfig;
  /** The topology manifest, `<generated>/topology.json`. */
  topology: Topology;
  /** The settings module's `settings` (`{}` when the project has no settings file). */
  settings: AppSettings;
  /** Handler file of each receive operation, by operation id. */
  handlers: Record<string, string>;
}

/**
 * The application cannot run as configured; the message says what to fix. A {@link CliError}: the
 * project's state, not a fault of the code, so no "--debug for the stack trace" hint follows it.
 */
export class ApplicationError extends CliError {
  override name = 'ApplicationError';
}

/**
 * Reads `<generated>/topology.json`, the topology manifest `npm run codegen` writes.
 *
 * @param project - the project whose `generated` folder holds the manifest
 * @returns the manifest, without its `//` note
 * @throws {@link ApplicationError} when the file is missing (codegen has not run)
 * @example
 * ```ts
 * import { loadProject } from '@sluice/model';
 * import { readTopology } from '@sluice/local';
 *
 * const topology = readTopology(loadProject(process.cwd()));
 * Object.keys(topology.queues); // the contract's queues, dead-letter queues included
 * ```
 */
export function readTopology(project: ProjectConfig): Topology {
  const file = path.join(project.generated, 'topology.json');
  if (!existsSync(file)) throw new ApplicationError(`${path.relative(process.cwd(), file)} is missing: run \`npm run codegen\` first.`);
  const { '//': _note, ...topology } = JSON.parse(readFileSync(file, 'utf8')) as Topology & { '//'?: string };
  return topology;
}

/**
 * Imports the settings module (`export const settings = defineSettings(…)`, or a default export).
 *
 * @param project - the project whose `settings` path names the module
 * @returns the settings, or `{}` when the module does not exist
 * @throws {@link ApplicationError} when the module exports no settings object
 * @example
 * ```ts
 * import { loadProject } from '@sluice/model';
 * import { readSettings } from '@sluice/local';
 *
 * const settings = await readSettings(loadProject(process.cwd()));
 * ```
 */
export async function readSettings(project: ProjectConfig): Promise<AppSettings> {
  if (!existsSync(project.settings)) return {};
  const module = (await import(pathToFileURL(project.settings).href)) as { settings?: AppSettings; default?: AppSettings };
  const settings = module.settings ?? module.default;
  if (!settings || typeof settings !== 'object') throw new ApplicationError(`${path.relative(process.cwd(), project.settings)} exports no \`settings\` (export const settings = defineSettings({ … }))`);
  return settings;
}

/**
 * Loads and checks the application: every receive operation has a handler, the settings name
 * only operations and tables that exist, the visibility timeouts respect the function timeouts.
 *
 * @param projectOrRoot - the project, or the folder whose package.json configures it; the working directory by default
 * @returns the project, its topology, settings and handler files
 * @throws {@link ApplicationError} listing every problem found, or when the topology manifest is missing
 * @example
 * ```ts
 * import { loadApplication } from '@sluice/local';
 *
 * const app = await loadApplication(); // the project in the current directory
 * Object.keys(app.handlers); // the receive operations, e.g. ['consumePaymentCaptured']
 * ```
 */
export async function loadApplication(projectOrRoot: ProjectConfig | string = process.cwd()): Promise<Application> {
  const project = typeof projectOrRoot === 'string' ? loadProject(projectOrRoot) : projectOrRoot;
  const topology = readTopology(project);
  const settings = await readSettings(project);
  // Each settings problem with the file it is in (infra:plan names it too).
  const settingsFile = path.relative(process.cwd(), project.settings) || project.settings;
  const problems = checkSettings(topology, settings).map((p) => (p.startsWith('settings.') ? `${settingsFile}: ${p}` : p));
  const handlers: Record<string, string> = {};
  for (const op of Object.values(topology.operations)) {
    if (op.action !== 'receive') continue;
    const file = handlerFileOf(project.consumers, op.id);
    if (file) handlers[op.id] = file;
    else problems.push(`receive operation ${op.id} has no handler: create ${path.relative(process.cwd(), path.join(project.consumers, `${op.id}.ts`))} (npm run codegen:check says what to write)`);
  }
  if (problems.length > 0) throw new ApplicationError(`the application does not match its contract:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { project, topology, settings, handlers };
}
