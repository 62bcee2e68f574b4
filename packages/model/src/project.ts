/**
 * Where a project keeps its contract, generated code, consumers and settings, and what the
 * framework says about the application's own commands. Read from the `eventContract` key of the
 * project's package.json; every key has a default, so a project that follows the defaults needs
 * none of it:
 *
 * ```json
 * "eventContract": {
 *   "spec": "asyncapi.yaml",            // the AsyncAPI document
 *   "generated": "generated",           // what `npm run codegen` writes
 *   "contractPackage": "@acme/contract", // the generated package's name (what handlers import)
 *   "consumers": "consumers",           // one handler file per receive operation: <operationId>.ts
 *   "settings": "src/settings.ts",      // function and table settings, keyed by operation id
 *   "released": "released",             // the last released contract (npm run contract:release)
 *   "operatorCommand": "npx payments",  // the application's command that mounts the dlq and status commands
 *   "startHints": ["npx payments publish --amount 5"] // what `npm start` suggests trying
 * }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A project's layout and its application's commands, as {@link loadProject} resolves them. */
export interface ProjectConfig {
  /** The project's root folder (where package.json is). */
  root: string;
  /** The AsyncAPI document (absolute path). */
  spec: string;
  /** The folder `npm run codegen` writes the contract package to (absolute path). */
  generated: string;
  /**
   * The npm name of the generated package, what handlers and publishers import
   * (`import { operations } from '<contractPackage>'`): `eventContract.contractPackage`, else the
   * `name` in `<generated>/package.json`, else `<the project's package name>-contract`.
   */
  contractPackage: string;
  /** The consumers folder: one handler file per receive operation, `<operationId>.ts` (absolute path). */
  consumers: string;
  /** The settings module, exporting `settings` (absolute path; it may not exist). */
  settings: string;
  /** The folder of the last released contract (absolute path). */
  released: string;
  /**
   * The application's command that mounts the operator commands of `@sluice/ops` (`dlq`,
   * `status`), e.g. `npx payments`: messages and alarm descriptions name it. Undefined when the
   * project declares none; they then name the commands alone.
   */
  operatorCommand?: string;
  /** Command lines `npm start` suggests trying, one per line (`eventContract.startHints`). @default [] */
  startHints: string[];
}

/** The layout a project gets for every `eventContract` path it does not declare (relative to its root). */
export const DEFAULT_PROJECT: Pick<ProjectConfig, 'spec' | 'generated' | 'consumers' | 'settings' | 'released'> = {
  spec: 'asyncapi.yaml',
  generated: 'generated',
  consumers: 'consumers',
  settings: 'src/settings.ts',
  released: 'released',
};

/** What a project's package.json may declare under `eventContract`. */
type DeclaredProject = Partial<Record<keyof typeof DEFAULT_PROJECT | 'contractPackage' | 'operatorCommand', unknown>> & { startHints?: unknown };

/** The `name` in a package.json, if the file exists and has one. */
function packageNameIn(manifest: string): string | undefined {
  if (!existsSync(manifest)) return undefined;
  const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : undefined;
}

/**
 * The project a command run in `dir` belongs to: the nearest folder at or above `dir` whose
 * package.json declares `eventContract`; `dir` itself when none does (a project on the defaults).
 * From a subfolder (`cd packages/orders; npx orders status`) the operator commands then read the
 * project's contract, not a `generated/` that is not there.
 *
 * @param dir - where the command runs; the working directory by default
 * @example
 * ```ts
 * import { loadProject, projectRootFrom } from '@sluice/model';
 *
 * const project = loadProject(projectRootFrom()); // from packages/orders: the repository's root
 * ```
 */
export function projectRootFrom(dir: string = process.cwd()): string {
  for (let folder = path.resolve(dir); ; folder = path.dirname(folder)) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { eventContract?: unknown }).eventContract !== undefined) return folder;
      } catch {
        // not JSON: loadProject says so when this folder is the one used
      }
    }
    if (path.dirname(folder) === folder) return path.resolve(dir);
  }
}

/**
 * Reads the project configuration from `<root>/package.json`; paths come back absolute, each
 * from `overrides`, else the package.json, else {@link DEFAULT_PROJECT}.
 *
 * @param root - the project's root folder; the working directory by default
 * @param overrides - values that win over the package.json (the command-line options of codegen)
 * @returns the resolved configuration
 * @throws when package.json (or the generated package's) is not valid JSON, or `startHints` is not a list of strings
 * @example
 * ```ts
 * import { loadProject } from '@sluice/model';
 *
 * const project = loadProject(); // from the current directory
 * project.consumers; // '/repo/consumers', or what eventContract.consumers says
 * project.contractPackage; // e.g. '@acme/contract'
 * ```
 */
export function loadProject(root: string = process.cwd(), overrides: Partial<Omit<ProjectConfig, 'root'>> = {}): ProjectConfig {
  const manifest = path.join(root, 'package.json');
  const parsed = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; eventContract?: DeclaredProject }) : {};
  const declared: DeclaredProject = parsed.eventContract ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const pick = (key: keyof typeof DEFAULT_PROJECT) => path.resolve(root, overrides[key] ?? text(declared[key]) ?? DEFAULT_PROJECT[key]);
  const generated = pick('generated');
  const hints = overrides.startHints ?? declared.startHints ?? [];
  if (!Array.isArray(hints) || hints.some((h) => typeof h !== 'string')) {
    throw new Error(`${manifest}: eventContract.startHints must be a list of command lines (strings)`);
  }
  const operatorCommand = overrides.operatorCommand ?? text(declared.operatorCommand);
  return {
    root: path.resolve(root),
    spec: pick('spec'),
    generated,
    contractPackage:
      overrides.contractPackage ??
      text(declared.contractPackage) ??
      packageNameIn(path.join(generated, 'package.json')) ??
      `${text(parsed.name) ?? path.basename(path.resolve(root)).toLowerCase()}-contract`,
    consumers: pick('consumers'),
    settings: pick('settings'),
    released: pick('released'),
    ...(operatorCommand ? { operatorCommand } : {}),
    startHints: hints as string[],
  };
}
