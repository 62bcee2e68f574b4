/// <reference path="./.sst/platform/config.d.ts" />
// The production deployment (SST v4 on AWS), entirely from the contract and the settings:
//
//   generated/topology.json (from asyncapi.yaml)   topics, queues, dead-letter queues, subscriptions
//                                                   with filter policies, one function per consumer
//   packages/orders/src/settings.ts                 function numbers, tables
//   packages/orders/consumers/<operationId>.ts      each consumer's handler
//
// `npm run infra:plan` prints what this creates for a stage, offline; `npm test` checks it.

/** The stage `npm run deploy:prod` deploys; the only one that is retained and protected. */
const PRODUCTION_STAGE = 'prod';

export default $config({
  app(input) {
    const production = input?.stage === PRODUCTION_STAGE;
    return {
      name: 'orders-pipeline',
      home: 'aws',
      // prod keeps its data when the stack goes away and refuses `sst remove`; every other
      // stage is a throwaway that `npm run remove` cleans up completely.
      removal: production ? 'retain' : 'remove',
      protect: production,
      // Pinned so an SST upgrade cannot silently move the provider under a deployed stack.
      providers: { aws: { version: '7.20.0' } },
    };
  },

  async run() {
    // SST allows no top-level imports in this file.
    const { default: topology } = await import('./generated/topology.json', { with: { type: 'json' } });
    const { settings } = await import('@orders/app/settings');
    const { SluiceTopology, consumersDirOf, operatorCommandOf } = await import('@sluice/infra');
    // Every topic, queue, subscription, function, table and alarm of the contract and the
    // settings; `pipeline.nodes` reaches each by name, and `transform` (one hook per resource
    // kind) changes one resource's arguments here, without forking the framework.
    const pipeline = new SluiceTopology('Pipeline', {
      topology: topology as unknown as import('@sluice/runtime/contract').Topology,
      settings,
      consumersDir: consumersDirOf($cli.paths.root),
      operatorCommand: operatorCommandOf($cli.paths.root),
      production: $app.stage === PRODUCTION_STAGE,
      // The AWS names carry the stage off production (`OrderQueue-dev`): SST compiles `$app` into
      // this file only, so the component cannot read the stage by itself.
      stage: $app.stage,
      dev: $dev,
    });
    return pipeline.outputs;
  },
});
