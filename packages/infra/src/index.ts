/**
 * `@sluice/infra`: the topology on AWS with SST, for `sst.config.ts`. Its types come from SST's
 * platform (`.sst/platform`), so this entry is type-checked by `npm run typecheck:infra`; the
 * offline plan is `@sluice/infra/plan`.
 *
 * @packageDocumentation
 */
export * from './sst/deploy-topology.ts';
