/**
 * The instances of a local function, as Lambda runs them: the function timeout counts from when an
 * instance takes the invocation (a cold start's init has its own limit), and what a handler logs
 * is written out before its answer is acted on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '@sluice/local';
import { INSTANCE_YOUNG_GENERATION_MB, InstancePool, instanceResourceLimits } from '../src/lambda/instance-pool.ts';

let pool: InstancePool | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await pool?.close();
  pool = undefined;
});

function handlerFile(source: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'instance-pool-')), 'consumeThings.mjs');
  writeFileSync(file, source);
  return file;
}

const context = (timeoutSeconds: number) => createLambdaContext({ functionName: 'ConsumeThings', timeoutSeconds, memoryMB: 128, region: 'us-east-1' });

describe('InstancePool', () => {
  it('does not count a cold start against the function timeout', async () => {
    // Init takes 1.5 s; the invocation itself a moment; the function timeout is 1 s.
    const file = handlerFile(`await new Promise((r) => setTimeout(r, 1500));
export const handler = async (_event, context) => ({ batchItemFailures: [], remaining: context.getRemainingTimeInMillis() });`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1 });
    const response = (await pool.handler({ Records: [] }, context(1))) as { remaining: number };
    expect(response.remaining).toBeGreaterThan(0);
    expect(pool.coldStarts).toBe(1);
  });

  it('still times out an invocation that runs longer than the function timeout, and discards its instance', async () => {
    const file = handlerFile(`export const handler = () => new Promise(() => {});`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1 });
    await expect(pool.handler({ Records: [] }, context(1))).rejects.toThrow(/Task timed out after 1.00 seconds/);
    await pool.handler({ Records: [] }, context(1)).catch(() => undefined);
    expect(pool.coldStarts).toBe(2);
  });

  it('writes what the handler logged before it answers', async () => {
    // Many long lines, as a busy batch writes: forwarded on a channel of their own, some would
    // arrive after the answer.
    const file = handlerFile(`export const handler = async () => {
  for (let n = 0; n < 500; n++) console.log(JSON.stringify({ message: 'record processed', n, pad: 'x'.repeat(2000) }));
  process.stderr.write('warned\\n');
  return { batchItemFailures: [] };
};`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1 });
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    await pool.handler({ Records: [] }, context(5));
    // Already written when the answer arrives: no wait, no poll.
    const lines = written.join('').split('\n').filter((l) => l.startsWith('{'));
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ n: 499 });
    expect(written.join('')).toContain('warned');
  });

  it('retires an instance idle for idleTimeoutMs, keeps a busy pool warm, and starts cold again after', async () => {
    const file = handlerFile(`let invocations = 0;
export const handler = async () => ({ batchItemFailures: [], invocations: ++invocations });`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 2, idleTimeoutMs: 1000 });
    await pool.warm();
    expect(pool.size).toBe(1);
    // Invoked again within the idle time: the same instance (its module state goes on).
    for (let n = 1; n <= 3; n++) {
      expect(await pool.handler({ Records: [] }, context(5))).toMatchObject({ invocations: n });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pool.coldStarts).toBe(1);
    expect(pool.retired).toBe(0);
    await vi.waitFor(() => expect(pool!.size).toBe(0), { timeout: 5000, interval: 50 });
    expect(pool.retired).toBe(1);
    // The next invocation gets a fresh instance, with fresh module state, as after a Lambda scale-in.
    expect(await pool.handler({ Records: [] }, context(5))).toMatchObject({ invocations: 1 });
    expect(pool.coldStarts).toBe(2);
  });

  it('keeps instances until closed when idleTimeoutMs is Infinity', async () => {
    const file = handlerFile(`export const handler = async () => ({ batchItemFailures: [] });`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, idleTimeoutMs: Number.POSITIVE_INFINITY });
    await pool.handler({ Records: [] }, context(5));
    await new Promise((r) => setTimeout(r, 400));
    expect(pool.size).toBe(1);
    expect(pool.retired).toBe(0);
  });

  it("bounds an instance's heap by the function's memory: a handler that outgrows it fails, as an out-of-memory sandbox does, and the next invocation starts cold", async () => {
    expect(instanceResourceLimits(512)).toEqual({ maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: INSTANCE_YOUNG_GENERATION_MB });
    expect(instanceResourceLimits(undefined)).toEqual({ maxYoungGenerationSizeMb: INSTANCE_YOUNG_GENERATION_MB });
    const file = handlerFile(`const kept = [];
export const handler = async (event) => {
  if (event.grow) for (;;) kept.push(new Array(1_000_000).fill(Math.random()));
  return { batchItemFailures: [] };
};`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, memoryMB: 64 });
    await expect(pool.handler({ Records: [], grow: true } as never, context(30))).rejects.toThrow(/out of memory|memory limit/i);
    await expect(pool.handler({ Records: [] }, context(5))).resolves.toEqual({ batchItemFailures: [] });
    expect(pool.coldStarts).toBe(2);
  });
});
