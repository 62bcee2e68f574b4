/**
 * What Node does not tell a process about its children: their resident sets and CPU time, read
 * from Linux's /proc. Section 4 needs them because the local runtime runs each consumer in a child
 * process (its worker-thread instances share that process's memory and CPU accounting), and
 * getrusage only reports the calling process. Everything here returns nothing rather than throwing
 * where /proc is missing or a process has just exited.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** One process of a tree. */
export interface TreeProcess {
  pid: number;
  /** The script it runs (`function-worker.ts`), else its executable's name (`esbuild`). */
  name: string;
  /** User + system CPU time so far, all threads included. */
  cpuMs: number;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether /proc can be read here. */
export function procAvailable(): boolean {
  return read('/proc/self/status') !== undefined;
}

/**
 * A `kB` field of `/proc/<pid>/status` in bytes: `VmRSS` (resident now) or `VmHWM` (the process's
 * own peak so far); undefined when unreadable.
 */
export function procMemory(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
  const status = read(`/proc/${pid}/status`);
  const match = status === undefined ? null : new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** `pid (comm) state ppid … utime stime …`: comm may hold spaces and parentheses, so fields count from its end. */
function parseStat(stat: string): { ppid: number; cpuMs: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After comm: state(0) ppid(1) … utime(11) stime(12).
  return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
}

function nameOf(pid: number): string {
  const args = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
  const script = args.find((a) => /\.(?:[cm]?[jt]s)$/.test(a));
  return path.basename(script ?? args[0] ?? String(pid));
}

/**
 * Every process below `root` (children, grandchildren, …), found through the parent pids in
 * /proc; empty without /proc.
 *
 * @example
 * const tree = descendantsOf(process.pid);
 * tree.reduce((n, p) => n + (procMemory(p.pid, 'VmRSS') ?? 0), 0); // bytes resident in the children
 */
export function descendantsOf(root: number): TreeProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, { pid: number; cpuMs: number }[]>();
  for (const entry of entries) {
    const stat = read(`/proc/${entry}/stat`);
    if (stat === undefined) continue;
    const { ppid, cpuMs } = parseStat(stat);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(entry), cpuMs });
    children.set(ppid, list);
  }
  const found: TreeProcess[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.pop()!) ?? []) {
      found.push({ ...child, name: nameOf(child.pid) });
      queue.push(child.pid);
    }
  }
  return found;
}
