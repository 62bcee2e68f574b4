/**
 * `@sluice/cli`: the one command-line convention every entry point of the project follows.
 *
 * - `--help` (`-h`) and `--version` everywhere; `help <command>` for programs with commands.
 * - A usage mistake (unknown command or flag, missing or bad value) prints ONE line saying what is
 *   wrong, echoing the bad value, and what to type instead, then a pointer to `--help`; exit 2.
 * - A failure while running prints one line with the cause and the next step; exit 1.
 * - No stack trace unless `--debug` (or `DEBUG=1`).
 * - A bad value is a usage error when the command line itself is wrong: a malformed number or URL,
 *   a value outside `choices`, a path that does not exist, a name the command does not know. Data
 *   that is checked later for what it means (an order's fields against the contract, a contract
 *   with breaking changes) is a failure of the run: exit 1.
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the command ran and failed (or found problems: stale files, breaking changes, invalid payloads) |
 * | 2 | usage error: nothing was done |
 * | 130 | interrupted (a second Ctrl-C) |
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect, parseArgs, type ParseArgsConfig } from 'node:util';

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
  constructor(
    message: string,
    readonly options: { next?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for the help. */
  description: string;
  /** Placeholder in the help: `--port <n>`. @default 'value' */
  valueName?: string;
  /** Allowed values: anything else is a usage error naming them. */
  choices?: readonly string[];
  /** Default shown in the help (applied by the command itself). */
  defaultText?: string;
  /** A path that must exist (relative to the working directory): a missing one is a usage error. */
  existing?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
  /** Paths that must exist (relative to the working directory): a missing one is a usage error. */
  existing?: boolean;
}

/** What a command's `run` receives. */
export interface CommandContext<V = Record<string, unknown>> {
  values: V;
  positionals: string[];
  io: CliIO;
  /** The program (what the user typed to reach this command), for messages: `npx orders dlq list`. */
  invocation: string;
}

export interface CommandSpec<V = any> {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** A paragraph or two under the usage line. */
  description?: string;
  options?: Record<string, OptionSpec>;
  positionals?: PositionalSpec[];
  examples?: string[];
  /** Extra help text after the options (environment variables, notes). */
  epilog?: string;
  /** Sub-commands (e.g. `orders dlq list`); a command has either these or `run`. */
  commands?: CommandSpec[];
  run?: (context: CommandContext<V>) => Promise<number | void> | number | void;
}

export interface ProgramSpec extends CommandSpec {
  /** What the user types to run it, e.g. `npx orders` or `npm run codegen --`. */
  invocation: string;
  version?: string;
}

/** Where a command writes; tests capture it. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress output (a terminal gets a redrawn bar). */
  progress: { write(s: string): unknown; isTTY?: boolean };
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

let closedPipesHandled = false;

/**
 * A reader that goes away early (`npx orders list | head -1`) closes the pipe: the next write fails
 * with EPIPE, emitted as an 'error' event that would crash the process with a stack trace. Output
 * is then dropped instead, and the command finishes its work (a redrive is not cut in half) and
 * exits with its own code.
 */
function dropOutputOnClosedPipes(): void {
  if (closedPipesHandled) return;
  closedPipesHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/** Writes unless the stream's reader has gone away. */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (!stream.destroyed) stream.write(text);
}

/**
 * The terminal I/O of the real process: stdout for results, stderr for messages and progress.
 *
 * @example
 * const code = await runCli(program, ['list'], processIO());
 */
export function processIO(): CliIO {
  dropOutputOnClosedPipes();
  const io: CliIO = {
    out: (text) => writeTo(process.stdout, `${text}\n`),
    err: (text) => writeTo(process.stderr, `${text}\n`),
    progress: {
      write: (s: string) => writeTo(process.stderr, s),
      get isTTY() {
        return process.stderr.isTTY;
      },
    },
  };
  if (process.stdin.isTTY) {
    io.confirm = async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    };
  }
  return io;
}

