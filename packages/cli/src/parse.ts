/**
 * From `argv` to a command and its values: walking down the command tree (`payments dlq list`,
 * `payments help dlq list`), parsing the command's options with `node:util`'s `parseArgs`, and the
 * checks every command gets (choices, existing paths, the count of arguments). Every mistake is a
 * {@link UsageError} of one line that echoes what was typed and says what to type instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode, UsageError } from './errors.ts';
import { helpText } from './help.ts';
import { ifNpmKept, keptAsTyped, optionsNpmTook, shellWord } from './npm-kept.ts';
import type { CliIO } from './io.ts';
import { COMMON, type CommandSpec } from './spec.ts';
import { closest } from './suggest.ts';

/** Where the walk down the command tree is: the command reached, what the user typed to reach it, the rest of `argv`. */
export interface CommandPosition {
  command: CommandSpec;
  invocation: string;
  args: string[];
}

/**
 * Walks `at` down the command tree to a command without sub-commands, answering `--help`,
 * `--version` and `help <command>` on the way. Returns the exit code when that finished the run;
 * throws a {@link UsageError} for an unknown command or an option given before the command.
 */
export function walkToCommand(at: CommandPosition, io: CliIO, version: string): number | undefined {
  let helpRequested = false;
  while (at.command.commands?.length) {
    const [first, ...rest] = at.args;
    if (first === 'help' && !helpRequested) {
      helpRequested = true;
      at.args = rest.length ? rest : ['--help'];
      continue;
    }
    if (first === undefined || first.startsWith('-')) {
      if (first === '--version') {
        io.out(version);
        return ExitCode.OK;
      }
      if (first === '--help' || first === '-h' || helpRequested) {
        io.out(helpText(at.command, at.invocation));
        return ExitCode.OK;
      }
      if (first === '--debug') {
        at.args = rest;
        continue;
      }
      if (first === undefined) {
        io.err(helpText(at.command, at.invocation));
        return ExitCode.USAGE;
      }
      throw new UsageError(unknownGroupOption(first, at.command, at.invocation));
    }
    const next = at.command.commands.find((c) => c.name === first);
    if (!next) {
      const guess = closest(first, at.command.commands.map((c) => c.name));
      throw new UsageError(`unknown command ${JSON.stringify(first)}: ${guess ? `did you mean ${guess}? ` : ''}commands are ${at.command.commands.map((c) => c.name).join(', ')}`);
    }
    at.command = next;
    at.invocation = `${at.invocation} ${next.name}`;
    at.args = rest;
  }
  if (helpRequested) at.args = ['--help'];
  return undefined;
}

/** What {@link parseCommandLine} read: the command's options by name and its positional arguments. */
export interface ParsedCommandLine {
  values: Record<string, unknown>;
  positionals: string[];
  /** The folder the command was typed in: npm's `INIT_CWD` when npm ran it elsewhere, else the working directory. */
  typedIn: string;
}

/**
 * Parses the arguments of a command reached by {@link walkToCommand} and checks them. Answers
 * `--help` and `--version` (returning the exit code); throws a {@link UsageError} for any mistake.
 */
export function parseCommandLine({ command, invocation, args }: CommandPosition, io: CliIO, version: string): ParsedCommandLine | number {
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
  const typed = typedIn();
  const typedAs = typed !== undefined ? resolvePaths(command, values, parsed.positionals, typed) : new Map<string, string>();
  checkOptionValues(command, values, typedAs);
  checkPositionals(command, invocation, parsed.positionals, typedAs);
  return { values, positionals: parsed.positionals, typedIn: typed?.from ?? process.cwd() };
}

/**
 * The folder the command was typed in when npm started it elsewhere: npm runs a script in the
 * project's root and says where it was typed in `INIT_CWD`. Undefined when the command runs where
 * it was typed (a shell, `npx`, npm in the root), and when this process is not the one npm
 * started for the script, which a process it starts inherits the variables of (`npm test`'s
 * children): then the script's command line (`npm_lifecycle_script`) does not name this process's
 * entry file (`node packages/codegen/src/cli.ts`, or a bin by its name, `sluice-codegen`), or the
 * working directory is not the package's.
 */
function typedIn(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): { from: string; scriptWords: ReadonlySet<string> } | undefined {
  const initCwd = env.INIT_CWD;
  const script = env.npm_lifecycle_script;
  if (!env.npm_lifecycle_event || !script || !initCwd || !path.isAbsolute(initCwd) || !env.npm_package_json) return undefined;
  const cwd = process.cwd();
  if (path.resolve(initCwd) === cwd || path.dirname(path.resolve(env.npm_package_json)) !== cwd) return undefined;
  const entry = argv[1];
  if (!entry) return undefined;
  const words = script.split(/\s+/);
  const at = Math.max(words.indexOf(path.relative(cwd, path.resolve(entry)).split(path.sep).join('/')), words.indexOf(path.basename(entry)));
  if (at === -1) return undefined;
  // The words the script writes after its entry (`sluice-contract-validate examples`): paths of the project, read from its root, not typed by the user.
  return { from: path.resolve(initCwd), scriptWords: new Set(words.slice(at + 1).flatMap((w) => [w, w.replace(/^--[^=]+=/, '')])) };
}

/**
 * Relative path options and positionals (`path` or `existing`), made absolute from `from`, where
 * they were typed; a value the script's own command line writes is left as it is (read from the
 * project's root, as the script's author meant it). Returns what was typed, by each path it was
 * resolved to: an error about a path echoes what the user typed, not a path they never wrote.
 */
