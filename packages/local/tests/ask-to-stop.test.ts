/**
 * Stopping a function's process whose IPC channel closed between the `connected` check and the
 * write (the process ending on its own): the write fails with EPIPE, which `child.send` without a
 * callback emits as the child's 'error' event, uncaught. Seen ending a whole `npm test` run from
 * `FunctionHost.stop` (watch-recovery.test.ts), and it would end `npm start` the same way.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { askToStop } from '../src/lambda/function-host.ts';

describe('askToStop', () => {
  it('asks a process whose channel has just closed without an EPIPE error event, and signals it instead', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ask-to-stop-'));
    const script = path.join(dir, 'ends-at-once.mjs');
    writeFileSync(script, 'process.exit(0);\n');
    const child = fork(script, [], { stdio: 'ignore' });
    const errors: Error[] = [];
    child.on('error', (error) => errors.push(error));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // This thread sleeps while the child starts and ends: its channel is closed, but this process
    // has not yet seen the 'disconnect', so `connected` still says true, as in the race.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_000);
    expect(child.connected).toBe(true);
    const signals: (NodeJS.Signals | number | undefined)[] = [];
    const kill = child.kill.bind(child);
    child.kill = (signal?: NodeJS.Signals | number) => {
      signals.push(signal);
      return kill(signal);
    };
    askToStop(child, { type: 'stop' });
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual([]);
    // The write failed: the process is signalled instead (here it has ended already, which kill tolerates).
    expect(signals).toEqual(['SIGTERM']);
  });
});
