/**
 * `@sluice/runtime`: the framework at run time, generic over any contract. The subpaths
 * (`/contract`, `/consumer`, `/publisher`, `/resources`, `/settings`) keep a Lambda bundle to
 * what it uses; this barrel is for tools that want all of it.
 *
 * @packageDocumentation
 */
export * from './contract/index.ts';
export * from './consumer/index.ts';
export * from './publisher/index.ts';
export * from './resources.ts';
export * from './settings.ts';
