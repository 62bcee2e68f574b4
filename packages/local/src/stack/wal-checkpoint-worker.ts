/**
 * The worker thread of {@link startWalCheckpointer}: its own connection to the database, which
 * copies the write-ahead log into the database file (`PRAGMA wal_checkpoint(PASSIVE)`) each time it
 * is asked, with the disk syncs that go with it, so that they block this thread and not the
 * emulators' event loop. A passive checkpoint never waits for the writer and never makes it wait.
 *
 * Messages in: `'checkpoint'`, `'close'`. Out: `{ checkpoint: { busy, log, checkpointed } }` (the
 * row SQLite returns: frames in the log, frames copied), or `{ error }`.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker: run by startWalCheckpointer in a worker thread');

const { dbPath } = workerData as { dbPath: string };
let db: DatabaseSync | undefined;

port.on('message', (message: unknown) => {
  try {
    if (message === 'close') {
      db?.close();
      db = undefined;
      port.close();
      return;
    }
    if (message !== 'checkpoint') return;
    if (!db) {
      db = new DatabaseSync(dbPath);
      // A checkpoint syncs the log before it copies and the database after, as the writer's own did.
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA busy_timeout = 1000');
    }
    const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { busy: number; log: number; checkpointed: number };
    port.postMessage({ checkpoint: { busy: row.busy, log: row.log, checkpointed: row.checkpointed } });
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
