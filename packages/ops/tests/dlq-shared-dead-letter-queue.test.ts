/**
 * Two queues may share one dead-letter queue. `dlq list` then reads it once, naming both sources:
 * `dlq list --json` kept only the last one's `source` (the entry of the other was overwritten),
 * its table listed the queue twice (each message twice, explained by one consumer and then the
 * other), and `status` gave the row the first source alone in --json. On the local stack, with
 * the framework's `dlq` and `status` commands mounted as an application mounts them, on the shop
 * fixture (tests/fixtures/shop) whose Billing and Fulfilment queues are given one dead-letter queue,
 * SharedDLQ; no consumer runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import type { LocalRuntime } from '@sluice/local';
import { contractModule, deadLetterQueuesOf, type DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { sharedDeadLetterShop, type SharedDeadLetterShop } from '../../../tests/helpers/shared-dead-letter-shop.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let shop: SharedDeadLetterShop;
let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

/**
 * Puts in `queueUrl` a dead letter of each source: an OrderPlaced v1 envelope Billing's consumer
 * takes, a raw OrderShipped only Fulfilment's takes (Billing's rejects it).
 */
async function deadLetterOfEach(sqs: SQSClient, queueUrl: string, topicArn: string): Promise<void> {
  const attributes = (eventType: string, schemaVersion: string) => ({ eventType: { DataType: 'String', StringValue: eventType }, schemaVersion: { DataType: 'String', StringValue: schemaVersion } });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ orderId: 'shop-shipped-1', carrier: 'postal' }), MessageAttributes: attributes('OrderShipped', '1.0.0') }));
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ ...snsEnvelope({ orderId: 'shop-placed-1', amountCents: 1299 }, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }), TopicArn: topicArn }) }));
}

beforeAll(async () => {
  shop = await sharedDeadLetterShop();
  ({ fixture, runtime, sqs } = shop);
  const topicArn = Object.values(runtime.resources.topics)[0]!.arn;
  await deadLetterOfEach(sqs, url('SharedDLQ'), topicArn);
});
afterAll(() => shop?.dispose());

async function run(...args: string[]): Promise<string> {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  expect(code, io.stderr()).toBe(0);
  return io.stdout();
}

describe('a dead-letter queue two queues share', () => {
  it('is one ref of deadLetterQueuesOf, naming both sources (source: the first, sources: every one)', async () => {
    const { topology, operations } = await contractModule(fixture.project);
    const shared = deadLetterQueuesOf(topology, operations).filter((r) => r.name === 'SharedDLQ');
    expect(shared).toEqual([expect.objectContaining({ kind: 'deadLetter', source: 'Billing', sources: ['Billing', 'Fulfilment'] })]);
    expect(shared[0]!.consumers.map((c) => c.id)).toEqual(['consumeBilling', 'consumeFulfilment']);
  });

  it('is one entry of dlq list --json with every source, its messages once, each explained by the consumer that takes it', async () => {
    const listing = JSON.parse(await run('dlq', 'list', '--json')) as DeadLetterListingJson;
    const shared = listing.SharedDLQ!;
    expect(shared).toMatchObject({ kind: 'deadLetter', source: 'Billing', sources: ['Billing', 'Fulfilment'], notShown: null });
    expect(shared.messages.map((m) => m.subject).sort()).toEqual(['shop-placed-1', 'shop-shipped-1']);
    // The shipped order is no dead letter of Billing's decoder's making: Fulfilment's consumer takes it.
    expect(shared.messages.map((m) => [m.subject, m.messageName, m.reason]).sort()).toEqual([
      ['shop-placed-1', 'OrderPlaced', null],
      ['shop-shipped-1', 'OrderShipped', null],
    ]);
    // The other queues keep a sources list of their one source.
    expect(listing.AnalyticsDLQ).toMatchObject({ source: 'Analytics', sources: ['Analytics'] });
    // Picked by either source's name: the same entry.
    for (const source of ['Billing', 'Fulfilment']) expect(Object.keys(JSON.parse(await run('dlq', 'list', '--json', '--queue', source)) as DeadLetterListingJson)).toEqual(['SharedDLQ']);
  });

  it('is listed once by dlq list, its heading naming both sources, each message once', async () => {
    const out = await run('dlq', 'list');
    expect(out.match(/^SharedDLQ \(.*$/gm)).toEqual(['SharedDLQ (dead letters of Billing, Fulfilment):']);
    expect(out.match(/shop-shipped-1/g)).toHaveLength(1);
    expect(out.match(/shop-placed-1/g)).toHaveLength(1);
  });

  it('is one row of status, with both sources (--json: source the first, sources every one, as dlq list --json)', async () => {
    const rows = (JSON.parse(await run('status', '--json')) as { queues: { queue: string; kind: string; source: string | null; sources: string[] }[] }).queues;
    expect(rows.filter((r) => r.queue === 'SharedDLQ')).toEqual([expect.objectContaining({ kind: 'deadLetter', source: 'Billing', sources: ['Billing', 'Fulfilment'] })]);
    expect(rows.find((r) => r.queue === 'Billing')).toMatchObject({ kind: 'queue', source: null, sources: [] });
    const table = await run('status');
    expect(table.match(/^SharedDLQ .*$/gm)).toEqual([expect.stringContaining('dead letters of Billing, Fulfilment')]);
  });
});
