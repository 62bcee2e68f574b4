/**
 * The machinery of the entry-point tests (tests/entry-points for the framework's commands,
 * packages/orders/tests for the application's): each command spawned the way users run it, a few
 * at a time, and the checks of the one command-line convention (`@sluice/cli`) every entry point
 * follows.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

export interface EntryPoint {
  /** The npm script that runs it. */
  script: string;
  /** The file the script runs. */
  file: string;
  /** What users type; the usage line starts with it. */
  invocation: string;
  /** How messages name it. */
  name: string;
  /** For a bin (`npx <script>`): the folder of the workspace package that declares it. */
  binPackage?: string;
  /** A bad value for one of its real options; `name` is how the message names the (sub)command. */
  bad: { args: string[]; echoed: string; name?: string; invocation?: string };
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell: no npm script around the command, no debug switch, nothing local to reach. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  for (const name of ['npm_lifecycle_event', 'npm_lifecycle_script', 'npm_command', 'DEBUG', 'SLUICE_ENDPOINT']) delete env[name];
  // The project's Node and npm first, as `npx` and `npm run` need them.
  env.PATH = [path.join(root, 'node_modules', '.bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  return env;
}

export interface Run {
  command: string;
  args: string[];
  /** Close stdout before the program writes, like `| head -1` does. */
  closeStdout?: boolean;
  /** Variables to set (a value) or remove (undefined) in the user's environment. */
  env?: Record<string, string | undefined>;
  /** Where it runs. @default the repository's root */
  cwd?: string;
}

/**
 * An entry point's command line: `node <file> …`, a bin (`.js`), a script (`.mjs`) or a TypeScript
 * source (on Node's type stripping, as the npm scripts run them); `bash <file> …` for a shell
 * script (`sst:install`).
 */
export const entry = (ep: EntryPoint, ...args: string[]): Run => ({
  command: ep.file.endsWith('.sh') ? 'bash' : process.execPath,
  args: [ep.file, ...args],
});

function spawnRun(run: Run): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env = userEnv();
    for (const [name, value] of Object.entries(run.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const child = spawn(run.command, run.args, { cwd: run.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    if (run.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `tasks` with at most `limit` at once, in order of the results. */
async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * The processes of one test file, by a key: schedule them at load, {@link EntryPointRuns.runAll}
 * in `beforeAll` (4 at a time), read each result in the tests.
 */
export function entryPointRuns() {
  const runs = new Map<string, Run>();
  const results = new Map<string, Result>();
  return {
    schedule: (key: string, run: Run) => void runs.set(key, run),
    result(key: string): Result {
      const r = results.get(key);
      if (!r) throw new Error(`no result for ${key}`);
      return r;
    },
    /** Schedules the four cases every entry point answers: an unknown flag, a bad value, --help, --version. */
    scheduleConvention(ep: EntryPoint) {
      runs.set(`${ep.script} unknown`, entry(ep, '--frobnicate'));
      runs.set(`${ep.script} bad`, entry(ep, ...ep.bad.args));
      runs.set(`${ep.script} help`, entry(ep, '--help'));
      runs.set(`${ep.script} version`, entry(ep, '--version'));
    },
    /** Registers a `beforeAll` that runs every scheduled process. */
    runAllBeforeAll() {
      beforeAll(async () => {
        const keys = [...runs.keys()];
        const done = await inParallel(
          keys.map((key) => () => spawnRun(runs.get(key)!)),
          4,
        );
        keys.forEach((key, i) => results.set(key, done[i]!));
      }, 180_000);
    },
  };
}
export type EntryPointRuns = ReturnType<typeof entryPointRuns>;

export const STACK = /^\s+at /m;
export const CLASS_NAME = /\b[A-Z][A-Za-z]*Error\b/;
export const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
export const lines = (text: string) => text.trimEnd().split('\n');
export const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A usage error: one line, then the pointer, exit 2, nothing on stdout, no stack. */
export function expectUsageError(r: Result, name: string, invocation: string, first: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).not.toMatch(CLASS_NAME);
  const [message, pointer, ...rest] = lines(r.stderr);
  expect(message).toMatch(new RegExp(`^${escape(name)}: `));
  expect(message).toMatch(first);
  expect(pointer).toBe(`Run \`${invocation} --help\` for usage.`);
  expect(rest).toEqual([]);
}

/** The convention's tests for each of `entryPoints` (scheduled with {@link EntryPointRuns.scheduleConvention}). */
export function describeConvention(entryPoints: readonly EntryPoint[], { result }: EntryPointRuns): void {
  describe.each(entryPoints)('$invocation ($file)', (ep) => {
  it('is what users type: the npm script (or bin) runs this file', () => {
    if (ep.invocation.startsWith('npx ')) {
      const declaring = JSON.parse(readFileSync(path.join(root, ep.binPackage!, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      expect(path.join(ep.binPackage!, declaring.bin[ep.script]!)).toBe(ep.file);
      expect(existsSync(path.join(root, 'node_modules', '.bin', ep.script))).toBe(true);
    }
    expect(ep.invocation).toBe(ep.invocation.startsWith('npx ') ? `npx ${ep.script}` : ep.script === 'start' ? 'npm start --' : `npm run ${ep.script} --`);
    expect(pkg.scripts[ep.script]).toContain(ep.file);
  });

  it('refuses an unknown flag in one line, with the --help pointer, exit 2', () => {
    expectUsageError(result(`${ep.script} unknown`), ep.name, ep.invocation, /: unknown option --frobnicate\b/);
  });

  it(`refuses a bad value, echoing it, exit 2`, () => {
    expectUsageError(result(`${ep.script} bad`), ep.bad.name ?? ep.name, ep.bad.invocation ?? ep.invocation, new RegExp(escape(ep.bad.echoed)));
  });

  it('answers --help with the usage line as users type it', () => {
    const r = result(`${ep.script} help`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)[0]).toMatch(new RegExp(`^Usage: ${escape(ep.invocation)}( |$)`));
  });

  it('answers --version with a semver', () => {
    const r = result(`${ep.script} version`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(SEMVER);
  });
});
}
