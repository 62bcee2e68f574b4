/**
 * `@sluice/cli`: the command-line kit every entry point of the framework follows, and the
 * terminal widgets its commands print with.
 *
 * The one command-line convention every entry point of the project follows:
 *
 * - `--help` (`-h`) and `--version` everywhere; `help <command>` for programs with commands.
 * - A usage mistake (unknown command or flag, missing or bad value) prints ONE line saying what is
 *   wrong, echoing the bad value, and what to type instead, then a pointer to `--help`; exit 2.
 * - A failure while running prints one line with the cause and the next step; exit 1.
 * - No stack trace unless `--debug` (or `DEBUG=1`).
 * - A bad value is a usage error when the command line itself is wrong: a malformed number or URL,
 *   a value outside `choices`, a path that does not exist, a name the command does not know. Data
 *   that is checked later for what it means (a payload's fields against the contract, a contract
 *   with breaking changes) is a failure of the run: exit 1.
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the command ran and failed (or found problems: stale files, breaking changes, invalid payloads) |
 * | 2 | usage error: nothing was done |
 * | 130 | interrupted (a second Ctrl-C) |
 *
 * @packageDocumentation
 */
export { CliError, describeFailure, ExitCode, UsageError } from './errors.ts';
export { compileErrorsOf, formatCompileErrors, shownPath, type CompileError } from './compile-errors.ts';
export type { CommandContext, CommandSpec, OptionSpec, PositionalSpec, ProgramSpec } from './spec.ts';
export { processIO, terminalSafeIO, type CliIO } from './io.ts';
export { helpText } from './help.ts';
export { integerOption, isHttpUrl, urlOption, versionOf } from './option-values.ts';
export { invocationOf, isEntry, main, NODE_MAJOR, nodeVersionProblem, programName, runCli } from './run.ts';
export { displayWidth, formatTable } from './format-table.ts';
export { lineSplitter, type LineSplitter } from './line-splitter.ts';
export { terminalSafe, terminalSafeIndented, terminalSafeJson, terminalSafeLines } from './terminal-safe.ts';
export { jsonParseProblem, visibleText } from './json-problem.ts';
export { PROGRESS_LINE_EVERY_MS, ProgressBar } from './progress-bar.ts';
export { closest, editDistance } from './suggest.ts';
export { shellWord } from './npm-kept.ts';
export { onShutdownSignals, processAlive, processStartMark, SECOND_INTERRUPT_GRACE_MS, type ShutdownSignalOptions, type SignalTarget } from './signals.ts';