/** Options every command accepts. */
const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  version: { type: 'boolean', description: 'print the version' },
  debug: { type: 'boolean', description: 'print stack traces of failures' },
};

function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}`;
  return spec.type === 'string' ? `${flag} <${spec.valueName ?? 'value'}>` : flag;
}

/** The help text of a command, as `--help` prints it. */
export function helpText(command: CommandSpec, invocation: string): string {
  const positionals = (command.positionals ?? []).map((p) => (p.required ? `<${p.name}${p.variadic ? '...' : ''}>` : `[${p.name}${p.variadic ? '...' : ''}]`));
  const hasOptions = Object.keys(command.options ?? {}).length > 0;
  const usage = command.commands?.length
    ? `${invocation} <command> [options]`
    : [invocation, ...positionals, hasOptions ? '[options]' : ''].filter(Boolean).join(' ');
  const lines = [`Usage: ${usage}`, ''];
  if (command.description) lines.push(command.description.trim(), '');
  if (command.commands?.length) {
    const width = Math.max(...command.commands.map((c) => c.name.length));
    lines.push('Commands:', ...command.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '');
    lines.push(`Run \`${invocation} help <command>\` (or \`<command> --help\`) for a command's options.`, '');
  }
  if (command.positionals?.length) {
    const width = Math.max(...command.positionals.map((p) => p.name.length));
    lines.push('Arguments:', ...command.positionals.map((p) => `  ${p.name.padEnd(width)}  ${p.description}`), '');
  }
  const options = { ...(command.options ?? {}), ...COMMON };
  const labels = Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec] as const);
  const width = Math.max(...labels.map(([label]) => label.length));
  lines.push('Options:');
  for (const [label, spec] of labels) {
    const extra = [spec.choices ? `one of ${spec.choices.join(', ')}` : '', spec.defaultText ? `default: ${spec.defaultText}` : ''].filter(Boolean).join('; ');
    lines.push(`  ${label.padEnd(width)}  ${spec.description}${extra ? ` (${extra})` : ''}`);
  }
  if (command.epilog) lines.push('', command.epilog.trim());
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The command's own flags, for messages: `--spec, --out`. */
function flagsOf(command: CommandSpec): string {
  return Object.keys(command.options ?? {}).map((name) => `--${name}`).join(', ');
}

/** Turns node:util's parse errors into one line that echoes what was typed and says what to type. */
function usageErrorOf(error: unknown, command: CommandSpec, invocation: string, args: readonly string[]): UsageError {
  // Positionals are always allowed by the parser and counted afterwards (see runCli), so the errors here are about options.
  const e = error as Error & { code?: string };
  const message = e.message ?? String(error);
  const options = { ...(command.options ?? {}), ...COMMON };
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    const name = flag.replace(/^-+/, '').split('=')[0]!;
    // A one- or two-letter typo is as close to every option as to the one meant: no guess.
    const guess = name.length > 2 ? closest(name, Object.keys(options)) : undefined;
    const own = flagsOf(command);
    const instead = guess ? `did you mean --${guess}?` : own ? `${invocation} takes ${own}` : `${invocation} takes only --help, --version and --debug`;
    return new UsageError(`unknown option ${flag}: ${instead}`);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    const name = Object.entries(options).find(([n, spec]) => flag === `--${n}` || (spec.short && flag === `-${spec.short}`))?.[0];
    const spec = name ? options[name] : undefined;
    const placeholder = `<${spec?.valueName ?? 'value'}>`;
    if (/argument missing/.test(message)) return new UsageError(`${flag} needs a value: ${flag} ${placeholder}`);
    if (/ambiguous/.test(message)) {
      // node:util will not take a value starting with a dash after a space: echo it and show the form it takes.
      const value = args[args.indexOf(flag) + 1] ?? '';
      return new UsageError(`${flag} ${JSON.stringify(value)}: a value starting with a dash goes after an equals sign, ${flag}=${value}`);
    }
    if (/does not take an argument/.test(message)) {
      const given = args.find((a) => a.startsWith(`${flag}=`));
      return new UsageError(`${flag} takes no value${given ? `, got ${JSON.stringify(given.slice(flag.length + 1))}` : ''}: give ${flag} alone`);
    }
    return new UsageError(message.split('\n')[0]!);
  }
  return new UsageError(message.split('\n')[0]!);
}