function resolvePaths(command: CommandSpec, values: Record<string, unknown>, positionals: string[], { from, scriptWords }: { from: string; scriptWords: ReadonlySet<string> }): Map<string, string> {
  const typedAs = new Map<string, string>();
  const resolved = (value: string) => {
    if (value === '' || path.isAbsolute(value) || scriptWords.has(value)) return value;
    const absolute = path.resolve(from, value);
    typedAs.set(absolute, value);
    return absolute;
  };
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    if (!(spec.path || spec.existing) || values[name] === undefined || spec.type !== 'string') continue;
    values[name] = Array.isArray(values[name]) ? (values[name] as string[]).map(resolved) : resolved(values[name] as string);
  }
  const declared = command.positionals ?? [];
  positionals.forEach((value, i) => {
    const spec = declared[Math.min(i, declared.length - 1)];
    if (spec && (spec.path || spec.existing)) positionals[i] = resolved(value);
  });
  return typedAs;
}

/**
 * The usage error for a path that does not exist, `what` being `--file` or `<paths>`: it echoes
 * the path as typed and, when it was read from the folder the command was typed in (npm ran it
 * elsewhere), where it was looked for.
 */
function missingPath(what: string, value: string, typedAs: ReadonlyMap<string, string>): UsageError {
  const typed = typedAs.get(value);
  const where = typed !== undefined ? ` (looked for as ${value}, from the folder the command was typed in)` : '';
  return new UsageError(`${what} ${JSON.stringify(typed ?? value)}: no such file or folder${where}; give an existing path`);
}

/**
 * Values outside an option's `choices`, and paths of `existing` options that do not exist. A value
 * that is one of the choices but for case (`--log-level debug` for `DEBUG`) is that choice: it is
 * replaced in `values` by the choice as declared, so the command reads only declared values.
 */
function checkOptionValues(command: CommandSpec, values: Record<string, unknown>, typedAs: ReadonlyMap<string, string>): void {
  for (const [name, spec] of Object.entries({ ...(command.options ?? {}), ...COMMON })) {
    if (values[name] === undefined) continue;
    if (spec.choices) {
      const choices = spec.choices;
      const chosen = ([values[name]].flat() as string[]).map((value) => {
        if (choices.includes(value)) return value;
        const sameButCase = choices.filter((choice) => choice.toLowerCase() === value.toLowerCase());
        if (sameButCase.length === 1) return sameButCase[0]!;
        throw new UsageError(`--${name} ${JSON.stringify(value)} is not one of ${choices.join(', ')}`);
      });
      values[name] = Array.isArray(values[name]) ? chosen : chosen[0];
    }
    for (const value of [values[name]].flat() as string[]) {
      if (spec.existing && !existsSync(path.resolve(value))) throw missingPath(`--${name}`, value, typedAs);
    }
  }
}

/** Too few or too many arguments, and paths of `existing` arguments that do not exist. */
function checkPositionals(command: CommandSpec, invocation: string, positionals: string[], typedAs: ReadonlyMap<string, string>): void {
  const declared = command.positionals ?? [];
  const required = declared.filter((p) => p.required);
  if (positionals.length < required.length) throw new UsageError(`missing <${required[positionals.length]!.name}>: ${required[positionals.length]!.description}`);
  if (!declared.some((p) => p.variadic) && positionals.length > declared.length) throw unexpectedArgument(positionals, declared.length, command, invocation);
  positionals.forEach((value, i) => {
    const spec = declared[Math.min(i, declared.length - 1)];
    if (spec?.existing && !existsSync(path.resolve(value))) throw missingPath(`<${spec.name}>`, value, typedAs);
  });
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

/** An option given before the command (`payments --json list`): which commands take it, if any. */
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

/**
 * What {@link unexpectedArgument} adds when the arguments past the command's own (`positionals`
 * from `taken`) are what npm passed on of options it kept (or, it seems, one it read as its own setting).
 */
function npmKept(positionals: readonly string[], taken: number, command: CommandSpec, invocation: string, env: NodeJS.ProcessEnv): string {
  const value = positionals[taken]!;
  // The command's own arguments first, as typed.
  const own = positionals.slice(0, taken).map(shellWord);
  const took = optionsNpmTook(command, env);
  if (took.length > 0) return `; ${ifNpmKept(took.map((o) => `--${o.name}`).join(', '), took.length, invocation, [...own, keptAsTyped(command, took, positionals.slice(taken))], env)}`;
  if (!env.npm_lifecycle_event) return '';
  // npm exports nothing for an option it read as one of its own settings (--format is its
  // --format-package-lock): a value one option alone takes is most likely that option's.
  const owners = Object.entries(command.options ?? {}).filter(([, spec]) => spec.choices?.includes(value));
  if (owners.length !== 1) return '';
  const [name] = owners[0]!;
  return `; ${JSON.stringify(value)} is a value of --${name}: ${ifNpmKept(`--${name}`, 1, invocation, [...own, `--${name}`, shellWord(value)], env)}`;
}

/** `positionals[taken]`, one more argument than the command takes: said with what npm kept of the options typed before `--`, if anything. */
function unexpectedArgument(positionals: readonly string[], taken: number, command: CommandSpec, invocation: string, env: NodeJS.ProcessEnv = process.env): UsageError {
  const value = positionals[taken]!;
  const count = command.positionals?.length ?? 0;
  return new UsageError(
    `unexpected argument ${JSON.stringify(value)}: ${invocation} takes ${count ? `at most ${count} argument(s)` : 'no arguments'}${value === 'help' ? `; for help, ${invocation} --help` : ''}${npmKept(positionals, taken, command, invocation, env)}`,
  );
}
