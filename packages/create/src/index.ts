/**
 * `@sluice/create`: a new project from any AsyncAPI 3.0 contract (`npm run create`, the
 * `create-sluice` bin).
 *
 * @packageDocumentation
 */
export * from './create.ts';
export { createProgram, frameworkTarballs } from './cli.ts';
