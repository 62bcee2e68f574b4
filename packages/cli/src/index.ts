/**
 * `@sluice/cli`: the command-line kit every entry point of the framework follows, and the
 * terminal widgets its commands print with.
 *
 * @packageDocumentation
 */
export * from './kit.ts';
export { displayWidth, formatTable } from './format-table.ts';
export { ProgressBar } from './progress-bar.ts';
