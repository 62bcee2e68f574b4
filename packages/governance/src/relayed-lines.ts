/**
 * A child program whose output reaches the user through a command's I/O, line by line as the
 * program writes it: so a terminal-safe I/O sees every line (the program may quote a contract's
 * keys), a test captures it, and a slow program's progress shows as it comes, not at its end.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { lineSplitter, type CliIO } from '@sluice/cli';

/** How a relayed program ended: its exit code, or the signal that stopped it. */
export interface RelayedExit {
  /** The exit code; null when a signal stopped the program. */
  status: number | null;
  /** The signal that stopped the program, or null. */
  signal: NodeJS.Signals | null;
}

/** Each complete line of `stream` to `write` as it arrives (a last line without a newline at the end). */
function eachLine(stream: Readable, write: (line: string) => void): void {
  const lines = lineSplitter(write);
  stream.setEncoding('utf8').on('data', lines.write).on('end', lines.end);
}

/**
 * Runs `command` with `args` and relays its stdout to `io.out` and its stderr to `io.err`, one call
 * per line, as each line arrives (a line ending in `\r\n` is relayed without the `\r`). Its stdin
 * is closed.
 *
 * @param command - the program
 * @param args - its arguments
 * @param env - its environment
 * @param io - where its lines go
 * @returns how it ended, once its output is all relayed
 * @throws the spawn error when the program cannot be started
 * @example
 * ```ts
 * import { processIO, terminalSafeIO } from '@sluice/cli';
 * import { runRelayingLines } from './relayed-lines.ts';
 *
 * const { status } = await runRelayingLines(process.execPath, ['--version'], process.env, terminalSafeIO(processIO()));
 * ```
 */
export function runRelayingLines(command: string, args: readonly string[], env: NodeJS.ProcessEnv, io: Pick<CliIO, 'out' | 'err'>): Promise<RelayedExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    eachLine(child.stdout, (line) => io.out(line));
    eachLine(child.stderr, (line) => io.err(line));
    child.once('error', reject);
    // 'close' comes after both streams ended, so every line is relayed by then.
    child.once('close', (status, signal) => resolve({ status, signal }));
  });
}
