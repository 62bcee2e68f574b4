/**
 * `@sluice/model`: the contract model every other layer reads. The project layout, the handler
 * convention, the topology derived from an AsyncAPI 3 document, the application's settings
 * resolved against it, and the deployment plan that `@sluice/infra` and `@sluice/local` render.
 *
 * @packageDocumentation
 */
export * from './project.ts';
export * from './handlers.ts';
export * from './topology.ts';
export * from './settings.ts';
export * from './plan.ts';
export * from './unrouted.ts';
export * from './triage.ts';
export * from './message-attributes.ts';
export * from './compatibility-modes.ts';
