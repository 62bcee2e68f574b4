import { describe, expect, it } from 'vitest';
import { compileErrorsOf, formatCompileErrors, shownPath } from '@sluice/cli';

/** What tsx throws when esbuild cannot transform a file: the first line, then one line per error (its column from 0). */
const transformFailed = (count: number, lines: string[]) => `Transform failed with ${count} error${count > 1 ? 's' : ''}:\n${lines.join('\n')}`;

describe('compileErrorsOf', () => {
  it("reads each error of tsx's transform failure: file, line, column (esbuild's, from 0) and text", () => {
    const found = compileErrorsOf(transformFailed(2, ['/app/src/a.ts:3:12: ERROR: Unexpected ";"', '/app/src/a.ts:9:0: ERROR: Expected "}" but found end of file']));
    expect(found).toEqual({
      errors: [
        { file: '/app/src/a.ts', line: 3, column: 12, text: 'Unexpected ";"' },
        { file: '/app/src/a.ts', line: 9, column: 0, text: 'Expected "}" but found end of file' },
      ],
      total: 2,
    });
  });

  it('keeps the total the message announces when it lists fewer', () => {
    expect(compileErrorsOf(transformFailed(7, ['/app/a.ts:1:1: ERROR: Unexpected "="']))?.total).toBe(7);
  });

  it('is undefined for any other error, so the caller says it as it is', () => {
    expect(compileErrorsOf("Cannot find module '/app/src/gone.ts' imported from /app/consumers/a.ts")).toBeUndefined();
    expect(compileErrorsOf('defineConsumer needs a receive operation of the contract, got undefined')).toBeUndefined();
  });
});

describe('formatCompileErrors', () => {
  const errors = [
    { file: '/app/src/a.ts', line: 3, column: 12, text: 'Unexpected ";"' },
    { file: '/app/src/b.ts', line: 1, column: 0, text: 'Unexpected "="' },
    { file: '/elsewhere/c.ts', line: 2, column: 4, text: 'Expected ")"' },
  ];

  it('says the first error as an editor reads it: the file relative to the project, the column from 1, and how many more there are', () => {
    expect(formatCompileErrors(errors, { base: '/app' })).toBe('src/a.ts:3:13: Unexpected ";"; and 2 more error(s)');
  });

  it('shows as many as asked, a file outside the project by its absolute path, and counts the ones not listed', () => {
    expect(formatCompileErrors(errors, { base: '/app', shown: 3 })).toBe('src/a.ts:3:13: Unexpected ";"; src/b.ts:1:1: Unexpected "="; /elsewhere/c.ts:2:5: Expected ")"');
    expect(formatCompileErrors(errors.slice(0, 1), { base: '/app', total: 4 })).toBe('src/a.ts:3:13: Unexpected ";"; and 3 more error(s)');
  });

  it('keeps a relative file relative to the project', () => {
    expect(formatCompileErrors([{ file: 'consumers/x.ts', line: 4, column: 2, text: 'Unexpected "}"' }], { base: '/app' })).toBe('consumers/x.ts:4:3: Unexpected "}"');
  });
});

describe('shownPath', () => {
  it('names a file inside the folder relatively, one outside by its absolute path, never as ../…', () => {
    expect(shownPath('/app/src/a.ts', '/app')).toBe('src/a.ts');
    expect(shownPath('/tmp/b.ts', '/app')).toBe('/tmp/b.ts');
    expect(shownPath('/app', '/app/src')).toBe('/app');
    // A folder whose name starts with two dots is inside all the same.
    expect(shownPath('/app/..hidden/a.ts', '/app')).toBe('..hidden/a.ts');
    expect(formatCompileErrors([{ file: '/app/..hidden/a.ts', line: 1, column: 0, text: 'Unexpected "="' }], { base: '/app' })).toBe('..hidden/a.ts:1:1: Unexpected "="');
  });
});
