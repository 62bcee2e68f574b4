/**
 * The cgroup CPU cap the instance pool judges its spare capacity by, read from trees laid out as
 * cgroup v2 and v1 mount them (a container with `--cpus`, a host without a cap).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuQuota, idleCoresOver } from '@sluice/local';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A fake cgroup file system and /proc/self/cgroup: `files` maps paths under the root to contents. */
function tree(procCgroup: string, files: Record<string, string>): { root: string; procCgroup: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cgroup-'));
  trees.push(dir);
  const root = path.join(dir, 'sys/fs/cgroup');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  writeFileSync(path.join(dir, 'cgroup'), procCgroup);
  return { root, procCgroup: path.join(dir, 'cgroup') };
}

describe('cpuQuota', () => {
  it('reads a container\'s cgroup v2 cap (--cpus 1.5) and its group\'s use', () => {
    const t = tree('0::/\n', { 'cpu.max': '150000 100000\n', 'cpu.stat': 'usage_usec 2500000\nuser_usec 2000000\n' });
    const quota = cpuQuota(t);
    expect(quota?.cores).toBe(1.5);
    expect(quota?.usageMs()).toBe(2_500);
    writeFileSync(path.join(t.root, 'cpu.stat'), 'usage_usec 3000000\n');
    expect(quota?.usageMs()).toBe(3_000);
  });

  it('takes the tightest cap from the process\'s group up to the root (v2), and none for `max`', () => {
    const t = tree('0::/app.slice/run.scope\n', {
      'app.slice/run.scope/cpu.max': 'max 100000\n',
      'app.slice/run.scope/cpu.stat': 'usage_usec 1000\n',
      'app.slice/cpu.max': '50000 100000\n',
      'app.slice/cpu.stat': 'usage_usec 7000000\n',
      'cpu.max': '400000 100000\n',
      'cpu.stat': 'usage_usec 9000000\n',
    });
    const quota = cpuQuota(t);
    expect(quota).toMatchObject({ cores: 0.5, group: path.join(t.root, 'app.slice') });
    expect(quota?.usageMs()).toBe(7_000);
    expect(cpuQuota(tree('0::/\n', { 'cpu.max': 'max 100000\n', 'cpu.stat': 'usage_usec 1\n' }))).toBeUndefined();
  });

  it('reads cgroup v1 (cpu,cpuacct mounted together or apart), and no cap for -1', () => {
    const together = tree('4:memory:/\n3:cpu,cpuacct:/docker/abc\n', {
      'cpu,cpuacct/cpu.cfs_quota_us': '200000\n',
      'cpu,cpuacct/cpu.cfs_period_us': '100000\n',
      'cpu,cpuacct/cpuacct.usage': '4000000000\n',
    });
    expect(cpuQuota(together)).toMatchObject({ cores: 2 });
    expect(cpuQuota(together)?.usageMs()).toBe(4_000);
    const apart = tree('2:cpuacct:/\n1:cpu:/\n', {
      'cpu/cpu.cfs_quota_us': '100000\n',
      'cpu/cpu.cfs_period_us': '100000\n',
      'cpuacct/cpuacct.usage': '1500000000\n',
    });
    expect(cpuQuota(apart)).toMatchObject({ cores: 1 });
    expect(cpuQuota(apart)?.usageMs()).toBe(1_500);
    // This machine's layout: v1, no quota.
    expect(cpuQuota(tree('2:cpuacct:/\n1:cpu:/\n0::/\n', { 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n', 'cpuacct/cpuacct.usage': '1\n' }))).toBeUndefined();
  });

  it('is undefined with nothing to read (no cgroup file system, a cap whose use cannot be read)', () => {
    expect(cpuQuota({ root: '/nonexistent', procCgroup: '/nonexistent/cgroup' })).toBeUndefined();
    expect(cpuQuota(tree('0::/\n', { 'cpu.max': '100000 100000\n' }))).toBeUndefined();
  });
});

describe('idleCoresOver', () => {
  it('is the host\'s idle time over the span without a cap', () => {
    expect(idleCoresOver({ hostIdleMs: 500 }, { hostIdleMs: 1_900 }, 1_000)).toBeCloseTo(1.4);
  });

  it('is no more than the cap leaves: a container using 1.8 of its 2 cores on an idle 16-core host has 0.2', () => {
    const before = { hostIdleMs: 0, quota: { cores: 2, usageMs: 10_000 } };
    const after = { hostIdleMs: 14_000, quota: { cores: 2, usageMs: 11_800 } };
    expect(idleCoresOver(before, after, 1_000)).toBeCloseTo(0.2);
    // The host busier than the cap: the host's idle time decides.
    expect(idleCoresOver(before, { hostIdleMs: 100, quota: { cores: 2, usageMs: 10_200 } }, 1_000)).toBeCloseTo(0.1);
  });
});
