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
import { SQSClient, SendMessageBatchCommand, CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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

  /** A server that writes `ids` and replies at once, in the same turn, as fauxqs's handlers can. */
  async function serve(ids: string[], commits: ReturnType<typeof groupCommits>): Promise<{ url: string; seenAtReply: number[] }> {
    const seenAtReply: number[] = [];
    server = http.createServer((_req, res) => {
      for (const id of ids) persistence.insertMessage('Orders', message(id));
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

  it('refuses the reply when the commit fails, rolls the group back and says so, and the next writes commit', async () => {
    const said: string[] = [];
    const commits = groupCommits(persistence, { onEvent: (line) => said.push(line) });
    // A real failing commit: foreign keys checked at COMMIT, and a message for a queue that does not exist.
    persistence.db.exec('PRAGMA defer_foreign_keys = ON');
    const { url } = await serve(['orphan'], commits);
    const broken = persistence.insertMessage;
    persistence.insertMessage = (_queue: string, m: Record<string, unknown>) => broken.call(persistence, 'NoSuchQueue', m);
    await expect(fetch(url)).rejects.toThrow();
    expect(said).toEqual([expect.stringMatching(/^sns-sqs persistence: a commit of 1 message change\(s\) failed and was rolled back \(FOREIGN KEY constraint failed\); the request it belonged to is refused, its client retries/)]);
    expect(persistence.db.isTransaction).toBe(false);
    expect(rows()).toBe(0);
    persistence.insertMessage = broken;
    persistence.db.exec('PRAGMA defer_foreign_keys = OFF');
    expect(await (await fetch(url)).text()).toBe('ok');
    expect(rows()).toBe(1);
  });
});

describe('the persistent stack', () => {
  it('has every message a reply acknowledged in its database when the reply arrives', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'grouped-stack-'));
    const emulators = await startEmulators({ port: 0, dataDir });
    const sqs = new SQSClient(emulators.clientConfig);
    const onDisk = new DatabaseSync(path.join(dataDir, 'sns-sqs', 'fauxqs.db'), { readOnly: true });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'Grouped' }));
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `order ${i}` })) }));
      expect(sent.Successful).toHaveLength(10);
      expect((onDisk.prepare('SELECT count(*) AS n FROM sqs_messages WHERE receipt_handle IS NULL').get() as { n: number }).n).toBe(10);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      expect(received.Messages).toHaveLength(10);
      // In flight, with their receipt handles, as the reply said.
      expect((onDisk.prepare('SELECT count(*) AS n FROM sqs_messages WHERE receipt_handle IS NOT NULL').get() as { n: number }).n).toBe(10);
    } finally {
      onDisk.close();
      sqs.destroy();
      await emulators.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
