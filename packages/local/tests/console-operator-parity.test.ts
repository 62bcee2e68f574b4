/**
 * The local console says of a dead letter what the operator commands say of it, through the same
 * functions: a redrive warns of those the current contract would reject again (`dlq redrive`'s
 * warning; the console gave none); its Consumers table lists the topic's triage function, as
 * `status` does; a dead letter's subject is the one `dlq list` shows (the console showed `-` for
 * one the contract rejects, where `dlq list` showed its order id). On the local stack, with the console's state (what its page
 * shows and does) beside the framework's `dlq` command, on a fixture system of its own
 * (tests/fixtures/single-consumer); no consumer runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli, type ProgramSpec } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { ConsoleState } from '@sluice/local/console';
import { contractModule, dlqCommand, type DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let state: ConsoleState;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  state = new ConsoleState(runtime, await contractModule(fixture.project), fixture.project.spec);
});
afterAll(async () => {
  state?.destroy();
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});
beforeEach(async () => {
  for (const queue of ['OrderDLQ', 'OrderQueue']) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
});

/** Puts an order in OrderDLQ as a dead-lettered SNS notification (its payload with `overrides`); returns its SQS message id. */
async function deadLetter(orderId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderDLQ'), MessageBody: JSON.stringify(snsEnvelope(fixtureOrder(orderId, overrides))) }));
  return MessageId!;
}

/** What `dlq redrive --dry-run` says on stderr of OrderDLQ now (nothing moves). */
async function cliWarning(): Promise<string> {
  const io = captureIO();
  expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--dry-run', '--queue', 'OrderDLQ', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
  return io.stderr();
}

describe("the console's redrive", () => {
  it('warns of the dead letters the current contract would reject again, as dlq redrive does (the same words, the same messages), and redrives them anyway', async () => {
    const bad = await deadLetter('ord-console-bad', { quantity: 'two' });
    const good = await deadLetter('ord-console-good');
    const said = await cliWarning();
    expect(said).toContain('would be rejected again');
    const result = await state.redrive('OrderDLQ', undefined);
    expect([...result.moved].sort()).toEqual([bad, good].sort());
    expect(result.rejectedAgain).toEqual([
      {
        deadLetterQueue: 'OrderDLQ',
        messageIds: [bad],
        wholeQueue: false,
        lines: expect.any(Array),
        summary: '1 of the 2 messages to redrive from OrderDLQ would be rejected again by consumeOrderPlaced (the consumer of OrderQueue) under the current contract, and come back to OrderDLQ',
        reasons: [{ code: 'PAYLOAD_INVALID', count: 1, messageIds: [bad], example: expect.stringContaining('quantity') }],
      },
    ]);
    // The command said the same of the same message.
    expect(said).toContain(`warning: ${result.rejectedAgain[0]!.summary}:`);
    expect(said).toContain(`PAYLOAD_INVALID (1): ${bad}\n    e.g. ${result.rejectedAgain[0]!.reasons[0]!.example}`);
  });

  it("sends the warning's lines as ops builds them for dlq redrive (the reasons with their first 5 ids, then how many more, in the same words), for the page to show as they are", async () => {
    const bad: string[] = [];
    for (let i = 0; i < 7; i++) bad.push(await deadLetter(`ord-console-many-${i}`, { quantity: 'two' }));
    /** The text with each message id as <id>: the two reads may meet the messages in another order. */
    const shape = (text: string) => bad.reduce((t, id) => t.replaceAll(id, '<id>'), text);
    const said = (await cliWarning()).split('\n');
    const result = await state.redrive('OrderDLQ', undefined);
    const [found] = result.rejectedAgain;
    expect(found!.lines[0]).toBe(`warning: ${found!.summary}:`);
    // The reason lines, as the command printed them.
    const reasonsOf = (lines: readonly string[]) => lines.filter((l) => /^ {2}[A-Z_]+ \(\d+\): | {4}e\.g\. /.test(l)).map(shape);
    expect(reasonsOf(found!.lines)).toEqual(['  PAYLOAD_INVALID (7): <id>, <id>, <id>, <id>, <id> and 2 more', expect.stringMatching(/^ {4}e\.g\. .*quantity/)]);
    expect(reasonsOf(found!.lines)).toEqual(reasonsOf(said));
    // What to do, after the redrive: they are moved already, and come back.
    expect(found!.lines.slice(2).join('\n')).toMatch(/once back/i);
    expect(found!.lines.slice(2).join('\n')).toContain('Redriven anyway: this is a prediction');
  });

  it('gives no warning for a message that failed in its handler (it decodes fine), nor for one not picked', async () => {
    const good = await deadLetter('ord-console-handler-failed');
    const bad = await deadLetter('ord-console-not-picked', { quantity: 'two' });
    const result = await state.redrive('OrderDLQ', [good]);
    expect(result.moved).toEqual([good]);
    expect(result.rejectedAgain).toEqual([]);
    expect((await state.redrive('OrderDLQ', [bad])).rejectedAgain.map((r) => r.messageIds)).toEqual([[bad]]);
  });
});

