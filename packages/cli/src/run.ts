/**
 * Running a program: {@link runCli} (argv in, exit code out, never throws) and {@link main} (the
 * process's command line), with the one error path every entry point shares.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError, describeFailure, ExitCode, stackReport, UsageError } from './errors.ts';
import { type CliIO, processIO } from './io.ts';
import { terminalSafeLines } from './terminal-safe.ts';
import { ifNpmKept, keptAsTyped, optionsNpmTook } from './npm-kept.ts';
import { type CommandPosition, parseCommandLine, walkToCommand } from './parse.ts';
import type { ProgramSpec } from './spec.ts';

/** Words of an invocation that are npm's, not the program's: `npm run codegen --` is `codegen`. */
const NPM_WORDS = new Set(['npx', 'npm', 'run', '--']);

/**
 * How messages name the program: its invocation without npm's words (`npm run ops -- status` is
 * `ops status`, `npx orders dlq list` is `orders dlq list`).
 *
 * @param invocation - what the user typed to start it
 * @returns the name messages start with
 * @example
 * ```ts
 * import { programName } from '@sluice/cli';
 *
 * programName('npx orders dlq list'); // 'orders dlq list'
 * programName('npm run codegen --'); // 'codegen'
 * ```
 */
export function programName(invocation: string): string {
  return invocation
    .split(' ')
    .filter((w) => !NPM_WORDS.has(w))
    .join(' ');
}

/**
 * Runs a program for `argv` and returns the exit code. Never throws.
 *
 * @param program - the program's spec
 * @param argv - the arguments after the program's name
 * @param io - where to write; the process's terminal by default
 * @returns 0 when done, 1 when the command failed, 2 for a usage error, or the code `run` returned
 * @example
 * ```ts
 * import { runCli, type CliIO, type ProgramSpec } from '@sluice/cli';
 *
 * declare const program: ProgramSpec;
 * const lines: string[] = [];
 * const io: CliIO = { out: (t) => lines.push(t), err: (t) => lines.push(t), progress: { write: () => true } };
 * const code = await runCli(program, ['--help'], io); // 0, the help in `lines`
 * ```
 */
export async function runCli(program: ProgramSpec, argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug') || process.env.DEBUG === '1';
  const version = program.version ?? '0.0.0';
  const at: CommandPosition = { command: program, invocation: program.invocation, args: [...argv] };
  // What a failure says may quote a contract, a payload or a message (a name, a version): shown
  // as escapes where it holds controls, its lines kept.
  const usage = (message: string) => {
    io.err(`${programName(at.invocation)}: ${terminalSafeLines(message)}`);
    io.err(`Run \`${at.invocation} --help\` for usage.`);
    return ExitCode.USAGE;
  };
  try {
    const finished = walkToCommand(at, io, version);
    if (finished !== undefined) return finished;
    const parsed = parseCommandLine(at, io, version);
    if (typeof parsed === 'number') return parsed;
    // `npm start --in-memory` ran without it: npm kept the flag as its own config. Refused, nothing
    // done: run without it, the command does what was not asked (npm start on the persistent
    // folder, dlq redrive --dry-run moving the messages). It warned, and went on.
    const took = optionsNpmTook(at.command, process.env).filter((o) => parsed.values[o.name] === undefined);
    if (took.length > 0) {
      const flags = took.map((o) => `--${o.name}`).join(' ');
      throw new UsageError(`this command did not get ${flags}, so it did nothing: ${ifNpmKept(took.length === 1 ? 'it' : 'them', took.length, at.invocation, [keptAsTyped(at.command, took)], process.env)}`);
    }
    if (!at.command.run) throw new UsageError('this command does nothing by itself');
    const code = await at.command.run({ ...parsed, io, invocation: at.invocation });
    return code ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    io.err(`${programName(at.invocation)}: ${terminalSafeLines(describeFailure(error))}`);
    if (error instanceof CliError && error.options.next) io.err(terminalSafeLines(error.options.next));
    if (debug) io.err(terminalSafeLines(stackReport(error)));
    else if (!(error instanceof CliError)) io.err('(run again with --debug for the stack trace)');
    return error instanceof CliError ? (error.options.exitCode ?? ExitCode.FAILED) : ExitCode.FAILED;
  }
}

