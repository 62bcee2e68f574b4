/**
 * The exit codes of the governance commands (`contract:diff`, `contract:release`,
 * `contract:lint`, `contract:validate`, `docs`, `diagram`), so that a CI script can tell a
 * contract that fails the check from a command that could not check anything:
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | the check passed (or there was nothing to check, said so) |
 * | 1 | the check ran and failed: a breaking or unclassified change, an invalid payload, lint errors, a stale picture, a release refused for what it would release |
 * | 2 | could not run, nothing was checked: a usage error, or an input it cannot use (a contract that does not load, no released contract, generated validators missing), or a failure it did not expect |
 *
 * These are `@sluice/cli`'s codes (`ExitCode.FAILED`, `ExitCode.USAGE`): a usage error is 2
 * there already. What this adds is that 1 means only "found problems": every other failure of a
 * governance command, thrown or not foreseen, is 2.
 */
import { CliError, type CommandSpec, describeFailure, ExitCode, UsageError } from '@sluice/cli';

/**
 * The check found problems (exit 1), with what to do next.
 *
 * @param message - what the check found, in one line
 * @param next - what to do next
 * @returns the error to throw from a governance command's `run`
 * @example
 * ```ts
 * import { checkFailed } from './exit-codes.ts';
 *
 * throw checkFailed('docs/topology.svg is stale', 'Run: npm run diagram, and commit it.');
 * ```
 */
export function checkFailed(message: string, next: string): CliError {
  return new CliError(message, { next, exitCode: ExitCode.FAILED });
}

/**
 * The command could not check anything (exit 2): an input it cannot use, with what to do next.
 *
 * @param message - what is wrong with the input, in one line (or the lines of its problems)
 * @param next - what to do next
 * @param cause - the underlying error, shown with `--debug`
 * @returns the error to throw from a governance command's `run`
 * @example
 * ```ts
 * import { couldNotRun } from './exit-codes.ts';
 *
 * throw couldNotRun('no released contract at released/asyncapi.json', 'Release the current contract first: npm run contract:release');
 * ```
 */
export function couldNotRun(message: string, next: string, cause?: unknown): CliError {
  return new CliError(message, { next, exitCode: ExitCode.USAGE, ...(cause !== undefined ? { cause } : {}) });
}

/** What each exit code means for one command, as its `--help` says it. */
export interface ExitMeanings {
  /** Exit 0. */
  ok: string;
  /** Exit 1: what the check finds; absent for a command that checks nothing (`docs`). */
  failed?: string;
  /** Exit 2, after "could not run: ": the inputs this command may not be able to use. */
  couldNotRun: string;
}

/**
 * The `Exit codes:` section of a governance command's `--help` (its epilog).
 *
 * @param meanings - what 0, 1 and 2 mean for the command
 * @returns the section, lines joined with `\n`
 * @example
 * ```ts
 * import { exitCodesHelp } from './exit-codes.ts';
 *
 * exitCodesHelp({ ok: 'every payload is valid', failed: 'a payload is invalid', couldNotRun: 'the generated validators cannot be loaded' });
 * // 'Exit codes:\n  0  every payload is valid\n  1  a payload is invalid\n  2  could not run: the generated validators cannot be loaded'
 * ```
 */
export function exitCodesHelp(meanings: ExitMeanings): string {
  return [
    'Exit codes:',
    `  0  ${meanings.ok}`,
    `  1  ${meanings.failed ?? 'not used: this command checks nothing'}`,
    `  2  could not run: ${meanings.couldNotRun}`,
  ].join('\n');
}

type Run = NonNullable<CommandSpec['run']>;

/**
 * A governance command's `run` whose failures exit 2 unless they say otherwise: a
 * {@link checkFailed} (exit 1) and a usage error pass as they are; any other error, a `CliError`
 * thrown without an exit code or an error nobody foresaw, is reported by its message, exit 2.
 * What `run` returns (its 0 or 1) is the exit code as before.
 *
 * @param run - the command's own `run`
 * @returns the same, with its failures' exit code settled
 * @example
 * ```ts
 * import type { ProgramSpec } from '@sluice/cli';
 * import { failuresExitTwo } from './exit-codes.ts';
 *
 * const program: ProgramSpec = { name: 'check', invocation: 'npm run check --', summary: 'check', run: failuresExitTwo(async () => 0) };
 * ```
 */
export function failuresExitTwo(run: Run): Run {
  return async (context) => {
    try {
      return await run(context);
    } catch (error) {
      if (error instanceof UsageError || (error instanceof CliError && error.options.exitCode !== undefined)) throw error;
      if (error instanceof CliError) throw new CliError(error.message, { ...error.options, exitCode: ExitCode.USAGE, cause: error });
      const debug = context.values.debug === true || process.env.DEBUG === '1';
      // Said as @sluice/cli says an unforeseen failure, with the hint to its stack: it is no finding of the check.
      throw new CliError(describeFailure(error), { exitCode: ExitCode.USAGE, cause: error, ...(debug ? {} : { next: '(run again with --debug for the stack trace)' }) });
    }
  };
}
