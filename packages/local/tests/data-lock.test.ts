/**
 * One local stack per data folder: a second stack on a folder in use is refused before it opens
 * anything (it used to rewrite the first stack's queue settings, then fail with "Database is
 * closed"), naming the stack that holds it and what to do; a lock whose process is gone is taken
 * over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { processStartMark, runCli } from '@sluice/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { startProgram } from '../src/bin/start.ts';
import { ApplicationError, DATA_LOCK_FILE, DataDirInUseError, lockDataDir, startLocalRuntime } from '@sluice/local';
import { fixtureProject } from '../../../tests/helpers/fixture-project.ts';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'data-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('lockDataDir', () => {
  it('is taken once: a second taker is refused, naming the folder and what to do; released, it is free again', () => {
    const dir = folder();
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(path.join(dir, DATA_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    // The command to run beside it is the one that was refused: the npm script that started the process.
    vi.stubEnv('npm_lifecycle_event', 'start');
    expect(() => lockDataDir(dir)).toThrow(/the data folder .* is in use by another local stack .*Stop that one first .*add --in-memory --port 0 to its command: npm start -- --in-memory --port 0\).*--data-dir <folder>/);
    vi.stubEnv('npm_lifecycle_event', 'demo');
    expect(() => lockDataDir(dir)).toThrow(/add --in-memory --port 0 to its command: npm run demo -- --in-memory --port 0\)/);
    // No npm script: nothing named (a created project has no npm run demo; a bin run by hand).
    vi.stubEnv('npm_lifecycle_event', undefined);
    expect(() => lockDataDir(dir)).toThrow(/add --in-memory --port 0 to its command\) or on a folder of its own/);
    vi.unstubAllEnvs();
    release();
    expect(existsSync(path.join(dir, DATA_LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
  });

  it('is said by a command as the user\'s situation, not a fault of the code: no "--debug for the stack trace" hint (nor after an ApplicationError)', async () => {
    for (const error of [new DataDirInUseError('the data folder /x is in use by another local stack'), new ApplicationError('generated/topology.json is missing: run `npm run codegen` first.')]) {
      const io = captureIO();
      const code = await runCli({ name: 'start', invocation: 'npm start --', version: '0.0.0', summary: 's', run: () => Promise.reject(error) }, [], io);
      expect(code).toBe(1);
      expect(io.stderr()).toBe(`start: ${error.message}\n`);
    }
  });

  it("refuses a lock whose process runs; takes over one whose process is gone, saying so", async () => {
    const dir = folder();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: holder.pid, startedAt: '2026-12-05T10:00:00.000Z' }));
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another local stack \\(process ${holder.pid}, started 2026-12-05T10:00:00.000Z\\)`));
    } finally {
      holder.kill('SIGKILL');
    }
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), startedAt: 'then' }));
    const events: string[] = [];
    const release = lockDataDir(dir, (line) => events.push(line));
    expect(events).toEqual([expect.stringMatching(new RegExp(`took over the lock of a stack that is gone \\(process ${gone.stdout.trim()}\\)`))]);
    release();
  });
});

describe('lockDataDir: a process id another program has now (a reboot, a restarted container)', () => {
  it.runIf(existsSync('/proc/self/stat'))('takes over a lock whose live process id has another start mark, saying so; refuses one with the mark that process has', () => {
    const dir = folder();
    // A live process whose id the lock names: a program that is not the stack that wrote it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const mark = processStartMark(other.pid!);
      expect(mark).toMatch(/^[0-9a-f-]{36}:\d+$/);
      writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: other.pid, startedAt: 'before the restart', mark: `${mark!.split(':')[0]}:1` }));
      const events: string[] = [];
      const release = lockDataDir(dir, (line) => events.push(line));
      expect(events).toEqual([expect.stringContaining(`took over the lock of a stack that is gone (process ${other.pid}, an id another program has now)`)]);
      expect(JSON.parse(readFileSync(path.join(dir, DATA_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, mark: processStartMark(process.pid) });
      release();
      // The same id with the mark it has: that stack still runs.
      writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: other.pid, startedAt: 'now', mark }));
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another local stack \\(process ${other.pid}, started now\\)`));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('processStartMark: the same for one process, another for another; none for a process that is gone', () => {
    if (!existsSync('/proc/self/stat')) {
      expect(processStartMark(process.pid)).toBeUndefined();
      return;
    }
    expect(processStartMark(process.pid)).toBe(processStartMark(process.pid));
    // A command name with spaces and parentheses (the name of the file it runs) does not shift the
    // fields read after it: the start tick of a process started after this one is not below this one's.
    const bin = folder();
    const odd = path.join(bin, 'a) b (c');
    symlinkSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      expect(readFileSync(`/proc/${child.pid}/stat`, 'utf8')).toContain('(a) b (c)');
      const tick = (mark: string | undefined) => Number(mark?.split(':')[1]);
      expect(tick(processStartMark(child.pid!))).toBeGreaterThanOrEqual(tick(processStartMark(process.pid)));
      expect(processStartMark(child.pid!)?.split(':')[0]).toBe(processStartMark(process.pid)?.split(':')[0]);
    } finally {
      child.kill('SIGKILL');
    }
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    expect(processStartMark(Number(gone.stdout.trim()))).toBeUndefined();
    expect(processStartMark(process.ppid)).not.toBe(processStartMark(process.pid));
  });
});

describe('lockDataDir: the cases a review found', () => {
  it('an unreadable lock (an empty file: not one it writes) is held while recent, stale after', () => {
    const dir = folder();
    const file = path.join(dir, DATA_LOCK_FILE);
    writeFileSync(file, '');
    expect(() => lockDataDir(dir)).toThrow(/in use by another local stack \(an unreadable stack\.lock, written \d+ s ago\)/);
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(file, minuteAgo, minuteAgo);
    const events: string[] = [];
    lockDataDir(dir, (line) => events.push(line))();
    expect(events).toEqual([expect.stringMatching(/took over the lock of a stack that is gone \(unreadable lock file\)/)]);
  });

  it('the same folder by another name (a symbolic link) is the same folder', () => {
    const dir = folder();
    const alias = path.join(folder(), 'alias');
    symlinkSync(dir, alias, 'dir');
    const release = lockDataDir(dir);
    try {
      expect(() => lockDataDir(alias)).toThrow(DataDirInUseError);
    } finally {
      release();
    }
  });

  it('of stacks starting at the same moment on a folder with a stale lock, exactly one takes it', { timeout: 60_000 }, async () => {
    const dir = folder();
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, DATA_LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), startedAt: 'then' }));
    const module = pathToFileURL(path.join(import.meta.dirname, '../src/stack/data-lock.ts')).href;
    // Each waits for the same instant, tries, and holds what it got for a moment.
    const at = Date.now() + 2_000;
    const script = `const { lockDataDir } = await import(${JSON.stringify(module)}); while (Date.now() < ${at}); try { lockDataDir(${JSON.stringify(dir)}); console.log('took'); } catch (e) { console.log(e.name); } await new Promise((r) => setTimeout(r, 1500));`;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.once('close', () => resolve(out.trim()));
      })),
    );
    expect(outcomes.sort()).toEqual(['DataDirInUseError', 'DataDirInUseError', 'DataDirInUseError', 'took']);
  });

  it('a lock file it could not write whole is not left in the folder', { skip: process.platform === 'win32', timeout: 30_000 }, () => {
    const dir = folder();
    const module = pathToFileURL(path.join(import.meta.dirname, '../src/stack/data-lock.ts')).href;
    const script = `const { lockDataDir } = await import(${JSON.stringify(module)}); try { lockDataDir(${JSON.stringify(dir)}); console.log('took'); } catch (e) { console.log(e.code); }`;
    // A disk that fills up mid-write, without mocking fs: files may not grow past 0 bytes (ulimit -f 0;
    // Node ignores SIGXFSZ, so the write fails with EFBIG once the file is created). Output goes
    // to a pipe, which the limit does not stop.
    const child = spawnSync('sh', ['-c', 'ulimit -f 0 && exec "$@"', 'sh', process.execPath, '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 25_000 });
    expect(child.stdout.trim(), child.stderr).toBe('EFBIG');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('two local stacks on one data folder', () => {
  it("the second is refused before it touches the first one's queues", { timeout: 60_000 }, async () => {
    const fixture = await fixtureProject('single-consumer');
    const dataDir = folder();
    const first = await startLocalRuntime({ application: await fixture.application(), port: 0, dataDir, consumers: false, visibilityTimeoutSeconds: 5, logLevel: 'SILENT' });
    const sqs = new SQSClient(first.clientConfig);
    try {
      const visibility = async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: first.resources.queues.OrderQueue!.url, AttributeNames: ['VisibilityTimeout'] }))).Attributes?.VisibilityTimeout;
      expect(await visibility()).toBe('5');
      await expect(startLocalRuntime({ application: await fixture.application(), port: 0, dataDir, consumers: false, visibilityTimeoutSeconds: 2, logLevel: 'SILENT' })).rejects.toThrow(DataDirInUseError);
      expect(await visibility()).toBe('5');
      // npm start says it as the user's situation: its wrapper made it a bare Error, with "--debug for the stack trace" after it.
      const io = captureIO();
      expect(await fixture.within(() => runCli(startProgram, ['--data-dir', dataDir, '--port', '0'], io))).toBe(1);
      expect(io.stderr()).toMatch(/^start: could not start the local runtime: the data folder .* is in use by another local stack/);
      expect(io.stderr()).not.toContain('--debug');
    } finally {
      sqs.destroy();
      await first.stop();
      fixture.dispose();
    }
    // Stopped, it leaves the folder free.
    expect(existsSync(path.join(dataDir, DATA_LOCK_FILE))).toBe(false);
  });
});
