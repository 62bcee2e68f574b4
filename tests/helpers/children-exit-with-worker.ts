/**
 * Vitest set-up file (every test file, in its worker): nothing a test file started outlives it.
 *
 * - Every Node process the worker starts from here on (a stack, a subscriber, a CLI, through `npm`
 *   or `sh` too) preloads tests/helpers/exit-with-test-worker.mjs, which stops it once this worker
 *   has gone: a test that timed out before its `finally` ran cannot leave `npm start` polling its
 *   queues after the run (Vitest kills its worker, not what the worker started).
 * - After the file's own `afterAll` hooks, the processes the file started and did not stop are
 *   named, killed, and fail the file ({@link leftoverProcesses}): a forgotten stop is a test bug to
 *   fix, not something for the safety net above to hide.
 *
 * Processes started with an environment of their own (not the worker's `process.env`) are not
 * covered by the preload; the check after the file still sees them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { afterAll } from 'vitest';
import { startMark, TEST_WORKER_ENV } from './exit-with-test-worker.mjs';

const PRELOAD = `--import=${pathToFileURL(path.join(import.meta.dirname, 'exit-with-test-worker.mjs')).href}`;

/** A process of this machine, from /proc. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Its command line, arguments joined by spaces. */
  args: string;
}

/** The live processes (zombies left out: they have exited) under `root`, not `root` itself; empty where there is no /proc. */
export function descendantsOf(root: number): ProcessEntry[] {
  const all: (ProcessEntry & { state: string })[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      all.push({ pid: Number(name), ppid: Number(ppid), args, state: state! });
    } catch {
      // it exited while being read
    }
  }
  const live = all.filter((p) => p.state !== 'Z');
  const found: ProcessEntry[] = [];
  const parents = [root];
  while (parents.length > 0) {
    const parent = parents.pop()!;
    for (const p of live.filter((q) => q.ppid === parent)) {
      found.push({ pid: p.pid, ppid: p.ppid, args: p.args });
      parents.push(p.pid);
    }
  }
  return found;
}

/**
 * Processes that run in the test worker's service and are not a test's to stop: esbuild's service
 * process (tsx and Vite's transforms, in-process builds), which lives as long as the process that
 * started it.
 */
const OWN_SERVICES = [/\/esbuild(?:\.exe)? --service=/];

/**
 * The processes under `root` still running `graceMs` after a file's end (those exiting, SIGKILL
 * sent and not yet reaped, get that long), service processes ({@link OWN_SERVICES}) left out.
 */
export async function leftoverProcesses(root: number, graceMs = 5_000): Promise<ProcessEntry[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = descendantsOf(root).filter((p) => !OWN_SERVICES.some((service) => service.test(p.args)));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (!process.env[TEST_WORKER_ENV]?.startsWith(`${process.pid}:`)) {
  process.env[TEST_WORKER_ENV] = `${process.pid}:${startMark(process.pid) ?? ''}`;
  const options = process.env.NODE_OPTIONS ?? '';
  if (!options.includes(PRELOAD)) process.env.NODE_OPTIONS = `${options} ${PRELOAD}`.trim();
}

/**
 * The worker's own `process.env`, as Node made it: the first set-up of the worker keeps it (files
 * that share their worker run this file again each).
 */
const NODE_ENV_OBJECT = Symbol.for('sluice.test.processEnv');
const workerGlobals = globalThis as { [NODE_ENV_OBJECT]?: NodeJS.ProcessEnv };
workerGlobals[NODE_ENV_OBJECT] ??= process.env;

afterAll(() => {
  // A file that put another object in `process.env` (`process.env = saved`) left a plain object
  // there: setting TZ in it no longer changes the time zone, and every later file in a shared
  // worker read that object (the logger tests failed with a log level another file had stubbed).
  // Put Node's back, with the values the file left, and fail the file, naming the fix.
  const own = workerGlobals[NODE_ENV_OBJECT]!;
  if (process.env === own) return;
  const left = process.env;
  process.env = own;
  for (const name of Object.keys(own)) if (!(name in left)) delete own[name];
  Object.assign(own, left);
  throw new Error('this test file replaced process.env with another object (e.g. `process.env = saved`): restore variables in place, or with vi.stubEnv and vi.unstubAllEnvs');
});

afterAll(async () => {
  const left = await leftoverProcesses(process.pid);
  if (left.length === 0) return;
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`this test file left ${left.length} process(es) running after its end (now killed); stop what a test starts in its afterAll/finally:\n${left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.args.slice(0, 300)}`).join('\n')}`);
}, 15_000);
