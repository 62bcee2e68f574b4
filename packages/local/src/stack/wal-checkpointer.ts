/**
 * Checkpoints of the persistent SNS/SQS database, off the emulators' event loop.
 *
 * fauxqs writes every message change through to SQLite in WAL mode (`synchronous = NORMAL`: a
 * commit appends to the log and does not sync). What syncs is the checkpoint, which SQLite runs on
 * the writing connection every 1,000 log pages: two disk syncs (the log, then the database) of a few
 * milliseconds each, every few hundred messages, on the thread that also serves SNS, SQS and
 * DynamoDB. The persistent stack lost about 8 % of its throughput to them (bench section 4: 781–797
 * orders/s against 836–866 with no sync at all).
 *
 * Here a worker thread with a connection of its own runs them instead, passively (never waiting for
 * the writer, never making it wait), when the writer has changed something since the last one; the
 * writer's own automatic checkpoint is pushed back to {@link BACKSTOP_PAGES}, a bound on the log
 * should the worker fall behind. Durability is unchanged: the same commits, the same syncs, in
 * another thread. The worker starts with the first write and stops after {@link IDLE_MS} without
 * one (a stack at rest holds no thread for it, ~19 MiB). If it fails, the writer gets its automatic
 * checkpoints back and `onEvent` says so: the database is never left to grow unchecked in silence.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code: its own connection to the database, which copies the write-ahead log
 * into the database file (`PRAGMA wal_checkpoint(PASSIVE)`) each time it is asked, with the disk
 * syncs that go with it (`synchronous = NORMAL`: the log before, the database after, as the
 * writer's own checkpoint did). A passive checkpoint never waits for the writer and never makes it
 * wait. Messages in: `'checkpoint'`, `'close'`; out: `{ checkpoint: { busy, log, checkpointed } }`
 * (SQLite's row: frames in the log, frames copied) or `{ error }`.
 *
 * JavaScript run as is (`eval`), with no loader and no file: a worker that strips TypeScript types
 * loads Node's type stripper too, ~15 MiB more.
 */
const WORKER_SOURCE = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
let db;
parentPort.on('message', (message) => {
  try {
    if (message === 'close') {
      if (db) db.close();
      db = undefined;
      parentPort.close();
      return;
    }
    if (message !== 'checkpoint') return;
    if (!db) {
      db = new DatabaseSync(workerData.dbPath);
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA busy_timeout = 1000');
    }
    const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    parentPort.postMessage({ checkpoint: { busy: row.busy, log: row.log, checkpointed: row.checkpointed } });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** SQLite's own automatic checkpoint interval, in log pages, given back when the checkpointer stops. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

/** The writer's automatic checkpoint while the worker runs them: reached only if the worker falls far behind (~40 MiB of log). */
export const BACKSTOP_PAGES = 10_000;

/** How often the writer's change count is read. */
export const INTERVAL_MS = 200;

/** How long without a write before the worker thread is stopped. */
export const IDLE_MS = 5_000;

/** The options of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** How often to look for writes, ms. @default {@link INTERVAL_MS} */
  intervalMs?: number;
  /** Stop the worker after this long without a write, ms. @default {@link IDLE_MS} */
  idleMs?: number;
  /** Told when the worker fails and the writer's own checkpoints are back (the stderr when absent). */
  onEvent?: (line: string) => void;
}

/** A running checkpointer, from {@link startWalCheckpointer}. */
export interface WalCheckpointer {
  /** Checkpoints the worker has run. */
  readonly checkpoints: number;
  /** Log frames copied into the database by the last one (SQLite's `checkpointed`). */
  readonly lastCheckpointed: number;
  /** Whether the worker thread is running now. */
  readonly running: boolean;
  /** Whether the worker failed and the writer checkpoints on its own again. */
  readonly failed: boolean;
  /** Stops the polling and the worker, and gives the writer its automatic checkpoints back. */
  stop(): Promise<void>;
}

/**
 * Runs `db`'s WAL checkpoints in a worker thread (a connection of its own to `dbPath`) instead of
 * on `db`'s thread. `db` must be in WAL mode.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { startWalCheckpointer } from '@sluice/local';
 *
 * const db = new DatabaseSync('data.db');
 * db.exec('PRAGMA journal_mode = WAL');
 * const checkpointer = startWalCheckpointer(db, 'data.db');
 * // … writes on db: no checkpoint (and no disk sync) on this thread …
 * await checkpointer.stop();
 * db.close();
 * ```
 */
export function startWalCheckpointer(db: DatabaseSync, dbPath: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const intervalMs = options.intervalMs ?? INTERVAL_MS;
  const idleMs = options.idleMs ?? IDLE_MS;
  const report = options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`));
  const changes = db.prepare('SELECT total_changes() AS n');
  const changeCount = () => Number((changes.get() as { n: number | bigint }).n);

  let worker: Worker | undefined;
  let exited: Promise<void> | undefined;
  let inFlight = false;
  let seen = changeCount();
  let lastWrite = Date.now();
  let stopped = false;
  const state = { checkpoints: 0, lastCheckpointed: 0, failed: false };

  db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);

  const giveBack = () => {
    try {
      if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // Closed between the check and the call: nothing left to checkpoint for.
    }
  };

  const fail = (why: string) => {
    if (state.failed || stopped) return;
    state.failed = true;
    clearInterval(timer);
    giveBack();
    const dead = worker;
    worker = undefined;
    void dead?.terminate();
    report(`sns-sqs persistence: the background checkpoint failed (${why}); checkpoints run on the emulators' thread again (slower, nothing lost)`);
  };

  const startWorker = (): Worker => {
    // A small heap: the thread only runs SQLite.
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { dbPath }, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
    started.on('message', (message: { checkpoint?: { checkpointed: number }; error?: string }) => {
      if (message.error !== undefined) return fail(message.error);
      if (message.checkpoint) {
        inFlight = false;
        state.checkpoints++;
        state.lastCheckpointed = message.checkpoint.checkpointed;
      }
    });
    started.on('error', (error) => fail(error.message));
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    started.once('exit', (code) => {
      if (worker === started) {
        worker = undefined;
        inFlight = false;
        if (code !== 0 && !stopped) fail(`its thread exited with code ${code}`);
      }
    });
    return started;
  };

  const tick = () => {
    const count = changeCount();
    const now = Date.now();
    if (count !== seen) {
      seen = count;
      lastWrite = now;
      if (!inFlight) {
        worker ??= startWorker();
        inFlight = true;
        worker.postMessage('checkpoint');
      }
    } else if (worker && !inFlight && now - lastWrite >= idleMs) {
      worker.postMessage('close');
      worker = undefined;
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  }, intervalMs);
  timer.unref();

  return {
    get checkpoints() {
      return state.checkpoints;
    },
    get lastCheckpointed() {
      return state.lastCheckpointed;
    },
    get running() {
      return worker !== undefined;
    },
    get failed() {
      return state.failed;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      const last = worker;
      worker = undefined;
      if (last) {
        last.postMessage('close');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5_000, 'timeout').unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') await last.terminate();
      }
      giveBack();
    },
  };
}
