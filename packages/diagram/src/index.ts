/**
 * `@sluice/diagram`: the topology as a picture. The deployment plan as Graphviz DOT (publishers,
 * topics, subscriptions with their filter policies, queues, dead-letter queues, functions, tables,
 * alarms), rendered to SVG offline and deterministically by WebAssembly Graphviz. A renderer of
 * `@sluice/model`, like `@sluice/infra` and `@sluice/local`.
 *
 * @packageDocumentation
 */
export * from './dot.ts';
export * from './render.ts';
