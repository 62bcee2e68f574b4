import { terminalSafeLines } from './terminal-safe.ts';

/** Where a command writes: the real process's terminal, or what a test captures. */
export interface CliIO {
  /** Writes one line of the command's result (stdout); `text` has no trailing newline. */
  out(text: string): void;
  /** Writes one line of a message for the user: an error, a warning, a hint (stderr). */
  err(text: string): void;
  /** Progress output (a terminal gets a redrawn bar). */
  progress: { write(s: string): unknown; isTTY?: boolean };
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/**
 * `io` whose `out` and `err` show control and bidi characters as escapes, lines and tabs kept
 * (`terminalSafeLines`): for a command whose lines quote what a contract or a message holds
 * (names, versions, keys). Not for JSON output: `terminalSafeJson` keeps it valid JSON.
 *
 * @param io - where the command writes
 * @returns the same I/O, made terminal-safe
 * @example
 * ```ts
 * import { processIO, terminalSafeIO } from '@sluice/cli';
 *
 * const io = terminalSafeIO(processIO());
 * io.err('warning: message Evil\u001b[2J has no examples'); // printed as Evil\x1b[2J
 * ```
 */
export function terminalSafeIO(io: CliIO): CliIO {
  return { ...io, out: (text) => io.out(terminalSafeLines(text)), err: (text) => io.err(terminalSafeLines(text)) };
}

let closedPipesHandled = false;

/**
 * A reader that goes away early (`npx payments list | head -1`) closes the pipe: the next write fails
 * with EPIPE, emitted as an 'error' event that would crash the process with a stack trace. Output
 * is then dropped instead, and the command finishes its work (a redrive is not cut in half) and
 * exits with its own code.
 */
function dropOutputOnClosedPipes(): void {
  if (closedPipesHandled) return;
  closedPipesHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/** Writes unless the stream's reader has gone away. */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (!stream.destroyed) stream.write(text);
}

/**
 * The terminal I/O of the real process: stdout for results, stderr for messages and progress.
 *
 * @returns an I/O whose `out` and `err` append a newline, with `confirm` only when stdin is a terminal
 * @example
 * ```ts
 * import { processIO, runCli, type ProgramSpec } from '@sluice/cli';
 *
 * declare const program: ProgramSpec;
 * const code = await runCli(program, ['list'], processIO());
 * ```
 */
export function processIO(): CliIO {
  dropOutputOnClosedPipes();
  const io: CliIO = {
    out: (text) => writeTo(process.stdout, `${text}\n`),
    err: (text) => writeTo(process.stderr, `${text}\n`),
    progress: {
      write: (s: string) => writeTo(process.stderr, s),
      get isTTY() {
        return process.stderr.isTTY;
      },
    },
  };
  if (process.stdin.isTTY) {
    io.confirm = async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    };
  }
  return io;
}
