/**
 * `@orders/cli`: the one command-line convention every entry point of the project follows.
 *
 * - `--help` (`-h`) and `--version` everywhere; `help <command>` for programs with commands.
 * - A usage mistake (unknown command or flag, missing or bad value) prints ONE line saying what is
 *   wrong, echoing the bad value, and what to type instead, then a pointer to `--help`; exit 2.
 * - A failure while running prints one line with the cause and the next step; exit 1.
 * - No stack trace unless `--debug` (or `DEBUG=1`).
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the command ran and failed (or found problems: stale files, breaking changes, invalid payloads) |
 * | 2 | usage error: nothing was done |
 * | 130 | interrupted (a second Ctrl-C) |
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
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

/** The terminal I/O of the real process. */
export function processIO(): CliIO {
  const io: CliIO = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    progress: process.stderr,
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

/** Turns node:util's parse errors into one line that echoes what was typed. */
function usageErrorOf(error: unknown, command: CommandSpec, invocation: string): UsageError {
  const e = error as Error & { code?: string };
  const message = e.message ?? String(error);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    const known = Object.keys({ ...(command.options ?? {}), ...COMMON });
    const guess = closest(flag.replace(/^-+/, '').split('=')[0]!, known);
    return new UsageError(`unknown option ${flag}${guess ? `: did you mean --${guess}?` : ''}`);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(-[^']+)'/.exec(message)?.[1];
    return new UsageError(flag ? `${flag} ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'}` : message);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']+)'/.exec(message)?.[1] ?? '';
    return new UsageError(`unexpected argument ${JSON.stringify(value)}: ${invocation} takes ${command.positionals?.length ? `at most ${command.positionals.length} argument(s)` : 'no arguments'}`);
  }
  return new UsageError(message);
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

/** The version of the package.json at `url` (a file URL or path), for `--version`. */
export function versionOf(packageJson: string | URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? '0.0.0';
}

/**
 * Runs a program for `argv` and returns the exit code. Never throws.
 *
 * @example
 * process.exitCode = await runCli(program, process.argv.slice(2));
 */
export async function runCli(program: ProgramSpec, argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug') || process.env.DEBUG === '1';
  let invocation = program.invocation;
  let command: CommandSpec = program;
  let args = [...argv];
  const usage = (message: string) => {
    io.err(`${invocation.split(' ').filter((w) => !['npx', 'npm', 'run', '--'].includes(w)).join(' ')}: ${message}`);
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
        if (first === '--version' && program.version) {
          io.out(program.version);
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
        return usage(`unknown option ${first}: give a command first (${command.commands.map((c) => c.name).join(', ')})`);
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
        allowPositionals: (command.positionals?.length ?? 0) > 0,
        strict: true,
        options: Object.fromEntries(
          Object.entries(options).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }]),
        ) as ParseArgsConfig['options'],
      });
    } catch (error) {
      throw usageErrorOf(error, command, invocation);
    }
    const values = parsed.values as Record<string, unknown>;
    if (values.help) {
      io.out(helpText(command, invocation));
      return ExitCode.OK;
    }
    if (values.version) {
      io.out(program.version ?? '0.0.0');
      return ExitCode.OK;
    }
    for (const [name, spec] of Object.entries(options)) {
      if (!spec.choices || values[name] === undefined) continue;
      for (const value of [values[name]].flat() as string[]) {
        if (!spec.choices.includes(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not one of ${spec.choices.join(', ')}`);
      }
    }
    const positionals = parsed.positionals;
    const declared = command.positionals ?? [];
    const required = declared.filter((p) => p.required);
    if (positionals.length < required.length) throw new UsageError(`missing <${required[positionals.length]!.name}>: ${required[positionals.length]!.description}`);
    if (!declared.some((p) => p.variadic) && positionals.length > declared.length) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[declared.length])}: ${invocation} takes ${declared.length ? `at most ${declared.length} argument(s)` : 'no arguments'}`);
    }
    if (!command.run) throw new UsageError('this command does nothing by itself');
    const code = await command.run({ values, positionals, io, invocation });
    return code ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    const e = error instanceof Error ? error : new Error(String(error));
    const name = invocation.split(' ').filter((w) => !['npx', 'npm', 'run', '--'].includes(w)).join(' ');
    io.err(`${name}: ${e.message}`);
    if (error instanceof CliError && error.options.next) io.err(error.options.next);
    if (debug) io.err(e.stack ?? String(e));
    else if (!(error instanceof CliError)) io.err('(run again with --debug for the stack trace)');
    return error instanceof CliError ? (error.options.exitCode ?? ExitCode.FAILED) : ExitCode.FAILED;
  }
}

/**
 * Runs `program` as the process's command line and exits with its code.
 *
 * @example
 * await main(program); // in a bin file
 */
export async function main(program: ProgramSpec): Promise<void> {
  process.exitCode = await runCli(program, process.argv.slice(2));
}
