/**
 * A Node process started without blocking this one, its output collected: for tests that run
 * commands side by side and read what each printed once it has ended.
 */
import { spawn, type SpawnOptions } from 'node:child_process';

/** How a process ended, and what it wrote. */
export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts this Node (`process.execPath`) with `args`, its stdin empty, and resolves once it has
 * ended and its output is read to the end; rejects only when it could not be started.
 *
 * @example
 * ```ts
 * const { status, stdout } = await startNode(['--version']);
 * ```
 */
export function startNode(args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
