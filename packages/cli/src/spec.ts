/**
 * What a program declares: its commands, their options and arguments, and what each command's
 * `run` receives. The kit reads these for the help, the parser and the checks.
 */
import type { CliIO } from './io.ts';
import type { CliError, UsageError } from './errors.ts';

/**
 * One option of a command: `--name <value>` (`type: 'string'`) or a flag (`type: 'boolean'`). The
 * kit parses it, shows it in the help, and turns a value outside `choices` or a path that does not
 * exist into a usage error (exit 2) before the command runs; the command reads it from
 * `values[name]` (a string, a boolean, or with `multiple` an array of them).
 *
 * @example
 * ```ts
 * import type { OptionSpec } from '@sluice/cli';
 *
 * const mode: OptionSpec = {
 *   type: 'string',
 *   short: 'm',
 *   valueName: 'mode',
 *   choices: ['backward', 'forward', 'full'],
 *   defaultText: "the contract's info.x-compatibility",
 *   description: 'compatibility mode to classify changes under',
 * };
 * ```
 */
export interface OptionSpec {
  /** `string` takes a value (`--port 4566`, `--port=4566`); `boolean` is a flag. */
  type: 'string' | 'boolean';
  /** A one-letter alias: `h` for `-h`. */
  short?: string;
  /** Repeatable: `--id a --id b` gives `['a', 'b']`. */
  multiple?: boolean;
  /** One line for the help. */
  description: string;
  /** Placeholder in the help: `--port <n>`. @default 'value' */
  valueName?: string;
  /** Allowed values: anything else is a usage error naming them. */
  choices?: readonly string[];
  /** Default shown in the help (applied by the command itself). */
  defaultText?: string;
  /** A path that must exist (relative to where the command was typed, see {@link OptionSpec.path}): a missing one is a usage error. */
  existing?: boolean;
  /**
   * A path (`existing` ones are too): relative to the folder the command was typed in. npm runs a
   * script in the project's root, wherever it was typed (`cd schemas && npm run x -- o.json`);
   * such a relative value is resolved from npm's `INIT_CWD` then, as `npx` and a shell resolve it.
   * The command receives it absolute in that case.
   */
  path?: boolean;
}

/** One positional argument of a command, as the help names it: `<file>` or `[file...]`. */
export interface PositionalSpec {
  /** Its name in the usage line and in messages. */
  name: string;
  /** One line for the help (and for the "missing <name>" message). */
  description: string;
  /** Missing, it is a usage error. */
  required?: boolean;
  /** Takes every remaining argument (only the last one may). */
  variadic?: boolean;
  /** Paths that must exist (relative to where the command was typed): a missing one is a usage error. */
  existing?: boolean;
  /** Paths (`existing` ones are too), resolved as {@link OptionSpec.path} says. */
  path?: boolean;
}

/** What a command's `run` receives. */
export interface CommandContext<V = Record<string, unknown>> {
  /** The parsed options by name (`--help`, `--version`, `--debug` included). */
  values: V;
  /** The positional arguments, in order. */
  positionals: string[];
  /**
   * The folder the command was typed in, which its relative paths were read from (npm's
   * `INIT_CWD` when npm ran it in the project's root, else the working directory): name the
   * user's files relative to it, so that a path shown is one the user can type again.
   */
  typedIn: string;
  /** Where to write: results to `out`, messages to `err`. */
  io: CliIO;
  /** The program (what the user typed to reach this command), for messages: `npx payments dlq list`. */
  invocation: string;
}

/**
 * A command: its name, its help (summary, description, options, arguments, examples) and either
 * what it does (`run`) or its sub-commands (`commands`). `run` returns the exit code (nothing is
 * 0), throws a {@link UsageError} for a command line that is wrong (exit 2) or a {@link CliError}
 * for a failure with a next step (exit 1); anything else it throws is reported by its message.
 *
 * @example
 * ```ts
 * import { CliError, type CommandSpec } from '@sluice/cli';
 *
 * const list: CommandSpec<{ json?: boolean }> = {
 *   name: 'list',
 *   summary: 'list the messages waiting in the dead-letter queue',
 *   options: { json: { type: 'boolean', description: 'one JSON object per line' } },
 *   examples: ['npx payments dlq list --json'],
 *   async run({ values, io }) {
 *     const waiting: string[] = [];
 *     if (waiting.length === 0 && !values.json) throw new CliError('nothing is waiting', { next: 'check the queue name' });
 *     for (const id of waiting) io.out(values.json ? JSON.stringify({ id }) : id);
 *   },
 * };
 * ```
 */
export interface CommandSpec<V = any> {
  /** What the user types to reach it: `list` in `npx payments dlq list`. */
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** A paragraph or two under the usage line. */
  description?: string;
  /** Its options by name (`--name`); `--help`, `--version` and `--debug` are added to every command. */
  options?: Record<string, OptionSpec>;
  /** Its positional arguments, in order. */
  positionals?: PositionalSpec[];
  /** Whole command lines, shown at the end of the help. */
  examples?: string[];
  /** Extra help text after the options (environment variables, notes). */
  epilog?: string;
  /** Sub-commands (e.g. `payments dlq list`); a command has either these or `run`. */
  commands?: CommandSpec[];
  /** What it does; returns the exit code (nothing means 0). */
  run?: (context: CommandContext<V>) => Promise<number | void> | number | void;
}

/**
 * A whole program: the top command, how the user starts it (`invocation`, used in every message
 * and in the help) and its `--version`. Run it with `main` (as the process's command line)
 * or `runCli` (in tests, with captured I/O).
 *
 * @example
 * ```ts
 * import { isEntry, main, versionOf, type ProgramSpec } from '@sluice/cli';
 *
 * const program: ProgramSpec = {
 *   name: 'greet',
 *   invocation: 'npm run greet --',
 *   version: versionOf(new URL('../package.json', import.meta.url)),
 *   summary: 'say hello',
 *   positionals: [{ name: 'who', description: 'whom to greet', required: true }],
 *   run({ positionals, io }) {
 *     io.out(`hello, ${positionals[0]}`);
 *   },
 * };
 *
 * if (isEntry(import.meta)) await main(program);
 * ```
 */
export interface ProgramSpec extends CommandSpec {
  /** What the user types to run it, e.g. `npx payments` or `npm run codegen --`. */
  invocation: string;
  /** What `--version` prints. @default '0.0.0' */
  version?: string;
}

/** Options every command accepts. */
export const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  version: { type: 'boolean', description: 'print the version' },
  debug: { type: 'boolean', description: 'print stack traces of failures' },
};
