/**
 * Section 8 — CI wall time (opt-in: `--only 8`; a fresh clone, `npm ci` and the whole CI run,
 * about ten minutes).
 *
 * Clones this checkout's HEAD (committed work only, as CI sees it) into a temp folder and runs
 * `CI=true bash .ci/run` there, as CI does on a fresh clone: install, `npm test`, the reliability
 * suite at CI scale. Reports its wall time against CI's budget of 8 minutes; the clone is removed
 * afterwards. A failing run is a failed row with its exit status and last lines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, formatNumber, infoRow, verdictOf } from './bench-table.ts';
import { timedRun } from './test-suite-timing.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** CI's budget for one run (DEVELOPERS.md: keep it under 8 minutes). */
export const CI_BUDGET_SECONDS = 8 * 60;

/** Runs section 8 and returns its row. */
export async function benchCiRun(_options: { quick: boolean }): Promise<BenchRow[]> {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-ci-'));
  const clone = path.join(parent, 'clone');
  try {
    const cloned = spawnSync('git', ['clone', '-q', REPO, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr.trim()}`);
    const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, encoding: 'utf8' }).stdout.trim();
    const loadBefore = os.loadavg()[0]!.toFixed(2);
    const { seconds, code, tail } = await timedRun('bash', ['.ci/run'], { cwd: clone, env: { ...process.env, CI: 'true' } });
    const loadAfter = os.loadavg()[0]!.toFixed(2);
    const passed = code === 0;
    return [
      {
        ...infoRow(8, `CI wall time: fresh clone of ${head}, \`CI=true bash .ci/run\``, `${formatNumber(seconds, 0)} s`),
        target: `≤ ${CI_BUDGET_SECONDS} s`,
        verdict: passed ? verdictOf(seconds <= CI_BUDGET_SECONDS) : 'fail',
        note: `${passed ? 'passed' : `exited ${code}: ${tail.trim().split('\n').slice(-3).join(' / ')}`}; load average (1 min) ${loadBefore} before, ${loadAfter} after, ${os.cpus().length} CPUs; the npm cache and Chromium of this machine are warm`,
        raw: { seconds, code },
      },
    ];
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
