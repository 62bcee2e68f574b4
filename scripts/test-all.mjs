#!/usr/bin/env node
/**
 * `npm test`: `sst:install` first (a no-op once done; the infrastructure tests and checks read
 * what it writes; on a fresh clone it mostly waits on the npm registry, so the checks that do not
 * read it, codegen:check and contract:diff, run beside it), then the other static checks
 * (typecheck, typecheck:infra) and `vitest run`, all of them, side by side instead of one after
 * the other.
 *
 * The suite spends much of its time waiting (visibility timeouts, child processes starting) with
 * a core idle; the checks fill it. (Not at a lower priority: when the machine is busy with
 * other work they would then wait for the end of the tests, and finish after them.) Each check's output is printed once it ends (its own lines
 * together, never mixed with another's); vitest's as it comes. The exit status is non-zero when
 * any of them failed, and the summary at the end names which: exactly what the former chain
 * `a && b && … && vitest run` checked, except that a failing check no longer hides the rest.
 *
 * It ends once what its steps left behind in its process group has ended too, 5 s at most: what
 * still runs then is named, killed, and fails the run ({@link leftRunning}). Such a process is told
 * from the shell's other commands by its parent, outside the group once its own parent ended (init,
 * a subreaper): where the shell that runs `npm test` is itself the first process of a container (no
 * init), it adopts them, and they are not checked here (each test file's own check still is).
 *
 * Arguments go to vitest (`npm test -- packages/local`). `TEST_SERIAL=1` runs the checks first
 * and vitest after them, as before. `--help` (`-h`) and `--version` (`-v`) answer at once, nothing
 * run: {@link HELP}, then vitest's own help; vitest's version.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Node's compile cache (V8's code cache of every module loaded, kept on disk and checked against
 * each module's source) for every process of the run: the checks, vitest, its workers and the
 * hundreds of commands the tests start (each loading the AWS SDK, the AsyncAPI parser,
 * TypeScript…), which would otherwise compile the same modules again each time. Tests only: the
 * commands users run are left as Node starts them. `NODE_COMPILE_CACHE` set by the caller wins.
 */
const COMPILE_CACHE = path.join(root, 'node_modules', '.cache', 'node-compile-cache');
const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE };

/**
 * Runs first, alone: SST's platform (.sst/platform), which the infrastructure tests, typecheck:infra
 * and the infra examples of typecheck read. On a fresh clone it takes a few tens of seconds; after
 * that it is a no-op. Anything reading .sst/platform while it is being written fails at random.
 */
const FIRST = 'sst:install';

/** Run beside {@link FIRST}: they read neither .sst/platform nor what the others write. */
const BESIDE_FIRST = [['codegen:check', 'contract:diff']];

/** Groups run side by side after {@link FIRST}; the scripts of one group run in order, stopping at the first failure. */
const GROUPS = [['typecheck'], ['typecheck:infra']];

/**
 * How long the processes the steps left behind get to end by themselves once the steps have ended.
 * A process whose parent exited first (the esbuild service of a test worker Vitest stopped) ends at
 * once, then waits as a zombie until init reaps it: 1 to 2 s on the CI machines, at once elsewhere.
 */
const LEFT_GRACE_MS = 5_000;

const vitestCli = path.join(root, 'node_modules/vitest/vitest.mjs');
const args = process.argv.slice(2);

/** What `npm test -- --help` prints before vitest's own options: the steps in order and where the arguments go. */
const HELP = `Usage: npm test [-- <arguments for vitest run>]

Runs the static checks and the test suite, as CI does:
  1. npm run ${FIRST} (a no-op once done), with ${BESIDE_FIRST.flat().map((s) => `npm run ${s}`).join(' and ')} beside it;
  2. then, side by side: ${GROUPS.map((g) => g.map((s) => `npm run ${s}`).join(' then ')).join(', ')} and vitest run.
Each check's output is printed when it ends, vitest's as it comes. The last line says of each step
ok, FAILED or not run; the exit status is 1 when any failed. Nothing after ${FIRST} runs when it failed.
A process a step leaves running ${LEFT_GRACE_MS / 1000} s after the steps ended is named, killed, and fails the run
(one whose parent ended is found once handed outside this process group, to init or a subreaper; Linux only).

The arguments after -- go to vitest run, unchanged; the checks run whatever they are:
  npm test -- packages/local                            the test files under packages/local
  npm test -- packages/cli/tests/kit.test.ts -t runCli  the tests of that file whose name has runCli
Without the checks: npx vitest run <files>, or npm run test:unit (the unit files).

Environment:
  TEST_SERIAL=1          the checks first, then vitest run only if they all passed
  VITEST_MAX_WORKERS=<n> test files at once (default: one more than the cores, at least 3)
  NODE_COMPILE_CACHE     Node's compile cache of every process of the run
                         (default: node_modules/.cache/node-compile-cache)

Options (answered at once, nothing else is run):
  -h, --help     this, then vitest run's options (npm test -- --help --coverage: vitest's help on one)
  -v, --version  vitest's version
`;

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${HELP}\nvitest run's options (what npx vitest run --help prints):\n\n`);
  const shown = await run(process.execPath, [vitestCli, 'run', '--help', ...args.filter((a) => a !== '--help' && a !== '-h')], false);
  process.exit(shown.code);
}
if (args.includes('--version') || args.includes('-v')) process.exit((await run(process.execPath, [vitestCli, '--version'], false)).code);

