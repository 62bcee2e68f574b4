/**
 * Section 7 — `npm test` wall time (opt-in: `--only 7`; it runs the whole suite, minutes).
 *
 * Runs `npm test` once in this checkout, as a contributor does before a commit, and reports its
 * wall time with the load average before and after (the suite's time moves with other work on the
 * machine; compare runs made side by side). A failing suite is reported as a failed row, with the
 * exit status: its time then says nothing.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchRow, formatNumber, infoRow } from './bench-table.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT_MS = 30 * 60_000;

/** A whole command's wall time, exit status and the last 4,000 characters of its output. */
export async function timedRun(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ seconds: number; code: number | null; tail: string }> {
  const started = performance.now();
  const { code, tail } = await new Promise<{ code: number | null; tail: string }>((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let out = '';
    const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ code: status, tail: out });
    });
  });
  return { seconds: (performance.now() - started) / 1000, code, tail };
}

/** Runs section 7 and returns its row. */
export async function benchTestSuite(_options: { quick: boolean }): Promise<BenchRow[]> {
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  const { seconds, code, tail } = await timedRun('npm', ['test'], { cwd: REPO });
  const loadAfter = os.loadavg()[0]!.toFixed(2);
  const summary = /Test Files\s+[^\n]*\n\s*Tests\s+[^\n]*/.exec(tail.replace(/\x1b\[[0-9;]*m/g, ''))?.[0].replace(/\s+/g, ' ') ?? '';
  return [
    infoRow(7, '`npm test` wall time, this checkout', `${formatNumber(seconds, 0)} s`, {
      verdict: code === 0 ? 'info' : 'fail',
      note: `${code === 0 ? 'passed' : `exited ${code}`}; ${summary ? `${summary}; ` : ''}load average (1 min) ${loadBefore} before, ${loadAfter} after, ${os.cpus().length} CPUs; CI runs the same command after a fresh clone and install`,
      raw: { seconds, code },
    }),
  ];
}
