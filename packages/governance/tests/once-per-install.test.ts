/**
 * oncePerInstall: the one-time work behind `npm run docs` (transpiling the HTML template in place)
 * runs once when several processes start together, and no process goes on before it is done.
 * Before, each render started on a fresh install transpiled the template while another read it,
 * and CI's docs test (in readme-steps' project copy) got a page without its payloads.
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processStartMark } from '@sluice/cli';
import { oncePerInstall } from '../src/once-per-install.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'once-per-install-'));
  dirs.push(dir);
  return dir;
};

/** A process that runs oncePerInstall on `marker` with slow work that logs its start and end to `log`. */
const CHILD = `
import { appendFileSync } from 'node:fs';
import { oncePerInstall } from ${JSON.stringify(path.resolve(import.meta.dirname, '../src/once-per-install.ts'))};
const [marker, log] = process.argv.slice(2);
const outcome = await oncePerInstall(marker, async () => {
  appendFileSync(log, 'start ' + process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 2000));
  appendFileSync(log, 'end ' + process.pid + '\\n');
}, { note: 'test', pollMs: 20 });
appendFileSync(log, 'after ' + outcome + ' ' + process.pid + '\\n');
`;

describe('oncePerInstall', () => {
  it('runs the work once when processes start together, and none goes on before it is done', async () => {
    const dir = scratch();
    const child = path.join(dir, 'child.mts');
    writeFileSync(child, CHILD);
    const marker = path.join(dir, 'cache', 'done');
    const log = path.join(dir, 'log');
    writeFileSync(log, '');
    const codes = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => fork(child, [marker, log], { execArgv: ['--import', 'tsx'] }).once('exit', resolve))),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('start '))).toHaveLength(1);
    const end = lines.findIndex((l) => l.startsWith('end '));
    // Every process goes on after the work ended: one did it, the others waited for it (or,
    // started late, found it done).
    const after = lines.slice(end + 1).map((l) => l.split(' ')[1]);
    expect(after).toHaveLength(4);
    expect(after.filter((o) => o === 'did')).toHaveLength(1);
    expect(after.filter((o) => o !== 'did').every((o) => o === 'waited' || o === 'done-before')).toBe(true);
    expect(lines.slice(0, end + 1).some((l) => l.startsWith('after '))).toBe(false);
    expect(readFileSync(marker, 'utf8')).toBe('test\n');
    expect(existsSync(`${marker}.lock`)).toBe(false);
  }, 60_000);

  it('does nothing once the marker exists', async () => {
    const marker = path.join(scratch(), 'done');
    writeFileSync(marker, 'earlier\n');
    let ran = false;
    expect(await oncePerInstall(marker, async () => void (ran = true), { note: 'x' })).toBe('done-before');
    expect(ran).toBe(false);
  });

  it('takes over a lock whose holder died mid-work', async () => {
    const dir = scratch();
    const marker = path.join(dir, 'done');
    mkdirSync(`${marker}.lock`);
    // A pid no process has: the highest possible, never handed out here.
    writeFileSync(path.join(`${marker}.lock`, 'pid'), '4194304');
    let ran = 0;
    expect(await oncePerInstall(marker, async () => void ran++, { note: 'x', pollMs: 10 })).toBe('did');
    expect(ran).toBe(1);
    expect(existsSync(marker)).toBe(true);
  });

  it.runIf(existsSync('/proc/self/stat'))('takes over a lock whose holder id is alive as another program (a restarted container), and waits for one whose holder runs', async () => {
    const dir = scratch();
    const marker = path.join(dir, 'done');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const mark = processStartMark(other.pid!)!;
      mkdirSync(`${marker}.lock`);
      // The holder's id, alive, but with the start mark of a process before the restart.
      writeFileSync(path.join(`${marker}.lock`, 'pid'), `${other.pid} ${mark.split(':')[0]}:1`);
      expect(await oncePerInstall(marker, async () => {}, { note: 'x', pollMs: 10, timeoutMs: 5_000 })).toBe('did');
      // With the mark that process has, it is the holder at work: waited for, until the timeout.
      const second = path.join(dir, 'second');
      mkdirSync(`${second}.lock`);
      writeFileSync(path.join(`${second}.lock`, 'pid'), `${other.pid} ${mark}`);
      await expect(oncePerInstall(second, async () => {}, { note: 'x', pollMs: 10, timeoutMs: 200 })).rejects.toThrow(new RegExp(`for process ${other.pid} to finish`));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('writes no marker when the work fails, and releases the lock for the next try', async () => {
    const marker = path.join(scratch(), 'done');
    await expect(oncePerInstall(marker, async () => Promise.reject(new Error('transpile failed')), { note: 'x' })).rejects.toThrow('transpile failed');
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}.lock`)).toBe(false);
    expect(await oncePerInstall(marker, async () => {}, { note: 'x' })).toBe('did');
  });
});
