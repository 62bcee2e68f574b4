/**
 * What the `orders` command says when code of the application it imports does not load (a syntax
 * error in packages/orders/src/order-store.ts, an exception at a module's top): one line naming
 * the file, the line and the error, and what to do, instead of the compiler's stack.
 */
import { CliError, compileErrorsOf, formatCompileErrors, shownPath } from '@sluice/cli';

/**
 * The failure to import application code, as a `CliError`: the first compile error esbuild reports
 * (`packages/orders/src/order-store.ts:18:13: Unexpected ";"`, the file relative to the working
 * directory, the column from 1, with how many more there are), else the error's first line; and a next step saying to
 * fix it (and which commands work meanwhile). The original error is its cause, which `--debug` shows.
 *
 * @param error - what the `import()` threw
 * @param meanwhile - the commands that do not need that code and work meanwhile, to say so (none said when omitted)
 * @returns the error to throw (the kit prints it after the command's name: `orders list: code it
 *   imports does not load: …`, naming the file, the application's or the framework's)
 * @example
 * ```ts
 * import { moduleLoadFailure } from '@orders/app/cli';
 *
 * try {
 *   await import('@orders/app/store');
 * } catch (error) {
 *   throw moduleLoadFailure(error, 'status and dlq');
 * }
 * ```
 */
export function moduleLoadFailure(error: unknown, meanwhile?: string): CliError {
  const message = error instanceof Error ? error.message : String(error);
  const compiled = compileErrorsOf(message);
  const what = compiled ? formatCompileErrors(compiled.errors, { base: process.cwd(), total: compiled.total }) : message.split('\n')[0]!;
  const file = compiled ? shownPath(compiled.errors[0]!.file, process.cwd()) : 'that file';
  return new CliError(`code it imports does not load: ${what}`, {
    next: `Fix ${file}, then run the command again${meanwhile ? ` (${meanwhile} do not need that code and work meanwhile)` : ''}; --debug shows the stack.`,
    cause: error,
  });
}
