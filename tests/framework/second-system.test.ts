/**
 * The framework on a second system, to prove it is generic: a shop contract with three messages
 * on one topic (OrderPlaced v1, its v2 published side by side, OrderShipped) and three consumers
 * (one consuming two messages, one receiving raw bodies) goes through codegen, the type checker,
 * infra:plan and the local runtime, and each published example reaches exactly the consumers that
 * declare it, and no dead-letter queue.
 *
 * The system is this project with its contract, consumers and settings replaced by the fixture's
 * (tests/fixtures/shop): sst.config.ts, the framework and the commands are the project's own.
 */
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadApplication, startLocalRuntime, type BatchReport, type LocalRuntime } from '@sluice/local';
import { resolvePlan, TRIAGE_HANDLER, unroutedOf } from '@sluice/model';
import { queueDepth } from '@sluice/ops';
import { settings as shopSettings } from '../fixtures/shop/app/src/settings.ts';
import type { MessageContract, Operation, TopicSendOperation, Topology } from '@sluice/runtime/contract';
import { createPublisher } from '@sluice/runtime/publisher';
import { TRIAGE_REASON_ATTRIBUTE } from '@sluice/runtime/triage';
import { parse } from 'yaml';
import { peekQueue } from '../helpers/peek-queue.ts';
import { copyProject, type ProjectCopy, type RunResult } from '../helpers/project-copy.ts';
import { waitFor } from '../helpers/wait-for.ts';

let copy: ProjectCopy;

/**
 * The commands that only read what codegen wrote (its --check, the type check, infra:plan), each
 * started once, by the first to ask: codegen's test starts all three once the code is written, so
 * they run side by side (each a process of seconds), and each test awaits its own.
 */
const started = new Map<string, Promise<RunResult>>();
function startOnce(name: string, start: () => Promise<RunResult>): Promise<RunResult> {
  if (!started.has(name)) started.set(name, start());
  return started.get(name)!;
}
const codegenCheck = () => startOnce('codegen --check', () => copy.start('packages/codegen/src/cli.ts', ['--check']));
const planned = () => startOnce('infra:plan', () => copy.start('packages/infra/src/plan/cli.ts', ['--json']));
const typeChecked = () =>
  startOnce('tsc', () => {
    // Each line below must be a type error; `@ts-expect-error` fails the check when it is not.
    copy.write(
      'type-checks.ts',
      [
        `import { operations } from '@orders/contract';`,
        `import { defineConsumer } from '@sluice/runtime/consumer';`,
        `import { createPublisher } from '@sluice/runtime/publisher';`,
        `// @ts-expect-error Billing receives OrderPlaced v1, which has no carrier`,
        `defineConsumer(operations.consumeBilling, async (order) => order.carrier);`,
        `// @ts-expect-error Fulfilment does not receive OrderPlaced v1`,
        `defineConsumer(operations.consumeFulfilment, { OrderPlacedV2: async () => {}, OrderShipped: async () => {}, OrderPlaced: async () => {} });`,
        `// @ts-expect-error a v2 payload has a total, not amountCents`,
        `createPublisher(operations.publishShopEvents, { topicArn: 'arn' }).publish({ orderId: 'o', amountCents: 1 }, { message: 'OrderPlacedV2' });`,
        `createPublisher(operations.publishShopEvents, { topicArn: 'arn' }).publish({ orderId: 'o', total: { amount: 1, currency: 'EUR' } }, { message: 'OrderPlacedV2' });`,
        '',
      ].join('\n'),
    );
    copy.write('tsconfig.shop.json', JSON.stringify({ extends: './tsconfig.json', include: ['packages/local/types', 'packages/orders/consumers', 'packages/orders/src', 'generated', 'type-checks.ts'], exclude: ['node_modules'] }));
    // The compiler the project's own type check (`npm run typecheck`) runs: TypeScript 7's native tsc.
    return copy.start('node_modules/typescript-7/bin/tsc', ['-p', 'tsconfig.shop.json', '--noEmit']);
  });

beforeAll(() => {
  copy = copyProject({ application: 'tests/fixtures/shop' });
});
afterAll(async () => {
  // None of them is cut off (or left running) by the copy's removal when a test failed before awaiting it.
  await Promise.allSettled(started.values());
  copy?.dispose();
});

