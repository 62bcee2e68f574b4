/**
 * `@sluice/model`: the contract model every other layer reads. The project layout, the handler
 * convention and the topology derived from an AsyncAPI 3 document.
 *
 * @packageDocumentation
 */
export * from './project.ts';
export * from './handlers.ts';
export * from './topology.ts';
