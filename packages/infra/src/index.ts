/**
 * `@sluice/infra`: the topology on AWS with SST, for `sst.config.ts`: the `SluiceTopology`
 * component (one resource kind per file under `src/sst/`). Its types come from SST's platform
 * (`.sst/platform`), so this entry is type-checked by `npm run typecheck:infra`; the offline plan
 * is `@sluice/infra/plan`.
 *
 * @packageDocumentation
 */
export * from './sst/component.ts';
export * from './sst/transform.ts';
export * from './sst/keys.ts';
export * from './sst/topics.ts';
export * from './sst/queues.ts';
export * from './sst/subscriptions.ts';
export * from './sst/functions.ts';
export * from './sst/tables.ts';
export * from './sst/alarms.ts';
export * from './sst/policy.ts';
