/**
 * The files `--watch` keeps watching after a handler's imports fail to build: those the build error
 * names, inside the project only.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesNamedBy } from '../src/lambda/function-host.ts';

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