/** Runs a command; `capture` keeps its output (both streams, in order) instead of passing it through. */
function run(command, args, capture) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
    }
    child.once('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n`, ms: Date.now() - started }));
    child.once('close', (code, signal) => resolve({ code: code ?? 1, signal, output, ms: Date.now() - started }));
  });
}

/** `/proc/<pid>/stat` of a process, zombies included; undefined when it is gone or there is no /proc. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/**
 * What the run left behind: the processes of this process group, started after this one, whose
 * parent is not of the group: a process whose parent exited is handed to init (or a subreaper),
 * while what else runs in the group (a shell's other commands) has its parent there. Zombies
 * included. Empty where there is no /proc.
 */
function leftBehind() {
  const self = procStat(process.pid);
  if (!self) return [];
  let names;
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const left = [];
  for (const name of names) {
    const p = procStat(name);
    if (!p || p.pid === self.pid || p.pgrp !== self.pgrp || p.start < self.start || procStat(p.ppid)?.pgrp === self.pgrp) continue;
    let args = '';
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // gone meanwhile
    }
    left.push({ ...p, args });
  }
  return left;
}

/**
 * Waits, at most {@link LEFT_GRACE_MS}, until nothing the run left behind remains; then kills
 * those still running (zombies have ended: only init's reaping is left of them) and returns them.
 */
async function leftRunning() {
  const deadline = Date.now() + LEFT_GRACE_MS;
  for (;;) {
    const left = leftBehind();
    if (left.length === 0) return [];
    if (Date.now() >= deadline) {
      const running = left.filter((p) => p.state !== 'Z');
      for (const p of running) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // ended meanwhile
        }
      }
      return running;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const serial = process.env.TEST_SERIAL === '1';
const results = [];

async function group(scripts) {
  for (const script of scripts) {
    const result = await run(npm, ['run', '--silent', script], true);
    results.push({ name: script, ...result });
    process.stdout.write(`\n> npm run ${script} (${(result.ms / 1000).toFixed(1)} s)${result.code === 0 ? '' : `: FAILED (exit ${result.code})`}\n${result.output}`);
    if (result.code !== 0) {
      for (const skipped of scripts.slice(scripts.indexOf(script) + 1)) results.push({ name: skipped, code: 1, skipped: true, ms: 0 });
      return;
    }
  }
}

const beside = Promise.all(BESIDE_FIRST.map(group));
if (serial) await beside;
await group([FIRST]);
const installed = results.find((r) => r.name === FIRST)?.code === 0;
const checks = installed
  ? Promise.all([beside, ...GROUPS.map(group)])
  : beside.then(() => GROUPS.flat().forEach((name) => results.push({ name, code: 1, skipped: true, ms: 0 })));
if (serial) await checks;
const vitest =
  !installed || (serial && results.some((r) => r.code !== 0))
    ? results.push({ name: 'vitest run', code: 1, skipped: true, ms: 0 })
    : run(process.execPath, [vitestCli, 'run', ...args], false).then((r) => results.push({ name: 'vitest run', ...r }));
await Promise.all([checks, vitest]);
const left = await leftRunning();

const order = [FIRST, ...BESIDE_FIRST.flat(), ...GROUPS.flat(), 'vitest run'];
results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
const failed = results.filter((r) => r.code !== 0);
process.stdout.write(`\nnpm test: ${results.map((r) => `${r.name} ${r.skipped ? 'not run' : r.code === 0 ? 'ok' : 'FAILED'}`).join(', ')}\n`);
if (left.length) {
  process.stderr.write(
    `npm test failed: still running ${LEFT_GRACE_MS / 1000} s after its steps ended, in its process group, now killed (a step or a test started it and did not stop it):\n${left.map((p) => `  ${p.pid} ${p.args}`).join('\n')}\n`,
  );
}
if (failed.length) process.stderr.write(`npm test failed: ${failed.map((r) => (r.skipped ? `${r.name} (not run: a check before it failed)` : r.name)).join(', ')}\n`);
if (failed.length || left.length) process.exit(1);
