/**
 * The host's V8 options are the ones `npm start` and `npm run subscriber` run with: the young
 * generation V8 sizes once, at process start (package.json's scripts), and the one the bench and a
 * `'separate'` function's process are given (HOST_V8_OPTIONS). A created project runs the packed
 * package's `sluice-start` / `sluice-subscriber`, whose launchers (scripts/build-packages.mjs)
 * pass them on their first line.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_V8_OPTIONS } from '@sluice/local';
// @ts-expect-error: a plain JavaScript module of the build, without declarations
import { launcherOf, PACKAGES } from '../../../scripts/build-packages.mjs';

const scripts = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('HOST_V8_OPTIONS', () => {
  it('bounds the host young generation to 2 × 8 MiB', () => {
    expect(HOST_V8_OPTIONS).toEqual(['--max-semi-space-size=8']);
  });

  it.each(['start', 'subscriber'])('is what `npm run %s` starts node with', (name) => {
    const script = scripts[name]!;
    expect(script.startsWith('node ')).toBe(true);
    for (const option of HOST_V8_OPTIONS) expect(script.split(' ')).toContain(option);
  });
});

describe("the packed package's host commands", () => {
  const bins = PACKAGES.local as Record<string, { module: string; program: string; v8?: string[] }>;

  it.each(['sluice-start', 'sluice-subscriber'])('%s is built to start node with them', (bin) => {
    expect(bins[bin]!.v8).toEqual(HOST_V8_OPTIONS);
    expect((launcherOf(bin, bins[bin]) as string).split('\n')[0]).toBe(`#!/usr/bin/env -S node ${HOST_V8_OPTIONS.join(' ')}`);
  });

  it('a launcher run as a command (its first line read by the system) starts node with them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'launcher-'));
    try {
      const file = path.join(dir, 'sluice-start.js');
      const shebang = (launcherOf('sluice-start', bins['sluice-start']) as string).split('\n')[0];
      writeFileSync(file, `${shebang}\nconsole.log(JSON.stringify(process.execArgv));\n`);
      chmodSync(file, 0o755);
      // `node` on the PATH is this test's (npm puts the pinned Node first on it).
      const run = spawnSync(file, [], { encoding: 'utf8', env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` } });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(HOST_V8_OPTIONS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
