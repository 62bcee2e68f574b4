/**
 * How a command fails: the exit codes, the two error classes, and what a failure says to the user
 * (one line) or, with `--debug`, to its developer (the stacks).
 */
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { compileErrorsOf, formatCompileErrors, shownPath } from './compile-errors.ts';

/** Exit codes, documented in the README. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;

/** A mistake in how the command was called: nothing was done. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A failure with a message fit for the user and, ideally, what to do next. Exit 1 (or `exitCode`).
 * Any other error is reported the same way, by its message; `--debug` adds the stack.
 */
export class CliError extends Error {
  override name = 'CliError';
  /** `next`: what to do next, said after the message; `exitCode`: the process's exit code (default 1); `cause`: the underlying error. */
  readonly options: { next?: string; exitCode?: number; cause?: unknown };
  constructor(message: string, options: { next?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.options = options;
  }
}

/**
 * What a failure says, in one line for the user: the message without the error's class name
 * (`ConfigurationError: …` or `TypeError: …` mean nothing to an operator), and the cause when the
 * message alone says too little (`fetch failed` → `fetch failed (connect ECONNREFUSED 127.0.0.1:9)`).
 *
 * @param error - what was thrown (an Error, a string, anything)
 * @returns one line, never empty
 * @example
 * ```ts
 * import { describeFailure } from '@sluice/cli';
 *
 * describeFailure(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
 * // 'fetch failed (connect ECONNREFUSED 127.0.0.1:9)'
 * ```
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : inspect(error, { breakLength: Number.POSITIVE_INFINITY, depth: 2 });
  // Some libraries repeat the class name inside the message.
  let message = error.message.trim().replace(/^[A-Z][A-Za-z]*(Error|Exception): /, '');
  // Code that did not compile as tsx loaded it (the application's settings, say): where and what,
  // on one line, instead of "Transform failed with 1 error:" and esbuild's line with its column from 0.
  const compiled = compileErrorsOf(message);
  if (compiled) message = `code it loads does not compile: ${formatCompileErrors(compiled.errors, { base: process.cwd(), total: compiled.total })}`;
  // The same loaded by Node's own type stripping (or a JavaScript syntax error): the message says
  // what ("Expression expected"), the first line of the stack where (`/abs/settings.ts:11`).
  const where = error instanceof SyntaxError ? /^((?:file:\/\/)?\/[^\n]+?):(\d+)\n/.exec(error.stack ?? '') : null;
  const file = where ? (where[1]!.startsWith('file://') ? fileURLToPath(where[1]!) : where[1]!) : undefined;
  if (where && file && !message.includes(file)) message = `code it loads does not compile: ${shownPath(file, process.cwd())}:${where[2]}: ${message}`;
  // A CliError's message is written for the user; its cause is for --debug.
  const inner = error instanceof CliError ? [] : error instanceof AggregateError ? error.errors : error.cause !== undefined ? [error.cause] : [];
  const causes = [...new Set(inner.map(describeFailure).filter((c) => c && !message.includes(c)))];
  if (!message) return causes.join('; ') || 'failed without saying why';
  return causes.length ? `${message} (${causes.join('; ')})` : message;
}

/** What `--debug` adds: the stack of the failure, then of each cause and of each error an AggregateError holds. */
export function stackReport(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return inspect(error);
  const inner = [...(error instanceof AggregateError ? error.errors : []), ...(error.cause !== undefined && depth < 8 ? [error.cause] : [])];
  return [error.stack ?? String(error), ...inner.map((e) => `caused by: ${stackReport(e, depth + 1)}`)].join('\n');
}
