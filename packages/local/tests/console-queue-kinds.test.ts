/**
 * The console says of each queue what `status` and `dlq list` say of it, by the same rule
 * (`queueRolesOf` and `deadLetterQueuesOf` of `@sluice/ops`): a topic's triage queue is `triage`
 * (the console said `queue`); a dead-letter queue two queues share names both sources and is read
 * once, each message explained by the consumer that takes it (the console read it as the first
 * source's alone); and a queue an earlier contract left, which `status` lists and `dlq list --queue`
 * reads, the console lists and reads too, in `dlq list`'s words (it showed no such queue, and
 * could not open one). On the local stack, with the console's state beside the framework's `status`
 * and `dlq` commands, on the shop fixture (tests/fixtures/shop) whose Billing and Fulfilment
 * queues are given one dead-letter queue, SharedDLQ; no consumer runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import type { LocalRuntime } from '@sluice/local';
import { ConsoleError, ConsoleState } from '@sluice/local/console';
import { contractModule, type DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { sharedDeadLetterShop, type SharedDeadLetterShop } from '../../../tests/helpers/shared-dead-letter-shop.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

/** A queue of the stack no contract of this project declares: one an earlier contract left. */
const KEPT = 'OldShopDLQ';

let shop: SharedDeadLetterShop;
let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let state: ConsoleState;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

beforeAll(async () => {
  shop = await sharedDeadLetterShop();
  ({ fixture, runtime, sqs } = shop);
  state = new ConsoleState(runtime, await contractModule(fixture.project), fixture.project.spec);
  const topicArn = Object.values(runtime.resources.topics)[0]!.arn;
  const body = (message: unknown, attributes: Record<string, string>) => JSON.stringify({ ...snsEnvelope(message, attributes), TopicArn: topicArn });
  // In SharedDLQ: an OrderPlaced v1 envelope Billing's consumer takes, a raw OrderShipped only Fulfilment's takes.
  const attributes = { eventType: { DataType: 'String', StringValue: 'OrderShipped' }, schemaVersion: { DataType: 'String', StringValue: '1.0.0' } };
  await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: JSON.stringify({ orderId: 'shop-shipped-1', carrier: 'postal' }), MessageAttributes: attributes }));
  await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: body({ orderId: 'shop-placed-1', amountCents: 1299 }, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }) }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: KEPT }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body({ orderId: 'shop-old-1', amountCents: 5 }, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }) }));
});
afterAll(async () => {
  state?.destroy();
  await shop?.dispose();
});

async function run(...args: string[]): Promise<string> {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  expect(code, io.stderr()).toBe(0);
  return io.stdout();
}

describe("the console's queues", () => {
  it('are the queues status lists, each with the kind, source and sources status gives it (a triage queue is triage, a kept queue kept)', async () => {
    const rows = (JSON.parse(await run('status', '--json')) as { queues: { queue: string; kind: string; source: string | null; sources: string[] }[] }).queues;
    const { queues } = await state.state();
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    // The kinds first: the triage queue was `queue` in the console, `triage` in status.
    expect(Object.fromEntries(queues.filter((q) => q.kind !== 'kept').map((q) => [q.name, q.kind]))).toEqual(Object.fromEntries(rows.filter((r) => r.kind !== 'kept').map((r) => [r.queue, r.kind])));
    expect(queues.map((q) => ({ name: q.name, kind: q.kind, source: q.source ?? null, sources: q.sources })).sort(byName)).toEqual(
      rows.map((r) => ({ name: r.queue, kind: r.kind, source: r.source, sources: r.sources })).sort(byName),
    );
    expect(queues.filter((q) => q.kind === 'triage')).toHaveLength(1);
    expect(queues.filter((q) => q.name === 'SharedDLQ')).toEqual([expect.objectContaining({ kind: 'deadLetter', source: 'Billing', sources: ['Billing', 'Fulfilment'], deadLetters: true })]);
    // The console opens what dlq list reads: the kept queue too (dlq list --queue reads it).
    expect(queues.find((q) => q.name === KEPT)).toMatchObject({ kind: 'kept', deadLetters: true });
  });
});

describe('a dead-letter queue two queues share, in the console', () => {
  it('lists its messages once, each explained as dlq list --json explains it (by the consumer that takes it)', async () => {
    const listed = (JSON.parse(await run('dlq', 'list', '--json', '--queue', 'SharedDLQ')) as DeadLetterListingJson).SharedDLQ!;
    const panel = await state.deadLetters('SharedDLQ');
    const seen = (letters: { messageId: string; subject?: string | null; messageName?: string | null; reason?: unknown }[]) =>
      letters.map((l) => ({ messageId: l.messageId, subject: l.subject ?? null, messageName: l.messageName ?? null, reason: l.reason ?? null })).sort((a, b) => a.messageId.localeCompare(b.messageId));
    expect(seen(panel.letters)).toEqual(seen(listed.messages));
    expect(seen(panel.letters).map((l) => [l.subject, l.messageName, l.reason]).sort()).toEqual([
      ['shop-placed-1', 'OrderPlaced', null],
      ['shop-shipped-1', 'OrderShipped', null],
    ]);
  });
});

describe('a queue an earlier contract left, in the console', () => {
  it("is read as dlq list --queue reads it: the same messages, the same subject, the same words for why it is there", async () => {
    const table = await run('dlq', 'list', '--queue', KEPT);
    const listed = (JSON.parse(await run('dlq', 'list', '--json', '--queue', KEPT)) as DeadLetterListingJson)[KEPT]!;
    const panel = await state.deadLetters(KEPT);
    expect(panel.letters.map((l) => [l.messageId, l.subject ?? null])).toEqual(listed.messages.map((m) => [m.messageId, m.subject]));
    expect(panel.letters).toHaveLength(1);
    const why = panel.letters[0]!.why;
    expect(why).toMatch(/^kept from an earlier contract/);
    // The table wraps nothing of it: the same words, on the message's line.
    expect(table.replace(/\s+/g, ' ')).toContain(why);
  });

  it("is not redriven by the console (dlq redrive needs --to for it): refused with what dlq redrive says, nothing moved", async () => {
    const refused = await state.redrive(KEPT, undefined).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConsoleError);
    expect((refused as ConsoleError).message).toContain(`${KEPT} is no longer in the contract`);
    expect((refused as ConsoleError).message).toContain(`--queue ${KEPT} --to <queue>`);
    expect((await state.deadLetters(KEPT)).letters).toHaveLength(1);
  });
});
