/**
 * `npm start` and `npm run subscriber` handle Ctrl-C from the moment they say they run ("Ctrl-C to
 * stop", "polling at"), not a moment later: a SIGINT sent right after the line (a script's, or a
 * quick hand) met Node's default action and killed the stack without stopping its consumers (seen
 * in CI: a created project's npm start exited by signal, its output ending at the banner). Each is
 * started with a preload that counts its signal listeners when that line is written, then stopped
 * with one SIGINT at once.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';

const root = path.resolve(import.meta.dirname, '../../..');
const preload = path.join(root, 'tests/helpers/signal-listeners-at-ready.mjs');

let stack: LocalRuntime | undefined;
afterAll(async () => {
  await stack?.stop();
});

/** Starts `program` with `args`, sends SIGINT as soon as `ready` is printed; its output and how it ended. */
async function interruptAtReady(program: string, args: string[], ready: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, ['--import', preload, path.join(root, program), ...args], {
    cwd: root,
    env: { ...process.env, SLUICE_TEST_READY_TEXT: ready },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sent = false;
  const onData = (d: Buffer) => {
    output += d.toString();
    if (!sent && output.includes(ready)) {
      sent = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const hung = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    return { code, signal, output };
  } finally {
    clearTimeout(hung);
  }
}

describe('Ctrl-C from the line that says it runs', () => {
  it('npm start: its handler is in place when the banner says "Ctrl-C to stop", and a SIGINT right then stops it gracefully', async () => {
    const run = await interruptAtReady('packages/local/src/bin/start.ts', ['--in-memory', '--port', '0', '--console-port', '0', '--no-consumers'], 'Ctrl-C to stop');
    expect(run.output).toMatch(/\[at ready\] SIGINT [1-9]/);
    expect({ code: run.code, signal: run.signal }, run.output).toEqual({ code: 0, signal: null });
    expect(run.output).toMatch(/stopped/);
  }, 120_000);

  it('npm run subscriber: its handler is in place when it says it polls, and a SIGINT right then stops it gracefully', async () => {
    stack = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
    const run = await interruptAtReady('packages/local/src/bin/subscriber.ts', ['--endpoint', stack.endpoint, '--quiet'], 'polling at');
    expect(run.output).toMatch(/\[at ready\] SIGINT [1-9]/);
    expect({ code: run.code, signal: run.signal }, run.output).toEqual({ code: 0, signal: null });
    expect(run.output).toMatch(/subscriber stopped/);
  }, 120_000);
});
