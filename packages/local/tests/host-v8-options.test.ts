/**
 * The host's V8 options are the ones `npm start` and `npm run subscriber` run with: the young
 * generation V8 sizes once, at process start (package.json's scripts), and the one the bench and a
 * `'separate'` function's process are given (HOST_V8_OPTIONS). A created project's `npm start` and
 * `npm run subscriber` run the packed launchers with `node <HOST_NODE_OPTIONS>` (@sluice/create).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_NODE_OPTIONS, PROJECT_SCRIPTS } from '@sluice/create';
import { HOST_TYPESCRIPT_LOADER, HOST_V8_OPTIONS } from '@sluice/local';
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

describe('HOST_TYPESCRIPT_LOADER', () => {
  it.each(['start', 'subscriber', 'demo'])('is how `npm run %s` loads TypeScript, right after the version check: one loader in the process, the one its functions need', (name) => {
    const words = scripts[name]!.split(' ');
    const preload = words.indexOf('./scripts/require-node-24.mjs');
    expect(preload, `${name} starts with the version check`).toBeGreaterThan(0);
    expect(words.slice(preload + 1, preload + 1 + HOST_TYPESCRIPT_LOADER.length)).toEqual(HOST_TYPESCRIPT_LOADER);
  });

  it("is what the host's functions' instances load their handlers with", () => {
    expect(HOST_TYPESCRIPT_LOADER).toEqual(['--import', 'tsx']);
  });
});

describe("a created project's host commands", () => {
  const bins = PACKAGES.local as Record<string, { module: string; program: string }>;

  it.each([
    ['start', 'sluice-start'],
    ['subscriber', 'sluice-subscriber'],
  ])('`npm run %s` starts node with them, on the packed %s launcher', (script, bin) => {
    expect(HOST_NODE_OPTIONS).toEqual(HOST_V8_OPTIONS);
    expect(PROJECT_SCRIPTS[script]).toBe(`node ${HOST_V8_OPTIONS.join(' ')} node_modules/@sluice/local/dist/bin/${bin}.js`);
    expect(bins[bin]).toBeDefined();
  });

  it('the launchers start with a first line every system reads (no `env -S`, which BusyBox and older coreutils lack)', () => {
    for (const bin of Object.keys(bins)) expect((launcherOf(bin, bins[bin]) as string).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('node with them runs a launcher as npm runs the script', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'launcher-'));
    try {
      const file = path.join(dir, 'sluice-start.js');
      writeFileSync(file, `${(launcherOf('sluice-start', bins['sluice-start']) as string).split('\n')[0]}\nconsole.log(JSON.stringify(process.execArgv));\n`);
      const [node, ...options] = PROJECT_SCRIPTS.start!.split(' ').slice(0, -1);
      expect(node).toBe('node');
      const run = spawnSync(process.execPath, [...options, file], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(HOST_V8_OPTIONS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
