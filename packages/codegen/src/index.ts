/**
 * `@sluice/codegen`: renders the contract into `generated/`: TypeScript types, standalone
 * validators, typed operations and the topology manifest.
 *
 * @packageDocumentation
 */
export * from './generate.ts';
export { codegenProgram } from './cli.ts';
export * from './freshness.ts';
export { withLengthShortcuts } from './length-shortcuts.ts';
export * from './parse-contract.ts';
export { type PathPlace, writtenFiles, writtenPlace, writtenPlaceOfPath, type WrittenPlace } from './written-places.ts';
export { placeOfSaid, placeShown, warningSayer } from './said-places.ts';
