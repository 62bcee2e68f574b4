/**
 * `npm run build:packages`'s command line, run as npm runs it (plain Node): `--help` prints the
 * usage and builds nothing; an unknown option or a name that is not a framework package is a
 * usage error (one line, the `--help` pointer, exit 2) before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the build, without declarations
import { PACKAGES, restoreLeftoverManifests, SAVED_MANIFEST } from './build-packages.mjs';

const root = path.resolve(import.meta.dirname, '..');

function build(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-packages.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run build:packages -- …', () => {
  it.each([['--help'], ['-h']])('%s prints the usage (the package names, what it writes) and builds nothing', (flag) => {
    const r = build(flag, 'cli');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('Usage: npm run build:packages -- [name...]');
    expect(r.stdout).toContain(`names: ${Object.keys(PACKAGES as object).join(', ')}`);
    expect(r.stdout).toContain('packages/<name>/dist/');
    expect(r.stdout).not.toMatch(/^build:packages: packages\//m);
  });

  it('refuses an unknown option in one line with the --help pointer, exit 2, building nothing', () => {
    const r = build('cli', '--frobnicate');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'build:packages: unknown option --frobnicate: build:packages takes package names, --help and --version\nRun `npm run build:packages -- --help` for usage.\n',
    });
  });

  it('refuses a name that is not a framework package as a usage error, exit 2, listing the names', () => {
    const r = build('nosuch');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`build:packages: "nosuch" is not a framework package: names are ${Object.keys(PACKAGES as object).join(', ')}\nRun \`npm run build:packages -- --help\` for usage.\n`);
  });
});

describe('restoreLeftoverManifests (run by build:packages before it builds)', () => {
  it("puts back the workspace manifest a pack left packed (failed between prepack and postpack), and touches the others", () => {
    const base = mkdtempSync(path.join(tmpdir(), 'leftover-manifests-'));
    try {
      const names = Object.keys(PACKAGES as object);
      for (const name of names) {
        mkdirSync(path.join(base, 'packages', name), { recursive: true });
        writeFileSync(path.join(base, 'packages', name, 'package.json'), `{ "name": "@sluice/${name}", "exports": { ".": "./src/index.ts" } }\n`);
      }
      // As prepack leaves it: the packed manifest (exports to dist/, no scripts), the workspace's kept beside it.
      const left = path.join(base, 'packages', names[0]!);
      writeFileSync(path.join(left, SAVED_MANIFEST), readFileSync(path.join(left, 'package.json')));
      writeFileSync(path.join(left, 'package.json'), `{ "name": "@sluice/${names[0]}", "exports": { ".": { "default": "./dist/index.js" } } }\n`);
      expect(restoreLeftoverManifests(base)).toEqual([`packages/${names[0]}`]);
      expect(readFileSync(path.join(left, 'package.json'), 'utf8')).toContain('./src/index.ts');
      expect(existsSync(path.join(left, SAVED_MANIFEST))).toBe(false);
      expect(restoreLeftoverManifests(base)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
