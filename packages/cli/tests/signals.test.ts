/**
 * Ctrl-C and SIGTERM, one policy for every long-running command: the first stops gracefully (once),
 * the same keypress relayed again within a second is ignored, a second Ctrl-C typed later exits 130.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, onShutdownSignals, SECOND_INTERRUPT_GRACE_MS, type SignalTarget } from '@sluice/cli';

/** A process stand-in that records exits; its signals are plain events. */
class FakeProcess extends EventEmitter implements SignalTarget {
  exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

function setUp(options: { forceMessage?: string; interrupt?: 'stop' | 'ignore' } = {}) {
  const target = new FakeProcess();
  let clock = 10_000;
  const printed: string[] = [];
  let stops = 0;
  const dispose = onShutdownSignals({ stop: () => void stops++, target, now: () => clock, print: (l) => printed.push(l), ...options });
  return { target, printed, stops: () => stops, advance: (ms: number) => (clock += ms), dispose };
}

describe('onShutdownSignals', () => {
  it('stops once on the first Ctrl-C and ignores the same keypress relayed within the grace period', () => {
    const s = setUp({ forceMessage: 'Second Ctrl-C: exiting now.' });
    s.target.emit('SIGINT');
    s.advance(SECOND_INTERRUPT_GRACE_MS - 1);
    s.target.emit('SIGINT');
    expect(s.stops()).toBe(1);
    expect(s.target.exits).toEqual([]);
    expect(s.printed).toEqual([]);
  });

  it('exits 130 with the message on a second Ctrl-C typed after the grace period', () => {
    const s = setUp({ forceMessage: 'Second Ctrl-C: exiting now.' });
    s.target.emit('SIGINT');
    s.advance(SECOND_INTERRUPT_GRACE_MS);
    s.target.emit('SIGINT');
    expect(s.stops()).toBe(1);
    expect(s.printed).toEqual(['Second Ctrl-C: exiting now.']);
    expect(s.target.exits).toEqual([ExitCode.INTERRUPTED]);
    expect(ExitCode.INTERRUPTED).toBe(130);
  });

  it('stops on SIGTERM, once; a Ctrl-C after it forces the exit', () => {
    const s = setUp({ forceMessage: 'forced' });
    s.target.emit('SIGTERM');
    s.target.emit('SIGTERM');
    expect(s.stops()).toBe(1);
    s.target.emit('SIGINT');
    expect(s.target.exits).toEqual([130]);
  });

  it('without a force message, a second Ctrl-C lets the graceful stop go on', () => {
    const s = setUp();
    s.target.emit('SIGINT');
    s.advance(5 * SECOND_INTERRUPT_GRACE_MS);
    s.target.emit('SIGINT');
    expect(s.stops()).toBe(1);
    expect(s.target.exits).toEqual([]);
  });

  it("with interrupt 'ignore', Ctrl-C does nothing and SIGTERM stops (a child its parent stops)", () => {
    const s = setUp({ interrupt: 'ignore', forceMessage: 'forced' });
    s.target.emit('SIGINT');
    s.advance(5 * SECOND_INTERRUPT_GRACE_MS);
    s.target.emit('SIGINT');
    expect(s.stops()).toBe(0);
    s.target.emit('SIGTERM');
    expect(s.stops()).toBe(1);
    expect(s.target.exits).toEqual([]);
  });

  it('removes its handlers when disposed', () => {
    const s = setUp();
    s.dispose();
    expect(s.target.listenerCount('SIGINT')).toBe(0);
    expect(s.target.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('onShutdownSignals in a real process', () => {
  const fixture = path.join(import.meta.dirname, 'fixtures', 'interruptible.ts');

  function run(env: Record<string, string>, signals: { signal: NodeJS.Signals; afterMs: number }[]) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // As the long-running npm scripts start a program: node itself with the TypeScript loader. (Not
      // the tsx command, which relays a Ctrl-C to a child and kills it when it does not answer within
      // 30 ms: on a busy machine this test then saw "ready" and nothing else.)
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.startsWith('ready\n') && stdout.length === 'ready\n'.length) {
          for (const { signal, afterMs } of signals) setTimeout(() => child.kill(signal), afterMs);
        }
      });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('a first Ctrl-C finishes the stop and exits 0', async () => {
    const result = await run({ STOP_MS: '100' }, [{ signal: 'SIGINT', afterMs: 0 }]);
    expect(result.stdout).toBe('ready\nstopping\nstopped\n');
    expect(result.code).toBe(0);
  }, 20_000);

  it('a second Ctrl-C typed during a slow stop exits 130 with the message', async () => {
    const result = await run({ STOP_MS: '10000' }, [
      { signal: 'SIGINT', afterMs: 0 },
      { signal: 'SIGINT', afterMs: SECOND_INTERRUPT_GRACE_MS + 300 },
    ]);
    expect(result.stdout).toBe('ready\nstopping\n');
    expect(result.stderr).toContain('Second Ctrl-C: exiting now.');
    expect(result.code).toBe(130);
  }, 20_000);
});
