/**
 * One SQLite transaction for the message writes fauxqs makes together, instead of one each.
 *
 * fauxqs writes every message change through to its database as a statement of its own, each its
 * own transaction: a publish to a topic with two subscriptions inserts two rows, a receive of ten
 * updates ten, a `DeleteMessageBatch` of ten deletes ten, and each commit appends its pages to the
 * write-ahead log again. A `PublishBatch` of ten to that topic was twenty commits. Here the message
 * writes made together (in one turn of the event loop: one request's loop over its entries) share
 * one transaction, committed
 *
 * - before the emulator writes any byte of a reply ({@link commitBeforeReplies}): what a client is
 *   told was sent, received or deleted is in the database first, as before, so a crash or a
 *   SIGKILL after a reply loses nothing that was acknowledged;
 * - before any other call to its persistence (queue and topic changes, fauxqs's own transactions,
 *   closing the database), so the statements reach the database in the order fauxqs made them;
 * - at the latest in a microtask, once the code that wrote has returned (fauxqs replies after an
 *   `await`, so this is what commits most groups; writes no reply follows are committed by it too).
 *
 * A commit that fails (a full disk) is rolled back, but fauxqs has already changed its memory (the
 * message queued, its deduplication id noted, a deleted message gone): memory and disk no longer
 * agree, and a client's retry would be answered from memory with nothing on disk (a FIFO send's
 * retry is taken as a duplicate and acknowledged). So the stack fails closed: `onEvent` says what
 * failed, and from then on no write is made and no request is answered (connections are closed, so
 * clients do not take anything as done and retry later) until the stack is restarted, which reloads
 * what was committed. Never an acknowledgement of what is not on disk, never a silent loss.
 */
import type { Server, ServerResponse } from 'node:http';
import type { DatabaseSync } from 'node:sqlite';

/**
 * fauxqs's `PersistenceManager` methods whose writes are grouped: one statement each, for messages
 * and the FIFO sequence counter, the per-message path. Every other method commits the group first
 * and then runs as fauxqs wrote it (its own transactions included).
 */
export const GROUPED_WRITES = ['insertMessage', 'deleteMessage', 'updateMessageInflight', 'updateMessageReady', 'updateQueueSequenceCounter'] as const;

/** What {@link groupCommits} needs of fauxqs's persistence object: its connection and its methods. */
export interface FauxqsPersistence {
  db: DatabaseSync;
  [method: string]: unknown;
}

/** The grouping installed on one persistence object. */
export interface GroupedCommits {
  /** Commits the open group, if any. Throws when the commit fails (after rolling it back and saying so). */
  commit(): void;
  /** Set once a group failed to commit: nothing more is written or answered until the stack restarts. */
  readonly broken: boolean;
  /** Transactions committed and grouped statements made, since the grouping was installed. */
  readonly stats: { readonly transactions: number; readonly statements: number };
}

/** What failed, said once per failure: `onEvent`, else the standard error. */
type OnEvent = (line: string) => void;

/** What follows a failed commit, and why. */
const STOPPED =
  "the emulator's memory no longer matches its database, so nothing more is written or answered; stop the stack and start it again (it reloads what was committed; clients retry what was refused)";
/** What a refused write or reply says once a group failed to commit. */
const BROKEN = `sns-sqs persistence: a commit failed: ${STOPPED}`;

/**
 * Installs the grouping on `persistence` (fauxqs's `PersistenceManager`, whose methods are
 * replaced on the instance; its class is left alone).
 *
 * @example
 * const commits = groupCommits(persistence, { onEvent: (line) => console.error(line) });
 * commitBeforeReplies(fauxqsServer, commits);
 */
export function groupCommits(persistence: FauxqsPersistence, options: { onEvent?: OnEvent } = {}): GroupedCommits {
  const say: OnEvent = options.onEvent ?? ((line) => process.stderr.write(`${line}\n`));
  const db = persistence.db;
  let open = false;
  /** Inside one of fauxqs's own transactions (or another call of its persistence): its statements are not grouped. */
  let foreign = 0;
  /** Statements in the open group. */
  let pending = 0;
  let broken = false;
  let transactions = 0;
  let statements = 0;

  /** The open group is lost (not committed): roll back what SQLite still holds, stop everything, say so. */
  const lose = (error: unknown) => {
    const count = pending;
    open = false;
    pending = 0;
    broken = true;
    try {
      if (db.isTransaction) db.exec('ROLLBACK');
    } catch {
      // Nothing more is written through this connection anyway (broken).
    }
    say(`sns-sqs persistence: a commit of ${count} message change(s) failed (${(error as Error).message}): ${STOPPED}. Check the data folder's disk first.`);
  };

  const commit = () => {
    if (!open) return;
    try {
      db.exec('COMMIT');
      open = false;
      pending = 0;
      transactions++;
    } catch (error) {
      lose(error);
      throw error;
    }
  };
  const commitSoon = () => {
    try {
      commit();
    } catch {
      // Said by commit; broken from now on: every reply is refused (commitBeforeReplies).
    }
  };

  const proto = Object.getPrototypeOf(persistence) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === 'constructor' || name === 'prepareStatements' || typeof method !== 'function') continue;
    const original = method as (...args: unknown[]) => unknown;
    if ((GROUPED_WRITES as readonly string[]).includes(name)) {
      persistence[name] = function (this: unknown, ...args: unknown[]) {
        if (broken) throw new Error(BROKEN);
        if (!open && foreign === 0) {
          db.exec('BEGIN');
          open = true;
          queueMicrotask(commitSoon);
        }
        if (open) {
          pending++;
          statements++;
        }
        try {
          return original.apply(this, args);
        } catch (error) {
          // Most statement errors undo the statement only; some (I/O, memory) undo the whole
          // transaction, and with it the group's earlier writes.
          if (open && !db.isTransaction) lose(error);
          throw error;
        }
      };
    } else {
      persistence[name] = function (this: unknown, ...args: unknown[]) {
        try {
          commit();
        } catch {
          // Said by commit; broken from now on.
        }
        // Closing still runs (the database is released); nothing else once broken.
        if (broken && name !== 'close') throw new Error(BROKEN);
        foreign++;
        try {
          return original.apply(this, args);
        } finally {
          foreign--;
        }
      };
    }
  }
  return {
    commit,
    get broken() {
      return broken;
    },
    get stats() {
      return { transactions, statements };
    },
  };
}

/**
 * Makes every reply of `server` (fauxqs's HTTP server, also when the gateway hands it a request in
 * this process) commit the open group before its first byte is written, and refuses it (closes its
 * connection) once a commit has failed.
 */
export function commitBeforeReplies(server: Server, commits: GroupedCommits): void {
  const handlers = server.listeners('request') as ((req: unknown, res: ServerResponse) => void)[];
  // fauxqs's server answers through a request listener; without one, every request would wait forever.
  if (handlers.length === 0) throw new Error('fauxqs: its server has no request listener where this version has one: its replies cannot wait for their commits');
  server.removeAllListeners('request');
  server.on('request', (req, res: ServerResponse) => {
    const guard =
      <F extends (...args: never[]) => unknown>(write: F) =>
      (...args: Parameters<F>): ReturnType<F> | ServerResponse => {
        try {
          commits.commit();
          if (commits.broken) throw new Error(BROKEN);
        } catch (error) {
          res.destroy(error as Error);
          return res;
        }
        return write.apply(res, args) as ReturnType<F>;
      };
    res.write = guard(res.write) as typeof res.write;
    res.end = guard(res.end) as typeof res.end;
    for (const handler of handlers) handler.call(server, req, res);
  });
}
