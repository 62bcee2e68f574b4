/**
 * Preloaded (`NODE_OPTIONS=--import …`) into every Node process a test starts, directly or through
 * `npm`, `sh` or a stack's own children: once the Vitest worker that ran the test has gone, the
 * process stops (SIGTERM to itself, SIGKILL 5 s later if that did not end it), and says so on stderr.
 *
 * Why: a test that times out, or whose file's worker ends before its `finally`/`afterAll` ran, leaves
 * the commands it started without anyone to stop them. `npm start` and `npm run subscriber` drop
 * their output once the reader has gone (`@sluice/cli`'s processIO, for `| head`) and run on,
 * polling their queues, eating CPU from the test files after them and outliving the run. Vitest
 * kills its worker, not what the worker started. (Found with a test that times out while its
 * command runs: the command was still there after `vitest run` had ended.)
 *
 * The worker is named by `SLUICE_TEST_WORKER` (`pid:start mark`, set by
 * tests/helpers/children-exit-with-worker.ts); the start mark (its start time in clock ticks, from
 * /proc) tells the worker from a later process given the same id. Where there is no /proc, a
 * process id that answers counts as the worker. Plain JavaScript (no tsx): any Node the tests run,
 * an older one too, loads it. It keeps no process alive (its timer is unref'd) and writes nothing
 * while the worker runs.
 */
import { readFileSync, writeSync } from 'node:fs';

/** The env variable naming the test worker: `pid:start mark` (the mark empty where there is no /proc). */
export const TEST_WORKER_ENV = 'SLUICE_TEST_WORKER';

/** How often the worker is looked for, in ms. */
const POLL_MS = 1_000;

/** `pid`'s start time in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when it is gone, a zombie, or there is no /proc. */
export function startMark(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state …: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : fields[19];
}

/** Whether the worker named by `value` (`pid:mark`) still runs. */
export function workerRuns(value) {
  const [pid, mark] = value.split(':');
  if (mark) return startMark(Number(pid)) === mark;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const worker = process.env[TEST_WORKER_ENV];
if (worker && worker.split(':')[0] !== String(process.pid)) {
  const timer = setInterval(() => {
    if (workerRuns(worker)) return;
    clearInterval(timer);
    try {
      // Synchronous, and caught: its stderr is likely a pipe nobody reads any more (EPIPE).
      writeSync(2, `[tests] ${process.argv.slice(1).join(' ') || process.argv0} (pid ${process.pid}): the test worker that started it (pid ${worker.split(':')[0]}) has gone; stopping it\n`);
    } catch {
      // nobody to tell
    }
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 5_000).unref();
    process.kill(process.pid, 'SIGTERM');
  }, POLL_MS);
  timer.unref();
}