describe("a topic's triage dead-letter queue in the console", () => {
  it('is a dead-letter queue there as dlq list reads it: listed with its kind and source, opened with the same reasons, redriven to the triage queue (the console answered 404)', async () => {
    for (const queue of ['OrderTopicTriageDLQ', 'OrderTopicTriage', 'OrderTopicUnrouted']) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderTopicTriageDLQ'), MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-triage-dlq'))) }));
    const io = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderTopicTriageDLQ', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    const listed = (JSON.parse(io.stdout()) as DeadLetterListingJson).OrderTopicTriageDLQ!;
    // The kind and source dlq list --json gives it, and the page's Open button (deadLetters).
    expect((await state.state()).queues.find((q) => q.name === 'OrderTopicTriageDLQ')).toMatchObject({ kind: listed.kind, source: listed.source, deadLetters: true });
    expect(listed).toMatchObject({ kind: 'triageDeadLetter', source: 'OrderTopicTriage' });
    // Opened: the message, with why as dlq list says it (put there by hand: said so, with what a redrive does with it).
    const panel = await state.deadLetters('OrderTopicTriageDLQ');
    expect(panel.letters.map((l) => l.messageId)).toEqual([MessageId]);
    expect(panel.letters[0]!.why).toMatch(/^sent to this queue directly, not dead-lettered: .*; dlq redrive puts it in OrderTopicTriage, where TriageOrderTopic keeps it in OrderTopicUnrouted when no subscription of OrderTopic admits it/);
    const table = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderTopicTriageDLQ', '--endpoint', runtime.endpoint], table)), table.stderr()).toBe(0);
    expect(table.stdout()).toContain(panel.letters[0]!.why);
    expect((await state.deadLetter('OrderTopicTriageDLQ', MessageId!)).messageId).toBe(MessageId);
    // Redriven to the triage queue (no function runs here: it waits there); one SNS dead-lettered for the
    // unrouted subscription goes to the unrouted queue instead (triage.test.ts, redrive-sources.test.ts).
    expect((await state.redrive('OrderTopicTriageDLQ', undefined)).moved).toEqual([MessageId]);
    expect((await state.state()).queues.find((q) => q.name === 'OrderTopicTriage')!.visible).toBe(1);
    expect((await state.state()).queues.find((q) => q.name === 'OrderTopicUnrouted')!.visible).toBe(0);
  });
  it('leaves what SNS dead-lettered for the unrouted subscription while that subscription is not on the stack, and its next step is the redrive again once it is, not --to (which dlq redrive refuses for this queue)', async () => {
    for (const queue of ['OrderTopicTriageDLQ', 'OrderTopicTriage', 'OrderTopicUnrouted']) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
    const subscription = runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted!;
    const dead = { ...snsEnvelope(fixtureOrder('ord-triage-left')), UnsubscribeURL: `http://127.0.0.1/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}` };
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderTopicTriageDLQ'), MessageBody: JSON.stringify(dead) }));
    // A stack started before the contract had it: the console finds no such subscription.
    delete runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted;
    let result: Awaited<ReturnType<ConsoleState['redrive']>>;
    try {
      result = await state.redrive('OrderTopicTriageDLQ', undefined);
    } finally {
      runtime.resources.subscriptions.OrderTopicToOrderTopicUnrouted = subscription;
    }
    expect(result.moved).toEqual([]);
    expect(result.notRedriven.map((l) => l.messageId)).toEqual([MessageId]);
    expect(result.next).not.toContain('--to');
    expect(result.next).toMatch(/^Once OrderTopicUnrouted and its subscription can be found again \(restart npm start; the reason above says what is missing\), run `npx \S+ dlq redrive --queue OrderTopicTriageDLQ` again: what SNS dead-lettered for that subscription goes there, the rest back to the triage queue\. Or purge them once no longer needed\.$/);
    // Done as said: it goes into the unrouted queue.
    expect((await state.redrive('OrderTopicTriageDLQ', undefined)).moved).toEqual([MessageId]);
    expect((await state.state()).queues.find((q) => q.name === 'OrderTopicUnrouted')!.visible).toBe(1);
  });
});

