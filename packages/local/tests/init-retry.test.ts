/**
 * An init that passes Lambda's init limit is retried, as Lambda retries it ("If all three tasks do
 * not complete within 10 seconds, Lambda retries the Init phase at the time of the first function
 * invocation with the configured function timeout"): the instance is stopped, the init runs again
 * in a fresh one (the module from scratch) with the function's timeout as its limit, and the time it
 * took comes off that invocation's timeout. The invocation fails only when the retry passes the
 * function's timeout too, or throws; an init that throws is not retried. The pool used to fail the
 * invocation at the init limit, its messages going back to the queue (and on to the dead-letter
 * queue), under a load that made the AWS SDK's import alone take more than 10 s.
 *
 * The init limit is set short here (`initTimeoutMs`). A first init "too slow" waits, with a timer,
 * for a marker file that the pool's report of its timeout creates: the retry then finds it, however
 * slowly the machine starts the workers.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createLambdaContext } from '@sluice/local';
import { INIT_TIMEOUT_MS, InstancePool, type InstancePoolOptions } from '../src/lambda/instance-pool.ts';

let pool: InstancePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** The init limit of these pools (ms): short, so that no test waits Lambda's 10 s. */
const INIT_LIMIT_MS = 1000;

/**
 * A folder with `consumeThings.mjs` (whose module first appends a line to `runs`, then runs `init`)
 * and the path of a marker file not there yet.
 */
