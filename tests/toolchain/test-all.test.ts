/**
 * `npm test` (scripts/test-all.mjs), run on a copy of the script in a folder where `npm` and vitest
 * are stand-ins that write down how they were called: which steps ran, with what arguments. And
 * its `vitest run`, the real one: what it started has ended when it ends.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Copy {
  dir: string;
  /** The `npm run` calls, one line each: the arguments. */
  npmCalls(): string[];
  /** The vitest calls, one line each: the arguments. */
  vitestCalls(): string[];
}

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** test-all.mjs in a folder of its own, with a stand-in `npm` on the PATH and a stand-in vitest. */
function copyOfTestAll(): Copy {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-all-'));
  copies.push(dir);
  mkdirSync(path.join(dir, 'scripts'));
  copyFileSync(path.join(root, 'scripts/test-all.mjs'), path.join(dir, 'scripts/test-all.mjs'));
  mkdirSync(path.join(dir, 'bin'));
  const npm = path.join(dir, 'bin/npm');
  // ORPHAN_SECONDS: typecheck leaves a process behind (its parent gone), running that long.
  writeFileSync(npm, `#!/bin/sh\necho "$*" >> "${dir}/npm-calls"\nif [ "$3" = typecheck ] && [ -n "$ORPHAN_SECONDS" ]; then (sleep "$ORPHAN_SECONDS" </dev/null >/dev/null 2>&1 &); fi\n`);
  chmodSync(npm, 0o755);
  mkdirSync(path.join(dir, 'node_modules/vitest'), { recursive: true });
  writeFileSync(
    path.join(dir, 'node_modules/vitest/vitest.mjs'),
    `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(path.join(dir, 'vitest-calls'))}, process.argv.slice(2).join(' ') + '\\n');
process.stdout.write('vitest stand-in: ' + process.argv.slice(2).join(' ') + '\\n');
`,
  );
  const lines = (file: string) => (existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean) : []);
  return { dir, npmCalls: () => lines('npm-calls'), vitestCalls: () => lines('vitest-calls') };
}

/** Runs the copy with these arguments, as `npm test -- <args>` runs the script, in a process group of its own (`pid`). */
function testAll(copy: Copy, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(copy.dir, 'bin')}${path.delimiter}${process.env.PATH}`, ...extraEnv };
  delete env.TEST_SERIAL;
  const child = spawn(process.execPath, [path.join(copy.dir, 'scripts/test-all.mjs'), ...args], { cwd: copy.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! })));
}

describe('npm test', () => {
  it('runs the checks, then passes its arguments to vitest run', async () => {
    const copy = copyOfTestAll();
    const result = await testAll(copy, ['packages/local', '-t', 'one name']);
    expect(result.code, result.stderr).toBe(0);
    expect(copy.npmCalls().sort()).toEqual(['codegen:check', 'contract:diff', 'sst:install', 'typecheck', 'typecheck:infra'].map((s) => `run --silent ${s}`).sort());
    expect(copy.vitestCalls()).toEqual(['run packages/local -t one name']);
    expect(result.stdout).toMatch(/npm test: sst:install ok, codegen:check ok, contract:diff ok, typecheck ok, typecheck:infra ok, vitest run ok\n$/);
  });

  it.each([{ args: ['--help'] }, { args: ['-h'] }, { args: ['packages/local', '--help', '--coverage'] }])('$args answers at once: its steps in order, where the arguments go, then vitest run\'s help; no check runs', async ({ args }) => {
    const copy = copyOfTestAll();
    const result = await testAll(copy, args);
    expect(result.code, result.stderr).toBe(0);
    expect(copy.npmCalls()).toEqual([]);
    expect(copy.vitestCalls()).toEqual([['run', '--help', ...args.filter((a) => a !== '--help' && a !== '-h')].join(' ')]);
    expect(result.stdout).toMatch(/^Usage: npm test \[-- <arguments for vitest run>\]\n/);
    expect(result.stdout).toContain('1. npm run sst:install (a no-op once done), with npm run codegen:check and npm run contract:diff beside it;\n');
    expect(result.stdout).toContain('2. then, side by side: npm run typecheck, npm run typecheck:infra and vitest run.\n');
    expect(result.stdout).toContain('The arguments after -- go to vitest run, unchanged');
    expect(result.stdout).toMatch(/vitest run's options \(what npx vitest run --help prints\):\n\nvitest stand-in: run --help/);
  });

  it.each([['--version'], ['-v']])('%s prints vitest\'s version, nothing else run', async (flag) => {
    const copy = copyOfTestAll();
    const result = await testAll(copy, [flag]);
    expect(result.code, result.stderr).toBe(0);
    expect(copy.npmCalls()).toEqual([]);
    expect(copy.vitestCalls()).toEqual(['--version']);
    expect(result.stdout).toBe('vitest stand-in: --version\n');
  });
});

/** The processes of process group `pgid` (zombies too, marked `<defunct>`), from /proc. */
function processGroup(pgid: number): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push(`${name} ${args || `[${stat.slice(stat.indexOf('(') + 1, close)}] <defunct>`}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.runIf(existsSync('/proc/self/stat'))("npm test's vitest run", () => {
  it('leaves nothing of its process group behind: its watchdog has ended before it does', async () => {
    // The project's vitest on one quick file, in a process group of its own (as npm test is in a terminal).
    const vitest = spawn(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--no-cache', 'packages/cli/tests/line-splitter.test.ts'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    vitest.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    vitest.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => vitest.once('close', resolve));
    const left = processGroup(vitest.pid!);
    expect(code, output).toBe(0);
    expect(left).toEqual([]);
  }, 60_000);
});

describe.runIf(existsSync('/proc/self/stat'))('npm test, when a step leaves a process behind', () => {
  it('ends only once that process has ended, when it does so by itself', async () => {
    const copy = copyOfTestAll();
    const result = await testAll(copy, [], { ORPHAN_SECONDS: '1' });
    // Reaped too where init reaps within the 5 s (here, 1 to 2 s); a zombie has ended all the same.
    const left = processGroup(result.pid).filter((p) => !p.endsWith('<defunct>'));
    expect(result.code, result.stderr).toBe(0);
    expect(left).toEqual([]);
  }, 30_000);

  it('names it, kills it and fails when it still runs 5 s after the steps ended', async () => {
    const copy = copyOfTestAll();
    const result = await testAll(copy, [], { ORPHAN_SECONDS: '60' });
    const running = processGroup(result.pid).filter((p) => !p.endsWith('<defunct>'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^npm test failed: still running 5 s after its steps ended, in its process group, now killed \(a step or a test started it and did not stop it\):\n {2}\d+ sleep 60\n$/);
    expect(result.stdout).toMatch(/vitest run ok\n$/);
    expect(running).toEqual([]);
  }, 30_000);
});