describe("the console's Consumers table", () => {
  it("lists each topic's triage function, marked as the framework's, beside the contract's consumers, and counts its batches (status and npm start's banner name it; the console left it out)", async () => {
    const before = (await state.state()).consumers;
    expect(before).toEqual([
      { operationId: 'consumeOrderPlaced', kind: 'consumer', queue: 'OrderQueue', batches: 0, done: 0, retried: 0, batchFailures: 0 },
      { operationId: 'triageOrderTopic', kind: 'triage', topic: 'OrderTopic', queue: 'OrderTopicTriage', batches: 0, done: 0, retried: 0, batchFailures: 0 },
    ]);
    // npm start passes each function's batches on, the triage function's among them.
    state.recordBatch('triageOrderTopic', { records: [], succeeded: ['m-1', 'm-2'], failed: [], durationMs: 3 });
    expect((await state.state()).consumers.find((c) => c.operationId === 'triageOrderTopic')).toMatchObject({ batches: 1, done: 2 });
  });
});

describe("a dead letter's subject", () => {
  /** The framework's `dlq` command as sluice-ops mounts it: no subject function of an application's. */
  const opsDlq: ProgramSpec = { name: 'ops', invocation: 'npx ops', summary: "the framework's operator commands", commands: [dlqCommand()] };
  /** The subject of each message `dlq list --json --queue OrderDLQ` lists, by message id. */
  async function listedSubjects(program: ProgramSpec): Promise<Record<string, string | null>> {
    const io = captureIO();
    expect(await fixture.within(() => runCli(program, ['dlq', 'list', '--queue', 'OrderDLQ', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    return Object.fromEntries((JSON.parse(io.stdout()) as DeadLetterListingJson).OrderDLQ!.messages.map((m) => [m.messageId, m.subject]));
  }

  it('is the one dlq list shows, from the same function: the order id of a dead letter the contract rejects too (the console showed -)', async () => {
    const rejected = await deadLetter('ord-subject-rejected', { quantity: 'two' });
    const fine = await deadLetter('ord-subject-fine');
    const shown = Object.fromEntries((await state.deadLetters('OrderDLQ')).letters.map((l) => [l.messageId, l.subject ?? null]));
    expect(shown).toEqual({ [rejected]: 'ord-subject-rejected', [fine]: 'ord-subject-fine' });
    // dlq list as the framework mounts it (sluice-ops), and as an application that names the order id itself.
    expect(await listedSubjects(opsDlq)).toEqual(shown);
    expect(await listedSubjects(fixtureProgram)).toEqual(shown);
  });

  it('is none, in both, for a body that is no message of the contract', async () => {
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url('OrderDLQ'), MessageBody: JSON.stringify(snsEnvelope({ hello: 2 })) }));
    expect((await state.deadLetters('OrderDLQ')).letters.map((l) => [l.messageId, l.subject ?? null])).toEqual([[MessageId, null]]);
    expect(await listedSubjects(opsDlq)).toEqual({ [MessageId!]: null });
  });
});
