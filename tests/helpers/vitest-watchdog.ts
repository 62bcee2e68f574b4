/**
 * Vitest plugin (vitest.config.ts): `vitest run` ends after its watchdog, not before it.
 *
 * Vitest 5 forks a watchdog process (`vitest-watchdog`, vitest/dist/workers/watchdog.js) beside its
 * first forks worker, to SIGKILL the workers should the main process die. When the pool closes it
 * only disconnects it (the watchdog exits on that), and the main process, which does not wait for
 * it, is usually gone first: the watchdog then outlives `vitest run` and `npm test`, still in their
 * process group, running for a moment (it ignores SIGINT, SIGTERM and SIGHUP), then a zombie until
 * init reaps it (1 to 2 s on the CI machines). Seen after every run.
 *
 * Here the main process, once Vitest closes (after the pool), waits until its watchdog has exited
 * and it has reaped it. Nothing is left to watch by then, so one that has not exited after
 * {@link WATCHDOG_GRACE_MS} is SIGKILLed. Linux only (/proc); elsewhere nothing is waited for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Plugin } from 'vitest/config';

/** How long the watchdog gets to exit on its own once disconnected (it takes milliseconds). */
export const WATCHDOG_GRACE_MS = 3_000;

/** A process as /proc/<pid>/stat tells it: zombies included. */
interface Stat {
  pid: number;
  ppid: number;
  /** The name the kernel keeps (15 characters at most): the process title once it has set one. */
  comm: string;
  state: string;
}

function statOf(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(ppid), comm: stat.slice(stat.indexOf('(') + 1, close), state: state! };
  } catch {
    return undefined;
  }
}

/** Vitest's watchdogs among the children of `parent`: named so by their title, or still starting (watchdog.js). */
export function watchdogsOf(parent: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (stat?.ppid !== parent) continue;
    let args = '';
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // exited meanwhile: its stat said enough
    }
    if (stat.comm === 'vitest-watchdog' || /[/\\]vitest[/\\]dist[/\\]workers[/\\]watchdog\.js$/.test(args)) found.push(stat.pid);
  }
  return found;
}

/** Resolves once none of `pids` is a child of this process any more (exited and reaped); SIGKILLs those left after `graceMs`. */
export async function untilReaped(pids: number[], graceMs = WATCHDOG_GRACE_MS): Promise<void> {
  const deadline = Date.now() + graceMs;
  let killed = false;
  for (;;) {
    const left = pids.filter((pid) => statOf(pid)?.ppid === process.pid);
    // Given up 2 s after the SIGKILL: a process that a SIGKILL does not end is not this one's to wait for.
    if (left.length === 0 || Date.now() >= deadline + 2_000) return;
    if (!killed && Date.now() >= deadline) {
      killed = true;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The plugin: registers the wait with every Vitest instance once (its hook runs once per project). */
export function vitestWatchdogReaped(): Plugin {
  const registered = new WeakSet<object>();
  return {
    name: 'sluice:vitest-watchdog-reaped',
    configureVitest({ vitest }) {
      if (registered.has(vitest)) return;
      registered.add(vitest);
      vitest.onClose(() => untilReaped(watchdogsOf(process.pid)));
    },
  };
}
