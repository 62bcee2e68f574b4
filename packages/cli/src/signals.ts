/**
 * Ctrl-C and SIGTERM, one policy for every long-running command (`npm start`, `npm run
 * subscriber`, the local Lambda workers):
 *
 * - the first Ctrl-C (SIGINT) or SIGTERM stops gracefully: `stop` runs once (finishing the batches
 *   in flight), and the command ends when it resolves;
 * - a terminal's Ctrl-C reaches the process twice (from the terminal, to the whole foreground
 *   process group, and relayed by tsx, which runs it): a SIGINT within {@link SECOND_INTERRUPT_GRACE_MS}
 *   of the first is that same Ctrl-C and is ignored;
 * - a second Ctrl-C typed later forces the exit: it prints `forceMessage` and exits 130
 *   ({@link ExitCode.INTERRUPTED}), what the README's exit-code table says;
 * - `interrupt: 'ignore'` is for a child whose parent decides when to stop (it gets SIGTERM or a
 *   message): Ctrl-C reaches the whole process group, and the child leaves it to the parent.
 */
import { readFileSync } from 'node:fs';
import { ExitCode } from './errors.ts';

/** How long after a first Ctrl-C another SIGINT is taken for the same keypress (tsx's relay). */
export const SECOND_INTERRUPT_GRACE_MS = 1000;

/** The part of `process` the handler uses; tests pass their own. */
export interface SignalTarget {
  /** Adds a signal handler (`process.on`). */
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  /** Removes a signal handler (`process.off`). */
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  /** Ends the process with `code` (`process.exit`). */
  exit(code: number): unknown;
}

/** Options of {@link onShutdownSignals}. */
export interface ShutdownSignalOptions {
  /** Stops gracefully; runs once, on the first Ctrl-C or SIGTERM. */
  stop: () => unknown;
  /** `stop` (the default): Ctrl-C stops. `ignore`: only SIGTERM does (a child its parent stops). */
  interrupt?: 'stop' | 'ignore';
  /**
   * Printed (with `print`) by a second Ctrl-C before the process exits 130. Without it, a second
   * Ctrl-C does nothing more: the graceful stop goes on.
   */
  forceMessage?: string;
  /** Where `forceMessage` goes. @default stderr */
  print?: (line: string) => void;
  /** @default process */
  target?: SignalTarget;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Handles Ctrl-C and SIGTERM with the one policy above. Returns a function that removes the handlers.
 *
 * @example
 * ```ts
 * import { onShutdownSignals } from '@sluice/cli';
 *
 * const stopped = new Promise<void>((resolve) => {
 *   onShutdownSignals({
 *     stop: async () => {
 *       // finish what is in flight, then:
 *       resolve();
 *     },
 *     forceMessage: 'Second Ctrl-C: exiting now.',
 *   });
 * });
 * await stopped;
 * ```
 */
export function onShutdownSignals(options: ShutdownSignalOptions): () => void {
  const target = options.target ?? process;
  const now = options.now ?? Date.now;
  const print = options.print ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let stopping = false;
  let firstInterruptAt = 0;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void options.stop();
  };
  const onInterrupt = () => {
    if (!stopping) {
      firstInterruptAt = now();
      stop();
      return;
    }
    if (options.forceMessage === undefined || now() - firstInterruptAt < SECOND_INTERRUPT_GRACE_MS) return;
    print(options.forceMessage);
    target.exit(ExitCode.INTERRUPTED);
  };
  const ignore = () => {};
  const sigint = options.interrupt === 'ignore' ? ignore : onInterrupt;
  target.on('SIGINT', sigint);
  target.on('SIGTERM', stop);
  return () => {
    target.off('SIGINT', sigint);
    target.off('SIGTERM', stop);
  };
}

/**
 * Whether process `pid` exists on this machine (one of another user's counts: the signal is
 * refused with EPERM). What a command's lock file is checked against: a lock whose process is gone
 * is stale.
 *
 * @example
 * ```ts
 * import { processAlive } from '@sluice/cli';
 *
 * processAlive(process.pid); // true
 * ```
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What tells process `pid` apart from a later process given the same id (after a reboot, or a
 * container restarted with the same process ids): on Linux the boot's id and the process's start
 * time in clock ticks since boot, read from `/proc`; undefined where there is no `/proc` (macOS,
 * Windows) or the process is gone. A lock file records its owner's mark beside its id, and a lock
 * whose id is alive with another mark is stale ({@link processAlive} alone would call it held).
 *
 * @example
 * ```ts
 * import { processStartMark } from '@sluice/cli';
 *
 * const mark = processStartMark(process.pid); // e.g. 'f1c2…:123456' on Linux, undefined elsewhere
 * // later, for a lock that recorded { pid, mark }:
 * const sameProcess = mark === undefined || processStartMark(process.pid) === mark;
 * ```
 */
export function processStartMark(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself: the
    // fields after it start after the last ')'. The start time is field 22, the 20th after it.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (!startTicks || !/^\d+$/.test(startTicks)) return undefined;
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}:${startTicks}`;
  } catch {
    // No /proc (not Linux), or the process is gone: nothing to tell it apart by.
    return undefined;
  }
}
