/**
 * `--watch` when a deleted handler comes back before the watch that waits for it is in place.
 * After the launch that failed for want of the handler, the host reads what the handler imports
 * and then watches the handler's folder for its name; a handler deleted and put back during that read
 * (an editor's undo, a `git checkout`) made no event, and the function stayed down until
 * the retry timer, which backs off to 30 s, or the next save.
 *
 * The order is forced: the read of the imports is the real one, its answer held back while the
 * handler is gone, until the test has put the handler back.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

/** Held back: the answer of each read made while the handler was gone, until the test lets it go. */
const held = vi.hoisted(() => {
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  return {
    wait: () => (reads++, gate),
    reads: () => reads,
    release: () => release(),
    reset: () => {
      reads = 0;
      gate = new Promise<void>((resolve) => (release = resolve));
    },
  };
});

vi.mock('../src/lambda/source-files.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/lambda/source-files.ts')>();
  return {
    ...real,
    sourceDependencies: async (entry: string, root: string) => {
      const goneAtRead = !existsSync(entry);
      const answer = real.sourceDependencies(entry, root);
      if (!goneAtRead) return answer;
      // Settled before the hold, so that it is the answer of the handler gone (esbuild may read the
      // file a moment after it is asked to, on a busy machine: after the test put it back); given
      // to the caller after the hold.
      const settled = await answer.then((files) => ({ files }), (error: unknown) => ({ error }));
      await held.wait();
      if ('error' in settled) throw settled.error;
      return settled.files;
    },
  };
});

const env = useWatchedHosts();

describe.each<FunctionProcesses>(['shared', 'separate'])('--watch, a handler put back while the host reads its imports (functionProcesses %s)', (functionProcesses) => {
  it('reloads it at once, not at the retry timer', { timeout: 60_000 }, async () => {
    const { root } = env.project('watch-handler-back');
    const events: string[] = [];
    const logs: string[] = [];
    // No retry within the test: only the watch can bring it back.
    const host = env.host({ functions: [thingsSpec(env.emulators(), root, await thingsQueue(env.sqs()))], functionProcesses, watch: true, root, restartDelayMs: 120_000, onEvent: (line) => events.push(line), onLog: (_op, line) => logs.push(line) });
    await host.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);

    held.reset();
    const handler = path.join(root, 'consumers/consumeThings.ts');
    const text = readFileSync(handler, 'utf8');
    rmSync(handler);
    await waitFor('the launch that failed for want of the handler', () => events.some((e) => /its handler consumers\/consumeThings\.ts does not exist/.test(e)), 20_000);
    await waitFor('the read of its imports after it', () => held.reads() > 0, 20_000);
    // Put back as a new file (a checkout, an editor's undo of the delete).
    writeFileSync(handler, text);
    held.release();
    await waitFor('the handler loaded again', () => logs.filter((l) => l === 'loaded v1').length >= 2, 15_000).catch(() => undefined);
    expect(logs.filter((l) => l === 'loaded v1').length, events.join('\n')).toBe(2);
    // What the watch says meanwhile: what brings it back, not the build's "Could not resolve <absolute path>" after the init failure said the handler is gone.
    const notes = events.filter((e) => /consumeThings: (cannot read its imports|watching )/.test(e));
    expect(notes, events.join('\n')).toEqual([expect.stringMatching(/^consumeThings: watching consumers\/consumeThings\.ts(, \S+)* and the files it imported before: putting the handler back reloads it$/)]);
  });
});
