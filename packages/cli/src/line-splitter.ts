/**
 * Text that arrives in chunks (a child's stdout, a worker's writes) turned into the lines it is
 * made of: a chunk may end mid-line, and the last line of a program that ends without a newline
 * is a line too, not lost.
 */

/** Splits text written in chunks into lines: see {@link lineSplitter}. */
export interface LineSplitter {
  /** Takes the next chunk: each line it completes goes to the splitter's `onLine`, at once. */
  write(chunk: string): void;
  /**
   * The text has ended (the stream's `'end'`, the writer gone): a last line without a newline
   * goes to `onLine`. Nothing goes when the text ended with a newline. The splitter stays usable.
   */
  end(): void;
}

/**
 * A splitter that gives `onLine` each line of the text written to it, as each is completed, and
 * the last one when told the text has ended. A line is given without its `\n`, and without the
 * `\r` before it (`\r\n`); a `\r` elsewhere stays. Empty lines are given too: whether a blank line
 * means something is the caller's to say.
 *
 * Chunks are text: bytes are decoded by the caller, e.g. with the stream's
 * `setEncoding('utf8')`, which keeps a character whose bytes two chunks share whole (decoding
 * each chunk alone would not).
 *
 * @param onLine - called with each line, in order
 * @returns the splitter: `write` each chunk, `end` when the text ends
 * @example
 * ```ts
 * import { spawn } from 'node:child_process';
 * import { lineSplitter } from '@sluice/cli';
 *
 * const child = spawn(process.execPath, ['-e', "process.stderr.write('fatal: no newline')"]);
 * const lines = lineSplitter((line) => console.log(`[child] ${line}`));
 * child.stderr.setEncoding('utf8').on('data', lines.write).on('end', lines.end);
 * ```
 */
export function lineSplitter(onLine: (line: string) => void): LineSplitter {
  let pending = '';
  const give = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  return {
    write(chunk: string): void {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) give(line);
    },
    end(): void {
      const last = pending;
      pending = '';
      if (last !== '') give(last);
    },
  };
}
