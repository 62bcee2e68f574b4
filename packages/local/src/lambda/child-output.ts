/**
 * The output of a function's own process (`functionProcesses: 'separate'`), read from its stdout
 * and stderr pipes as lines. The pipes can outlive the process: one it started (a grandchild with
 * `stdio: 'inherit'`) holds them open until it ends. So the process's exit does not wait for them
 * to close: what has been read is said when the host decides (see {@link ChildOutput.flush}), and
 * what comes later is said as it comes, until the host stops ({@link ChildOutput.silence}).
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { lineSplitter } from '@sluice/cli';

/** A function process's output: see {@link childOutput}. */
export interface ChildOutput {
  /** Resolves once both pipes have closed: everything written to them has been read and said. */
  readonly closed: Promise<void>;
  /** Says the line each pipe has begun and not ended, if any (more read later is said as it comes). */
  flush(): void;
  /**
   * Nothing more is said (the host has stopped): the line begun, if any, is said first; what is
   * read after is dropped, and the pipes no longer keep this process alive. They are still read,
   * so that a process writing to them is not blocked by a full pipe.
   */
  silence(): void;
}

/**
 * Reads `child`'s stdout and stderr (spawned with `'pipe'` for both) as lines for `onLine`; a
 * blank line is no message, and is left out. A line the process ends without a newline is said at
 * {@link ChildOutput.flush}, or when its pipe ends.
 *
 * @param child - the function's process
 * @param onLine - each line, with the stream it was written to
 * @returns what the host flushes, silences, and waits for
 */
export function childOutput(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): ChildOutput {
  let muted = false;
  const streams = (['stdout', 'stderr'] as const).map((name) => {
    const lines = lineSplitter((line) => {
      if (line && !muted) onLine(line, name);
    });
    const stream = child[name]!;
    stream.setEncoding('utf8').on('data', lines.write).on('end', lines.end);
    return { stream, lines };
  });
  const flush = () => {
    for (const { lines } of streams) lines.end();
  };
  return {
    closed: Promise.all(streams.map(({ stream }) => new Promise<void>((resolve) => stream.once('close', () => resolve())))).then(() => undefined),
    flush,
    silence() {
      flush();
      muted = true;
      for (const { stream } of streams) (stream as Readable & { unref?: () => void }).unref?.();
    },
  };
}
