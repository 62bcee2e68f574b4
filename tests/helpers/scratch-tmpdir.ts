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
 *
 * One thing in it is not the run's own: tsx's transform cache (`tsx-<uid>`, which tsx keeps under
 * `os.tmpdir()`) is a link to the one outside, so that the TypeScript commands the tests start
 * (hundreds of them) read the transforms of earlier runs instead of each run transforming the
 * framework afresh (0.2-0.4 s of CPU per command until the run's own cache fills). The teardown
 * removes the link, not the cache it points to.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/** The name of tsx's cache folder under `os.tmpdir()` (as tsx names it: by the effective user id, else the user name). */
export const TSX_CACHE = `tsx-${process.geteuid?.() ?? userInfo().username}`;

/** Points `TMPDIR` into a fresh folder; returns the teardown that removes it. */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  // A short name: Unix socket paths made under it must stay under 108 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-t-'));
  const tsxCache = path.join(tmpdir(), TSX_CACHE);
  mkdirSync(tsxCache, { recursive: true });
  symlinkSync(tsxCache, path.join(dir, TSX_CACHE), process.platform === 'win32' ? 'junction' : 'dir');
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