/** An option given before the command (`orders --json list`): which commands take it, if any. */
function unknownGroupOption(flag: string, group: CommandSpec, invocation: string): string {
  const name = flag.replace(/^-+/, '').split('=')[0]!;
  const takers: string[] = [];
  const visit = (command: CommandSpec, typed: string) => {
    if (command.commands?.length) for (const c of command.commands) visit(c, `${typed} ${c.name}`);
    else if (Object.entries(command.options ?? {}).some(([n, spec]) => n === name || spec.short === name)) takers.push(typed);
  };
  for (const c of group.commands ?? []) visit(c, `${invocation} ${c.name}`);
  const commands = (group.commands ?? []).map((c) => c.name).join(', ');
  if (takers.length === 0) return `unknown option ${flag}: no command takes it; give a command first (${commands})`;
  return `unknown option ${flag}: give a command first, then the option: ${takers.slice(0, 3).map((t) => `${t} ${flag}`).join(' or ')}${takers.length > 3 ? ' …' : ''}`;
}

function unexpectedArgument(value: string, command: CommandSpec, invocation: string): UsageError {
  const count = command.positionals?.length ?? 0;
  return new UsageError(`unexpected argument ${JSON.stringify(value)}: ${invocation} takes ${count ? `at most ${count} argument(s)` : 'no arguments'}${value === 'help' ? `; for help, ${invocation} --help` : ''}`);
}

/** The candidate nearest to `word` (edit distance ≤ 2), for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * The version of the package.json at `packageJson` (a path, or a file URL: node's `URL` type, so
 * that `new URL('../package.json', import.meta.url)` fits even where DOM typings are loaded too),
 * for `--version`.
 *
 * @example
 * version: versionOf(new URL('../package.json', import.meta.url)),
 */
export function versionOf(packageJson: string | import('node:url').URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? '0.0.0';
}

/**
 * A whole-number option value, or a usage error that echoes it and gives the range.
 *
 * @example
 * const port = integerOption('port', values.port, { min: 0, max: 65535 }) ?? 4566;
 */
export function integerOption(flag: string, raw: unknown, range: { min: number; max?: number }): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  const max = range.max ?? Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const wanted = Number.isFinite(max) ? `a whole number from ${range.min} to ${max}` : `a whole number >= ${range.min}`;
    throw new UsageError(`--${flag} must be ${wanted}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * An http(s) URL option value (without a trailing slash), or a usage error that echoes it.
 *
 * @example
 * const endpoint = urlOption('endpoint', values.endpoint); // 'http://127.0.0.1:4566'
 */
export function urlOption(flag: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(`--${flag} ${JSON.stringify(text)} is not an http(s) URL: e.g. --${flag} http://127.0.0.1:4566`);
  }
  return text.replace(/\/$/, '');
}

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
 * What a failure says, in one line for the user: the message without the error's class name
 * (`ConfigurationError: …` or `TypeError: …` mean nothing to an operator), and the cause when the
 * message alone says too little (`fetch failed` → `fetch failed (connect ECONNREFUSED 127.0.0.1:9)`).
 *
 * @example
 * describeFailure(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
 * // 'fetch failed (connect ECONNREFUSED 127.0.0.1:9)'
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : inspect(error, { breakLength: Number.POSITIVE_INFINITY, depth: 2 });
  // Some libraries repeat the class name inside the message.
  let message = error.message.trim().replace(/^[A-Z][A-Za-z]*(Error|Exception): /, '');
  // A CliError's message is written for the user; its cause is for --debug.
  const inner = error instanceof CliError ? [] : error instanceof AggregateError ? error.errors : error.cause !== undefined ? [error.cause] : [];
  const causes = [...new Set(inner.map(describeFailure).filter((c) => c && !message.includes(c)))];
  if (!message) return causes.join('; ') || 'failed without saying why';
  return causes.length ? `${message} (${causes.join('; ')})` : message;
}

