/**
 * The emulated AWS services in this process: fauxqs (SNS + SQS) and dynalite (DynamoDB), behind one
 * AWS-compatible endpoint (the gateway).
 *
 * One door: the gateway is the only TCP port. The emulators have no authentication, and a web page
 * can reach every loopback TCP port (dynalite answers any origin with `Access-Control-Allow-Origin:
 * *`; fauxqs takes a form-encoded `Publish` with any Host), so they listen on Unix sockets in a
 * folder of their own (`<tmpdir>/sluice-XXXXXX/`, mode 0700, removed on stop), which no browser can
 * reach and no other user can open. Every request from outside passes the gateway's Origin, Host and
 * size checks.
 *
 * With a data folder, everything survives a restart, a crash or a SIGKILL: dynalite keeps tables
 * in LevelDB (`<dataDir>/dynamodb`), fauxqs writes queues, messages (queued, in flight with their
 * visibility deadlines, dead-lettered), topics and subscriptions through to SQLite
 * (`<dataDir>/sns-sqs/fauxqs.db`) on every change, the message writes made together in one
 * transaction, committed before any reply (grouped-commits.ts). Without one, everything is in memory.
 *
 * The data is private: messages may carry personal data. The folder and the folders in it are made 0700
 * and the files in it 0600 (also what an earlier run left with wider modes), and while the stack
 * runs the process's umask is 077, so the files the emulators create later are 0600 too (restored
 * on stop; in a worker thread, where the umask cannot be set, the folder's 0700 still keeps other
 * users out).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isMainThread } from 'node:worker_threads';
import dynalite from 'dynalite';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { startAwsGateway, type AwsGateway } from './aws-gateway.ts';
import { lockDataDir } from './data-lock.ts';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';
import { commitBeforeReplies, groupCommits, type FauxqsPersistence, type GroupedCommits } from './grouped-commits.ts';
import { localCredentials, localRegion } from '@sluice/ops';
import { FailureJournal } from './failure-journal.ts';
import { delaySnsDeliveries, type SnsRouter } from './sns-delivery-delay.ts';
import { recordDeadLetterSources, type SqsRouter } from './dead-letter-sources.ts';

/** The options of {@link startEmulators}. */
export interface EmulatorOptions {
  /** Port of the single endpoint; 0 picks a free one. @default 4566 */
  port?: number;
  /** Folder for the emulators' data; everything in memory when absent. */
  dataDir?: string;
  /** Told what goes wrong in the background (a failed SQLite checkpoint thread); the stderr when absent. */
  onEvent?: (line: string) => void;
}

/** SDK client configuration for the emulators (endpoint, region, dummy credentials). */
export interface LocalClientConfig {
  /** The emulators' one endpoint (`http://127.0.0.1:<port>`). */
  endpoint: string;
  /** The region the emulators report in ARNs (`us-east-1`). */
  region: string;
  /** Dummy credentials: the emulators accept any. */
  credentials: typeof localCredentials;
}

/** The running emulators, from {@link startEmulators}. */
export interface Emulators {
  /** The one endpoint for SNS, SQS and DynamoDB. */
  readonly endpoint: string;
  /** What an AWS SDK client needs to talk to them: `new SQSClient(emulators.clientConfig)`. */
  readonly clientConfig: LocalClientConfig;
  /** The data folder, or undefined when in memory. */
  readonly dataDir: string | undefined;
  /** The SNS/SQS database's checkpoints, run in a thread of their own ({@link startWalCheckpointer}); undefined in memory. */
  readonly checkpointer: WalCheckpointer | undefined;
  /** The SNS/SQS database's message writes grouped into transactions ({@link groupCommits}): failures and counts; undefined in memory. */
  readonly commits: GroupedCommits | undefined;
  /**
   * The last handler failure of each message the consumers could not handle, which the endpoint
   * answers `POST /_sluice/failures` from (`dlq list` shows them); the functions that run on
   * this stack write it. Kept in `<dataDir>/failures.jsonl` with a data folder.
   */
  readonly failures: FailureJournal;
  /** The consumers this stack's process runs (set by the runtime once they start), named by `GET /health`. */
  readonly consumers: Set<string>;
  /**
   * Answers every receive now waiting on a long poll at once, and every later one as a short poll
   * would, for the rest of this stack's life: for when the consumers stop. A poller stops after the
   * receive it has in flight, which otherwise waits out its long poll (up to a second) when the
   * queue is empty. A receive answered early takes what the queue holds then, as at the end of its
   * wait, and the poller handles it as any batch: nothing is dropped or hidden. Where fauxqs's
   * queues lack what this version expects, the stop takes that second, and the first call says so
   * (a warning line through `onEvent`, else the stderr).
   */
  endLongPolls(): void;
  /**
   * Answers the receives now waiting on a long poll on the queue named `queue` at once; later ones
   * wait as before: for a reload of the function that polls it (`npm start --watch`), whose stop
   * otherwise waits out its receive in flight (up to a second). As with {@link endLongPolls}, a
   * receive answered early takes what the queue holds and is handled as any batch. False when the
   * stack has no queue of that name.
   */
  endLongPollsOn(queue: string): boolean;
  /** Stops the endpoint and both emulators; data is on disk already (written through). */
  stop(): Promise<void>;
}

