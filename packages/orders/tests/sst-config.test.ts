/**
 * The order application's deployment: the repository's `sst.config.ts`, synthesized offline with
 * SST's real components under Pulumi's unit-test mocks (`synthesize` of @sluice/infra/plan), for a
 * development stage and for prod. What the framework's component makes of a contract and its
 * settings (policies, alarms, redrive, batching, encryption…) is tested on a fixture system in
 * packages/infra/tests/sst-config.test.ts; here, that this application's config deploys this
 * application: its contract's topology, its settings, its consumers' handlers, its app name,
 * retention and stages, and that its shipped settings (`alerts.emails: []`) keep prod from deploying.
 *
 * Needs `.sst/platform` (`npm run sst:install`, part of `npm test`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { topology } from '@orders/contract';
import { ALERTS_TOPIC, awsNameOf, consumerSettings, functionNameOf, resolvePlan } from '@sluice/model';
import { synthesize, type RecordedResource, type RecordedStack } from '@sluice/infra/plan';
import { settings } from '../src/settings.ts';

const receiveOperations = Object.values(topology.operations).filter((o) => o.action === 'receive');
const plan = resolvePlan({ topology, settings });

/** Resources of `type`, optionally only those whose parent component is `parent`. */
const all = (stack: RecordedStack, type: string, parent?: string): RecordedResource[] => stack.resources.filter((r) => r.type === type && (parent === undefined || r.parent === parent));

/** The single resource of `type` whose parent component is `parent`. */
function only(stack: RecordedStack, type: string, parent: string): RecordedResource {
  const found = all(stack, type, parent);
  expect(found.map((r) => r.name), `exactly one ${type} under ${parent}`).toHaveLength(1);
  return found[0]!;
}

describe("the order application's sst.config.ts, synthesized offline", () => {
  let dev: RecordedStack;
  let prod: RecordedStack;

  beforeAll(async () => {
    // prod refuses alerts nobody receives: it is planned with an on-call address, as a real deployment must be.
    const emails = (file: string, source: string) => {
      if (file !== 'packages/orders/src/settings.ts') return source;
      if (source.split('emails: [],').length !== 2) throw new Error('the settings no longer contain "emails: []," exactly once: update this test');
      return source.replace('emails: [],', "emails: ['oncall@example.com'],");
    };
    const settled = await Promise.allSettled([synthesize({ stage: 'dev' }), synthesize({ stage: 'prod', editSource: emails })]);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    [dev, prod] = settled.map((result) => (result as PromiseFulfilledResult<RecordedStack>).value) as [RecordedStack, RecordedStack];
  }, 180_000);

  it("deploys the application's contract and settings: its topics, queues, consumers and tables, as one component", () => {
    const components = dev.resources.filter((r) => r.type.startsWith('sst:aws:') && r.type !== 'sst:aws:QueueLambdaSubscriber');
    expect(components.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        ...Object.keys(settings.tables).map((t) => `sst:aws:Dynamo ${t}`),
        ...plan.functions.map((f) => `sst:aws:Function ${f.functionName}`),
        ...plan.queues.map((q) => `sst:aws:Queue ${q.name}`),
        ...Object.keys(topology.topics).map((t) => `sst:aws:SnsTopic ${t}`),
        `sst:aws:SnsTopic ${ALERTS_TOPIC}`,
      ].sort(),
    );
    for (const component of components) expect(component.parent, component.name).toBe('Pipeline');
    expect(all(dev, 'sluice:aws:Topology').map((r) => r.name)).toEqual(['Pipeline']);
    expect(dev.cliRequests.filter((request) => !request.answered)).toEqual([]);
  });

  it("runs each consumer's handler from packages/orders/consumers, with its settings", () => {
    for (const op of receiveOperations) {
      const fn = only(dev, 'aws:lambda/function:Function', functionNameOf(op.id));
      const s = consumerSettings(settings, op.id);
      expect(fn.inputs).toMatchObject({ handler: `packages/orders/consumers/${op.id}.handler`, memorySize: s.memoryMB, timeout: s.timeoutSeconds });
      const build = dev.cliRequests.find((request) => request.method === 'Runtime.Build' && request.params.functionID === functionNameOf(op.id));
      expect(build?.params).toMatchObject({ handler: `packages/orders/consumers/${op.id}.handler` });
    }
    expect(receiveOperations.map((o) => o.id)).toContain('consumeOrderPlaced');
  });

  it('names the AWS topics and queues after the stage off production, as the bindings say on prod', () => {
    for (const [stack, production] of [[dev, false], [prod, true]] as const) {
      for (const queue of Object.keys(topology.queues)) {
        expect(only(stack, 'aws:sqs/queue:Queue', queue).inputs.name, `${stack.app.stage} ${queue}`).toBe(awsNameOf(queue, { production, stage: stack.app.stage }, 'queue'));
      }
      for (const topic of Object.keys(topology.topics)) {
        expect(only(stack, 'aws:sns/topic:Topic', topic).inputs.name, `${stack.app.stage} ${topic}`).toBe(awsNameOf(topic, { production, stage: stack.app.stage }, 'topic'));
      }
    }
    expect(only(dev, 'aws:sqs/queue:Queue', 'OrderQueue').inputs.name).toBe('OrderQueue-dev');
    expect(only(prod, 'aws:sqs/queue:Queue', 'OrderQueue').inputs.name).toBe('OrderQueue');
  });

  it('encrypts the alerts topic with a key of its own on every stage, so that MessagesKey disabled still pages', () => {
    for (const stack of [dev, prod]) {
      const keys = Object.fromEntries(all(stack, 'aws:kms/key:Key', 'Pipeline').map((k) => [k.name, k.outputs.arn as string]));
      expect(Object.keys(keys).sort(), stack.app.stage).toEqual(['AlertsKey', 'MessagesKey']);
      expect(only(stack, 'aws:sns/topic:Topic', ALERTS_TOPIC).inputs.kmsMasterKeyId, stack.app.stage).toBe(keys.AlertsKey);
      for (const topic of Object.keys(topology.topics)) expect(only(stack, 'aws:sns/topic:Topic', topic).inputs.kmsMasterKeyId, `${stack.app.stage} ${topic}`).toBe(keys.MessagesKey);
    }
  });

  it('is the app orders-pipeline: prod retained and protected, every other stage removable', () => {
    expect(dev.app).toMatchObject({ name: 'orders-pipeline', stage: 'dev', home: 'aws', removal: 'remove', protect: false });
    expect(prod.app).toMatchObject({ name: 'orders-pipeline', stage: 'prod', home: 'aws', removal: 'retain', protect: true });
    expect(prod.outputs._protect).toBe(true);
    for (const table of Object.keys(settings.tables)) {
      expect(only(prod, 'aws:dynamodb/table:Table', table).inputs).toMatchObject({ pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true });
      expect(only(dev, 'aws:dynamodb/table:Table', table).inputs).toMatchObject({ deletionProtectionEnabled: false });
    }
  });

  it('refuses prod with the shipped settings (no on-call address yet), naming the setting', async () => {
    expect(settings.alerts.emails).toEqual([]);
    await expect(synthesize({ stage: 'prod' })).rejects.toThrow(/a production stage must reach someone: the alerts topic has no subscriber.*settings\.alerts\.emails/);
  }, 120_000);
});
