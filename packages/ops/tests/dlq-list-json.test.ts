/**
 * `dlq list --json` has one shape, whether `--queue` picks a queue or not: an object keyed by queue
 * name, each entry saying what the queue is (`kind`, `source`), its messages and what it could not
 * show (`notShown`, null when it showed them all). It was the bare list of messages with `--queue`
 * (or `{ messages, notShown }` when some were not shown) and an object without, so a script had to
 * guess. On the local stack, with the framework's `dlq` command mounted as an application mounts
 * it, on a fixture system of its own (tests/fixtures/single-consumer); no consumer runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeMessageVisibilityCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});
beforeEach(async () => {
  for (const queue of Object.keys(runtime.resources.queues)) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
});

async function list(...args: string[]): Promise<DeadLetterListingJson> {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', ...args, '--json', '--endpoint', runtime.endpoint], io));
  expect(code, io.stderr()).toBe(0);
  return JSON.parse(io.stdout()) as DeadLetterListingJson;
}

/** The listing without receive counts: each read receives the messages again, which counts. */
const withoutCounts = (listing: DeadLetterListingJson) =>
  Object.fromEntries(Object.entries(listing).map(([queue, entry]) => [queue, { ...entry, messages: entry.messages.map(({ receiveCount: _r, ...m }) => m) }]));

describe('dlq list --json', () => {
  it('is an object keyed by queue name with or without --queue: --queue gives the entry the whole listing has', async () => {
    const { MessageId: bad } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderDLQ'), MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-json-bad', { quantity: 'two' }))) }));
    const unrouted = Object.keys(runtime.resources.queues).find((name) => /Unrouted/.test(name))!;
    const all = await list();
    expect(Object.keys(all)).toEqual(expect.arrayContaining(['OrderDLQ', unrouted]));
    expect(all.OrderDLQ).toEqual({
      kind: 'deadLetter',
      source: 'OrderQueue',
      sources: ['OrderQueue'],
      messages: [
        {
          messageId: bad,
          receiveCount: expect.any(Number),
          sentAt: expect.any(String),
          body: expect.stringContaining('ord-json-bad'),
          snsMessageId: expect.any(String),
          // A field with nothing to say is there, null: not left out.
          messageName: null,
          reason: expect.objectContaining({ code: 'PAYLOAD_INVALID' }),
          handlerFailure: null,
          subject: 'ord-json-bad',
          messageGroupId: null,
        },
      ],
      notShown: null,
    });
    expect(all[unrouted]).toEqual({ kind: 'unrouted', source: 'OrderTopic', sources: ['OrderTopic'], messages: [], notShown: null });
    // Picked by its name or by its source's: the same entry, under the same key.
    expect(withoutCounts(await list('--queue', 'OrderDLQ'))).toEqual({ OrderDLQ: withoutCounts(all).OrderDLQ });
    expect(withoutCounts(await list('--queue', 'OrderQueue'))).toEqual({ OrderDLQ: withoutCounts(all).OrderDLQ });
    expect(await list('--queue', unrouted)).toEqual({ [unrouted]: all[unrouted] });
  });

  it('says what a queue holds that it could not read in the same entry (it was { messages, notShown } instead of the list then)', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderDLQ'), MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-json-held'))) }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('OrderDLQ'), VisibilityTimeout: 60 }));
    try {
      const one = await list('--queue', 'OrderDLQ');
      expect(one).toEqual({ OrderDLQ: { kind: 'deadLetter', source: 'OrderQueue', sources: ['OrderQueue'], messages: [], notShown: { count: 1, why: expect.stringMatching(/^1 more message\(s\) counted by SQS than could be read/) } } });
      expect((await list()).OrderDLQ).toEqual(one.OrderDLQ);
    } finally {
      for (const m of Messages) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url('OrderDLQ'), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
  });

  it("status --json gives each queue dlq list reads the kind and source dlq list --json gives it (one rule, deadLetterQueuesOf, as the console's state), and those queues only those kinds", async () => {
    const all = await list();
    const io = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['status', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    const rows = (JSON.parse(io.stdout()) as { queues: { queue: string; kind: string; source?: string | null; sources?: string[] }[] }).queues;
    expect(Object.keys(all).length).toBeGreaterThan(0);
    for (const [queue, entry] of Object.entries(all)) expect(rows.filter((r) => r.queue === queue), queue).toEqual([expect.objectContaining({ kind: entry.kind, source: entry.source, sources: entry.sources })]);
    const deadLetterKinds = new Set(['deadLetter', 'unrouted', 'triageDeadLetter']);
    expect(rows.filter((r) => deadLetterKinds.has(r.kind)).map((r) => r.queue).sort()).toEqual(Object.keys(all).sort());
    // The others come from nowhere dlq reads: a consumer's queue, the triage queue.
    for (const row of rows.filter((r) => !deadLetterKinds.has(r.kind))) expect(row.source, row.queue).toBeNull();
  });

  it('--help describes that one shape', async () => {
    const io = captureIO();
    expect(await runCli(fixtureProgram, ['dlq', 'list', '--help'], io)).toBe(0);
    const help = io.stdout().replace(/\s+/g, ' ');
    expect(help).toContain('the same shape with or without --queue');
    expect(help).toMatch(/"kind".*"source".*"sources".*"messages".*"notShown"/);
    expect(help).not.toContain('instead of the list of messages');
  });
});