/** Listens on the Unix socket `socketPath`; resolves with its upstream address `unix:<path>`. */
async function listenOnSocket(server: Server, socketPath: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `unix:${socketPath}`;
}

/**
 * Makes `dir` and everything under it private to this user: folders 0700, files 0600 (sockets and
 * links are left alone). Returns how many modes it changed.
 *
 * @example
 * ```ts
 * import { makePrivate } from '@sluice/local';
 *
 * makePrivate('.sluice-data'); // 0 once everything is private already
 * ```
 */
export function makePrivate(dir: string): number {
  let changed = 0;
  const visit = (folder: string) => {
    chmodSync(folder, 0o700);
    changed++;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) {
        chmodSync(full, 0o600);
        changed++;
      }
    }
  };
  visit(dir);
  return changed;
}

/** Sets the process's umask to 077 for the stack's lifetime; returns what restores it (a no-op in a worker thread). */
function privateUmask(): () => void {
  if (!isMainThread) return () => {};
  const previous = process.umask(0o077);
  return () => {
    process.umask(previous);
  };
}

/** What {@link keptQueueUrlsOnPort} and {@link Emulators.endLongPolls} read and change of fauxqs's SQS store (its `SqsStore`). */
export interface QueueStore {
  /** The queues by URL. */
  queues: Map<string, FauxqsQueue>;
  createQueue(...args: unknown[]): unknown;
  /** Looks a queue up by name, changing nothing. */
  inspectQueue(name: string): unknown;
  /** Makes visible again the in-flight messages whose visibility timeout has ended (fauxqs does it only on a receive). */
  processAllTimers(): void;
}

/** What {@link Emulators.endLongPolls} changes of a fauxqs queue (its `SqsQueue`). */
export interface FauxqsQueue {
  name: string;
  url: string;
  /** Resolves when a message may be there, or after `waitTimeSeconds`: a receive's long poll. */
  waitForMessages?(waitTimeSeconds: number): Promise<void>;
  /** Ends every long poll under way (their receives then take what the queue holds). */
  cancelWaiters?(): void;
}

/** What fauxqs's queues need for {@link longPollEnder} to end their long polls. */
const LONG_POLL_METHODS = ['waitForMessages', 'cancelWaiters'] as const;

/** What ends long polls: every queue's, now and from now on (a stop), or one queue's, now only (a reload). */
export interface LongPollEnder {
  /** Ends the long polls of every queue, now and from now on: for when the consumers stop. */
  (): void;
  /**
   * Ends the long polls now waiting on the queue named `name`; later receives wait as before: for
   * when the one function that polls it stops or reloads. False when the store has no such queue.
   */
  queue(name: string): boolean;
}

/**
 * {@link Emulators.endLongPolls} and {@link Emulators.endLongPollsOn} for `store`. Where the store
 * was not found, or its queues lack what this fauxqs version has, those long polls are left to run
 * out, and `report` is told so once (not at every stop or reload).
 *
 * @param store - fauxqs's SQS store (only its queues are read), or undefined when it was not found
 * @param report - told once, in one line, what is missing and what it means
 * @returns what ends the long polls: called, every queue's for good; `.queue(name)`, one queue's now
 *
 * @example
 * ```ts
 * import { longPollEnder } from './emulators.ts';
 *
 * const endLongPolls = longPollEnder({ queues: new Map() }, (line) => console.warn(line));
 * endLongPolls.queue('OrderQueue'); // at a reload of the function that polls OrderQueue
 * endLongPolls(); // at each stop of the consumers
 * ```
 */
