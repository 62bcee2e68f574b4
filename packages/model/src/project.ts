/**
 * Where a project keeps its contract, generated code, consumers and settings. Read from the
 * `eventContract` key of the project's package.json; every key has a default, so a project that
 * follows the defaults needs none of it:
 *
 * ```json
 * "eventContract": {
 *   "spec": "asyncapi.yaml",        // the AsyncAPI document
 *   "generated": "generated",       // what `npm run codegen` writes
 *   "consumers": "packages/orders/consumers",   // one handler file per receive operation: <operationId>.ts
 *   "settings": "packages/orders/src/settings.ts", // function and table settings, keyed by operation id
 *   "released": "released"          // the last released contract (npm run contract:release)
 * }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ProjectConfig {
  /** The project's root folder (where package.json is). */
  root: string;
  spec: string;
  generated: string;
  consumers: string;
  settings: string;
  released: string;
}

export const DEFAULT_PROJECT: Omit<ProjectConfig, 'root'> = {
  spec: 'asyncapi.yaml',
  generated: 'generated',
  consumers: 'packages/orders/consumers',
  settings: 'packages/orders/src/settings.ts',
  released: 'released',
};

/**
 * Reads the project configuration; paths come back absolute.
 *
 * @example
 * const project = loadProject();            // from the current directory
 * project.consumers;                        // /repo/app/consumers
 */
export function loadProject(root: string = process.cwd(), overrides: Partial<Omit<ProjectConfig, 'root'>> = {}): ProjectConfig {
  const manifest = path.join(root, 'package.json');
  const declared = existsSync(manifest) ? ((JSON.parse(readFileSync(manifest, 'utf8')) as { eventContract?: Partial<ProjectConfig> }).eventContract ?? {}) : {};
  const pick = (key: keyof typeof DEFAULT_PROJECT) => path.resolve(root, overrides[key] ?? declared[key] ?? DEFAULT_PROJECT[key]);
  return {
    root: path.resolve(root),
    spec: pick('spec'),
    generated: pick('generated'),
    consumers: pick('consumers'),
    settings: pick('settings'),
    released: pick('released'),
  };
}
