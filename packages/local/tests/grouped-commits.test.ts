/**
 * fauxqs's message writes grouped into one SQLite transaction (src/stack/grouped-commits.ts), on
 * fauxqs's own persistence object and database file, read back through a second connection as
 * another process (a restarted stack) would read them.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { commitBeforeReplies, groupCommits, GROUPED_WRITES, type FauxqsPersistence } from '../src/stack/grouped-commits.ts';
import { startEmulators } from '../src/stack/emulators.ts';

type PersistenceManager = FauxqsPersistence & {
  insertQueue(queue: Record<string, unknown>): void;
  insertMessage(queueName: string, message: Record<string, unknown>): void;
  deleteMessage(id: string): void;
  clearMessagesAndObjects(): void;
  close(): void;
};
const { PersistenceManager } = (await import(new URL('./persistence.js', import.meta.resolve('fauxqs')).href)) as {
  PersistenceManager: new (dataDir: string) => PersistenceManager;
};

const queue = (name: string) => ({ name, url: `http://127.0.0.1/000000000000/${name}`, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, attributes: {}, tags: new Map(), createdTimestamp: 1, lastModifiedTimestamp: 1, sequenceCounter: 0 });
const message = (id: string) => ({ messageId: id, body: `body of ${id}`, md5OfBody: 'md5', messageAttributes: {}, md5OfMessageAttributes: '', sentTimestamp: 1, approximateReceiveCount: 0 });

let dir: string;
let persistence: PersistenceManager;
/** A second connection to the same file: sees only what is committed. */
let reader: DatabaseSync;
const rows = () => (reader.prepare('SELECT count(*) AS n FROM sqs_messages').get() as { n: number }).n;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'grouped-commits-'));
  persistence = new PersistenceManager(dir);
  persistence.insertQueue(queue('Orders'));
  reader = new DatabaseSync(path.join(dir, 'fauxqs.db'), { readOnly: true });
});

