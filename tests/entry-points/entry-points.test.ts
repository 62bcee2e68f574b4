/**
 * Every entry point of the project, spawned the way users run it, follows one command-line
 * convention (`@sluice/cli`): an unknown flag or a bad value is one line naming the mistake (the
 * bad value echoed), then a pointer to `--help`, exit 2, no stack trace, nothing on stdout;
 * `--help` shows the usage as the user types it; `--version` prints a semver.
 *
 * Nearly 60 processes of half a second to two seconds each: they run in parallel, a few at a
 * time, before the assertions. No case starts a server, runs codegen or reaches the network.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

interface EntryPoint {
  /** The npm script that runs it. */
  script: string;
  /** The file the script runs. */
  file: string;
  /** What users type; the usage line starts with it. */
  invocation: string;
  /** How messages name it. */
  name: string;
  /** A bad value for one of its real options; `name` is how the message names the (sub)command. */
  bad: { args: string[]; echoed: string; name?: string; invocation?: string };
}

const ENTRY_POINTS: EntryPoint[] = [
  { script: 'orders', file: 'packages/orders/bin/orders.js', invocation: 'npx orders', name: 'orders', bad: { args: ['publish', '--count', 'x'], echoed: '"x"', name: 'orders publish', invocation: 'npx orders publish' } },
  { script: 'start', file: 'packages/local/src/bin/start.ts', invocation: 'npm start --', name: 'start', bad: { args: ['--port', 'abc'], echoed: '"abc"' } },
  { script: 'subscriber', file: 'packages/local/src/bin/subscriber.ts', invocation: 'npm run subscriber --', name: 'subscriber', bad: { args: ['--concurrency', 'lots'], echoed: '"lots"' } },
  { script: 'demo', file: 'packages/orders/bin/demo.ts', invocation: 'npm run demo --', name: 'demo', bad: { args: ['--port', 'abc'], echoed: '"abc"' } },
  { script: 'codegen', file: 'packages/codegen/src/cli.ts', invocation: 'npm run codegen --', name: 'codegen', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:diff', file: 'packages/governance/src/diff-cli.ts', invocation: 'npm run contract:diff --', name: 'contract:diff', bad: { args: ['--mode', 'sideways'], echoed: '"sideways"' } },
  { script: 'contract:release', file: 'packages/governance/src/release-cli.ts', invocation: 'npm run contract:release --', name: 'contract:release', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:lint', file: 'packages/governance/src/lint-cli.ts', invocation: 'npm run contract:lint --', name: 'contract:lint', bad: { args: ['no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:validate', file: 'packages/governance/src/validate-cli.ts', invocation: 'npm run contract:validate --', name: 'contract:validate', bad: { args: ['packages/governance/tests/samples', '--message', 'NoSuchMessage'], echoed: '"NoSuchMessage"' } },
  { script: 'docs', file: 'packages/governance/src/docs-cli.ts', invocation: 'npm run docs --', name: 'docs', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'diagram', file: 'packages/governance/src/topology-picture.ts', invocation: 'npm run diagram --', name: 'diagram', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'infra:plan', file: 'packages/infra/src/plan/cli.ts', invocation: 'npm run infra:plan --', name: 'infra:plan', bad: { args: ['--stage', 'a b'], echoed: '"a b"' } },
  { script: 'bench', file: 'scripts/bench/cli.ts', invocation: 'npm run bench --', name: 'bench', bad: { args: ['--only', '9'], echoed: '"9"' } },
];

interface Result {
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

interface Run {
  command: string;
  args: string[];
  /** Close stdout before the program writes, like `| head -1` does. */
  closeStdout?: boolean;
}

/** An entry point's command line: `node packages/orders/bin/orders.js …` (the bin), else `node --import tsx <file> …` (as tsx runs the npm script). */
const entry = (ep: EntryPoint, ...args: string[]): Run => ({
  command: process.execPath,
  args: ep.file.endsWith('.js') ? [ep.file, ...args] : ['--import', 'tsx', ep.file, ...args],
});

function spawnRun(run: Run): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, run.args, { cwd: root, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, killSignal: 'SIGKILL' });
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

// Every process to run, by a key; `beforeAll` runs them all, the tests read the results.
const runs = new Map<string, Run>();
const results = new Map<string, Result>();
const schedule = (key: string, run: Run) => runs.set(key, run);
const result = (key: string): Result => {
  const r = results.get(key);
  if (!r) throw new Error(`no result for ${key}`);
  return r;
};

for (const ep of ENTRY_POINTS) {
  schedule(`${ep.script} unknown`, entry(ep, '--frobnicate'));
  schedule(`${ep.script} bad`, entry(ep, ...ep.bad.args));
  schedule(`${ep.script} help`, entry(ep, '--help'));
  schedule(`${ep.script} version`, entry(ep, '--version'));
}
const orders = ENTRY_POINTS[0]!;
schedule('orders publish unknown', entry(orders, 'publish', '--frobnicate'));
schedule('orders help publish', entry(orders, 'help', 'publish'));
schedule('orders help dlq list', entry(orders, 'help', 'dlq', 'list'));
schedule('orders dlq --version', entry(orders, 'dlq', '--version'));
schedule('orders list, no stack', entry(orders, 'list', '--endpoint', 'http://127.0.0.1:9'));
schedule('orders list, no stack, --debug', entry(orders, 'list', '--endpoint', 'http://127.0.0.1:9', '--debug'));
schedule('orders --help, stdout closed', { ...entry(orders, '--help'), closeStdout: true });
schedule('npx orders --help', { command: path.join(root, 'node_modules', '.bin', 'npx'), args: ['--no-install', 'orders', '--help'] });
schedule('npm run orders -- --help', { command: path.join(root, 'node_modules', '.bin', 'npm'), args: ['run', 'orders', '--', '--help'] });

beforeAll(async () => {
  const keys = [...runs.keys()];
  const done = await inParallel(
    keys.map((key) => () => spawnRun(runs.get(key)!)),
    4,
  );
  keys.forEach((key, i) => results.set(key, done[i]!));
}, 180_000);

const STACK = /^\s+at /m;
const CLASS_NAME = /\b[A-Z][A-Za-z]*Error\b/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const lines = (text: string) => text.trimEnd().split('\n');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A usage error: one line, then the pointer, exit 2, nothing on stdout, no stack. */
function expectUsageError(r: Result, name: string, invocation: string, first: RegExp) {
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

describe.each(ENTRY_POINTS)('$invocation ($file)', (ep) => {
  it('is what users type: the npm script (or bin) runs this file', () => {
    if (ep.invocation.startsWith('npx ')) {
      const app = JSON.parse(readFileSync(path.join(root, 'packages', 'orders', 'package.json'), 'utf8')) as { bin: Record<string, string> };
      expect(path.join('packages', 'orders', app.bin[ep.script]!)).toBe(ep.file);
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

describe('npx orders', () => {
  it('refuses an unknown flag of a command, listing its options and pointing at its help', () => {
    expectUsageError(result('orders publish unknown'), 'orders publish', 'npx orders publish', /^orders publish: unknown option --frobnicate: npx orders publish takes --order-id, /);
  });

  it('prints a command’s own help for `help <command>`, at any depth', () => {
    expect(result('orders help publish')).toMatchObject({ code: 0, stderr: '' });
    expect(lines(result('orders help publish').stdout)[0]).toBe('Usage: npx orders publish [options]');
    expect(result('orders help publish').stdout).toContain('--item-name <name>');
    expect(lines(result('orders help dlq list').stdout)[0]).toBe('Usage: npx orders dlq list [options]');
  });

  it('prints its version at every level', () => {
    expect(result('orders version').stdout.trim()).toMatch(SEMVER);
    expect(result('orders dlq --version')).toMatchObject({ code: 0, stdout: result('orders version').stdout });
  });

  it('says what is wrong and to start the stack when nothing listens, without a class name or a stack; exit 1', () => {
    const r = result('orders list, no stack');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const [cause, next, ...rest] = lines(r.stderr);
    expect(cause).toBe('orders list: no local stack answers at http://127.0.0.1:9');
    expect(next).toMatch(/^Start it .*`npm start`/);
    expect(rest).toEqual([]);
    expect(r.stderr).not.toMatch(CLASS_NAME);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('adds the stack with --debug', () => {
    const r = result('orders list, no stack, --debug');
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r.stderr)[0]).toMatch(/^orders list: no local stack answers/);
    expect(r.stderr).toMatch(STACK);
  });

  it('exits quietly when its reader has gone (`npx orders list | head -1`)', () => {
    expect(result('orders --help, stdout closed')).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
  });

  it('is a real bin: `npx orders --help` works from the repository root', () => {
    const r = result('npx orders --help');
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0]).toBe('Usage: npx orders <command> [options]');
  });

  it('names itself `npm run orders --` when run by `npm run orders -- …`', () => {
    const r = result('npm run orders -- --help');
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).find((l) => l.startsWith('Usage: '))).toBe('Usage: npm run orders -- <command> [options]');
    expect(r.stdout).toContain('Run `npm run orders -- help <command>`');
  });
});