describe('a second system: three messages on one topic, three consumers', () => {
  let topology: Topology;

  it('generates its types, validators, operations and topology, with a handler for every consumer', async () => {
    const generated = copy.run('packages/codegen/src/cli.ts');
    expect(generated.stderr).toBe('');
    expect(generated.stdout).toContain('codegen: 3 message(s), 1 topic(s), 6 queue(s), 3 subscription(s), 3 consumer(s).');
    // What reads the generated code from here on, side by side; the next tests await theirs.
    void typeChecked();
    void planned();
    const check = await codegenCheck();
    expect(check.status, check.stderr).toBe(0);
    topology = JSON.parse(copy.read('generated/topology.json')) as Topology;
    const policy = (queue: string) => topology.subscriptions.find((s) => s.queue === queue)?.filterPolicy;
    expect(policy('Billing')).toEqual({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] });
    expect(policy('Analytics')).toEqual({ eventType: ['OrderPlaced', 'OrderShipped'], schemaVersion: [{ prefix: '1.' }] });
    expect(policy('Fulfilment')).toEqual({
      $or: [
        { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '2.' }] },
        { eventType: ['OrderShipped'], schemaVersion: [{ prefix: '1.' }] },
      ],
    });
  }, 60_000);

  it('type-checks its handlers against the generated types only, and refuses what the contract does not say', async () => {
    const tsc = await typeChecked();
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it('plans one function per consumer, each queue with its redrive, each subscription with its filter policy', async () => {
    const { status, stdout, stderr } = await planned();
    expect(status, stderr).toBe(0);
    const plan = JSON.parse(stdout) as { resources: { type: string; name: string; properties: Record<string, any> }[] };
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    // The contract's consumers, and the framework's triage of each topic (what no filter admits).
    const model = resolvePlan({ topology, settings: shopSettings, consumersDir: 'packages/orders/consumers' });
    expect(of('aws:lambda/function:Function').map((f) => f.properties.handler).sort()).toEqual(
      [
        'packages/orders/consumers/consumeAnalytics.handler',
        'packages/orders/consumers/consumeBilling.handler',
        'packages/orders/consumers/consumeFulfilment.handler',
        ...Object.keys(topology.topics).map(() => TRIAGE_HANDLER),
      ].sort(),
    );
    expect(of('aws:sqs/queue:Queue').find((q) => q.name === 'FulfilmentQueue')?.properties).toMatchObject({ redrive: { deadLetterQueue: 'FulfilmentDLQQueue', maxReceiveCount: 2 }, visibilityTimeoutSeconds: 60 });
    const subscriptions = of('aws:sns/topicSubscription:TopicSubscription');
    const expected = (s: { queue: string; rawMessageDelivery: boolean; filterPolicy: object }) => [`${s.queue}Queue`, s.rawMessageDelivery, Object.keys(s.filterPolicy).length ? s.filterPolicy : undefined];
    // Each consumer's subscription with the filter policy the contract derives, and nothing else
    // but the framework's per-topic unrouted and triage subscriptions.
    expect(subscriptions.map((s) => [s.properties.endpoint, s.properties.rawMessageDelivery, s.properties.filterPolicy]).sort()).toEqual(
      [...topology.subscriptions, ...model.unrouted.map((u) => u.subscription), ...model.triage.map((t) => t.subscription)].map(expected).sort(),
    );
    const alarms = of('aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.name);
    const deadLetterQueues = Object.values(topology.queues).filter((q) => q.deadLetterFor.length > 0);
    for (const q of deadLetterQueues) expect(alarms).toContain(`${q.name}DepthAlarm`);
    for (const q of Object.keys(topology.queues)) expect(alarms).toContain(`${q}AgeAlarm`);
    expect(alarms.sort()).toEqual(model.alarms.map((a) => a.name).sort());
  }, 120_000);

  describe('on the local runtime', () => {
    let runtime: LocalRuntime;
    const received = new Map<string, { name: string | undefined; body: string; attributes: Record<string, string | undefined> }[]>();
    let batches: { operationId: string; report: BatchReport }[] = [];

    beforeAll(async () => {
      runtime = await startLocalRuntime({
        application: await loadApplication(copy.dir),
        port: 0,
        visibilityTimeoutSeconds: 1,
        batchWindowSeconds: 0,
        logLevel: 'SILENT',
        onBatch: (operationId, report) => {
          batches.push({ operationId, report });
          for (const r of report.records) {
            const list = received.get(operationId) ?? [];
            const attributes = r.messageAttributes.eventType
              ? { eventType: r.messageAttributes.eventType.stringValue, schemaVersion: r.messageAttributes.schemaVersion?.stringValue }
              : Object.fromEntries(Object.entries((JSON.parse(r.body) as { MessageAttributes: Record<string, { Value: string }> }).MessageAttributes).map(([k, v]) => [k, v.Value]));
            list.push({ name: undefined, body: r.body, attributes });
            received.set(operationId, list);
          }
        },
      });
    }, 60_000);
    afterAll(async () => {
      await runtime?.stop();
    });

    it('delivers each example of each message to exactly the consumers that declare it, and dead-letters nothing', async () => {
      const { operations, messages } = (await import(pathToFileURL(`${copy.dir}/generated/index.js`).href)) as { operations: Record<string, Operation>; messages: Record<string, MessageContract> };
      const send = operations.publishShopEvents as TopicSendOperation;
      const sns = new SNSClient(runtime.clientConfig);
      const publisher = createPublisher(send, { client: sns, topicArn: runtime.resources.topics.ShopEvents!.arn });
      const doc = parse(copy.read('asyncapi.yaml')) as { components: { messages: Record<string, { examples: { payload: unknown }[] }> } };
      const published: { message: string; body: string }[] = [];
      for (const name of Object.keys(messages)) {
        for (const example of doc.components.messages[name]!.examples) {
          await publisher.publish(example.payload as never, { message: name as never });
          published.push({ message: name, body: JSON.stringify(example.payload) });
        }
      }
      sns.destroy();
      expect(published.map((p) => p.message).sort()).toEqual(['OrderPlaced', 'OrderPlacedV2', 'OrderShipped']);

      const sqs = new SQSClient(runtime.clientConfig);
      try {
        const expected = { consumeBilling: 1, consumeFulfilment: 2, consumeAnalytics: 2 };
        await waitFor('every consumer to have its messages', () => Object.entries(expected).every(([op, n]) => (received.get(op)?.length ?? 0) >= n), 30_000);
        // A little longer, for anything that should not have come.
        await new Promise((r) => setTimeout(r, 1500));
        const kinds = (op: string) => (received.get(op) ?? []).map((r) => `${r.attributes.eventType} ${r.attributes.schemaVersion}`).sort();
        expect(kinds('consumeBilling')).toEqual(['OrderPlaced 1.1.0']);
        expect(kinds('consumeFulfilment')).toEqual(['OrderPlaced 2.0.0', 'OrderShipped 1.0.0']);
        expect(kinds('consumeAnalytics')).toEqual(['OrderPlaced 1.1.0', 'OrderShipped 1.0.0']);
        // Fulfilment's subscription is raw: its bodies are the published payloads themselves.
        expect(received.get('consumeFulfilment')!.map((r) => r.body).sort()).toEqual(published.filter((p) => p.message !== 'OrderPlaced').map((p) => p.body).sort());
        expect(batches.every(({ report }) => report.failed.length === 0 && !report.batchFailure)).toBe(true);
        // Every queue is drained, each topic's unrouted queue too: OrderPlaced is routed in two
        // majors here (v1 to billing and analytics, v2 to fulfilment), and neither is kept there a
        // second time (the complement excluded the lowest major only: each v2 publish was).
        expect(unroutedOf(topology).flatMap((u) => u.routed.filter((r) => r.majors.length > 1).map((r) => `${u.queue} ${r.eventType} ${r.majors.join(',')}`))).toEqual(['ShopEventsUnrouted OrderPlaced 1,2']);
        for (const queue of Object.keys(runtime.resources.queues)) {
          expect((await queueDepth(sqs, runtime.resources.queues[queue]!.url)).total, queue).toBe(0);
        }
      } finally {
        sqs.destroy();
      }
    }, 60_000);

    it('keeps a third major of the type routed in two in the unrouted queue, through the triage, with the reason; no consumer gets it', async () => {
      const sns = new SNSClient(runtime.clientConfig);
      const sqs = new SQSClient(runtime.clientConfig);
      try {
        const before = batches.length;
        const attributes = { eventType: { DataType: 'String', StringValue: 'OrderPlaced' }, schemaVersion: { DataType: 'String', StringValue: '3.0.0' } };
        const { MessageId } = await sns.send(new PublishCommand({ TopicArn: runtime.resources.topics.ShopEvents!.arn, Message: '{"orderId":"o-v3"}', MessageAttributes: attributes }));
        const unrouted = runtime.resources.queues.ShopEventsUnrouted!.url;
        await waitFor('the v3 publish in the unrouted queue', async () => (await queueDepth(sqs, unrouted)).total === 1, 30_000);
        const [kept] = await peekQueue(sqs, unrouted, ['All']);
        expect((JSON.parse(kept!.Body!) as { MessageId: string }).MessageId).toBe(MessageId);
        expect(kept!.MessageAttributes?.[TRIAGE_REASON_ATTRIBUTE]?.StringValue).toBe('no subscription admits it (eventType OrderPlaced, schemaVersion 3.0.0)');
        // A little longer, for a consumer that should not get it: the only function it reached is the
        // triage (by its content, raw or in an envelope; a late batch of the test before, or the
        // triage's own redelivery on a loaded machine, is not a consumer getting it).
        await new Promise((r) => setTimeout(r, 1000));
        const reached = batches.slice(before).filter((b) => b.report.records.some((r) => r.body.includes('o-v3')));
        expect([...new Set(reached.map((b) => b.operationId))]).toEqual(['triageShopEvents']);
      } finally {
        sns.destroy();
        sqs.destroy();
      }
    }, 60_000);
  });
});
