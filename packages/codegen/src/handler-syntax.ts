/**
 * Whether each receive operation's handler file parses, for `codegen` and `codegen:check`: a
 * handler with a syntax error is otherwise found only by `npm run typecheck`, `npm start` (its
 * init fails) or the deployed function. A parse of the handler files alone (esbuild's, which
 * bundles them for Lambda and, through tsx, loads them in `npm start`): no type check, no import
 * followed, a few milliseconds.
 */
import { readFileSync } from 'node:fs';
import { formatCompileErrors, shownPath, type CompileError } from '@sluice/cli';
import { handlerFileOf } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';

/** Compile errors shown per handler; more are counted. */
const SHOWN_ERRORS = 3;

/** The esbuild loader of a handler file's extension (those {@link handlerFileOf} looks for). */
const loaderOf = (file: string) => (/\.m?ts$/.test(file) ? 'ts' : 'js');

/**
 * The handler files of `topology`'s receive operations that do not parse, one line each:
 * `<file>:<line>:<column>: <what is wrong>` (the file relative to `root` when inside it, the
 * column from 1, as editors count it), then what to do. Operations without a handler file are
 * left to `checkHandlers`, which says what to create.
 *
 * @param topology - the topology manifest (its receive operations)
 * @param consumersDir - the consumers folder
 * @param root - the folder paths are shown relative to (the working directory)
 * @returns one line per handler that does not parse; empty when all do
 */
export async function handlerSyntaxProblems(topology: Topology, consumersDir: string, root: string): Promise<string[]> {
  const handlers = Object.values(topology.operations)
    .filter((op) => op.action === 'receive')
    .flatMap((op) => {
      const file = handlerFileOf(consumersDir, op.id);
      return file ? [{ id: op.id, file }] : [];
    });
  if (handlers.length === 0) return [];
  // Loaded here: a project whose handlers are all missing does not start esbuild's service for nothing.
  const { transform } = await import('esbuild');
  const problems = await Promise.all(
    handlers.map(async ({ id, file }) => {
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch (error) {
        return `${shownPath(file, root)} cannot be read (${(error as Error).message}): the handler of ${id} is read from it`;
      }
      try {
        await transform(source, { loader: loaderOf(file), sourcefile: file, format: 'esm', logLevel: 'silent' });
        return undefined;
      } catch (error) {
        const messages = (error as { errors?: { text: string; location: { file: string; line: number; column: number } | null }[] }).errors ?? [];
        const located: CompileError[] = messages.flatMap(({ text, location }) => (location ? [{ file: location.file || file, line: location.line, column: location.column, text }] : []));
        if (located.length === 0) throw error;
        const where = formatCompileErrors(located, { base: root, shown: SHOWN_ERRORS, total: messages.length });
        return `${where}: the handler of ${id} does not parse; fix it there (npm start and the deployed function could not load it)`;
      }
    }),
  );
  return problems.filter((p): p is string => p !== undefined);
}