/**
 * What the user typed to start `program`: `npm run <name> --` when npm runs the program's own
 * script (`npm run payments -- list`), else the program's `invocation` (`npx payments`).
 *
 * @param program - the program's spec (its `name` and `invocation`)
 * @param env - the environment npm sets `npm_lifecycle_event` in; the process's by default
 * @returns the invocation to show in messages and in the help
 * @example
 * ```ts
 * import { invocationOf, type ProgramSpec } from '@sluice/cli';
 *
 * const program: ProgramSpec = { name: 'payments', invocation: 'npx payments', summary: 'operate the payments pipeline' };
 * invocationOf(program, { npm_lifecycle_event: 'payments' }); // 'npm run payments --'
 * invocationOf(program, {}); // 'npx payments'
 * ```
 */
export function invocationOf(program: ProgramSpec, env: NodeJS.ProcessEnv = process.env): string {
  const script = env.npm_lifecycle_event;
  if (script === program.name && program.invocation.startsWith('npx ')) return `npm run ${script} --`;
  return program.invocation;
}

/** The Node.js major every command runs on (the deployed functions' `nodejs24.x`; the `node` devDependency). */
export const NODE_MAJOR = 24;

/**
 * Whether the module of `meta` is the one Node was started with (`node <file>`, `tsx <file>`):
 * `import.meta.main`, which Node has from 24.2, else (an older Node, which {@link main} then
 * refuses, saying what to do) whether the process's script is that module's file. Without the
 * fallback an entry point started by an older Node did nothing at all, and exited 0.
 *
 * @param meta - the entry point's `import.meta`
 * @returns true when it is the program Node runs
 * @example
 * ```ts
 * import { isEntry, main, type ProgramSpec } from '@sluice/cli';
 *
 * declare const program: ProgramSpec;
 * if (isEntry(import.meta)) await main(program);
 * ```
 */
export function isEntry(meta: ImportMeta): boolean {
  if (typeof meta.main === 'boolean') return meta.main;
  const script = process.argv[1];
  if (!script || !meta.url.startsWith('file:')) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(meta.url));
  } catch {
    return false;
  }
}

/**
 * Why this Node cannot run the commands (a major under {@link NODE_MAJOR}), with what to do; undefined when it can.
 *
 * @param version - a Node version, `process.version` by default
 * @param execPath - the running Node's binary, `process.execPath` by default
 * @returns one message, or undefined
 * @example
 * ```ts
 * import { nodeVersionProblem } from '@sluice/cli';
 *
 * nodeVersionProblem('v20.20.2', '/usr/bin/node'); // 'runs on Node.js 24 or later; this is v20.20.2 (/usr/bin/node). …'
 * nodeVersionProblem('v24.21.0', '/x/node'); // undefined
 * ```
 */
export function nodeVersionProblem(version: string = process.version, execPath: string = process.execPath): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isFinite(major) || major >= NODE_MAJOR) return undefined;
  return (
    `runs on Node.js ${NODE_MAJOR} or later; this is ${version} (${execPath}). Run it through npm (npm run <script>, npx <command>): ` +
    `npm puts the project's Node.js ${NODE_MAJOR}, its \`node\` devDependency, first on the PATH. ` +
    `If node_modules/.bin/node is missing (an install with --ignore-scripts), run \`npm rebuild node\``
  );
}

/**
 * Runs `program` as the process's command line and sets the exit code. A failure that escapes the
 * command (a late socket error, a rejection nobody awaited) is reported like any other: one line,
 * exit 1, the stack only with `--debug`.
 *
 * @param program - the program's spec; its `invocation` is resolved with {@link invocationOf}
 * @example
 * ```ts
 * import { isEntry, main, type ProgramSpec } from '@sluice/cli';
 *
 * declare const program: ProgramSpec;
 * if (isEntry(import.meta)) await main(program);
 * ```
 */
export async function main(program: ProgramSpec): Promise<void> {
  const resolved = { ...program, invocation: invocationOf(program) };
  const argv = process.argv.slice(2);
  const io = processIO();
  const oldNode = nodeVersionProblem();
  if (oldNode) {
    io.err(`${programName(resolved.invocation)}: ${oldNode}`);
    process.exitCode = ExitCode.FAILED;
    return;
  }
  process.on('uncaughtException', (error) => {
    io.err(`${programName(resolved.invocation)}: ${terminalSafeLines(describeFailure(error))}`);
    io.err(argv.includes('--debug') || process.env.DEBUG === '1' ? terminalSafeLines(stackReport(error)) : '(run again with --debug for the stack trace)');
    process.exit(ExitCode.FAILED);
  });
  process.exitCode = await runCli(resolved, argv, io);
}
