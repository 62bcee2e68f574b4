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
 * The children of `pid`, from `/proc/<pid>/task/<tid>/children` (each thread's own: a worker
 * thread may start a process too); undefined where the kernel does not provide those files.
 */
function childrenOf(pid: number): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const task of tasks) {
    const list = read(`/proc/${pid}/task/${task}/children`);
    if (list === undefined) {
      if (task === String(pid)) return undefined;
      continue;
    }
    for (const child of list.split(' ')) if (child) children.push(Number(child));
  }
  return children;
}

/** Children by parent pid, from every process's `stat` in /proc: what {@link childrenOf} reads directly, the slow way. */
function childrenFromEveryStat(): Map<number, number[]> {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return new Map();
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const stat = read(`/proc/${entry}/stat`);
    if (stat === undefined) continue;
    const { ppid } = parseStat(stat);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  return children;
}

/**
 * Every process below `root` (children, grandchildren, …), with their CPU time; empty without
 * /proc. Children are read from each process's own `children` files where the kernel has them:
 * the section samples this every 250 ms inside the runtime it measures, and reading the `stat`
 * of every process on a busy machine cost that runtime about 3 % of its main thread.
 *
 * @example
 * const tree = descendantsOf(process.pid);
 * tree.reduce((n, p) => n + (procMemory(p.pid, 'VmRSS') ?? 0), 0); // bytes resident in the children
 */
export function descendantsOf(root: number): TreeProcess[] {
  let slow: Map<number, number[]> | undefined;
  const below = (pid: number) => childrenOf(pid) ?? (slow ??= childrenFromEveryStat()).get(pid) ?? [];
  const found: TreeProcess[] = [];
  const queue = [root];
  while (queue.length) {
    for (const pid of below(queue.pop()!)) {
      const stat = read(`/proc/${pid}/stat`);
      if (stat === undefined) continue; // exited meanwhile
      found.push({ pid, cpuMs: parseStat(stat).cpuMs, name: nameOf(pid) });
      queue.push(pid);
    }
  }
  return found;
}
