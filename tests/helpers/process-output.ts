/**
 * What a test file's code writes to this process's stdout and stderr (a consumer's log lines),
 * kept instead of printed: the writes are spied on from the file's `beforeAll` to its `afterAll`.
 *
 * @example
 * ```ts
 * const logs = processOutput();
 * // … run a consumer …
 * const failed = logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('"record failed"'));
 * ```
 */
import { afterAll, beforeAll, vi } from 'vitest';

export function processOutput(): string[] {
  const logs: string[] = [];
  beforeAll(() => {
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logs.push(String(chunk));
        return true;
      });
    }
  });
  afterAll(() => vi.restoreAllMocks());
  return logs;
}
