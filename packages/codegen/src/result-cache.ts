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
import { randomUUID } from 'node:crypto';
import { threadId } from 'node:worker_threads';

/** Whether codegen's caches are on (`SLUICE_PARSE_CACHE=0` turns them off: everything is computed again). */
export const cachesOn = (): boolean => process.env.SLUICE_PARSE_CACHE !== '0';

/** The nearest `node_modules` folder at or above `dir`, where the caches live; none outside a project. */
export function nodeModulesAbove(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) return path.join(at, 'node_modules');
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * The top-level `node_modules` of the installation holding `file` (a file of an installed
 * package): the `node_modules` it is in, or, when that one is a package's own (npm's nested
 * `node_modules/<package>/node_modules`) or an entry of pnpm's store
 * (`node_modules/.pnpm/<entry>/node_modules`), the one that holds that package or store; undefined
 * when `file` is in no `node_modules`. A project under another's `node_modules/.cache` (a test's
 * copy) is an installation of its own.
 *
 * @example
 * ```ts
 * import { installationNodeModules } from './result-cache.ts';
 *
 * installationNodeModules('/app/node_modules/.pnpm/@asyncapi+parser@3.6.6/node_modules/@asyncapi/parser/cjs/index.js'); // '/app/node_modules'
 * installationNodeModules('/app/node_modules/@asyncapi/parser/cjs/index.js'); // '/app/node_modules'
 * ```
 */
export function installationNodeModules(file: string): string | undefined {
  const parts = path.resolve(file).split(path.sep);
  let at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  for (;;) {
    // The folders holding the node_modules at `at`, nearest first: a package, a pnpm store entry, or the project.
    const [holder, above, aboveThat] = [parts[at - 1], parts[at - 2], parts[at - 3]];
    // node_modules/<package>/node_modules (and pnpm's node_modules/.pnpm/node_modules)
    if (above === 'node_modules' && holder !== undefined && (!holder.startsWith('.') || holder === '.pnpm')) at -= 2;
    // node_modules/@scope/<package>/node_modules, node_modules/.pnpm/<entry>/node_modules
    else if (aboveThat === 'node_modules' && above !== undefined && (above.startsWith('@') || above === '.pnpm')) at -= 3;
    else break;
  }
  return parts.slice(0, at + 1).join(path.sep);
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

/**
 * How old a temporary file must be for pruning to remove it: a process that died between its
 * write and its rename left it (one whose write or rename failed removes its own). A write in
 * flight takes milliseconds, so one this old is nobody's.
 */
const STALE_TEMPORARY_MS = 10 * 60 * 1000;

/**
 * Writes `text` as the entry `file` (whole, then renamed), then keeps the `keep` most recently used
 * entries of its folder. Never throws: where it cannot write, nothing is kept, and a temporary file
 * it wrote is removed.
 *
 * @example
 * ```ts
 * import { writeEntry } from './result-cache.ts';
 *
 * writeEntry('node_modules/.cache/sluice-types/0a1b….json', JSON.stringify({ types: [] }), 500);
 * ```
 */
export function writeEntry(file: string, text: string, keep: number): void {
  // Of this write alone: worker threads share the pid, and a failed write removes its own file.
  const partial = `${file}.${process.pid}.${threadId}.${randomUUID()}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch {
    // A read-only node_modules, a full disk, a folder where the entry would be: the next run computes it again.
    try {
      rmSync(partial, { force: true });
    } catch {
      // Not removable either (a folder made read-only meanwhile): pruning removes it once it is stale.
    }
    return;
  }
  try {
    prune(path.dirname(file), keep);
  } catch {
    // The folder changed under it (another process pruning): the next write prunes again.
  }
}

/**
 * Keeps the `keep` most recently used entries of `dir` (written or read), removing the others, and
 * removes the temporary files older than {@link STALE_TEMPORARY_MS}.
 */
function prune(dir: string, keep: number): void {
  const names = readdirSync(dir);
  const ageOf = (f: string) => {
    try {
      return statSync(path.join(dir, f)).mtimeMs;
    } catch {
      return 0; // removed by another process meanwhile
    }
  };
  const staleBefore = Date.now() - STALE_TEMPORARY_MS;
  for (const f of names.filter((f) => f.endsWith('.tmp'))) {
    if (ageOf(f) < staleBefore) rmSync(path.join(dir, f), { force: true });
  }
  const entries = names.filter((f) => !f.endsWith('.tmp'));
  if (entries.length <= keep) return;
  const byAge = entries.map((f) => ({ f, at: ageOf(f) })).sort((a, b) => a.at - b.at);
  for (const { f } of byAge.slice(0, entries.length - keep)) rmSync(path.join(dir, f), { force: true });
}
