/**
 * One-time set-up shared by every process of an install, done once and never read half done.
 *
 * `npm run docs` transpiles AsyncAPI's HTML template into the template's own folder the first
 * time, then reuses it. Two renders starting together on a fresh install (a test suite, two
 * terminals) both transpiled, in place, while each read what the other was writing: a page came
 * out without its payloads. Here the first process takes a lock (a folder, created atomically),
 * does the work and writes the marker; the others wait for the marker. A lock whose holder has
 * died (its process is gone, or its process id belongs to another program now: a container
 * restarted with the same process ids, see `processStartMark`) is taken over.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive, processStartMark } from '@sluice/cli';

/** How {@link oncePerInstall} ended: it did the work, found it done before, or waited for another process doing it. */
export type OncePerInstallOutcome = 'did' | 'done-before' | 'waited';

/** The options of {@link oncePerInstall}. */
export interface OncePerInstallOptions {
  /** What the marker file says (who wrote it, for what). */
  note: string;
  /** How often a waiting process looks for the marker (ms). @default 200 */
  pollMs?: number;
  /** How long a process waits for another's work before failing (ms). @default 900000 */
  timeoutMs?: number;
}


/**
 * Runs `work` once per install: unless `marker` exists, the first process to take the lock beside
 * it runs `work` and then writes `marker`; processes arriving meanwhile wait until it exists. When
 * `work` fails, the lock is released, no marker is written, and the error is thrown (a waiting
 * process then takes its turn).
 *
 * @param marker - the file that says the work is done
 * @param work - the one-time work
 * @returns how it ended
 * @throws the error of `work`; an Error when another process held the lock for longer than `timeoutMs`
 * @example
 * ```ts
 * import { oncePerInstall } from '@sluice/governance';
 *
 * const outcome = await oncePerInstall('node_modules/.cache/my-tool/built', async () => {
 *   // build what every later run reuses
 * }, { note: 'built by my-tool' });
 * console.log(outcome); // 'did', 'done-before' or 'waited'
 * ```
 */
export async function oncePerInstall(marker: string, work: () => Promise<void>, options: OncePerInstallOptions): Promise<OncePerInstallOutcome> {
  if (existsSync(marker)) return 'done-before';
  const lock = `${marker}.lock`;
  const holder = path.join(lock, 'pid');
  mkdirSync(path.dirname(marker), { recursive: true });
  const pollMs = options.pollMs ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 900_000);
  let waited = false;
  for (;;) {
    let locked = false;
    try {
      mkdirSync(lock);
      locked = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (locked) {
      try {
        writeFileSync(holder, `${process.pid} ${processStartMark(process.pid) ?? ''}`.trim());
        if (existsSync(marker)) return 'waited'; // done by the holder just before us
        await work();
        writeFileSync(marker, `${options.note}\n`);
        return waited ? 'waited' : 'did';
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    if (existsSync(marker)) return 'waited';
    // The holder's pid and start mark (not written yet, just after its mkdir: wait for it).
    let pid: number | undefined;
    let mark: string | undefined;
    try {
      const [id, recorded] = readFileSync(holder, 'utf8').trim().split(' ');
      pid = Number(id);
      mark = recorded || undefined;
    } catch {
      pid = undefined;
    }
    const markNow = pid !== undefined && mark !== undefined ? processStartMark(pid) : undefined;
    const gone = pid !== undefined && Number.isInteger(pid) && pid > 0 && (!processAlive(pid) || (markNow !== undefined && markNow !== mark));
    if (gone) {
      rmSync(lock, { recursive: true, force: true }); // its holder died mid-work: take over
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${Math.round((options.timeoutMs ?? 900_000) / 1000)} s for process ${pid ?? '?'} to finish what ${marker} marks (lock ${lock}); if no such work is running, remove ${lock}`);
    }
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
