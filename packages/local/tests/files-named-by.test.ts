/**
 * The files `--watch` keeps watching after a handler's imports fail to build: those the build error
 * names, and those its imports that cannot be resolved would be, inside the project only; and which
 * of them appeared after the launch that failed for want of them (reloaded at once, not on the timer).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appearedSinceLaunch, filesNamedBy, importsNotFound } from '../src/lambda/source-files.ts';

describe('filesNamedBy', () => {
  const root = path.join(path.sep, 'work', 'app');
  const errorAt = (...files: (string | undefined)[]) => ({ errors: files.map((file) => ({ location: file === undefined ? null : { file } })) });

  it('names the files an esbuild error points at, inside the project, relative ones resolved from its root', () => {
    expect(filesNamedBy(errorAt('src/store.ts', path.join(root, 'consumers', 'a.ts'), undefined), root)).toEqual([path.join(root, 'src', 'store.ts'), path.join(root, 'consumers', 'a.ts')]);
  });

  it('leaves out a file outside it, a sibling folder whose name starts the same included (/work/app2)', () => {
    expect(filesNamedBy(errorAt(path.join(path.sep, 'work', 'app2', 'x.ts'), '../elsewhere/y.ts', path.join(path.sep, 'etc', 'z.ts')), root)).toEqual([]);
  });

  it('names none for an error that is not a build error', () => {
    expect(filesNamedBy(new Error('boom'), root)).toEqual([]);
    expect(filesNamedBy(undefined, root)).toEqual([]);
  });
});

describe('importsNotFound', () => {
  const root = path.join(path.sep, 'work', 'app');
  const notResolved = (file: string | undefined, specifier: string) => ({ text: `Could not resolve ${JSON.stringify(specifier)}`, location: file === undefined ? null : { file } });

  it('names the file a relative import would be, from the folder of the file importing it', () => {
    const error = { errors: [notResolved('consumers/a.ts', '../src/lib/helper.ts'), notResolved(path.join(root, 'consumers', 'b.ts'), './next.js'), { text: 'Unexpected ";"', location: { file: 'src/store.ts' } }] };
    expect(importsNotFound(error, root)).toEqual([path.join(root, 'src', 'lib', 'helper.ts'), path.join(root, 'consumers', 'next.js')]);
  });

  it("leaves out a package's import, one outside the project, one without a file, and an error that is not a build error", () => {
    const error = { errors: [notResolved('consumers/a.ts', 'left-pad'), notResolved('consumers/a.ts', '#lib/x'), notResolved('consumers/a.ts', '../../app2/x.ts'), notResolved(undefined, './x.ts')] };
    expect(importsNotFound(error, root)).toEqual([]);
    expect(importsNotFound(new Error('boom'), root)).toEqual([]);
  });
});

describe('appearedSinceLaunch', () => {
  const root = path.join(path.sep, 'work', 'app');
  const at = (...parts: string[]) => path.join(root, ...parts);

  it('names an import that exists now and did not when the launch began, under any name an import of it finds', () => {
    expect(appearedSinceLaunch([at('src', 'helper.ts')], new Set(), (f) => f === at('src', 'helper.ts'))).toBe(at('src', 'helper.ts'));
    // './next.js' written as next.ts; an import without extension written with one; a folder to come.
    expect(appearedSinceLaunch([at('src', 'next.js')], new Set(), (f) => f === at('src', 'next.ts'))).toBe(at('src', 'next.js'));
    expect(appearedSinceLaunch([at('src', 'util')], new Set(), (f) => f === at('src', 'util.mts'))).toBe(at('src', 'util'));
    expect(appearedSinceLaunch([at('src', 'lib'), at('src', 'other.ts')], new Set(), (f) => f === at('src', 'other.ts'))).toBe(at('src', 'other.ts'));
  });

  it('names none that was there when the launch began (it saw it: a reload would fail the same), nor one still missing', () => {
    expect(appearedSinceLaunch([at('src', 'next.js')], new Set([at('src', 'next.ts')]), (f) => f === at('src', 'next.ts'))).toBeUndefined();
    expect(appearedSinceLaunch([at('src', 'helper.ts')], new Set(), () => false)).toBeUndefined();
    expect(appearedSinceLaunch([], new Set(), () => true)).toBeUndefined();
  });

  it('names a file written right after the launch began, whatever its ctime (stamped by a coarser clock than Date.now())', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'appeared-'));
    try {
      const file = path.join(dir, 'helper.ts');
      // As the launch records it: nothing there yet. Written at once after: the same clock tick.
      const presentAtLaunch = new Set<string>();
      writeFileSync(file, 'export {};\n');
      expect(appearedSinceLaunch([file], presentAtLaunch)).toBe(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
