/**
 * Which settings module goes with a contract, for the topology picture (`diagram`, `docs`): the
 * settings describe one project's functions, tables and alarms, keyed by its operations, so a
 * contract is drawn only with settings meant for it, and the command says which.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadProject, projectRootFrom, type ProjectConfig } from '@sluice/model';
import type { AppSettings } from '@sluice/runtime/settings';

/** The settings a contract is drawn with, and how the command says so. */
export interface ContractSettings {
  /** The settings module; undefined when none is known for the contract (the framework's defaults). */
  file?: string;
  /**
   * In a few words a command prints: with a `file`, which settings and why those (`the settings of
   * src/settings.ts (eventContract.settings)`); without, why none (`it is not this project's
   * contract (asyncapi.yaml), so this project's settings (src/settings.ts) are not read`).
   */
  said: string;
}

/** A file as messages name it: relative to the working directory when inside it, else by its own path. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/**
 * The settings module for the contract `specPath`: `told` (`--settings`); else, when it is the
 * project's contract, the project's `eventContract.settings`; else, when the nearest project above
 * it declares it as its contract, that project's settings; else none (the framework's defaults).
 * Never the project's settings for another project's contract: they name its operations.
 *
 * @param specPath - the contract to draw
 * @param told - the settings module given on the command line, if any
 * @param project - the project the command runs in
 * @returns the module (or none) and the words that say which
 * @example
 * ```ts
 * import { loadProject } from '@sluice/model';
 * import { settingsForContract } from './contract-settings.ts';
 *
 * const { file, said } = settingsForContract('../shop/asyncapi.yaml', undefined, loadProject());
 * console.log(file ? `drawn with ${said}` : `no settings: ${said}`); // "drawn with the settings of ../shop/src/settings.ts (eventContract.settings of ../shop/package.json, …)"
 * ```
 */
export function settingsForContract(specPath: string, told: string | undefined, project: ProjectConfig): ContractSettings {
  if (told !== undefined) return { file: told, said: `the settings of ${shown(told)} (--settings)` };
  const spec = path.resolve(specPath);
  if (spec === path.resolve(project.spec)) {
    return { file: project.settings, said: existsSync(project.settings) ? `the settings of ${shown(project.settings)} (eventContract.settings)` : `the framework's default settings (eventContract.settings, ${shown(project.settings)}, does not exist)` };
  }
  // Asked from the contract file itself, the project it belongs to is the nearest folder above it
  // whose package.json declares eventContract, or the file given back when none does: a folder on
  // the defaults is no project of the framework, and its src/settings.ts may be anything.
  const root = projectRootFrom(spec);
  if (root !== spec) {
    const own = loadProject(root);
    if (path.resolve(own.spec) === spec) {
      const where = `eventContract.settings of ${shown(path.join(root, 'package.json'))}, the project of that contract`;
      return { file: own.settings, said: existsSync(own.settings) ? `the settings of ${shown(own.settings)} (${where})` : `the framework's default settings (${where}, ${shown(own.settings)}, does not exist)` };
    }
  }
  return { said: `it is not this project's contract (${shown(project.spec)}), so this project's settings (${shown(project.settings)}) are not read` };
}

/**
 * The settings a module exports (`export const settings = defineSettings(…)`, or a default
 * export); `{}` when the file does not exist (every consumer on the defaults).
 *
 * @throws Error when the module exports no settings object
 * @example
 * ```ts
 * import { importSettings } from '@sluice/governance';
 *
 * const settings = await importSettings('src/settings.ts');
 * ```
 */
export async function importSettings(file: string): Promise<AppSettings> {
  if (!existsSync(file)) return {};
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { settings?: AppSettings; default?: AppSettings };
  const settings = mod.settings ?? mod.default;
  if (!settings || typeof settings !== 'object') throw new Error(`${path.relative(process.cwd(), file)} exports no \`settings\` (export const settings = defineSettings({ … }))`);
  return settings;
}

/**
 * The settings the next deploy of the contract `specPath` uses ({@link settingsForContract}), which
 * `contract:diff` and `contract:release` derive a visibility timeout the contract does not write from: undefined
 * when none is known for it, or its module does not load (said through `warn`: the diff then says
 * a derived visibility timeout as derived, without its value).
 */
export async function deploySettingsOf(specPath: string, project: ProjectConfig, warn: (line: string) => void): Promise<AppSettings | undefined> {
  const { file } = settingsForContract(specPath, undefined, project);
  if (file === undefined) return undefined;
  try {
    return await importSettings(file);
  } catch (error) {
    warn(`the settings ${path.relative(process.cwd(), file) || file} do not load (${(error as Error).message.split('\n')[0]}): a visibility timeout the contract does not write is compared as derived, without its value. Fix them (npm run typecheck names the error), then run the command again.`);
    return undefined;
  }
}
