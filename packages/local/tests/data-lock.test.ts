/**
 * One local stack per data folder: a second stack on a folder in use is refused before it opens
 * anything (it used to rewrite the first stack's queue settings, then fail with "Database is
 * closed"), naming the stack that holds it and what to do; a lock whose process is gone is taken
 * over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DATA_LOCK_FILE, DataDirInUseError, lockDataDir, startLocalRuntime } from '@sluice/local';
import { fixtureProject } from '../../../tests/helpers/fixture-project.ts';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'data-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('lockDataDir', () => {
  it('is taken once: a second taker is refused, naming the folder and what to do; released, it is free again', () => {
    const dir = folder();
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(path.join(dir, DATA_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(/the data folder .* is in use by another local stack .*Stop that one first .*npm run demo -- --in-memory --port 0.*--data-dir <folder>/);
    release();
    expect(existsSync(path.join(dir, DATA_LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
  });

  it("refuses a lock whose process runs; takes over one whose process is gone, saying so", async () => {
    const dir = folder();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: holder.pid, startedAt: '2026-12-05T10:00:00.000Z' }));
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another local stack \\(process ${holder.pid}, started 2026-12-05T10:00:00.000Z\\)`));
    } finally {
      holder.kill('SIGKILL');
    }
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), startedAt: 'then' }));
    const events: string[] = [];
    const release = lockDataDir(dir, (line) => events.push(line));
    expect(events).toEqual([expect.stringMatching(new RegExp(`took over the lock of a stack that is gone \\(process ${gone.stdout.trim()}\\)`))]);
    release();
  });
});

describe('two local stacks on one data folder', () => {
  it("the second is refused before it touches the first one's queues", { timeout: 60_000 }, async () => {
    const fixture = await fixtureProject('single-consumer');
    const dataDir = folder();
    const first = await startLocalRuntime({ application: await fixture.application(), port: 0, dataDir, consumers: false, visibilityTimeoutSeconds: 5, logLevel: 'SILENT' });
    const sqs = new SQSClient(first.clientConfig);
    try {
      const visibility = async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: first.resources.queues.OrderQueue!.url, AttributeNames: ['VisibilityTimeout'] }))).Attributes?.VisibilityTimeout;
      expect(await visibility()).toBe('5');
      await expect(startLocalRuntime({ application: await fixture.application(), port: 0, dataDir, consumers: false, visibilityTimeoutSeconds: 2, logLevel: 'SILENT' })).rejects.toThrow(DataDirInUseError);
      expect(await visibility()).toBe('5');
    } finally {
      sqs.destroy();
      await first.stop();
      fixture.dispose();
    }
    // Stopped, it leaves the folder free.
    expect(existsSync(path.join(dataDir, DATA_LOCK_FILE))).toBe(false);
  });
});
