/**
 * One local stack per data folder. Two stacks on one folder would share fauxqs's SQLite database
 * and dynalite's LevelDB: the second one's provisioning rewrote the first one's queue settings
 * before dynalite's lock stopped it with "Database is closed". So a stack takes the folder's lock
 * file (`stack.lock`: its process id and start time) before it opens anything there, and a second
 * stack is refused, naming the first and what to do. A lock whose process is gone (a stack that
 * was killed) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '@sluice/cli';

/** The lock file's name in the data folder. */
export const DATA_LOCK_FILE = 'stack.lock';

/** What the lock file holds. */
interface LockOwner {
  pid: number;
  startedAt: string;
}

/** The data folders this process holds (a second stack of the same process is refused too). */
const heldHere = new Set<string>();

/** The data folder is in use by another local stack; the message says which and what to do. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}


/**
 * Takes the lock of `dataDir` (which exists) for this process; the returned function releases it.
 *
 * @param dataDir - the stack's data folder
 * @param onEvent - told when a stale lock (its process gone) is taken over
 * @returns the release function (idempotent)
 * @throws DataDirInUseError when another running stack holds it
 *
 * @example
 * ```ts
 * import { lockDataDir } from '@sluice/local';
 *
 * const release = lockDataDir('.sluice-data');
 * try {
 *   // open the emulators' files
 * } finally {
 *   release();
 * }
 * ```
 */
export function lockDataDir(dataDir: string, onEvent?: (line: string) => void): () => void {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, DATA_LOCK_FILE);
  const inUse = (owner: string) =>
    new DataDirInUseError(
      `the data folder ${dir} is in use by another local stack (${owner}): two stacks on one folder would overwrite each other's queues and tables. Stop that one first (Ctrl-C in its terminal), or run this one beside it in memory (npm run demo -- --in-memory --port 0; npm start -- --in-memory --port <n>) or on a folder of its own (npm start -- --data-dir <folder>). If no stack is running, delete ${file}.`,
    );
  if (heldHere.has(dir)) throw inUse(`this process, pid ${process.pid}`);
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let held: Partial<LockOwner> | undefined;
    try {
      held = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    } catch {
      held = undefined; // unreadable or half written: no owner to wait for
    }
    if (held && typeof held.pid === 'number' && held.pid !== process.pid && processAlive(held.pid)) throw inUse(`process ${held.pid}, started ${held.startedAt ?? 'at an unknown time'}`);
    // Taken again between our removal and our write: another stack starting at this moment.
    if (attempt > 0) throw inUse('one starting at the same moment');
    onEvent?.(`data folder ${dir}: took over the lock of a stack that is gone (${held?.pid !== undefined ? `process ${held.pid}` : 'unreadable lock file'})`);
    rmSync(file, { force: true });
  }
  heldHere.add(dir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(dir);
    try {
      const held = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
      if (held.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
}