afterEach(() => {
  reader.close();
  if (persistence.db.isOpen) persistence.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('groupCommits', () => {
  it('commits the message writes made together once, when the code that made them has returned', async () => {
    const commits = groupCommits(persistence);
    for (let i = 0; i < 20; i++) persistence.insertMessage('Orders', message(`m${i}`));
    // Not committed yet: one open transaction holds them.
    expect(rows()).toBe(0);
    await Promise.resolve();
    expect(rows()).toBe(20);
    for (let i = 0; i < 10; i++) persistence.deleteMessage(`m${i}`);
    await Promise.resolve();
    expect(rows()).toBe(10);
    expect(commits.stats).toEqual({ transactions: 2, statements: 30 });
  });

  it("commits the group before any other call, so fauxqs's own transactions run after it and in order", async () => {
    groupCommits(persistence);
    persistence.insertMessage('Orders', message('a'));
    // fauxqs's transaction() would fail inside an open one ("cannot start a transaction within a transaction").
    persistence.clearMessagesAndObjects();
    persistence.insertMessage('Orders', message('b'));
    await Promise.resolve();
    expect(reader.prepare('SELECT message_id FROM sqs_messages').all()).toEqual([{ message_id: 'b' }]);
  });

  it('commits what is still open when fauxqs closes the database', () => {
    groupCommits(persistence);
    persistence.insertMessage('Orders', message('last'));
    persistence.close();
    expect(rows()).toBe(1);
  });

  it('still closes the database when the commit before it fails, and says so', () => {
    const said: string[] = [];
    groupCommits(persistence, { onEvent: (line) => said.push(line) });
    persistence.db.exec('PRAGMA defer_foreign_keys = ON');
    persistence.insertMessage('NoSuchQueue', message('orphan'));
    persistence.close();
    expect(persistence.db.isOpen).toBe(false);
    expect(said).toEqual([expect.stringContaining('a commit of 1 message change(s) failed (FOREIGN KEY constraint failed)')]);
    expect(rows()).toBe(0);
  });

  it("groups only the per-message writes, which exist on fauxqs's persistence as named", () => {
    for (const name of GROUPED_WRITES) expect(typeof persistence[name], name).toBe('function');
  });
});

describe('commitBeforeReplies', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /**
   * A server that writes `ids` and replies: in the same turn (`sync`), or after an `await` as
   * fauxqs's handlers do (its routes are async functions: the microtask has committed by then).
   */
  async function serve(ids: string[], commits: ReturnType<typeof groupCommits>, reply: 'sync' | 'async' = 'sync'): Promise<{ url: string; seenAtReply: number[] }> {
    const seenAtReply: number[] = [];
    server = http.createServer(async (_req, res) => {
      try {
        for (const id of ids) persistence.insertMessage('Orders', message(id));
      } catch {
        // As fastify answers a handler that throws.
        res.statusCode = 500;
        res.end('failed');
        return;
      }
      if (reply === 'async') await Promise.resolve();
      res.end('ok');
    });
    commitBeforeReplies(server, commits);
    // What another connection sees when the reply's bytes go out (below the guard: the response's own end).
    const end = http.ServerResponse.prototype.end;
    http.ServerResponse.prototype.end = function (this: http.ServerResponse, ...args: unknown[]) {
      seenAtReply.push(rows());
      return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof end;
    server.once('close', () => (http.ServerResponse.prototype.end = end));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/`, seenAtReply };
  }

  it('commits the writes of a request before its reply is written', async () => {
    const { url, seenAtReply } = await serve(['r1', 'r2', 'r3'], groupCommits(persistence));
    const reply = await fetch(url);
    expect(await reply.text()).toBe('ok');
    expect(seenAtReply).toEqual([3]);
  });

  for (const reply of ['sync', 'async'] as const) {
    it(`refuses the reply (${reply === 'sync' ? 'written in the same turn' : 'written after an await, as fauxqs does'}) when the commit fails, rolls the group back, says so, and answers nothing more`, async () => {
      const said: string[] = [];
      const commits = groupCommits(persistence, { onEvent: (line) => said.push(line) });
      // A real failing commit: foreign keys checked at COMMIT, and a message for a queue that does not exist.
      persistence.db.exec('PRAGMA defer_foreign_keys = ON');
      const { url } = await serve(['orphan'], commits, reply);
      const wrapped = persistence.insertMessage;
      persistence.insertMessage = (_queue: string, m: Record<string, unknown>) => wrapped.call(persistence, 'NoSuchQueue', m);
      await expect(fetch(url)).rejects.toThrow();
      expect(said).toEqual([
        expect.stringMatching(/^sns-sqs persistence: a commit of 1 message change\(s\) failed \(FOREIGN KEY constraint failed\): the emulator's memory no longer matches its database, so nothing more is written or answered; stop the stack and start it again .*Check the data folder's disk first\.$/),
      ]);
      expect(commits.broken).toBe(true);
      expect(persistence.db.isTransaction).toBe(false);
      expect(rows()).toBe(0);
      // A retry would be answered from fauxqs's memory: refused too, as every write.
      persistence.insertMessage = wrapped;
      await expect(fetch(url)).rejects.toThrow();
      expect(() => persistence.insertQueue(queue('Later'))).toThrow(/stop the stack and start it again/);
      expect(rows()).toBe(0);
    });
  }

  it('commits before a reply written after an await too', async () => {
    const { url, seenAtReply } = await serve(['a1', 'a2'], groupCommits(persistence), 'async');
    expect(await (await fetch(url)).text()).toBe('ok');
    expect(seenAtReply).toEqual([2]);
  });
});

describe('a group the database cannot roll back', () => {
  it('still refuses every later write, and closing the database ends the transaction left open', async () => {
    const said: string[] = [];
    const commits = groupCommits(persistence, { onEvent: (line) => said.push(line) });
    // SQLite keeps a transaction open when a deferred foreign key fails its COMMIT; a ROLLBACK that
    // fails too (a lost disk) is produced here by stopping the connection from running one.
    persistence.db.exec('PRAGMA defer_foreign_keys = ON');
    const exec = persistence.db.exec;
    persistence.db.exec = function (this: DatabaseSync, sql: string) {
      if (sql === 'ROLLBACK') throw new Error('disk I/O error');
      return exec.call(this, sql);
    };
    persistence.insertMessage('NoSuchQueue', message('orphan'));
    await Promise.resolve();
    expect(commits.broken).toBe(true);
    expect(persistence.db.isTransaction).toBe(true);
    expect(said).toEqual([expect.stringContaining('nothing more is written or answered; stop the stack and start it again')]);
    expect(() => persistence.insertMessage('Orders', message('after'))).toThrow(/stop the stack and start it again/);
    persistence.db.exec = exec;
    persistence.close();
    expect(rows()).toBe(0);
  });
});

describe('the persistent stack', () => {
  it('groups the writes of a batch into one transaction, and has what a reply acknowledged in its database when the reply arrives', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'grouped-stack-'));
    const said: string[] = [];
    const emulators = await startEmulators({ port: 0, dataDir, onEvent: (line) => said.push(line) });
    const sqs = new SQSClient(emulators.clientConfig);
    const onDisk = new DatabaseSync(path.join(dataDir, 'sns-sqs', 'fauxqs.db'), { readOnly: true });
    const count = (where: string) => (onDisk.prepare(`SELECT count(*) AS n FROM sqs_messages WHERE ${where}`).get() as { n: number }).n;
    try {
      expect(emulators.commits, 'the grouping is installed on a persistent stack').toBeDefined();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'Grouped' }));
      const before = emulators.commits!.stats;
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `order ${i}` })) }));
      expect(sent.Successful).toHaveLength(10);
      expect(emulators.commits!.stats).toEqual({ transactions: before.transactions + 1, statements: before.statements + 10 });
      expect(count('receipt_handle IS NULL')).toBe(10);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      expect(received.Messages).toHaveLength(10);
      // In flight, with their receipt handles, as the reply said.
      expect(count('receipt_handle IS NOT NULL')).toBe(10);
      expect(said).toEqual([]);
    } finally {
      onDisk.close();
      sqs.destroy();
      await emulators.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('after a failed commit answers nothing, not even a FIFO retry its memory would take as a duplicate; restarted, it has what was committed and takes the send', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'grouped-stack-'));
    const said: string[] = [];
    let emulators = await startEmulators({ port: 0, dataDir, onEvent: (line) => said.push(line) });
    // One attempt per send: the SDK would otherwise retry the refused send itself, as a client should.
    let sqs = new SQSClient({ ...emulators.clientConfig, maxAttempts: 1 });
    // A COMMIT that fails (a full disk) cannot be produced through fauxqs: the next one is made to.
    const exec = DatabaseSync.prototype.exec;
    let failNextCommit = false;
    DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
      if (sql === 'COMMIT' && failNextCommit) {
        failNextCommit = false;
        throw new Error('database or disk is full');
      }
      return exec.call(this, sql);
    };
    const send = (queueUrl: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'order 1', MessageGroupId: 'o-1', MessageDeduplicationId: 'order-1-placed' }));
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'Refused.fifo', Attributes: { FifoQueue: 'true' } }));
      failNextCommit = true;
      await expect(send(QueueUrl!)).rejects.toThrow();
      // A FIFO send: its message and its queue's sequence counter.
      expect(said).toEqual([expect.stringMatching(/^sns-sqs persistence: a commit of 2 message change\(s\) failed \(database or disk is full\): the emulator's memory no longer matches its database/)]);
      // fauxqs's memory has the deduplication id: answered, this retry would be a success with nothing on disk.
      await expect(send(QueueUrl!)).rejects.toThrow();
      await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).rejects.toThrow();
      sqs.destroy();
      await emulators.stop();

      emulators = await startEmulators({ port: 0, dataDir, onEvent: (line) => said.push(line) });
      sqs = new SQSClient({ ...emulators.clientConfig, maxAttempts: 1 });
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'Refused.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
      await send(queueUrl);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      expect(received.Messages?.map((m) => m.Body)).toEqual(['order 1']);
      expect(said).toHaveLength(1);
    } finally {
      DatabaseSync.prototype.exec = exec;
      sqs.destroy();
      await emulators.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
