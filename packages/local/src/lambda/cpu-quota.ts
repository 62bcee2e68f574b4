/**
 * The CPU this process may use when a control group caps it (a container started with `--cpus`,
 * a systemd slice with `CPUQuota=`), and what its group has used. `os.cpus()` shows the host's cores
 * and their idle time whatever the cap: in a container allowed 2 of a 16-core host's cores, the host
 * looks idle while the container is throttled. The instance pool judges its spare capacity by
 * both ({@link idleCoresOver}).
 *
 * cgroup v2 (`cpu.max`: `<quota> <period>` or `max`, usage in `cpu.stat`'s `usage_usec`) and v1
 * (`cpu.cfs_quota_us`, `-1` for none, and `cpu.cfs_period_us`; usage in `cpuacct.usage`, ns), from
 * the process's own group up to the root: the tightest cap counts, with the usage of the group it
 * caps. Nothing readable, or no cap anywhere: no quota.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A cap on this process's CPU, from {@link cpuQuota}. */
export interface CpuQuota {
  /** The cores the cap allows (quota ÷ period: 1.5 for `150000 100000`). */
  cores: number;
  /** The capped group's folder. */
  group: string;
  /** CPU time the capped group has used so far, ms (all its processes). */
  usageMs(): number;
}

/** Where {@link cpuQuota} reads; the system's by default (tests point it at a tree of their own). */
export interface CpuQuotaSources {
  /** The cgroup file system's mount point. @default '/sys/fs/cgroup' */
  root?: string;
  /** This process's groups, as `/proc/self/cgroup` lists them. @default '/proc/self/cgroup' */
  procCgroup?: string;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** `dir`, then each parent up to and including `top`. */
function upTo(dir: string, top: string): string[] {
  const dirs: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    dirs.push(d);
    if (d === top || path.relative(top, d).startsWith('..') || d === path.dirname(d)) break;
  }
  return dirs;
}

interface Cap {
  cores: number;
  group: string;
  usage: () => number | undefined;
}

function v2Caps(root: string, relative: string): Cap[] {
  return upTo(path.join(root, relative), root).flatMap((group): Cap[] => {
    const [quota, period] = (read(path.join(group, 'cpu.max')) ?? 'max').split(/\s+/);
    if (quota === 'max' || !Number(quota) || !Number(period)) return [];
    const usage = () => {
      const line = /^usage_usec\s+(\d+)$/m.exec(read(path.join(group, 'cpu.stat')) ?? '');
      return line ? Number(line[1]) / 1_000 : undefined;
    };
    return [{ cores: Number(quota) / Number(period), group, usage }];
  });
}

function v1Caps(root: string, controllers: string, relative: string): Cap[] {
  const names = controllers.split(',');
  if (!names.includes('cpu')) return [];
  // Mounted as `cpu,cpuacct` (the usual) or `cpu`; in a container the mount is the container's own group.
  return [...new Set([controllers, 'cpu,cpuacct', 'cpu'])].flatMap((mount): Cap[] => {
    const top = path.join(root, mount);
    return upTo(path.join(top, relative), top).flatMap((group): Cap[] => {
      const quota = Number(read(path.join(group, 'cpu.cfs_quota_us')));
      const period = Number(read(path.join(group, 'cpu.cfs_period_us')));
      if (!(quota > 0) || !(period > 0)) return [];
      const usage = () => {
        const ns = Number(read(path.join(group, 'cpuacct.usage')) ?? read(path.join(root, 'cpuacct', path.relative(top, group), 'cpuacct.usage')));
        return Number.isFinite(ns) ? ns / 1e6 : undefined;
      };
      return [{ cores: quota / period, group, usage }];
    });
  });
}

/**
 * The tightest cgroup CPU cap on this process whose usage can be read, or undefined when there is
 * none (or nothing readable: not Linux, no cgroup file system).
 *
 * @example
 * ```ts
 * import { cpuQuota } from '@sluice/local';
 *
 * const quota = cpuQuota(); // { cores: 2, … } in a container run with --cpus 2; undefined on a bare host
 * ```
 */
export function cpuQuota(sources: CpuQuotaSources = {}): CpuQuota | undefined {
  const root = sources.root ?? '/sys/fs/cgroup';
  const groups = read(sources.procCgroup ?? '/proc/self/cgroup');
  if (!groups) return undefined;
  const caps: Cap[] = [];
  for (const line of groups.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, id, controllers, relative] = match;
    caps.push(...(id === '0' && controllers === '' ? v2Caps(root, relative!) : v1Caps(root, controllers!, relative!)));
  }
  const readable = caps.filter((c) => c.usage() !== undefined).sort((a, b) => a.cores - b.cores);
  const tightest = readable[0];
  if (!tightest) return undefined;
  return { cores: tightest.cores, group: tightest.group, usageMs: () => tightest.usage() ?? Number.NaN };
}

/** Idle CPU counters at one instant: the host's idle time, and the cap's use when there is one. */
export interface IdleCounters {
  /** The host's idle CPU time so far, ms, summed over its cores (`os.cpus()`). */
  hostIdleMs: number;
  /** The capped group's CPU use so far, ms, and its cores; absent without a cap. */
  quota?: { cores: number; usageMs: number };
}

/**
 * The idle CPU, in cores, between two readings `spanMs` apart: the host's idle time over the span,
 * and, under a cap, no more than what the cap leaves (its cores less its group's use). Under a cap
 * of 2 cores on an idle 16-core host, a group using 1.8 cores has 0.2 idle, not 14.
 *
 * @example
 * ```ts
 * import { idleCoresOver } from '@sluice/local';
 *
 * idleCoresOver({ hostIdleMs: 0 }, { hostIdleMs: 1_400 }, 1_000); // 1.4
 * idleCoresOver({ hostIdleMs: 0, quota: { cores: 2, usageMs: 0 } }, { hostIdleMs: 14_000, quota: { cores: 2, usageMs: 1_800 } }, 1_000); // 0.2
 * ```
 */
export function idleCoresOver(before: IdleCounters, after: IdleCounters, spanMs: number): number {
  const span = Math.max(1, spanMs);
  const host = (after.hostIdleMs - before.hostIdleMs) / span;
  if (!before.quota || !after.quota) return host;
  const capped = after.quota.cores - (after.quota.usageMs - before.quota.usageMs) / span;
  return Number.isFinite(capped) ? Math.min(host, capped) : host;
}
