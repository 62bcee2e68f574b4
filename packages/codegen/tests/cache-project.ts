/**
 * A project folder for the tests of codegen's caches (the parser's, the type generator's): a
 * `node_modules` (where the caches live), the spec and its `schemas/thing.json`, removed after the
 * test file.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The schema of `Thing`: an object with these properties, all required. */
export const thingSchema = (properties: Record<string, unknown>, title?: string) =>
  JSON.stringify({ ...(title ? { title } : {}), type: 'object', properties, required: Object.keys(properties) });

export interface CacheProject {
  /** The spec's path. */
  spec: string;
  /** The cache folder `name` of the project (`node_modules/.cache/<name>`). */
  cache(name: string): string;
  /** Writes a file of the project (a path relative to its folder). */
  write(file: string, text: string): void;
}

/** Writes `spec` as asyncapi.yaml and `thing` as schemas/thing.json in a new project folder. */
export function cacheProject(prefix: string, spec: string, thing: string): CacheProject {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'node_modules'));
  mkdirSync(path.join(dir, 'schemas'));
  const write = (file: string, text: string) => writeFileSync(path.join(dir, file), text);
  write('asyncapi.yaml', spec);
  write('schemas/thing.json', thing);
  return { spec: path.join(dir, 'asyncapi.yaml'), cache: (name) => path.join(dir, 'node_modules', '.cache', name), write };
}

/** The entries of a cache folder (none when it does not exist). */
export const entriesOf = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')) : []);
