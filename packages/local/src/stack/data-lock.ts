/**
 * One local stack per data folder. Two stacks on one folder would share fauxqs's SQLite database
 * and dynalite's LevelDB: the second one's provisioning rewrote the first one's queue settings
 * before dynalite's lock stopped it with "Database is closed". So a stack takes the folder's lock
 * file (`stack.lock`: its process id, start time and, on Linux, its start mark) before it opens
 * anything there, and a second stack is refused, naming the first and what to do. A lock whose
 * process is gone (a stack that was killed) is taken over, and so is one whose process id now
 * belongs to another program (after a reboot, or a container restarted with the same process ids:
 * the mark, the boot's id and the process's start tick, differs). The file appears whole (written
 * aside, then linked into place), and a stale one is moved aside and checked before it is
 * replaced, so two stacks starting at the same moment cannot both hold it. (Where there is no
 * `/proc`, macOS and Windows, a reused process id keeps the lock held until that program ends;
 * the message says which file to delete.)
 */
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, processAlive, processStartMark } from '@sluice/cli';

/** The lock file's name in the data folder. */
export const DATA_LOCK_FILE = 'stack.lock';

/** What the lock file holds. */
interface LockOwner {
  pid: number;
  startedAt: string;
  /** {@link processStartMark} of `pid` when it took the lock; absent where there is no `/proc`. */
  mark?: string;
}

/** The data folders this process holds (a second stack of the same process is refused too). */
const heldHere = new Set<string>();

/**
 * The data folder is in use by another local stack; the message says which and what to do. A
 * {@link CliError}: the user's situation, not a fault of the code, so no "--debug for the stack
 * trace" hint follows it.
 */
export class DataDirInUseError extends CliError {
  override name = 'DataDirInUseError';
}


/**
 * The command that was refused, run beside the other stack: the npm script that started this
 * process (`npm start`, `npm run demo`), with `--in-memory --port 0` added; nothing to name when
 * no npm script started it.
 */
function inMemoryCommand(): string {
  const script = process.env.npm_lifecycle_event;
  if (!script || !/^[\w:.-]+$/.test(script)) return '';
  return `: ${script === 'start' ? 'npm start' : `npm run ${script}`} -- --in-memory --port 0`;
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
  // One folder, however it is named (a symbolic link, another spelling of the path).
  const dir = realpathSync(path.resolve(dataDir));
  const file = path.join(dir, DATA_LOCK_FILE);
  const inUse = (owner: string) =>
    new DataDirInUseError(
      `the data folder ${dir} is in use by another local stack (${owner}): two stacks on one folder would overwrite each other's queues and tables. Stop that one first (Ctrl-C in its terminal), or run this one beside it in memory (add --in-memory --port 0 to its command${inMemoryCommand()}) or on a folder of its own (--data-dir <folder>). If no stack is running, delete ${file}.`,
    );
  if (heldHere.has(dir)) throw inUse(`this process, pid ${process.pid}`);
  const text = `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), mark: processStartMark(process.pid) } satisfies LockOwner)}\n`;
  // Written whole beside it, then linked into place: the lock file exists with its content or not
  // at all (a link fails when the name is taken), so no reader ever sees it half written.
  const mine = path.join(dir, `${DATA_LOCK_FILE}.${process.pid}.${randomUUID()}`);
  try {
    // Inside the cleanup: a write that fails part-way (a full disk) has created the file.
    writeFileSync(mine, text, { mode: 0o600 });
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const seen = readLock(file);
      if (seen === undefined) continue; // released meanwhile: take it
      const held = ownerOf(seen.text);
      // Its process id is alive, but as another program: the mark it recorded is not the one that
      // id has now. (A mark that cannot be read now, e.g. /proc mounted with hidepid, decides nothing.)
      const markNow = held?.mark === undefined ? undefined : processStartMark(held.pid);
      const reused = markNow !== undefined && markNow !== held?.mark;
      if (held && processAlive(held.pid) && !reused && (held.pid !== process.pid || heldHere.has(dir))) throw inUse(`process ${held.pid}, started ${held.startedAt}`);
      // An unreadable lock (not written by this module) is held while it is recent.
      if (!held && Date.now() - seen.mtimeMs < STALE_UNREADABLE_MS) throw inUse(`an unreadable ${DATA_LOCK_FILE}, written ${Math.round((Date.now() - seen.mtimeMs) / 1000)} s ago`);
      if (attempt > 2) throw inUse('one starting at the same moment');
      // Stale: moved aside under a name of our own, then checked to be the lock that was judged;
      // another stack that took it over meanwhile gets its lock back.
      const aside = `${mine}.stale`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // moved by another starter: look again
      }
      const moved = readLock(aside);
      if (moved && moved.text !== seen.text) {
        try {
          linkSync(aside, file);
        } catch {
          // the name is taken again: that owner is judged on the next look
        }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      const whose = !held ? 'unreadable lock file' : reused && processAlive(held.pid) ? `process ${held.pid}, an id another program has now` : `process ${held.pid}`;
      onEvent?.(`data folder ${dir}: took over the lock of a stack that is gone (${whose})`);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  heldHere.add(dir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(dir);
    // Only our own: a lock another stack took over meanwhile stays.
    if (readLock(file)?.text === text) rmSync(file, { force: true });
  };
}

/** How long an unreadable lock file (not this module's: it never writes one) counts as held. */
const STALE_UNREADABLE_MS = 10_000;

/** The lock file's text and modification time, or undefined when there is none. */
function readLock(file: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { text: readFileSync(file, 'utf8'), mtimeMs: statSync(file).mtimeMs };
  } catch {
    return undefined;
  }
}

/** The owner a lock's text names, or undefined when it is not a lock of this module. */
function ownerOf(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
    return { pid: owner.pid, startedAt: String(owner.startedAt ?? 'at an unknown time'), ...(typeof owner.mark === 'string' ? { mark: owner.mark } : {}) };
  } catch {
    return undefined;
  }
}
