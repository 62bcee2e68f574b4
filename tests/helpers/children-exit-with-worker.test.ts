/**
 * tests/helpers/children-exit-with-worker.ts, the set-up every test file runs with: a process a
 * test started stops once the test's worker has gone (a timed-out test's `npm start` no longer
 * outlives the run), and the processes under a worker are found, by their command lines.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantsOf, leftoverProcesses } from './children-exit-with-worker.ts';
import { startMark, TEST_WORKER_ENV } from './exit-with-test-worker.mjs';
import { waitFor } from './wait-for.ts';

const preload = pathToFileURL(path.join(import.meta.dirname, 'exit-with-test-worker.mjs')).href;

/** A command like `npm start`: runs until stopped, and keeps running when nobody reads its output any more. */
const LONG_RUNNING = "process.stdout.on('error', () => {}); setInterval(() => process.stdout.write('tick\\n'), 200)";

const alive = (pid: number) => startMark(pid) !== undefined;

describe.runIf(existsSync('/proc/self/stat'))('what a test worker starts', () => {
  it('is set up in this worker: its Node children preload the stop, naming this worker', () => {
    expect(process.env[TEST_WORKER_ENV]).toBe(`${process.pid}:${startMark(process.pid)}`);
    expect(process.env.NODE_OPTIONS).toContain(`--import=${preload}`);
  });

  it("stops once the worker has gone, also when the worker's end left it running, and its own children with it", async () => {
    // A stand-in worker: names itself as this set-up does, then starts a long-running command that starts another.
    const worker = `
      import { spawn } from 'node:child_process';
      import { startMark, TEST_WORKER_ENV } from ${JSON.stringify(preload)};
      process.env[TEST_WORKER_ENV] = process.pid + ':' + startMark(process.pid);
      const command = spawn(process.execPath, ['-e', ${JSON.stringify(`require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(LONG_RUNNING)}], { stdio: 'ignore' }); ${LONG_RUNNING}`)}], { stdio: ['ignore', 'pipe', 'ignore'] });
      command.stdout.on('data', () => {});
      console.log(command.pid);
      setInterval(() => {}, 1000);
    `;
    const stand = spawn(process.execPath, ['--input-type=module', '-e', worker], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    stand.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise((resolve) => stand.once('exit', resolve));
    const started: number[] = [];
    try {
      const command = Number(await waitFor('the stand-in worker to start its command', () => /^(\d+)\n/.exec(out)?.[1], 20_000));
      started.push(command);
      const grandchild = await waitFor("the command's own child", () => descendantsOf(command)[0]?.pid, 20_000);
      started.push(grandchild);
      // While the worker runs, they run (it is looked for every second: past one look).
      await new Promise((r) => setTimeout(r, 1_500));
      expect([alive(command), alive(grandchild)]).toEqual([true, true]);

      stand.kill('SIGKILL');
      await exited;
      await waitFor('the command and its child to stop after their worker', () => !alive(command) && !alive(grandchild), 20_000);
    } finally {
      stand.kill('SIGKILL');
      await exited;
      // Should this fail, what the stand-in started does not outlive it: orphans, no longer under this worker.
      for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);

  it('leftoverProcesses names what runs under a process, by its command line, and nothing once it has stopped', async () => {
    const child = spawn(process.execPath, ['-e', LONG_RUNNING], { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the command to run', () => alive(child.pid!), 10_000);
      const left = await leftoverProcesses(process.pid, 0);
      expect(left).toContainEqual(expect.objectContaining({ pid: child.pid, ppid: process.pid, args: expect.stringContaining('setInterval') }));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect((await leftoverProcesses(process.pid, 0)).filter((p) => p.pid === child.pid)).toEqual([]);
  });
});
