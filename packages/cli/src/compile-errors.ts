/**
 * Compile errors of TypeScript code loaded at run time (through tsx, whose esbuild reports them),
 * said the way a terminal and an editor read them: `<file>:<line>:<column>: <text>`, the file
 * relative to the project, the column counted from 1 as tsc, Node and editors count it.
 *
 * esbuild's own location counts columns from 0, and so does the `file:line:column` it writes in
 * the message of a failed transform (`Transform failed with 1 error:\n/abs/a.ts:3:12: ERROR: …`):
 * shown as is, an editor opened the line one character to the right of the error.
 */
import path from 'node:path';

/** One compile error: where (esbuild's location: line from 1, column from 0) and what. */
export interface CompileError {
  /** The file, absolute or relative to the project. */
  file: string;
  /** The line, counted from 1. */
  line: number;
  /** The column, counted from 0 (esbuild's). */
  column: number;
  /** What is wrong, e.g. `Unexpected ";"`. */
  text: string;
}

/** `<file>:<line>:<column>: ERROR: <text>`: an error as esbuild writes it in a message. */
const ESBUILD_ERROR_LINE = /^(.+?):(\d+):(\d+): ERROR: (.+)$/gm;

/**
 * The compile errors a failed transform's message names (tsx's `Transform failed with N errors:`
 * followed by one `file:line:column: ERROR: text` line each), or `undefined` for any other message.
 *
 * @param message - the error's message
 * @returns the errors it names, and how many there were in all (the message may list fewer)
 * @example
 * ```ts
 * import { compileErrorsOf } from '@sluice/cli';
 *
 * const found = compileErrorsOf('Transform failed with 1 error:\n/app/a.ts:3:12: ERROR: Unexpected ";"');
 * found?.errors[0]; // { file: '/app/a.ts', line: 3, column: 12, text: 'Unexpected ";"' }
 * ```
 */
export function compileErrorsOf(message: string): { errors: CompileError[]; total: number } | undefined {
  const errors = [...message.matchAll(ESBUILD_ERROR_LINE)].map((m) => ({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), text: m[4]! }));
  if (errors.length === 0) return undefined;
  const total = Number(/failed with (\d+) errors?/.exec(message)?.[1] ?? errors.length);
  return { errors, total: Math.max(total, errors.length) };
}

/**
 * Compile errors as one line: the first `shown` as `<file>:<line>:<column>: <text>` (the file
 * relative to `base`, the column from 1), joined by `; `, then how many more there are.
 *
 * @param errors - the errors, columns from 0 as esbuild reports them
 * @param options.base - the folder paths are shown relative to (a file outside it stays absolute)
 * @param options.shown - how many to show @default 1
 * @param options.total - how many there were in all, when `errors` is not all of them @default errors.length
 * @returns e.g. `packages/orders/src/order-store.ts:18:13: Unexpected ";"; and 1 more error(s)`
 * @example
 * ```ts
 * import { formatCompileErrors } from '@sluice/cli';
 *
 * formatCompileErrors([{ file: '/app/src/a.ts', line: 3, column: 12, text: 'Unexpected ";"' }], { base: '/app' });
 * // 'src/a.ts:3:13: Unexpected ";"'
 * ```
 */
export function formatCompileErrors(errors: readonly CompileError[], options: { base: string; shown?: number; total?: number }): string {
  const shown = errors.slice(0, Math.max(1, options.shown ?? 1)).map((e) => `${shownPath(e.file, options.base)}:${e.line}:${e.column + 1}: ${e.text}`);
  const more = Math.max(options.total ?? errors.length, errors.length) - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more error(s)` : ''}`;
}

/**
 * How a file is named to the user: relative to `base` (the project, the working directory) when
 * it is inside it, else by its absolute path (never `../../tmp/…`).
 *
 * @param file - absolute, or relative to `base`
 * @param base - the folder
 * @returns e.g. `src/a.ts` for `/app/src/a.ts` in `/app`; `/elsewhere/b.ts` as it is
 * @example
 * ```ts
 * import { shownPath } from '@sluice/cli';
 *
 * shownPath('/app/src/a.ts', '/app'); // 'src/a.ts'
 * shownPath('/tmp/b.ts', '/app'); // '/tmp/b.ts'
 * ```
 */
export function shownPath(file: string, base: string): string {
  const absolute = path.resolve(base, file);
  const relative = path.relative(base, absolute);
  // Outside: `..` or `../…` (a folder named `..hidden` inside is inside).
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return relative && !outside ? relative : absolute;
}
