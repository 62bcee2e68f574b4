/**
 * The files `--watch` keeps watching after a handler's imports fail to build: those the build error
 * names, and those its imports that cannot be resolved would be, inside the project only.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesNamedBy, importsNotFound } from '../src/lambda/function-host.ts';

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
