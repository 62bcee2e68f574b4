/**
 * Vitest global set-up: one scratch folder per test run, removed when the run ends.
 *
 * Tests make their fixtures, project copies, data folders and sockets under `os.tmpdir()`; a
 * test that fails, times out or is interrupted cannot clean up behind it, and before this every
 * run left a few hundred folders in `/tmp` (`project-*`, `spec-*`, `instance-pool-*`, …). Here
 * `TMPDIR` (which `os.tmpdir()` reads, in the test workers and in every process they start with
 * the inherited environment) points into a folder of this run, and the whole folder goes when the
 * run ends, passed or failed.
 *
 * `SLUICE_KEEP_TEST_TMPDIR=1` keeps it, and names it, to look at what a failing test left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Points `TMPDIR` into a fresh folder; returns the teardown that removes it. */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  // A short name: Unix socket paths made under it must stay under 108 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-t-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.SLUICE_KEEP_TEST_TMPDIR === '1') {
      process.stderr.write(`test scratch folder kept: ${dir}\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
