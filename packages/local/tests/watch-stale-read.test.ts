/**
 * `--watch` when two reads of a handler's imports finish out of order. A reload and the retry
 * timer each read the imports after their launch, independently; on a loaded machine a read that
 * began earlier can finish later. A save caught half written (the file emptied first, which reads
 * fine) whose read came back after the read of the finished save (a syntax error) made the host
 * forget it had said the error: the next retry said "watching …" a second time, and the files
 * watched were those of the older read (seen once in a fresh-clone CI run).
 *
 * The order cannot be forced with esbuild alone, so the read of the imports is the real one with
 * its answer held back, when the file it read was empty, until the newer read has been said: what
 * a busy machine does now and then, in order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FunctionHost, FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

/** Held back: the answer of each read made while the store was empty, until the test lets it go. */
const held = vi.hoisted(() => {
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  return {
    wait: () => gate,
    release: () => release(),
    reset: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
  };
});

vi.mock('../src/lambda/source-files.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/lambda/source-files.ts')>();
  return {
    ...real,
    sourceDependencies: async (entry: string, root: string) => {
      const emptyAtRead = readFileSync(path.join(root, 'src/store.ts'), 'utf8') === '';
      const answer = real.sourceDependencies(entry, root);
      // Held, the read may fail meanwhile (esbuild read the file once written, broken): its
      // rejection is handled here and given to the caller after the hold, never left unhandled.
      answer.catch(() => undefined);
      if (emptyAtRead) await held.wait();
      return answer;
    },
  };
});

const env = useWatchedHosts();
let host: FunctionHost | undefined;

describe.each<FunctionProcesses>(['shared', 'separate'])('--watch, two reads of the imports finishing out of order (functionProcesses %s)', (functionProcesses) => {
  it('keeps what the newest read found: the note said once, the files it named watched', { timeout: 60_000 }, async () => {
    const { root, write } = env.project('watch-stale-read');
    const events: string[] = [];
    const logs: string[] = [];
    host = env.host({
      functions: [thingsSpec(env.emulators(), root, await thingsQueue(env.sqs()))],
      functionProcesses,
      watch: true,
      root,
      restartDelayMs: 100,
      onEvent: (line) => events.push(line),
      onLog: (_op, line) => logs.push(line),
    });
    await host.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);

    // The save caught half written: emptied, then (a moment later, as on a busy machine) written.
    held.reset();
    write('src/store.ts', '');
    await waitFor('the emptied store loaded and failed', () => events.some((e) => /does not provide an export named 'version'/.test(e)), 20_000);
    write('src/store.ts', "{ const x = ;\nexport const version = () => 'broken';\n");
    // The newer read (of the finished save) says what it watches; then the older one comes back.
    await waitFor('the note of the newer read', () => events.some((e) => /consumeThings: watching /.test(e)), 20_000);
    const retries = events.filter((e) => /init failed again/.test(e)).length;
    held.release();
    await waitFor('two retries after the older read came back', () => events.filter((e) => /init failed again/.test(e)).length >= retries + 2, 20_000);

    const notes = events.filter((e) => /consumeThings: (cannot read its imports|watching )/.test(e));
    expect(notes.length, events.join('\n')).toBeGreaterThanOrEqual(1);
    expect(new Set(notes).size, events.join('\n')).toBe(notes.length);
    // The files watched are those of the newest read: the store, which the syntax error names, still among them.
    expect(host.watchedFiles('consumeThings')).toContain(path.join(root, 'src/store.ts'));
  });
});
