/**
 * A line an instance writes without its newline is not held while the instance lives: it is a
 * line of its own, as CloudWatch ends a partial line with its invocation, once the invocation (or
 * the init) that wrote it ends, before its answer is acted on; and once the instance has written
 * nothing more for a moment (a line a timer wrote), whether the instance is busy or idle.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '@sluice/local';
import { InstancePool } from '../src/lambda/instance-pool.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let pool: InstancePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function handlerFile(source: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'instance-unfinished-line-')), 'consumeThings.mjs');
  writeFileSync(file, source);
  return file;
}

const context = () => createLambdaContext({ functionName: 'ConsumeThings', timeoutSeconds: 30, memoryMB: 128, region: 'us-east-1' });

/** A pool of one instance of `source` that never retires it, and what it logged. */
function poolOf(source: string) {
  const logged: string[] = [];
  pool = new InstancePool({ handlerFile: handlerFile(source), operationId: 'consumeThings', size: 1, idleTimeoutMs: Infinity, onLog: (text, stream) => logged.push(`${stream}: ${text}`) });
  return { pool, logged };
}

describe('a line an instance leaves without its newline', () => {
  it('is said before the init failure when the init writes it and throws, every time (the throw once overtook it)', async () => {
    // The worker's 'error' event comes on another port than the line, and overtook it about once in
    // 40 inits: the start was rejected first, and a function's own process, exiting on that, lost
    // the line. The line is now said first each time.
    const file = handlerFile(`process.stderr.write('fatal: cannot reach the store');\nthrow new Error('broken at init');\nexport const handler = async () => ({ batchItemFailures: [] });\n`);
    const missed: number[] = [];
    for (let i = 0; i < 40; i++) {
      const logged: string[] = [];
      pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, idleTimeoutMs: Infinity, onLog: (text, stream) => logged.push(`${stream}: ${text}`) });
      await expect(pool.handler({ Records: [] }, context())).rejects.toThrow('broken at init');
      if (!logged.includes('stderr: fatal: cannot reach the store\n')) missed.push(i);
      await pool.close();
      pool = undefined;
    }
    expect(missed, 'inits whose line was not said before their failure').toEqual([]);
  }, 60_000);

  it('is said once the invocation that wrote it returns, before its answer', async () => {
    const { pool, logged } = poolOf(`export const handler = async () => {
  process.stdout.write('progress');
  return { batchItemFailures: [] };
};`);
    await pool.handler({ Records: [] }, context());
    expect(logged).toEqual(['stdout: progress\n']);
  });

  it('is said once the invocation that wrote it throws, before its failure', async () => {
    const { pool, logged } = poolOf(`export const handler = async () => {
  process.stderr.write('about to fail');
  throw new Error('broken');
};`);
    await expect(pool.handler({ Records: [] }, context())).rejects.toThrow('broken');
    expect(logged).toEqual(['stderr: about to fail\n']);
  });

  it('is said once the init that wrote it is over, while the instance is busy', async () => {
    const { pool, logged } = poolOf(`process.stdout.write('loaded, waiting for messages');
export const handler = () => new Promise((resolve) => setTimeout(() => resolve({ batchItemFailures: [] }), 2000));`);
    let answered = false;
    const invocation = pool.handler({ Records: [] }, context()).then(() => (answered = true));
    await waitFor('the init line', () => logged.includes('stdout: loaded, waiting for messages\n'), 3_000);
    expect(answered).toBe(false);
    await invocation;
  });

  it('is said a moment after a timer wrote it, while the instance is busy', async () => {
    const { pool, logged } = poolOf(`setTimeout(() => process.stdout.write('tick'), 300);
export const handler = () => new Promise((resolve) => setTimeout(() => resolve({ batchItemFailures: [] }), 2000));`);
    let answered = false;
    const invocation = pool.handler({ Records: [] }, context()).then(() => (answered = true));
    await waitFor('the tick', () => logged.includes('stdout: tick\n'), 2_000);
    expect(answered).toBe(false);
    await invocation;
  });

  it('is said a moment after a timer wrote it, while the instance is idle', async () => {
    const { pool, logged } = poolOf(`export const handler = async () => {
  setTimeout(() => process.stderr.write('flushed later'), 300);
  return { batchItemFailures: [] };
};`);
    await pool.handler({ Records: [] }, context());
    await waitFor('the line', () => logged.includes('stderr: flushed later\n'), 2_000);
    expect(pool.size).toBe(1);
  });

  it('is continued by what the instance writes next, at once', async () => {
    const { pool, logged } = poolOf(`export const handler = async () => {
  process.stdout.write('one ');
  process.stdout.write('line\\n');
  return { batchItemFailures: [] };
};`);
    await pool.handler({ Records: [] }, context());
    expect(logged).toEqual(['stdout: one line\n']);
  });
});
