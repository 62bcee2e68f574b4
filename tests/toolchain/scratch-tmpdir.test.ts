/**
 * The test run's scratch folder (tests/helpers/scratch-tmpdir.ts): what tests make under
 * `os.tmpdir()` goes into one folder of the run, removed when the run ends, instead of piling up in
 * `/tmp` (a few hundred folders per run before).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import setup, { TSX_CACHE } from '../helpers/scratch-tmpdir.ts';

describe('the test run scratch folder', () => {
  it('is where this test and the processes it starts make their temporary files', () => {
    expect(path.basename(tmpdir())).toMatch(/^sluice-t-/);
    const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(child).toBe(tmpdir());
  });

  it('is made fresh by the set-up and removed, with what is in it, by its teardown', () => {
    const before = process.env.TMPDIR;
    const parent = tmpdir();
    const teardown = setup();
    const dir = process.env.TMPDIR!;
    try {
      expect(dir).not.toBe(before);
      expect(path.dirname(dir)).toBe(parent);
      const leftover = mkdtempSync(path.join(tmpdir(), 'project-'));
      writeFileSync(path.join(leftover, 'file'), 'x');
    } finally {
      teardown();
    }
    expect(existsSync(dir)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
  });

  it("links tsx's transform cache to the one outside, which the teardown leaves in place", () => {
    const parent = tmpdir();
    const teardown = setup();
    const dir = process.env.TMPDIR!;
    try {
      expect(readlinkSync(path.join(dir, TSX_CACHE))).toBe(path.join(parent, TSX_CACHE));
      // tsx in a process started here caches its transforms there.
      const cacheDir = execFileSync(process.execPath, ['-e', `process.stdout.write(require('node:path').join(require('node:os').tmpdir(), ${JSON.stringify(TSX_CACHE)}))`], { encoding: 'utf8' });
      expect(cacheDir).toBe(path.join(dir, TSX_CACHE));
    } finally {
      teardown();
    }
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(path.join(parent, TSX_CACHE))).toBe(true);
  });
});