/** What `--debug` adds: the stack of the failure, then of each cause and of each error an AggregateError holds. */
function stackReport(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return inspect(error);
  const inner = [...(error instanceof AggregateError ? error.errors : []), ...(error.cause !== undefined && depth < 8 ? [error.cause] : [])];
  return [error.stack ?? String(error), ...inner.map((e) => `caused by: ${stackReport(e, depth + 1)}`)].join('\n');
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
  let invocation = program.invocation;
  let command: CommandSpec = program;
  let args = [...argv];
  const usage = (message: string) => {
    io.err(`${programName(invocation)}: ${message}`);
    io.err(`Run \`${invocation} --help\` for usage.`);
    return ExitCode.USAGE;
  };
  try {
    // Walk down the command tree: `orders dlq list …`, `orders help dlq list`.
    let helpRequested = false;
    while (command.commands?.length) {
      const [first, ...rest] = args;
      if (first === 'help' && !helpRequested) {
        helpRequested = true;
        args = rest.length ? rest : ['--help'];
        continue;
      }
      if (first === undefined || first.startsWith('-')) {
        if (first === '--version') {
          io.out(version);
          return ExitCode.OK;
        }
        if (first === '--help' || first === '-h' || helpRequested) {
          io.out(helpText(command, invocation));
          return ExitCode.OK;
        }
        if (first === '--debug') {
          args = rest;
          continue;
        }
        if (first === undefined) {
          io.err(helpText(command, invocation));
          return ExitCode.USAGE;
        }
        return usage(unknownGroupOption(first, command, invocation));
      }
      const next = command.commands.find((c) => c.name === first);
      if (!next) {
        const guess = closest(first, command.commands.map((c) => c.name));
        return usage(`unknown command ${JSON.stringify(first)}: ${guess ? `did you mean ${guess}? ` : ''}commands are ${command.commands.map((c) => c.name).join(', ')}`);
      }
      command = next;
      invocation = `${invocation} ${next.name}`;
      args = rest;
    }
    if (helpRequested) args = ['--help'];

    const options = { ...(command.options ?? {}), ...COMMON };
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: Object.fromEntries(
          Object.entries(options).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }]),
        ) as ParseArgsConfig['options'],
      });
    } catch (error) {
      throw usageErrorOf(error, command, invocation, args);
    }
    const values = parsed.values as Record<string, unknown>;
    if (values.help) {
      io.out(helpText(command, invocation));
      return ExitCode.OK;
    }
    if (values.version) {
      io.out(version);
      return ExitCode.OK;
    }
    for (const [name, spec] of Object.entries(options)) {
      if (values[name] === undefined) continue;
      for (const value of [values[name]].flat() as string[]) {
        if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not one of ${spec.choices.join(', ')}`);
        if (spec.existing && !existsSync(path.resolve(value))) throw new UsageError(`--${name} ${JSON.stringify(value)}: no such file or folder; give an existing path`);
      }
    }
    const positionals = parsed.positionals;
    const declared = command.positionals ?? [];
    const required = declared.filter((p) => p.required);
    if (positionals.length < required.length) throw new UsageError(`missing <${required[positionals.length]!.name}>: ${required[positionals.length]!.description}`);
    if (!declared.some((p) => p.variadic) && positionals.length > declared.length) throw unexpectedArgument(positionals[declared.length]!, command, invocation);
    positionals.forEach((value, i) => {
      const spec = declared[Math.min(i, declared.length - 1)];
      if (spec?.existing && !existsSync(path.resolve(value))) throw new UsageError(`<${spec.name}> ${JSON.stringify(value)}: no such file or folder; give an existing path`);
    });
    if (!command.run) throw new UsageError('this command does nothing by itself');
    const code = await command.run({ values, positionals, io, invocation });
    return code ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    io.err(`${programName(invocation)}: ${describeFailure(error)}`);
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