export function longPollEnder(store: Pick<QueueStore, 'queues'> | undefined, report: (line: string) => void): LongPollEnder {
  let said = false;
  const end = (only: string | undefined): boolean => {
    const missing = new Set<string>(store ? [] : ['SqsStore']);
    let found = false;
    for (const queue of store?.queues.values() ?? []) {
      if (only !== undefined && queue.name !== only) continue;
      found = true;
      const lacking = LONG_POLL_METHODS.filter((method) => typeof queue[method] !== 'function');
      for (const method of lacking) missing.add(`SqsQueue.${method}`);
      if (lacking.length > 0) continue;
      if (only === undefined) queue.waitForMessages = () => Promise.resolve();
      queue.cancelWaiters!();
    }
    if (missing.size === 0 || said) return found;
    said = true;
    report(
      `warning: sns-sqs: fauxqs has no ${[...missing].join(' or ')} where this version expects it: a stop of the consumers, or a reload of one, waits out each receive's long poll (up to its WaitTimeSeconds) instead of answering it at once`,
    );
    return found;
  };
  return Object.assign(() => void end(undefined), { queue: (name: string) => end(name) });
}

/**
 * fauxqs's SQS store class. Its package exports only `startFauxqs`, which does not hand the store
 * out: the module is loaded by its file URL, the same module instance `startFauxqs` uses.
 */
async function fauxqsQueueStoreClass(): Promise<{ prototype: QueueStore }> {
  const module = (await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href)) as { SqsStore?: { prototype: QueueStore } };
  if (typeof module.SqsStore?.prototype.createQueue !== 'function') {
    throw new Error('fauxqs has no SqsStore.createQueue where this version expects it: its kept queue URLs cannot be moved to the current port');
  }
  return module.SqsStore;
}

/**
 * The queue URL `url` with `port` as its port (`http://sqs.us-east-1.localhost:34859/000000000000/Q`
 * on 34291 is `http://sqs.us-east-1.localhost:34291/000000000000/Q`).
 *
 * @example
 * ```ts
 * import { queueUrlOnPort } from '@sluice/local';
 *
 * queueUrlOnPort('http://sqs.us-east-1.localhost:34859/000000000000/OrderQueue', 34291);
 * // 'http://sqs.us-east-1.localhost:34291/000000000000/OrderQueue'
 * ```
 */
