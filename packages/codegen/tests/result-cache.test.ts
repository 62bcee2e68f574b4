/**
 * writeEntry, the one writer of codegen's caches (the parser's results, the type generator's, the
 * AsyncAPI schema's kept modules): a write that fails leaves no temporary file behind, and pruning
 * removes the temporary files a process that died mid-write left, but not one being written now.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { installationNodeModules, writeEntry } from '../src/result-cache.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A new, empty cache folder. */
function cacheFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'result-cache-'));
  dirs.push(dir);
  const folder = path.join(dir, 'node_modules', '.cache', 'sluice-test');
  mkdirSync(folder, { recursive: true });
  return folder;
}

const temporaryFiles = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

describe('writeEntry', () => {
  it('writes the entry whole, leaving no temporary file', () => {
    const folder = cacheFolder();
    writeEntry(path.join(folder, 'a.json'), '{"a":1}', 10);
    expect(readdirSync(folder)).toEqual(['a.json']);
  });

  it('removes its temporary file when the rename fails, and still throws nothing (nothing is reused, as before)', () => {
    const folder = cacheFolder();
    // A folder where the entry would go: the temporary file is written, the rename onto it fails.
    const entry = path.join(folder, 'blocked.json');
    mkdirSync(entry);
    writeFileSync(path.join(entry, 'inside'), 'x');
    expect(() => writeEntry(entry, '{"b":2}', 10)).not.toThrow();
    expect(temporaryFiles(folder)).toEqual([]);
    expect(readdirSync(entry)).toEqual(['inside']);
  });

  it("removes only its own temporary file when it fails: not one another thread of the process is writing (threads share the pid; the name was <entry>.<pid>.tmp)", () => {
    const folder = cacheFolder();
    const entry = path.join(folder, 'blocked.json');
    mkdirSync(entry);
    writeFileSync(path.join(entry, 'inside'), 'x');
    // What a write of another thread, under way, had as its temporary file.
    const others = [`${entry}.${process.pid}.tmp`, `${entry}.${process.pid}.${threadId}.tmp`];
    for (const other of others) writeFileSync(other, '{"other":true}');
    writeEntry(entry, '{"b":2}', 10);
    expect(temporaryFiles(folder).sort()).toEqual(others.map((f) => path.basename(f)).sort());
  });

  it('removes the temporary files a write cut short left long ago, not one written a moment ago (another process may be renaming it)', () => {
    const folder = cacheFolder();
    const stale = path.join(folder, 'old.json.4242.tmp');
    const fresh = path.join(folder, 'new.json.4343.tmp');
    writeFileSync(stale, '{"cut');
    writeFileSync(fresh, '{"being written');
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    utimesSync(stale, hourAgo, hourAgo);
    // Fewer entries than kept: pruning removes no entry, only what is stale.
    writeEntry(path.join(folder, 'c.json'), '{"c":3}', 10);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['c.json', 'new.json.4343.tmp']);
  });

  it('keeps the most recently used entries, a temporary file counted as none', () => {
    const folder = cacheFolder();
    const fresh = path.join(folder, 'new.json.4343.tmp');
    writeFileSync(fresh, '{"being written');
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const file = path.join(folder, `${name}.json`);
      writeFileSync(file, '{}');
      const at = new Date(Date.now() - (10 - i) * 1000);
      utimesSync(file, at, at);
    }
    writeEntry(path.join(folder, 'd.json'), '{}', 2);
    expect(readdirSync(folder).sort()).toEqual(['c.json', 'd.json', 'new.json.4343.tmp']);
  });
});

describe('installationNodeModules', () => {
  it("is the installation's top-level node_modules, wherever the package manager put the package in it", () => {
    const top = (file: string) => installationNodeModules(path.join('/app', ...file.split('/')))?.split(path.sep).join('/');
    expect({
      npm: top('node_modules/@asyncapi/parser/cjs/index.js'),
      'npm, nested in a scoped package': top('node_modules/@sluice/codegen/node_modules/@asyncapi/parser/cjs/index.js'),
      'npm, nested in a package': top('node_modules/some-tool/node_modules/@asyncapi/parser/cjs/index.js'),
      pnpm: top('node_modules/.pnpm/@asyncapi+parser@3.6.6/node_modules/@asyncapi/parser/cjs/index.js'),
      'pnpm, hoisted': top('node_modules/.pnpm/node_modules/@asyncapi/parser/cjs/index.js'),
      'pnpm, a workspace package': top('packages/app/node_modules/.pnpm/x@1.0.0/node_modules/x/index.js'),
      // A project of its own under another's node_modules/.cache (a test's copy of a project).
      'a project under .cache': top('node_modules/.cache/fixtures/p/node_modules/@asyncapi/parser/cjs/index.js'),
      'a project under .cache, directly': top('node_modules/.cache/p/node_modules/@asyncapi/parser/cjs/index.js'),
      'no node_modules': top('vendor/parser/index.js'),
    }).toEqual({
      npm: '/app/node_modules',
      'npm, nested in a scoped package': '/app/node_modules',
      'npm, nested in a package': '/app/node_modules',
      pnpm: '/app/node_modules',
      'pnpm, hoisted': '/app/node_modules',
      'pnpm, a workspace package': '/app/packages/app/node_modules',
      'a project under .cache': '/app/node_modules/.cache/fixtures/p/node_modules',
      'a project under .cache, directly': '/app/node_modules/.cache/p/node_modules',
      'no node_modules': undefined,
    });
  });
});
