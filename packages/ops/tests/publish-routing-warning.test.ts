/**
 * `publish-message` says when no subscription of the running stack admits what it just published:
 * a message added to the contract (`npm run codegen`) before `npm start` restarted goes to the
 * topic's unrouted queue, and the publish says so, where it went and what to do, as `status` does.
 * The stack runs the single-consumer fixture (OrderPlaced only); the commands read a copy of it
 * whose contract adds OrderShipped, with a consumer of its own (ShippingQueue) or with none.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { parse, stringify } from 'yaml';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, generateContract, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { peekQueue } from '../../../tests/helpers/peek-queue.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

type Doc = {
  channels: Record<string, { messages: Record<string, unknown> } & Record<string, unknown>>;
  operations: Record<string, unknown>;
  components: { messages: Record<string, unknown>; schemas: Record<string, unknown> };
};

/** The fixture with OrderShipped added to OrderTopic (README, "A new message with its consumer"); `consumer`: with ShippingQueue and its consumer. */
async function withOrderShipped(consumer: boolean): Promise<FixtureProject> {
  const fixture = await fixtureProject('single-consumer');
  const file = path.join(fixture.dir, 'asyncapi.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as Doc;
  doc.components.messages.OrderShipped = {
    name: 'OrderShipped',
    contentType: 'application/json',
    'x-schema-version': '1.0.0',
    headers: { $ref: '#/components/schemas/OrderShippedAttributes' },
    payload: { type: 'object', required: ['orderId', 'carrier'], properties: { orderId: { type: 'string', minLength: 1 }, carrier: { type: 'string', enum: ['postal', 'courier'] } } },
  };
  doc.components.schemas.OrderShippedAttributes = {
    type: 'object',
    required: ['eventType', 'schemaVersion'],
    properties: { eventType: { type: 'string', const: 'OrderShipped' }, schemaVersion: { type: 'string', pattern: '^1\\.\\d+\\.\\d+$' } },
  };
  doc.channels.orderTopic!.messages.orderShipped = { $ref: '#/components/messages/OrderShipped' };
  doc.operations.publishOrderShipped = {
    action: 'send',
    channel: { $ref: '#/channels/orderTopic' },
    messages: [{ $ref: '#/channels/orderTopic/messages/orderShipped' }],
    ...(consumer ? { bindings: { sns: { consumers: [{ protocol: 'sqs', endpoint: { name: 'ShippingQueue' }, rawMessageDelivery: false }], bindingVersion: '0.1.0' } } } : {}),
  };
  if (consumer) {
    doc.channels.shippingQueue = {
      address: 'ShippingQueue',
      messages: { orderShipped: { $ref: '#/components/messages/OrderShipped' } },
      bindings: {
        sqs: {
          queue: { name: 'ShippingQueue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'ShippingDLQ' }, maxReceiveCount: 3 } },
          deadLetterQueue: { name: 'ShippingDLQ', fifoQueue: false },
          bindingVersion: '0.2.0',
        },
      },
    };
    doc.operations.consumeOrderShipped = { action: 'receive', channel: { $ref: '#/channels/shippingQueue' }, messages: [{ $ref: '#/channels/shippingQueue/messages/orderShipped' }] };
  }
  writeFileSync(file, stringify(doc, { lineWidth: 0 }));
  await generateContract(fixture.project);
  return fixture;
}

let running: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const edited: FixtureProject[] = [];

beforeAll(async () => {
  running = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await running.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  running?.dispose();
  for (const f of edited) f.dispose();
});

async function publishShipped(fixture: FixtureProject, orderId: string) {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, ['publish-message', 'publishOrderShipped', '--payload', JSON.stringify({ orderId, carrier: 'courier' }), '--endpoint', runtime.endpoint], io));
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const unroutedIds = async () => (await peekQueue(sqs, runtime.resources.queues.OrderTopicUnrouted!.url)).map((m) => (JSON.parse((JSON.parse(m.Body!) as { Message: string }).Message) as { orderId: string }).orderId);

describe('publish-message, a message the running stack does not route', () => {
  it('added to the contract with its consumer before npm start restarted: warns that it went to the unrouted queue, and what to do', async () => {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: runtime.resources.queues.OrderTopicUnrouted!.url }));
    const fixture = await withOrderShipped(true);
    edited.push(fixture);
    const published = await publishShipped(fixture, 'ord-shipped-early');
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/^published OrderShipped \(publishOrderShipped\) to OrderTopic as SNS message \S+$/m);
    await waitFor('the message in OrderTopicUnrouted', async () => (await unroutedIds()).includes('ord-shipped-early'), 10_000);
    const endpoint = runtime.endpoint.replace(/\/$/, '');
    expect(published.stderr).toContain(
      `npx fixture: warning: no subscription of the running stack admits OrderShipped yet, though the contract routes it: it went to OrderTopicUnrouted, where no consumer gets it. Restart npm start (it applies the contract when it starts), then redrive it: npx fixture dlq redrive --endpoint ${endpoint} --queue OrderTopicUnrouted (see it with npx fixture dlq list --endpoint ${endpoint} --queue OrderTopicUnrouted).`,
    );
  });

  it('added to the contract with no consumer: warns that it went to the unrouted queue, and that a consumer must declare it first', async () => {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: runtime.resources.queues.OrderTopicUnrouted!.url }));
    const fixture = await withOrderShipped(false);
    edited.push(fixture);
    const published = await publishShipped(fixture, 'ord-shipped-unconsumed');
    expect(published.code, published.stderr).toBe(0);
    await waitFor('the message in OrderTopicUnrouted', async () => (await unroutedIds()).includes('ord-shipped-unconsumed'), 10_000);
    const endpoint = runtime.endpoint.replace(/\/$/, '');
    expect(published.stderr).toContain(
      `npx fixture: warning: no subscription of the running stack admits OrderShipped (no consumer declares OrderShipped): it went to OrderTopicUnrouted, where no consumer gets it. Declare a consumer of it in the contract, run npm run codegen and write its handler, then restart npm start (it applies the contract when it starts), then redrive it: npx fixture dlq redrive --endpoint ${endpoint} --queue OrderTopicUnrouted (see it with npx fixture dlq list --endpoint ${endpoint} --queue OrderTopicUnrouted).`,
    );
  });

  it('a message the running stack routes: no warning', async () => {
    const published = captureIO();
    expect(await running.within(() => runCli(fixtureProgram, ['publish-message', 'publishOrderPlaced', '--payload', JSON.stringify(fixtureOrder('ord-routed')), '--endpoint', runtime.endpoint], published)), published.stderr()).toBe(0);
    expect(published.stderr()).not.toContain('warning');
  });
});
