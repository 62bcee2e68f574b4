/**
 * The persistent SNS/SQS database's checkpoints run in a worker thread, not on the emulators'
 * event loop: on a database of the test's own, then through the stack started with a data folder.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { SQSClient, CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { BACKSTOP_PAGES, SQLITE_AUTOCHECKPOINT_PAGES, startEmulators, startWalCheckpointer, type WalCheckpointer } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

const folders: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function walDatabase(): { db: DatabaseSync; file: string } {
  const folder = mkdtempSync(path.join(tmpdir(), 'wal-'));
  folders.push(folder);
  const file = path.join(folder, 'data.db');
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  cleanups.push(() => db.close());
  return { db, file };
}

const autocheckpoint = (db: DatabaseSync) => Number((db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint);

describe('startWalCheckpointer', () => {
  it("takes the writer's checkpoints into a worker thread, which stops when the writes do", async () => {
    const { db, file } = walDatabase();
    const lines: string[] = [];
    const checkpointer: WalCheckpointer = startWalCheckpointer(db, file, { intervalMs: 20, idleMs: 300, onEvent: (l) => lines.push(l) });
    cleanups.push(() => checkpointer.stop());
    // The writer checkpoints only as a backstop, far beyond SQLite's 1,000 pages.
    expect(autocheckpoint(db)).toBe(BACKSTOP_PAGES);
    expect(checkpointer.running).toBe(false);

    // ~1,500 pages of log: the writer's own checkpoint would have run at 1,000.
    const insert = db.prepare('INSERT INTO m (body) VALUES (?)');
    for (let i = 0; i < 1_500; i++) insert.run('x'.repeat(3_000));
    await waitFor('a checkpoint by the worker', () => checkpointer.checkpoints > 0, 10_000);
    expect(checkpointer.lastCheckpointed).toBeGreaterThan(1_000);

    // What the worker copied is in the database: a new connection reads every row.
    const reader = new DatabaseSync(file, { readOnly: true });
    expect((reader.prepare('SELECT count(*) AS n FROM m').get() as { n: number }).n).toBe(1_500);
    reader.close();

    // No writes: the thread is stopped (a stack at rest holds none).
    await waitFor('the idle worker stopped', () => !checkpointer.running, 5_000);
    // A write starts it again.
    insert.run('y');
    await waitFor('the worker back', () => checkpointer.checkpoints > 1, 5_000);

    await checkpointer.stop();
    expect(autocheckpoint(db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    expect(checkpointer.running).toBe(false);
    expect(lines).toEqual([]);
  }, 30_000);

  it('gives the writer its own checkpoints back, and says so, when the worker cannot checkpoint', async () => {
    const { db } = walDatabase();
    const lines: string[] = [];
    // A folder where the database should be: the worker cannot open it.
    const notADatabase = mkdtempSync(path.join(tmpdir(), 'wal-not-db-'));
    folders.push(notADatabase);
    const checkpointer = startWalCheckpointer(db, notADatabase, { intervalMs: 20, onEvent: (l) => lines.push(l) });
    cleanups.push(() => checkpointer.stop());
    db.prepare('INSERT INTO m (body) VALUES (?)').run('x');
    await waitFor('the failure reported', () => lines.length > 0, 10_000);
    expect(checkpointer.failed).toBe(true);
    expect(lines).toEqual([expect.stringMatching(/^sns-sqs persistence: the background checkpoint failed \(.+\); checkpoints run on the emulators' thread again \(slower, nothing lost\)$/)]);
    expect(autocheckpoint(db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  }, 30_000);
});

describe('the stack with a data folder', () => {
  it("checkpoints fauxqs's database in the worker, and none in memory", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'wal-stack-'));
    folders.push(dataDir);
    mkdirSync(dataDir, { recursive: true });
    const emulators = await startEmulators({ port: 0, dataDir });
    cleanups.push(() => emulators.stop());
    expect(emulators.checkpointer).toBeDefined();
    const sqs = new SQSClient(emulators.clientConfig);
    cleanups.push(() => sqs.destroy());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'Checkpointed' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
    await waitFor('a checkpoint of the queue and its message', () => (emulators.checkpointer?.checkpoints ?? 0) > 0, 10_000);
    expect(emulators.checkpointer?.failed).toBe(false);

    const inMemory = await startEmulators({ port: 0 });
    cleanups.push(() => inMemory.stop());
    expect(inMemory.checkpointer).toBeUndefined();
  }, 30_000);
});
