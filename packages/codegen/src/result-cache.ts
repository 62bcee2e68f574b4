/**
 * The folder codegen keeps what it can reuse in (`node_modules/.cache/<name>/`, one file per entry
 * named by the sha256 of everything the entry depends on), shared by the AsyncAPI parser's
 * results (parse-contract.ts), the type generator's (generate.ts) and the AsyncAPI schema's
 * compiled validator (spec-schema-code.ts). An entry is written whole
 * and then renamed, so that a process reading it at the same time sees all of it or nothing; a
 * read marks it used; past a number of entries the least recently used go. A read-only or missing
 * `node_modules` only means nothing is reused. `SLUICE_PARSE_CACHE=0` turns every one of them off.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Whether codegen's caches are on (`SLUICE_PARSE_CACHE=0` turns them off: everything is computed again). */
export const cachesOn = (): boolean => process.env.SLUICE_PARSE_CACHE !== '0';

/** The nearest `node_modules` folder at or above `dir`, where the caches live; none outside a project. */
export function nodeModulesAbove(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) return path.join(at, 'node_modules');
    if (path.dirname(at) === at) return undefined;
  }
}

/** The cache folder `name` for a project at or below `dir`, or undefined when caches are off or no `node_modules` is above it. */
export function cacheFolderFor(dir: string, name: string): string | undefined {
  if (!cachesOn()) return undefined;
  const modules = nodeModulesAbove(dir);
  return modules ? path.join(modules, '.cache', name) : undefined;
}

/** The parsed entry at `file`, marked used; undefined when there is none or it is damaged (the next write replaces it). */
export function readEntry<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  let value: T;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
  try {
    const now = new Date();
    utimesSync(file, now, now); // used: the last to go when the folder is pruned
  } catch {
    // removed meanwhile by another process's pruning: what was read is whole
  }
  return value;
}

/** Writes `text` as the entry `file` (whole, then renamed), then keeps the `keep` most recently used entries of its folder. Never throws. */
export function writeEntry(file: string, text: string, keep: number): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, file);
    prune(path.dirname(file), keep);
  } catch {
    // A read-only node_modules: the next run computes it again.
  }
}

/** Keeps the `keep` most recently used entries of `dir` (written or read), removing the others. */
function prune(dir: string, keep: number): void {
  const entries = readdirSync(dir).filter((f) => !f.endsWith('.tmp'));
  if (entries.length <= keep) return;
  const byAge = entries
    .map((f) => {
      try {
        return { f, at: statSync(path.join(dir, f)).mtimeMs };
      } catch {
        return { f, at: 0 }; // removed by another process meanwhile
      }
    })
    .sort((a, b) => a.at - b.at);
  for (const { f } of byAge.slice(0, entries.length - keep)) rmSync(path.join(dir, f), { force: true });
}
