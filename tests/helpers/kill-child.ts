/**
 * The end of a test that started a long-running command (`npm start`): the process, if it still
 * runs, killed (SIGKILL: a test's leftover stack must not outlive the run) and waited for, so the
 * folders it writes to can be removed after it.
 */
import type { ChildProcess } from 'node:child_process';

/** Kills `child` unless it has exited, and resolves once it has. */
export async function killAndWait(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
