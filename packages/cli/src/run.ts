/**
 * Running a program: {@link runCli} (argv in, exit code out, never throws) and {@link main} (the
 * process's command line), with the one error path every entry point shares.
 */
import { CliError, describeFailure, ExitCode, stackReport, UsageError } from './errors.ts';
import { type CliIO, processIO } from './io.ts';
import { type CommandPosition, parseCommandLine, walkToCommand } from './parse.ts';
import type { ProgramSpec } from './spec.ts';

/** Words of an invocation that are npm's, not the program's: `npm run codegen --` is `codegen`. */
const NPM_WORDS = new Set(['npx', 'npm', 'run', '--']);

/** How messages name the program: `orders dlq list`, `codegen`. */
function programName(invocation: string): string {
  return invocation
    .split(' ')
    .filter((w) => !NPM_WORDS.has(w))
    .join(' ');
}

/**
 * Runs a program for `argv` and returns the exit code. Never throws.
 *
 * @example
 * process.exitCode = await runCli(program, process.argv.slice(2));
 */
export async function runCli(program: ProgramSpec, argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug') || process.env.DEBUG === '1';
  const version = program.version ?? '0.0.0';
  const at: CommandPosition = { command: program, invocation: program.invocation, args: [...argv] };
  const usage = (message: string) => {
    io.err(`${programName(at.invocation)}: ${message}`);
    io.err(`Run \`${at.invocation} --help\` for usage.`);
    return ExitCode.USAGE;
  };
  try {
    const finished = walkToCommand(at, io, version);
    if (finished !== undefined) return finished;
    const parsed = parseCommandLine(at, io, version);
    if (typeof parsed === 'number') return parsed;
    if (!at.command.run) throw new UsageError('this command does nothing by itself');
    const code = await at.command.run({ ...parsed, io, invocation: at.invocation });
    return code ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    io.err(`${programName(at.invocation)}: ${describeFailure(error)}`);
    if (error instanceof CliError && error.options.next) io.err(error.options.next);
    if (debug) io.err(stackReport(error));
    else if (!(error instanceof CliError)) io.err('(run again with --debug for the stack trace)');
    return error instanceof CliError ? (error.options.exitCode ?? ExitCode.FAILED) : ExitCode.FAILED;
  }
}

/**
 * What the user typed to start `program`: `npm run orders --` when npm runs the program's own
 * script (`npm run orders -- list`), else the program's `invocation` (`npx orders`).
 *
 * @example
 * invocationOf(ordersProgram, { npm_lifecycle_event: 'orders' }); // 'npm run orders --'
 */
export function invocationOf(program: ProgramSpec, env: NodeJS.ProcessEnv = process.env): string {
  const script = env.npm_lifecycle_event;
  if (script === program.name && program.invocation.startsWith('npx ')) return `npm run ${script} --`;
  return program.invocation;
}

/**
 * Runs `program` as the process's command line and sets the exit code. A failure that escapes the
 * command (a late socket error, a rejection nobody awaited) is reported like any other: one line,
 * exit 1, the stack only with `--debug`.
 *
 * @example
 * if (import.meta.main) await main(program);
 */
export async function main(program: ProgramSpec): Promise<void> {
  const resolved = { ...program, invocation: invocationOf(program) };
  const argv = process.argv.slice(2);
  const io = processIO();
  process.on('uncaughtException', (error) => {
    io.err(`${programName(resolved.invocation)}: ${describeFailure(error)}`);
    io.err(argv.includes('--debug') || process.env.DEBUG === '1' ? stackReport(error) : '(run again with --debug for the stack trace)');
    process.exit(ExitCode.FAILED);
  });
  process.exitCode = await runCli(resolved, argv, io);
}