export function queueUrlOnPort(url: string, port: number): string {
  return url.replace(/^(https?:\/\/[^/?#]*?)(?::\d*)?(?=[/?#]|$)/i, `$1:${port}`);
}

/**
 * fauxqs keeps each queue's URL as it was built when the queue was created, with the port of that
 * run's endpoint, and answers `ListQueues`, `GetQueueUrl` and `CreateQueue` with it: after a restart
 * on another port (`--port 0` twice, or another `--port`), the kept queues would be printed and
 * returned with a dead URL next to the new queues' live ones. This moves every kept queue's URL to
 * `port`, in memory (the store's queues by URL) and in its database (`sqs_queues.url`, not a key:
 * the messages, attributes, dead-letter links and subscriptions, which name queues by name or ARN,
 * are untouched). Returns how many URLs changed.
 */
function keptQueueUrlsOnPort(store: QueueStore | undefined, database: DatabaseSync | undefined, port: number): number {
  if (!store) return 0;
  const update = database?.prepare('UPDATE sqs_queues SET url = ? WHERE name = ?');
  let changed = 0;
  for (const queue of [...store.queues.values()]) {
    const url = queueUrlOnPort(queue.url, port);
    if (url === queue.url) continue;
    store.queues.delete(queue.url);
    queue.url = url;
    store.queues.set(url, queue);
    update?.run(url, queue.name);
    changed++;
  }
  return changed;
}

/** A fauxqs router class (its `SnsRouter` or `SqsRouter`): what registers each action's handler. */
type RouterClass = { prototype: { register(...args: unknown[]): unknown } };

/**
 * A fauxqs router class, `SnsRouter` of `./sns/snsRouter.js` or `SqsRouter` of
 * `./sqs/sqsRouter.js`, loaded by its file URL as {@link fauxqsQueueStoreClass} loads the store;
 * undefined where this version has none (then what wraps its handlers, {@link delaySnsDeliveries}
 * and {@link recordDeadLetterSources}, says what is not emulated).
 */
async function fauxqsRouterClass(file: './sns/snsRouter.js' | './sqs/sqsRouter.js', name: 'SnsRouter' | 'SqsRouter'): Promise<RouterClass | undefined> {
  try {
    const module = (await import(new URL(file, import.meta.resolve('fauxqs')).href)) as Record<string, RouterClass | undefined>;
    return typeof module[name]?.prototype.register === 'function' ? module[name] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * fauxqs's SQLite persistence class (`PersistenceManager`), loaded by its file URL as
 * {@link fauxqsQueueStoreClass} loads the store: `startFauxqs` does not hand the instance out.
 */
async function fauxqsPersistenceClass(): Promise<{ prototype: { prepareStatements(...args: unknown[]): unknown } }> {
  const module = (await import(new URL('./persistence.js', import.meta.resolve('fauxqs')).href)) as { PersistenceManager?: { prototype: { prepareStatements(...args: unknown[]): unknown } } };
  if (typeof module.PersistenceManager?.prototype.prepareStatements !== 'function') {
    throw new Error('fauxqs has no PersistenceManager.prepareStatements where this version expects it: its writes cannot be grouped');
  }
  return module.PersistenceManager;
}

/**
 * fauxqs's `startFauxqs` (the entry point that wires its SQLite persistence) listens on every
 * interface's TCP port, and the emulators have no authentication: for the duration of the call,
 * its server's `listen` is turned into a listen on `socketPath`, and its `address()` reports
 * `unix:<socketPath>` (fauxqs parses the address as a URL; a bare path is not one).
 *
 * Its SQLite database runs in WAL mode with node:sqlite's default `synchronous=FULL`: a disk sync
 * on every commit, three or more per message, on the event loop that also serves the endpoint
 * (persistent runs kept 63 % of the in-memory throughput). In WAL mode `NORMAL` syncs at
 * checkpoints only and still survives the process crashing or being killed, which is what the
 * local stack promises (an operating-system crash may lose the last commits): set it when the
 * database turns WAL on. The syncs left, the checkpoints', run in a thread of their own
 * ({@link startWalCheckpointer}); `database` is the connection fauxqs writes through.
 */
async function startFauxqsOnSocket(
  socketPath: string,
  dataDir: string | undefined,
): Promise<{
  fauxqs: FauxqsServer;
  server: Server;
  database: DatabaseSync | undefined;
  queues: QueueStore | undefined;
  persistence: FauxqsPersistence | undefined;
  snsRouter: SnsRouter | undefined;
  sqsRouter: SqsRouter | undefined;
}> {
  let server: Server | undefined;
  let database: DatabaseSync | undefined;
  let queues: QueueStore | undefined;
  let persistence: FauxqsPersistence | undefined;
  let snsRouter: SnsRouter | undefined;
  let sqsRouter: SqsRouter | undefined;
  const storePrototype = (await fauxqsQueueStoreClass()).prototype;
  const createQueue = storePrototype.createQueue;
  // Its persistence object is made in the call too, before its first await (see createQueue below).
  const persistencePrototype = (await fauxqsPersistenceClass()).prototype;
  const prepareStatements = persistencePrototype.prepareStatements;
  // Its SNS router is made and its handlers registered in the call too, before its first await.
  const routerPrototype = (await fauxqsRouterClass('./sns/snsRouter.js', 'SnsRouter'))?.prototype;
  const register = routerPrototype?.register;
  // Its SQS router too (dead-letter-sources.ts).
  const sqsRouterPrototype = (await fauxqsRouterClass('./sqs/sqsRouter.js', 'SqsRouter'))?.prototype;
  const registerSqs = sqsRouterPrototype?.register;
  // No await from here to the call: the patches below catch this call's objects only.
  persistencePrototype.prepareStatements = function (this: FauxqsPersistence, ...args: unknown[]) {
    persistence ??= this;
    return prepareStatements.apply(this, args);
  };
  if (routerPrototype && register) {
    routerPrototype.register = function (this: SnsRouter, ...args: unknown[]) {
      snsRouter ??= this;
      return register.apply(this, args);
    };
  }
  if (sqsRouterPrototype && registerSqs) {
    sqsRouterPrototype.register = function (this: SqsRouter, ...args: unknown[]) {
      sqsRouter ??= this;
      return registerSqs.apply(this, args);
    };
  }
  // The queues kept in its database are created while startFauxqs loads them, synchronously in
  // the call (before its first await): what calls createQueue then is this stack's store, and no
  // other code (another stack in this process) can run before the patch is undone.
  storePrototype.createQueue = function (this: QueueStore, ...args: unknown[]) {
    queues ??= this;
    return createQueue.apply(this, args);
  };
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    const result = exec.call(this, sql);
    if (/^\s*PRAGMA\s+journal_mode\s*=\s*WAL\s*;?\s*$/i.test(sql)) {
      exec.call(this, 'PRAGMA synchronous = NORMAL');
      database = this;
    }
    return result;
  };
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as net.ListenOptions).host === '0.0.0.0') {
      net.Server.prototype.listen = listen; // fauxqs's one server only
      const { port: _port, host: _host, ...rest } = first as net.ListenOptions;
      args[0] = { ...rest, path: socketPath };
      this.address = () => `unix:${socketPath}`;
      server = this as Server;
    }
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  try {
    const starting = startFauxqs({ port: 0, logger: false, defaultRegion: localRegion, ...(dataDir ? { dataDir } : {}) });
    storePrototype.createQueue = createQueue;
    persistencePrototype.prepareStatements = prepareStatements;
    if (routerPrototype && register) routerPrototype.register = register;
    if (sqsRouterPrototype && registerSqs) sqsRouterPrototype.register = registerSqs;
    const fauxqs = await starting;
    if (!server) {
      await fauxqs.stop();
      throw new Error('fauxqs did not listen as expected: refusing to expose unauthenticated emulators');
    }
    if (!queues) {
      // No queue was kept to load: the store is found by a lookup that changes nothing, made
      // synchronously while the patch is in place.
      const inspectQueue = storePrototype.inspectQueue;
      storePrototype.inspectQueue = function (this: QueueStore, name: string) {
        queues ??= this;
        return inspectQueue.call(this, name);
      };
      try {
        fauxqs.inspectQueue('');
      } finally {
        storePrototype.inspectQueue = inspectQueue;
      }
    }
    return { fauxqs, server, database, queues, persistence, snsRouter, sqsRouter };
  } finally {
    net.Server.prototype.listen = listen;
    DatabaseSync.prototype.exec = exec;
    storePrototype.createQueue = createQueue;
    persistencePrototype.prepareStatements = prepareStatements;
    if (routerPrototype && register) routerPrototype.register = register;
    if (sqsRouterPrototype && registerSqs) sqsRouterPrototype.register = registerSqs;
  }
}

/**
 * Starts dynalite (DynamoDB), fauxqs (SNS and SQS) and the gateway that serves both on one
 * loopback endpoint. With `dataDir`, their data is kept there across restarts.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { startEmulators } from '@sluice/local';
 *
 * const emulators = await startEmulators({ port: 0, dataDir: '.sluice-data' });
 * const sqs = new SQSClient(emulators.clientConfig);
 * await emulators.stop();
 * ```
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  const restoreUmask = privateUmask();
  const undo: (() => Promise<void> | void)[] = [restoreUmask];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    if (dataDir) {
      mkdirSync(path.join(dataDir, 'dynamodb'), { recursive: true, mode: 0o700 });
      makePrivate(dataDir);
      // Before anything opens its files: another stack on this folder is refused, not joined.
      undo.push(lockDataDir(dataDir, options.onEvent));
    }
    // mkdtemp makes the folder 0700: only this user can open the sockets in it.
    const socketDir = mkdtempSync(path.join(tmpdir(), 'sluice-'));
    chmodSync(socketDir, 0o700);
    undo.push(() => rmSync(socketDir, { recursive: true, force: true }));

    // Tables become ACTIVE at once: nothing to wait for locally.
    const dynamoServer: Server = dynalite({
      ...(dataDir ? { path: path.join(dataDir, 'dynamodb') } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamoUpstream = await listenOnSocket(dynamoServer, path.join(socketDir, 'dynamodb.sock'));
    undo.push(() => new Promise<void>((resolve, reject) => dynamoServer.close((error?: Error) => (error ? reject(error) : resolve()))));

    const fauxqsSocket = path.join(socketDir, 'sns-sqs.sock');
    const { fauxqs, server: fauxqsServer, database, queues, persistence, snsRouter, sqsRouter } = await startFauxqsOnSocket(fauxqsSocket, dataDir ? path.join(dataDir, 'sns-sqs') : undefined);
    undo.push(() => fauxqs.stop());
    const report = options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`));
    // What a topic delivers to a queue waits the queue's delay, and what it cannot deliver (the queue gone) goes to the subscription's dead-letter queue, as on AWS (sns-delivery-delay.ts).
    const undelayed = delaySnsDeliveries(snsRouter, report);
    if (undelayed) report(`warning: sns-sqs: ${undelayed}`);
    // A message moved to a dead-letter queue records the queue it came from, as on AWS (dead-letter-sources.ts).
    const unrecorded = recordDeadLetterSources(sqsRouter, database, report);
    if (unrecorded) report(`warning: sns-sqs: ${unrecorded}`);
    // The message writes made together, one transaction; committed before any reply (grouped-commits.ts).
    const commits = persistence ? groupCommits(persistence, options.onEvent ? { onEvent: options.onEvent } : {}) : undefined;
    if (commits) commitBeforeReplies(fauxqsServer, commits);
    else if (dataDir) {
      (options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`)))(
        'sns-sqs persistence: fauxqs did not make its persistence object as this version expects; each message write commits on its own (slower, nothing lost)',
      );
    }
    const checkpointer = dataDir && database ? startWalCheckpointer(database, path.join(dataDir, 'sns-sqs', 'fauxqs.db'), options.onEvent ? { onEvent: options.onEvent } : {}) : undefined;
    // Stopped before fauxqs closes its database, whose close then runs the last checkpoint.
    if (checkpointer) undo.push(() => checkpointer.stop());
    else if (dataDir) {
      (options.onEvent ?? ((line: string) => process.stderr.write(`${line}\n`)))(
        'sns-sqs persistence: fauxqs did not turn on WAL as this version expects; its database syncs as fauxqs set it (slower, nothing lost)',
      );
    }
    if (fauxqs.address !== `unix:${fauxqsSocket}`) {
      throw new Error(`fauxqs listens on ${fauxqs.address}, not on its private socket: refusing to expose unauthenticated emulators`);
    }

    // What is returned, once made (the gateway's end of long polls goes through it, as a caller's would).
    let stack: Emulators | undefined;
    // Both servers are in this process: the gateway hands requests to them without a second HTTP hop.
    const consumers = new Set<string>();
    const failures = new FailureJournal({ ...(dataDir ? { file: path.join(dataDir, 'failures.jsonl') } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
    const gateway: AwsGateway = await startAwsGateway({
      upstreams: { fauxqs: fauxqs.address, dynalite: dynamoUpstream, servers: { fauxqs: fauxqsServer, dynalite: dynamoServer } },
      port: options.port ?? 4566,
      avoidVisibilityZero: dataDir !== undefined,
      failures,
      consumers: () => [...consumers],
      // npm run subscriber's consumers, polling this stack from another process, at their stop or reload.
      endLongPollsOn: (queue) => stack?.endLongPollsOn(queue),
      onWarning: report,
      // fauxqs makes a message whose visibility timeout ended visible again only on a receive: a
      // dead letter `dlq list` released (after 1 s, see avoidVisibilityZero) was counted in flight
      // by `status` until something received from its queue, which nothing does.
      ...(queues ? { beforeQueueCounts: () => queues.processAllTimers() } : {}),
    });
    undo.push(() => gateway.close());
    // Before any request: the queues kept from a run on another port are listed with this one's.
    keptQueueUrlsOnPort(queues, database, gateway.port);
    const endLongPolls = longPollEnder(queues, report);
    stack = {
      endpoint: gateway.endpoint,
      clientConfig: { endpoint: gateway.endpoint, region: localRegion, credentials: localCredentials },
      dataDir,
      checkpointer,
      commits,
      failures,
      consumers,
      endLongPolls: () => endLongPolls(),
      endLongPollsOn: (queue) => endLongPolls.queue(queue),
      async stop() {
        await unwind();
        // What the emulators wrote while a wider umask was in force elsewhere (a worker thread).
        if (dataDir) makePrivate(dataDir);
      },
    };
    return stack;
  } catch (error) {
    await unwind();
    throw error;
  }
}