function project(init: string, handler = `export const handler = async (_event, context) => ({ batchItemFailures: [], remaining: context.getRemainingTimeInMillis() });`) {
  const dir = mkdtempSync(path.join(tmpdir(), 'init-retry-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const runs = path.join(dir, 'runs');
  const marker = path.join(dir, 'marker');
  const file = path.join(dir, 'consumeThings.mjs');
  writeFileSync(
    file,
    `import { appendFileSync, existsSync } from 'node:fs';
const marker = ${JSON.stringify(marker)};
appendFileSync(${JSON.stringify(runs)}, 'run\\n');
${init}
${handler}
`,
  );
  return {
    file,
    marker,
    /** How many times the module has run (each in an instance of its own). */
    runs: () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

/** Init code that waits (a timer keeps the worker alive) until the marker exists, then `ms` more. */
const slowUntilMarked = (ms = 0) => `if (!existsSync(marker)) await new Promise((r) => setTimeout(r, 60_000));
else await new Promise((r) => setTimeout(r, ${ms}));`;

const context = (timeoutSeconds: number) => createLambdaContext({ functionName: 'ConsumeThings', timeoutSeconds, memoryMB: 128, region: 'us-east-1' });

/** A pool of one instance for `file`, its reports collected; `onTimeout` runs as the init's timeout is reported. */
function poolOf(file: string, options: { onTimeout?: () => void; timeoutMs?: number } = {}) {
  const errors: string[] = [];
  const retries: string[] = [];
  pool = new InstancePool({
    handlerFile: file,
    operationId: 'consumeThings',
    size: 1,
    initTimeoutMs: INIT_LIMIT_MS,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    onInitError: (message) => {
      errors.push(message);
      if (errors.length === 1) options.onTimeout?.();
    },
    onInitRetry: (message) => retries.push(message),
  });
  return { pool, errors, retries };
}

const TIMED_OUT = /^init did not finish within 1 s \(Lambda's init limit\): retried, as Lambda retries it, in a fresh instance within the first invocation, where the init and the handler share the function's timeout/;

describe("an init that passes Lambda's init limit", () => {
  it('keeps the 10 s limit by default', () => {
    expect(INIT_TIMEOUT_MS).toBe(10_000);
  });

  it('is retried in a fresh instance within the invocation, which succeeds, and both the timeout and the retry are said', async () => {
    const handler = project(slowUntilMarked());
    const { pool, errors, retries } = poolOf(handler.file, { onTimeout: () => writeFileSync(handler.marker, '') });
    const response = await pool.handler({ Records: [] }, context(10));
    expect(response).toMatchObject({ batchItemFailures: [] });
    // Said once, as a timeout that is retried, not as a failure of the invocation.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(TIMED_OUT);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toBe(errors[0]);
    expect(retries[1]).toMatch(/^its init, retried within the first invocation, finished in \d+\.\d s: the handler has the rest of the function's timeout \(10 s\)$/);
    // The module ran again from scratch, in a second worker; the first is gone.
    expect(handler.runs()).toBe(2);
    expect(pool.coldStarts).toBe(2);
    expect(pool.size).toBe(1);
  }, 20_000);

  it("fails the invocation once the retry passes the function's timeout too, naming the handler file", async () => {
    const handler = project(`await new Promise((r) => setTimeout(r, 60_000));`);
    const { pool, errors, retries } = poolOf(handler.file, { timeoutMs: 2000 });
    const started = performance.now();
    const failure = await pool.handler({ Records: [] }, context(2)).then(
      () => undefined,
      (error: Error) => error,
    );
    const expected = `${handler.file}: init did not finish within 1 s (Lambda's init limit), and its retry within the first invocation did not finish within the function's timeout (2 s) either`;
    expect(failure?.message).toBe(expected);
    // The retry had the function's 2 s, counted from its start, after the first init's 1 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(INIT_LIMIT_MS + 2000 - 50);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(TIMED_OUT);
    expect(errors[0]).toContain("the function's timeout (2 s)");
    expect(errors[1]).toBe(expected);
    expect(retries.at(-1)).toBe("its init, retried within the first invocation, did not finish within the function's timeout (2 s) either: the invocation waiting for it fails, unless an instance alive takes it first");
    expect(pool.coldStarts).toBe(2);
    expect(pool.size).toBe(0);
  }, 20_000);

  it("counts the retried init against the invocation's timeout: the handler's remaining time and its timer both", async () => {
    // The retry takes at least 1 s: the handler of a 10 s function has at most 9 s left.
    const handler = project(slowUntilMarked(1000));
    const { pool, retries } = poolOf(handler.file, { onTimeout: () => writeFileSync(handler.marker, '') });
    const { remaining } = (await pool.handler({ Records: [] }, context(10))) as { remaining: number };
    expect(remaining).toBeLessThanOrEqual(9000 + 50);
    // Smaller by about what the retry took, as said (to the tenth of a second; generous for a loaded machine).
    const took = Number(/finished in (\d+\.\d) s/.exec(retries.at(-1)!)![1]) * 1000;
    expect(took).toBeGreaterThanOrEqual(1000 - 50);
    expect(Math.abs(10_000 - took - remaining)).toBeLessThan(1000);

    // The timer too: a retry of 1.5 s and a handler of 2 s overrun a 3 s timeout, though each alone fits.
    const slow = project(slowUntilMarked(1500), `export const handler = async () => { await new Promise((r) => setTimeout(r, 2000)); return { batchItemFailures: [] }; };`);
    await pool.close();
    const second = poolOf(slow.file, { onTimeout: () => writeFileSync(slow.marker, '') });
    await expect(second.pool.handler({ Records: [] }, context(3))).rejects.toThrow('Task timed out after 3.00 seconds');
    expect(slow.runs()).toBe(2);
  }, 30_000);

  it('left by warm() to the first invocation: warm resolves, and that invocation retries the init with the function timeout', async () => {
    const handler = project(slowUntilMarked(500));
    const { pool, errors, retries } = poolOf(handler.file, { onTimeout: () => writeFileSync(handler.marker, ''), timeoutMs: 10_000 });
    await pool.warm();
    expect(pool.size).toBe(0);
    expect(errors).toEqual([expect.stringMatching(TIMED_OUT)]);
    expect(errors[0]).toContain("the function's timeout (10 s)");
    expect(handler.runs()).toBe(1);
    const { remaining } = (await pool.handler({ Records: [] }, context(10))) as { remaining: number };
    // Straight to the retry: no second init with the 1 s limit first.
    expect(pool.coldStarts).toBe(2);
    expect(handler.runs()).toBe(2);
    expect(remaining).toBeLessThanOrEqual(9500 + 50);
    expect(retries.at(-1)).toMatch(/^its init, retried within the first invocation, finished in/);
    expect(errors).toHaveLength(1);
  }, 20_000);
});

/**
 * A handler module for pools of several instances, whose init depends on two marker files, not on
 * how many times it ran (a worker slow to start under load would shift a count): `warmed`, which
 * the test writes once the pool's first instance is up, and `timedOut`, which it writes when the
 * pool reports an init past its limit. `init` is the module's top-level code; its handler holds
 * `event.holdMs` and returns `version`, whether its module ran as a retry, and its remaining time.
 */
function markedModule(init: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'init-retry-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const warmed = path.join(dir, 'warmed');
  const timedOut = path.join(dir, 'timed-out');
  const file = path.join(dir, 'consumeThings.mjs');
  const write = (version: number) =>
    writeFileSync(
      file,
      `import { existsSync } from 'node:fs';
const warmed = existsSync(${JSON.stringify(warmed)});
const retry = existsSync(${JSON.stringify(timedOut)});
${init}
export const handler = async (event, context) => {
  const remaining = context.getRemainingTimeInMillis();
  await new Promise((r) => setTimeout(r, event.holdMs));
  return { batchItemFailures: [], version: ${version}, retry, remaining };
};
`,
    );
  write(1);
  return { file, write, warmed: () => writeFileSync(warmed, ''), timedOut: () => writeFileSync(timedOut, '') };
}

/** Init code: every instance after the first hangs, until an init has timed out; then `retryMs` more (the retry). */
const hangUntilTimedOut = (retryMs: number) => `if (warmed && !retry) await new Promise((r) => setTimeout(r, 600_000));
if (retry) await new Promise((r) => setTimeout(r, ${retryMs}));`;

/**
 * The pool of `options`, its first instance warmed: the one whose init is not meant to pass the
 * test's short limit. That init runs with no limit (under a loaded CI run one took more than the
 * 0.5 s of a test, and warm() then left it to the first invocation to retry, the test's premise
 * gone); every later start has the test's limit (the pool reads `initTimeoutMs` at each start).
 * Then `handler` is told the pool is warm.
 */
async function warmedPool(options: InstancePoolOptions, handler: { warmed(): void }): Promise<InstancePool> {
  const limit = options.initTimeoutMs;
  const own: InstancePoolOptions = { ...options, initTimeoutMs: Number.POSITIVE_INFINITY };
  const warmed = new InstancePool(own);
  pool = warmed;
  await warmed.warm();
  expect(warmed.size, 'the first instance is up').toBe(1);
  own.initTimeoutMs = limit;
  handler.warmed();
  return warmed;
}

type Reply = { version: number; retry: boolean; remaining: number };

describe('a retried init started for one invocation and taken by another', () => {
  it('charges the one that takes it only the part of the retry it waited for', async () => {
    // The first instance inits at once; the second one's first init passes the limit and its retry
    // takes 3 s, while the first instance is busy with B; C arrives near the end of that retry.
    const handler = markedModule(hangUntilTimedOut(3_000));
    let timedOut!: () => void;
    const saidTimeout = new Promise<void>((resolve) => (timedOut = resolve));
    await warmedPool(
      {
        handlerFile: handler.file,
        operationId: 'consumeThings',
        size: 2,
        initTimeoutMs: 500,
        timeoutMs: 5_000,
        scaleUpDelayMs: 50,
        checkHostCapacity: false,
        onInitError: () => (handler.timedOut(), timedOut()),
      },
      handler,
    );
    const invoke = (holdMs: number) => pool!.handler({ Records: [], holdMs } as never, context(5)) as Promise<Reply>;
    const a = invoke(1_000);
    // B waits for the instance A holds: a scale-up starts for it, whose init passes the limit.
    const b = invoke(4_000);
    await saidTimeout;
    await new Promise((r) => setTimeout(r, 2_500));
    const cAsked = performance.now();
    const c = await invoke(0);
    const cWaited = performance.now() - cAsked;
    await Promise.all([a, b]);
    // C ran on the retried instance, having waited for the end of its retry...
    expect(c.retry).toBe(true);
    // ...and its remaining time is the function's, less what it waited at most (with a margin for
    // the worker's messages): not less the whole 3 s retry, which it did not wait for.
    expect(c.remaining).toBeGreaterThanOrEqual(5_000 - cWaited - 250);
  }, 30_000);
});

describe('invocations waiting while starts fail', () => {
  it('are each served: none is left waiting once the pool has no instance and no start under way', async () => {
    // Every init after the first hangs. A1 holds the only instance past its timeout (the instance is
    // discarded); B1 and then A2 wait; every start made for them passes the init limit and its retry.
    const handler = markedModule(`if (warmed) await new Promise((r) => setTimeout(r, 600_000));`);
    await warmedPool({ handlerFile: handler.file, operationId: 'consumeThings', size: 2, initTimeoutMs: 300, timeoutMs: 1_000, scaleUpDelayMs: 50, checkHostCapacity: false }, handler);
    const settled: Record<string, string> = {};
    const invoke = (name: string, holdMs: number) =>
      (pool!.handler({ Records: [], holdMs } as never, context(1)) as Promise<unknown>).then(
        () => void (settled[name] = 'ok'),
        (error: Error) => void (settled[name] = error.message),
      );
    const a = invoke('A1', 30_000).then(() => invoke('A2', 0));
    await new Promise((r) => setTimeout(r, 10));
    const b = invoke('B1', 0);
    // Without the pool serving them, A2 never settled (its batch would stay hidden, its poller stuck).
    await Promise.race([Promise.all([a, b]), new Promise((r) => setTimeout(r, 25_000))]);
    expect(Object.keys(settled).sort()).toEqual(['A1', 'A2', 'B1']);
    expect(settled.A1).toMatch(/Task timed out after 1\.00 seconds/);
    expect(settled.B1).toMatch(/init did not finish within 0\.3 s \(Lambda's init limit\), and its retry within the first invocation did not finish within the function's timeout \(1 s\) either/);
    expect(settled.A2).toMatch(/init did not finish within 0\.3 s/);
  }, 40_000);

  it('get their starts side by side, up to the pool size, not one after the other', async () => {
    // Every init after the first hangs. A holds the only instance past its timeout; B, C, D and E
    // wait (no scale-up: its delay is a minute). A's instance discarded, B gets a start; once it has
    // failed, the pool has no instance and no start under way: C, D and E get one each, at once.
    const handler = markedModule(`if (warmed) await new Promise((r) => setTimeout(r, 600_000));`);
    const warmed = await warmedPool({ handlerFile: handler.file, operationId: 'consumeThings', size: 3, initTimeoutMs: 300, timeoutMs: 700, scaleUpDelayMs: 60_000, checkHostCapacity: false }, handler);
    const invoke = (holdMs: number) => (warmed.handler({ Records: [], holdMs } as never, context(1)) as Promise<unknown>).then(() => 'ok', (error: Error) => error.message);
    const a = invoke(30_000);
    await new Promise((r) => setTimeout(r, 10));
    const waiters = [invoke(0), invoke(0), invoke(0), invoke(0)];
    const settled = await Promise.race([Promise.all([a, ...waiters]), new Promise<string[]>((r) => setTimeout(() => r([]), 25_000))]);
    expect(settled).toHaveLength(5);
    for (const message of settled.slice(1)) expect(message).toMatch(/init did not finish within 0\.3 s/);
    // One after the other, the pool never had more than one instance at once here (the review's runs
    // of a pool of 3 and of 5: the waiters failed at 1.0, 2.07, 3.07, … s).
    expect(warmed.peakSize).toBe(3);
  }, 40_000);
});

describe('a retried init and a code change', () => {
  it('checks the code before the retry too: a save during the first init is said, and never runs beside the old code', async () => {
    // The second instance's first init passes the limit; the handler is saved (version 2) meanwhile.
    const handler = markedModule(hangUntilTimedOut(0));
    const changes: string[][] = [];
    let savedAt = 0;
    await warmedPool(
      {
        handlerFile: handler.file,
        operationId: 'consumeThings',
        size: 2,
        initTimeoutMs: 500,
        timeoutMs: 10_000,
        scaleUpDelayMs: 50,
        checkHostCapacity: false,
        codeChangedSince: async (since) => (savedAt > since ? [handler.file] : []),
        onCodeChange: (files) => changes.push(files),
        onInitError: () => handler.timedOut(),
      },
      handler,
    );
    const loadedAt = Date.now();
    const ended: Array<{ name: string; reply: Reply }> = [];
    const invoke = (name: string, holdMs: number) => (pool!.handler({ Records: [], holdMs } as never, context(10)) as Promise<Reply>).then((reply) => ended.push({ name, reply }));
    const a = invoke('A', 2_000);
    // B waits for A's instance: a scale-up starts for it (code unchanged then), and its init hangs.
    const b = invoke('B', 0);
    await new Promise((r) => setTimeout(r, 250));
    handler.write(2);
    savedAt = Math.max(Date.now(), loadedAt + 1);
    await Promise.all([a, b]);
    // The change is said once, and B ran the new code, in the retried instance, only after A (on
    // the old code) had ended.
    expect(changes).toEqual([[handler.file]]);
    expect(ended.map((e) => [e.name, e.reply.version, e.reply.retry])).toEqual([
      ['A', 1, false],
      ['B', 2, true],
    ]);
  }, 30_000);
});

describe('an init that throws', () => {
  it('is not retried: the invocation fails with its error, the module ran once', async () => {
    const handler = project(`throw new Error('no configuration for consumeThings');`);
    const { pool, errors, retries } = poolOf(handler.file);
    await expect(pool.handler({ Records: [] }, context(10))).rejects.toThrow('no configuration for consumeThings');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('no configuration for consumeThings');
    expect(errors[0]).not.toMatch(/retried/);
    expect(retries).toEqual([]);
    expect(handler.runs()).toBe(1);
    expect(pool.coldStarts).toBe(1);
  }, 20_000);
});
