/**
 * The instances of a local function, as Lambda runs them: the function timeout counts from when an
 * instance takes the invocation (a cold start's init has its own limit), and what a handler logs
 * is written out before its answer is acted on. Instances are added with demand: only once an
 * invocation has waited for a busy one, and only while the host has capacity to spare.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createLambdaContext } from '@sluice/local';
import { HOST_BUSY_UTILIZATION, hasSpareCapacity, INSTANCE_YOUNG_GENERATION_MB, InstancePool, instanceResourceLimits, MAX_HOLD_MS, SCALE_UP_DELAY_MS, SPARE_CORES_TO_SCALE } from '../src/lambda/instance-pool.ts';
import { sourceChangesSince } from '../src/lambda/source-files.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

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

  it('leaves no invocation unsettled when it is closed: the one running and the one waiting fail at once, saying why, and a later one too', async () => {
    const file = handlerFile(`export const handler = (event) => new Promise((r) => setTimeout(() => r({ batchItemFailures: [] }), event.holdMs));`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, scaleUpDelayMs: 60_000 });
    await pool.warm();
    const settled = (p: Promise<unknown>) => p.then(() => 'ok', (error: Error) => error.message);
    // A runs for a minute in the only instance; B waits for it (no scale-up within a minute).
    const running = settled(pool.handler({ Records: [], holdMs: 60_000 } as never, context(120)));
    const waiting = settled(pool.handler({ Records: [], holdMs: 0 } as never, context(120)));
    await new Promise((r) => setTimeout(r, 200));
    const asked = performance.now();
    await pool.close();
    // Without the stop saying so, A failed only at its timeout (2 minutes) and B never.
    const outcomes = await Promise.race([Promise.all([running, waiting]), new Promise<string[]>((r) => setTimeout(() => r([]), 5_000))]);
    expect(outcomes).toEqual(['consumeThings: its instances were stopped during this invocation', 'consumeThings: its instances were stopped before one was free for this invocation']);
    expect(performance.now() - asked).toBeLessThan(5_000);
    await expect(pool.handler({ Records: [] }, context(1))).rejects.toThrow('consumeThings: its instances were stopped before this invocation');
  });

  it('still times out an invocation that runs longer than the function timeout, and discards its instance', async () => {
    const file = handlerFile(`export const handler = (event) => (event.hang ? new Promise(() => {}) : Promise.resolve({ batchItemFailures: [] }));`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1 });
    await expect(pool.handler({ Records: [], hang: true } as never, context(1))).rejects.toThrow(/Task timed out after 1.00 seconds/);
    // The next invocation (one that answers, not a second timeout to wait out) gets a fresh instance.
    await expect(pool.handler({ Records: [] }, context(1))).resolves.toEqual({ batchItemFailures: [] });
    expect(pool.coldStarts).toBe(2);
  });

  it("fails an invocation whose handler exits the runtime at once, as Lambda's Runtime.ExitError, and the next invocation gets a fresh instance", async () => {
    const file = handlerFile(`let invocations = 0;
export const handler = async (event) => {
  invocations++;
  if (event.exit) process.exit(3);
  return { batchItemFailures: [], invocations };
};`);
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1 });
    await pool.warm();
    // The function timeout is far off: the failure comes from the exit, not from a timer.
    const failure = await pool.handler({ Records: [], exit: true } as never, context(30)).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.name).toBe('Runtime.ExitError');
    expect(failure!.message).toBe('Runtime exited with error: exit status 3');
    expect(pool.size).toBe(0);
    // A fresh instance (module state from scratch), the dead one not reused.
    await expect(pool.handler({ Records: [] }, context(5))).resolves.toEqual({ batchItemFailures: [], invocations: 1 });
    expect(pool.coldStarts).toBe(2);
  });

  it('says so when an idle instance ends its runtime (a timer of the handler calls process.exit): nothing to fail, but not silent', async () => {
    const file = handlerFile(`export const handler = async () => {
  setTimeout(() => process.exit(5), 50);
  return { batchItemFailures: [] };
};`);
    const logged: string[] = [];
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, onLog: (text, stream) => logged.push(`${stream}: ${text}`) });
    await expect(pool.handler({ Records: [] }, context(5))).resolves.toEqual({ batchItemFailures: [] });
    await waitFor('the exit said', () => logged.some((l) => l.includes('exit status 5')), 5_000);
    expect(logged).toContainEqual('stderr: consumeThings: an idle instance ended its runtime (Runtime.ExitError: Runtime exited with error: exit status 5), from a timer or callback of the handler; the next invocation starts a fresh one\n');
    expect(pool.size).toBe(0);
  });

  it('fails the start of an instance whose init exits, naming the exit, without waiting for the init limit', async () => {
    const file = handlerFile(`process.exit(4);
export const handler = async () => ({ batchItemFailures: [] });`);
    const reported: string[] = [];
    pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 1, onInitError: (m) => reported.push(m) });
    await expect(pool.warm()).rejects.toThrow('Runtime exited with error: exit status 4');
    expect(reported).toEqual(['Runtime exited with error: exit status 4']);
    expect(pool.size).toBe(0);
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
  describe('a change of the code (plain npm start: each instance loads the handler from disk when it starts)', () => {
    // Each instance says which version of the handler it loaded; an invocation sleeps `event.ms`.
    const versioned = (version: string) => `export const handler = async (event) => {
  await new Promise((r) => setTimeout(r, event.ms));
  return { batchItemFailures: [], version: '${version}' };
};`;
    const invoke = (ms: number) => pool!.handler({ Records: [], ms } as never, context(30)) as Promise<{ version: string }>;

    it('is found before an instance starts, said once, and the instances on the old code finish their invocation and go before the new one starts', { timeout: 30_000 }, async () => {
      const file = handlerFile(versioned('v1'));
      const changes: string[][] = [];
      // Another instance at once when all are busy, and none retired: only the change retires one.
      pool = new InstancePool({ handlerFile: file, operationId: 'consumeThings', size: 2, scaleUpDelayMs: 0, idleTimeoutMs: Number.POSITIVE_INFINITY, codeChangedSince: sourceChangesSince(file, path.dirname(file)), onCodeChange: (files) => changes.push(files) });
      await pool.warm();
      const first = invoke(400);
      writeFileSync(file, versioned('v2'));
      // Every instance busy: another starts, on the edited code, once the one on the old code is done.
      const second = invoke(0);
      expect((await Promise.all([first, second])).map((a) => a.version)).toEqual(['v1', 'v2']);
      expect(changes).toEqual([[file]]);
      expect(pool.coldStarts).toBe(2);
      // Old and new never ran side by side.
      expect(pool.peakSize).toBe(1);
      expect(pool.size).toBe(1);
      // Nothing changed since: the instances started next say nothing and wait for nothing.
      expect((await Promise.all([invoke(0), invoke(0)])).map((a) => a.version)).toEqual(['v2', 'v2']);
      expect(changes).toHaveLength(1);
      expect(pool.peakSize).toBe(2);
    });

    it('does not tell a file written in the millisecond of the moment, before it (its time has finer units than Date.now())', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'instance-pool-'));
      const file = path.join(dir, 'consumeThings.mjs');
      writeFileSync(file, 'export const handler = async () => ({});\n');
      const { mtimeMs } = statSync(file);
      // A moment taken right after the write, in the same millisecond: Date.now() is that millisecond, whole.
      expect(await sourceChangesSince(file, dir)(Math.floor(mtimeMs))).toEqual([]);
      // One a millisecond before the write still sees it.
      expect(await sourceChangesSince(file, dir)(Math.floor(mtimeMs) - 1)).toEqual([file]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('tells the files written since a moment, and a file gone once, not at every check while it stays gone', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'instance-pool-'));
      writeFileSync(path.join(dir, 'store.mjs'), "export const version = 'v1';\n");
      writeFileSync(path.join(dir, 'consumeThings.mjs'), "import { version } from './store.mjs';\nexport const handler = async () => ({ version });\n");
      const changedSince = sourceChangesSince(path.join(dir, 'consumeThings.mjs'), dir);
      const loaded = Date.now();
      expect(await changedSince(loaded)).toEqual([]);
      // Written a moment later (a file's time may come from a clock a tick behind this one's).
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(path.join(dir, 'store.mjs'), "export const version = 'v2';\n");
      expect(await changedSince(loaded)).toEqual([path.join(dir, 'store.mjs')]);
      const checked = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      rmSync(path.join(dir, 'store.mjs'));
      expect(await changedSince(checked)).toEqual([path.join(dir, 'store.mjs')]);
      expect(await changedSince(checked)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('scaling with demand', () => {
    // Each instance names itself once (its module state); an invocation sleeps `event.ms`, or,
    // given `event.until`, writes `<until>.<instance>` and lasts until that file exists (the test
    // writes it: see `releaser`).
    const sleeper = () =>
      handlerFile(`import { existsSync, writeFileSync } from 'node:fs';
const instance = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  if (event.until) {
    writeFileSync(event.until + '.' + instance, '');
    while (!existsSync(event.until)) await new Promise((r) => setTimeout(r, 10));
  } else await new Promise((r) => setTimeout(r, event.ms));
  return { batchItemFailures: [], instance };
};`);
    /** A file for invocations to last until (`invokeUntil`), what writes it, and the instances running one of them. */
    const releaser = () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'instance-pool-release-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, 'released');
      return { file, release: () => writeFileSync(file, ''), running: () => readdirSync(dir).filter((f) => f.startsWith('released.')).length };
    };
    const invokeUntil = (file: string) => pool!.handler({ Records: [], until: file } as never, context(30)) as Promise<{ instance: string }>;
    /** Keeps this thread busy all the time, in slices, as the emulators keep a host under load; returns the stop. */
    const saturateThisThread = (): (() => void) => {
      let spinning = true;
      const spin = () => {
        const until = performance.now() + 20;
        while (performance.now() < until);
        if (spinning) setImmediate(spin);
      };
      spin();
      return () => {
        spinning = false;
      };
    };
    const invoke = (ms: number) => pool!.handler({ Records: [], ms } as never, context(30)) as Promise<{ instance: string }>;

    it('waits a moment for a busy instance rather than starting another: short invocations one after the other share one instance', async () => {
      expect(SCALE_UP_DELAY_MS).toBeGreaterThan(0);
      pool = new InstancePool({ handlerFile: sleeper(), operationId: 'consumeThings', size: 3, scaleUpDelayMs: 5000, checkHostCapacity: false });
      await pool.warm();
      const answers = await Promise.all([invoke(50), invoke(50), invoke(50)]);
      expect(new Set(answers.map((a) => a.instance)).size).toBe(1);
      expect(pool.coldStarts).toBe(1);
      expect(pool.peakSize).toBe(1);
    });

    it('starts instances one at a time while invocations keep waiting, up to its size', { timeout: 30_000 }, async () => {
      pool = new InstancePool({ handlerFile: sleeper(), operationId: 'consumeThings', size: 3, scaleUpDelayMs: 100, checkHostCapacity: false });
      await pool.warm();
      // Each invocation lasts until three instances have started (not a fixed time that had to
      // outlast the others' wait plus a cold start on a busy machine): all three overlap.
      const { file, release, running } = releaser();
      const invocations = Promise.all([invokeUntil(file), invokeUntil(file), invokeUntil(file)]);
      try {
        await waitFor('three instances, each running an invocation', () => running() >= 3 || pool!.coldStarts > 3, 20_000);
      } finally {
        release();
      }
      const answers = await invocations;
      expect(pool.coldStarts).toBe(3);
      expect(pool.peakSize).toBe(3);
      expect(new Set(answers.map((a) => a.instance)).size).toBe(3);
    });

    it('starts at once, as soon as all are busy, with scaleUpDelayMs 0', { timeout: 30_000 }, async () => {
      pool = new InstancePool({ handlerFile: sleeper(), operationId: 'consumeThings', size: 3, scaleUpDelayMs: 0 });
      await pool.warm();
      await Promise.all([invoke(50), invoke(50), invoke(50)]);
      expect(pool.coldStarts).toBe(3);
    });

    it("adds no instance while the host's event loop is saturated: the invocations wait on the host, not on the instances", { timeout: 30_000 }, async () => {
      pool = new InstancePool({ handlerFile: sleeper(), operationId: 'consumeThings', size: 2, scaleUpDelayMs: 100 });
      await pool.warm();
      const stop = saturateThisThread();
      try {
        // The second waits about 600 ms, under MAX_HOLD_MS.
        await Promise.all([invoke(600), invoke(600)]);
      } finally {
        stop();
      }
      expect(pool.peakSize).toBe(1);
      expect(pool.heldBack).toBeGreaterThan(0);
    });

    it('starts one anyway for an invocation held back MAX_HOLD_MS: batches must not queue behind a slow instance past their visibility timeout', { timeout: 30_000 }, async () => {
      pool = new InstancePool({ handlerFile: sleeper(), operationId: 'consumeThings', size: 2, scaleUpDelayMs: 100 });
      await pool.warm();
      const stop = saturateThisThread();
      let answers: { instance: string }[];
      let waited = 0;
      const { file, release } = releaser();
      try {
        // The first runs until the second has answered (no fixed 4 × MAX_HOLD_MS: an instance of
        // its own is the second's only way to answer): the second, held back at first, gets one.
        const first = invokeUntil(file);
        const asked = performance.now();
        const second = invoke(50).finally(release);
        answers = await Promise.all([first, second.finally(() => (waited = performance.now() - asked))]);
      } finally {
        release();
        stop();
      }
      expect(pool.heldBack).toBeGreaterThan(0);
      // Held back that long, not less: the host stayed saturated all along.
      expect(waited).toBeGreaterThanOrEqual(MAX_HOLD_MS);
      expect(pool.peakSize).toBe(2);
      expect(new Set(answers.map((a) => a.instance)).size).toBe(2);
    });

    it('judges spare capacity from the host: its event loop not saturated, and half a core idle for another instance', () => {
      expect(hasSpareCapacity({ loopUtilization: 0.3, idleCores: 1.2 })).toBe(true);
      expect(hasSpareCapacity({ loopUtilization: HOST_BUSY_UTILIZATION, idleCores: SPARE_CORES_TO_SCALE })).toBe(true);
      expect(hasSpareCapacity({ loopUtilization: 0.95, idleCores: 1.5 })).toBe(false);
      expect(hasSpareCapacity({ loopUtilization: 0.2, idleCores: 0.1 })).toBe(false);
    });
  });
});
