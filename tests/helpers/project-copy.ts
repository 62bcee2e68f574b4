/**
 * A copy of this project in a temporary folder, as a fresh clone of the working tree would have
 * it (what git tracks or would track: nothing ignored), where a test can edit the contract, the consumers or the settings as a user would and
 * run the project's commands, without touching the real tree.
 *
 * `node_modules` is not copied: it is a folder of links to the real one's entries, except that the
 * workspace packages (`@sluice/*`, `@orders/*`) point into the copy, so that `@orders/contract` is the copy's
 * own generated code. `.sst` links to the real one (the offline SST platform).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode, type RunResult } from './start-node.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The scopes of the workspace packages: the framework's and the application's. */
const WORKSPACE_SCOPES = ['@sluice', '@orders'];

export interface ProjectCopy {
  readonly dir: string;
  read(file: string): string;
  write(file: string, content: string): void;
  /** Replaces `search` in `file` exactly once (else throws: the edit would prove nothing). */
  replace(file: string, search: string, replacement: string): void;
  remove(file: string): void;
  /** Copies a file or folder of the real tree (e.g. a fixture) to `to` in the copy. */
  copyIn(from: string, to: string): void;
  /** Runs a TypeScript entry point of the copy with Node (its type stripping, as the npm scripts do), in the copy. */
  run(script: string, args?: readonly string[], options?: RunOptions): SpawnSyncReturns<string>;
  /**
   * {@link ProjectCopy.run} without blocking this process: several commands of the copy (and the
   * test's own work) can then run at the same time. Resolves when the command has exited.
   */
  start(script: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  dispose(): void;
}

export interface RunOptions {
  /** Killed (SIGTERM) after this long. @default 120_000 */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** How a command of the copy ended, as {@link ProjectCopy.run} reports it. */
export type { RunResult };

/** What {@link copyProject} copies besides the project as it is. */
export interface CopyOptions {
  /**
   * A fixture system's folder (relative to the repository, e.g. `tests/fixtures/shop`) that
   * replaces the application in the copy before anything else: the contract (asyncapi.yaml), its
   * schemas/, the consumers and settings (packages/orders/consumers, packages/orders/src) and
   * released/ are removed; the fixture's asyncapi.yaml, its schemas/ (when it has one) and its app/
   * (consumers/, src/) take their places. sst.config.ts, the framework and the commands stay the
   * project's own; generated/ is stale until codegen runs in the copy.
   */
  application?: string;
}

/** The application's files that {@link CopyOptions.application} replaces. */
const APPLICATION_FILES = ['asyncapi.yaml', 'schemas', 'packages/orders/consumers', 'packages/orders/src', 'released'];

/**
 * @example
 * const copy = copyProject();
 * copy.replace('asyncapi.yaml', 'maxReceiveCount: 3', 'maxReceiveCount: 5');
 * copy.run('packages/codegen/src/cli.ts');
 * const [check, tsc] = await Promise.all([copy.start('packages/codegen/src/cli.ts', ['--check']), copy.start('node_modules/typescript/bin/tsc', ['--noEmit'])]);
 * // A second system: the contract, consumers and settings are the fixture's.
 * const shop = copyProject({ application: 'tests/fixtures/shop' });
 */
export function copyProject(options: CopyOptions = {}): ProjectCopy {
  const dir = mkdtempSync(path.join(tmpdir(), 'orders-copy-'));
  const tracked = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of tracked) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    try {
      cpSync(path.join(root, file), path.join(dir, file));
    } catch {
      // Tracked but deleted in the working tree: a fresh clone of the next commit would not have it either.
    }
  }
  // node_modules: links to the real entries; the workspace packages resolve into the copy.
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (WORKSPACE_SCOPES.includes(entry)) continue;
    symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  for (const scope of WORKSPACE_SCOPES) {
    mkdirSync(path.join(modules, scope));
    for (const pkg of readdirSync(path.join(root, 'node_modules', scope))) {
      const target = readlinkSync(path.join(root, 'node_modules', scope, pkg));
      symlinkSync(target, path.join(modules, scope, pkg));
    }
  }
  symlinkSync(path.join(root, '.sst'), path.join(dir, '.sst'));
  // A repository of its own (nothing committed): the project's tests that copy the project in
  // turn (run in the copy by tests/framework/readme-steps.test.ts) list its files as here.
  spawnSync('git', ['init', '-q'], { cwd: dir });

  const at = (file: string) => path.join(dir, file);
  if (options.application) {
    const fixture = path.resolve(root, options.application);
    for (const file of APPLICATION_FILES) rmSync(at(file), { recursive: true, force: true });
    cpSync(path.join(fixture, 'asyncapi.yaml'), at('asyncapi.yaml'));
    if (existsSync(path.join(fixture, 'schemas'))) cpSync(path.join(fixture, 'schemas'), at('schemas'), { recursive: true });
    cpSync(path.join(fixture, 'app'), at('packages/orders'), { recursive: true });
  }
  return {
    dir,
    read: (file) => readFileSync(at(file), 'utf8'),
    write(file, content) {
      mkdirSync(path.dirname(at(file)), { recursive: true });
      writeFileSync(at(file), content);
    },
    replace(file, search, replacement) {
      const text = readFileSync(at(file), 'utf8');
      if (text.split(search).length !== 2) throw new Error(`${file} does not contain "${search}" exactly once`);
      writeFileSync(at(file), text.replace(search, replacement));
    },
    remove: (file) => rmSync(at(file), { recursive: true, force: true }),
    copyIn: (from, to) => cpSync(path.resolve(root, from), at(to), { recursive: true }),
    run: (script, args = [], options = {}) =>
      spawnSync(process.execPath, [script, ...args], {
        cwd: dir,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 120_000,
        env: { ...process.env, ...options.env },
      }),
    start: (script, args = [], options = {}) => startNode([script, ...args], { cwd: dir, timeout: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env } }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
