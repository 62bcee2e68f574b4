/**
 * The operator tools on a FIFO topic and queue pair, on the local stack (one stack for every
 * case): SettlementTopic.fifo → SettlementQueue.fifo, dead-lettered to SettlementDLQ.fifo after two
 * receives (packages/ops/tests/fifo-settlement-project.ts). The message names no group-id field,
 * so `publish-message` takes `--message-group-id` (and `--deduplication-id`) and says which
 * deduplication id it used; `dlq list` says how many wait behind the first message of each group
 * (a FIFO queue shows a group's next message only once the one before is gone); `dlq redrive`
 * carries each message's group, in order, with a deduplication id of its own that a retried
 * redrive repeats (SQS drops the second send); an unrouted FIFO publish is listed by the SNS
 * message id its publisher printed and redriven to the FIFO topic with its group. The local
 * console's dead-letter panel (ConsoleState) says how many wait behind, as `dlq list` does, and its
 * lookup of one letter behind another of its group says why it is not found.
 * No consumer runs: the test receives from the source queue itself to dead-letter.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { contractModule, DeadLetterQueue, fifoNotShownReason, queueDepth, type DeadLetterListingJson } from '@sluice/ops';
import { ConsoleState } from '@sluice/local/console';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';
import { settlementProject, type SettlementProject } from './fifo-settlement-project.ts';

let settlement: SettlementProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let sns: SNSClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;
const SOURCE = 'SettlementQueue.fifo';
const DLQ = 'SettlementDLQ.fifo';
const UNROUTED = 'SettlementTopicUnrouted.fifo';

beforeAll(async () => {
  settlement = await settlementProject();
  const { topology } = await contractModule(settlement.project);
  runtime = await startLocalRuntime({ application: { project: settlement.project, topology, settings: {}, handlers: {} } as never, port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  sns = new SNSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await runtime?.stop();
  settlement?.dispose();
});
beforeEach(async () => {
  for (const queue of [SOURCE, DLQ, UNROUTED]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
});

/** Runs the fixture program's command in the settlement project against the stack. */
async function run(...args: string[]) {
  const io = captureIO(true);
  const code = await settlement.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  return { code, out: io.stdout(), err: io.stderr() };
}

/** A payload of its own for each run and test (the topic drops a repeat within 5 minutes as a duplicate). */
let tag = 0;
beforeEach(() => void (tag += 1));
const booked = (settlementId: string, accountId = 'acc-1') => JSON.stringify({ settlementId, accountId, amountCents: 100 + tag });

/** Everything in `queue` now, received (hidden a second) one receive at a time, bodies unwrapped. */
async function receiveOnce(queue: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return Messages;
}
const settlementIdOf = (m: Message) => (JSON.parse((JSON.parse(m.Body!) as { Message: string }).Message) as { settlementId: string }).settlementId;

/** Receives from the source queue (no consumer) until each message went over maxReceiveCount to the DLQ. */
async function deadLetterAll(expected: number): Promise<void> {
  for (let i = 0; i < 40 && (await queueDepth(sqs, url(DLQ))).total < expected; i++) await receiveOnce(SOURCE);
  expect((await queueDepth(sqs, url(DLQ))).total).toBe(expected);
}

describe('publish-message to a FIFO topic', () => {
  it('refuses without a group, naming --message-group-id; --help documents both options with a whole command line', async () => {
    const refused = await run('publish-message', 'publishSettlement', '--payload', booked('set-0'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--message-group-id');
    const help = await run('publish-message', '--help');
    expect(help.out).toContain('--message-group-id');
    expect(help.out).toContain('--deduplication-id');
    expect(help.out).toMatch(/npx \S+ publish-message publishSettlement .*--message-group-id \S+/);
  });

  it('publishes with --message-group-id, says the deduplication id and that a repeat within 5 minutes is dropped; --deduplication-id sends it again', async () => {
    const first = await run('publish-message', 'publishSettlement', '--payload', booked('set-1'), '--message-group-id', 'acc-1');
    expect(first.code, first.err).toBe(0);
    const dedup = /deduplication id (\S+?)[,:; )]/.exec(first.out)?.[1];
    expect(dedup, first.out).toMatch(/^[0-9a-f]{64}$/);
    expect(first.out).toMatch(/5 minutes/);
    expect(first.out).toContain('--deduplication-id');
    // The same again: accepted by SNS, dropped as a duplicate, and the output says so with the same id.
    const again = await run('publish-message', 'publishSettlement', '--payload', booked('set-1'), '--message-group-id', 'acc-1');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(dedup);
    const other = await run('publish-message', 'publishSettlement', '--payload', booked('set-1'), '--message-group-id', 'acc-1', '--deduplication-id', 'retry-2');
    expect(other.code, other.err).toBe(0);
    expect(other.out).toContain('retry-2');
    expect((await queueDepth(sqs, url(SOURCE))).total).toBe(2);
    const [received] = await receiveOnce(SOURCE);
    expect(received?.Attributes?.MessageGroupId).toBe('acc-1');
  });

  it('refuses --deduplication-id for several payloads (all but the first would be dropped)', async () => {
    const refused = await run('publish-message', 'publishSettlement', '--payload', `[${booked('set-a')},${booked('set-b')}]`, '--message-group-id', 'acc-1', '--deduplication-id', 'd-1');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--deduplication-id');
  });
});

describe('dlq on a FIFO dead-letter queue', () => {
  /** Two settlements of acc-1 (in that order) and one of acc-2, published and dead-lettered; their SQS ids by settlement. */
  async function threeDeadLetters(): Promise<Record<string, string>> {
    for (const [id, account] of [['set-1', 'acc-1'], ['set-2', 'acc-1'], ['set-3', 'acc-2']] as const) {
      const out = await run('publish-message', 'publishSettlement', '--payload', booked(id, account), '--message-group-id', account);
      expect(out.code, out.err).toBe(0);
    }
    const ids: Record<string, string> = {};
    for (let i = 0; i < 40 && Object.keys(ids).length < 3; i++) for (const m of await receiveOnce(SOURCE)) ids[settlementIdOf(m)] = m.MessageId!;
    await deadLetterAll(3);
    return ids;
  }

  it('list says how many wait behind the first of each group, and why, in text and --json', async () => {
    const ids = await threeDeadLetters();
    const text = await run('dlq', 'list', '--queue', DLQ);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(ids['set-1']);
    expect(text.out).toContain(ids['set-3']);
    expect(text.out).not.toContain(ids['set-2']);
    expect(text.out).toMatch(/1 more message\(s\) wait behind/);
    expect(text.out).toMatch(/FIFO/);
    const json = await run('dlq', 'list', '--queue', DLQ, '--json');
    expect(json.code, json.err).toBe(0);
    const listed = (JSON.parse(json.out) as DeadLetterListingJson)[DLQ]!;
    expect(listed.messages.map((m) => m.messageGroupId).sort()).toEqual(['acc-1', 'acc-2']);
    expect(listed.notShown?.count).toBe(1);
    expect(listed.notShown?.why).toMatch(/FIFO/);

    // The local console's dead-letter panel says it too (it listed the first of each group only, with no word of the rest).
    const console_ = new ConsoleState(runtime, await contractModule(settlement.project));
    try {
      const panel = await console_.deadLetters(DLQ);
      expect(panel.letters.map((l) => l.messageId).sort()).toEqual([ids['set-1'], ids['set-3']].sort());
      expect(panel.notShown).toEqual({ count: 1, why: fifoNotShownReason(1) });
      // Opening the one behind set-1: a 404 that says it may wait behind its group's first message (it said only "no message … in …").
      await expect(console_.deadLetter(DLQ, ids['set-2']!)).rejects.toMatchObject({
        status: 404,
        message: `no message ${ids['set-2']} among those ${DLQ} shows: on a FIFO queue it may be waiting behind the first message of its group, not visible until that one is redriven or deleted; ${fifoNotShownReason(1)}`,
      });
    } finally {
      console_.destroy();
    }
  });

  it('redrive --id of a message behind another of its group says why it is not reached; redrive moves all, each group in order', async () => {
    const ids = await threeDeadLetters();
    const behind = await run('dlq', 'redrive', '--queue', DLQ, '--id', ids['set-2']!);
    expect(behind.code).toBe(1);
    expect(behind.err).toContain(ids['set-2']);
    expect(behind.err).toMatch(/behind an earlier message of its FIFO group/);
    expect((await queueDepth(sqs, url(DLQ))).total).toBe(3);

    const all = await run('dlq', 'redrive', '--queue', DLQ);
    expect(all.code, all.err).toBe(0);
    expect((await queueDepth(sqs, url(DLQ))).total).toBe(0);
    // All three back (within 5 minutes of their first delivery: not dropped as duplicates), each group in order.
    expect((await queueDepth(sqs, url(SOURCE))).total).toBe(3);
    const order: string[] = [];
    for (let i = 0; i < 10 && order.length < 3; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(SOURCE), MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
      for (const m of Messages) {
        order.push(`${m.Attributes!.MessageGroupId}:${settlementIdOf(m)}`);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url(SOURCE), ReceiptHandle: m.ReceiptHandle! }));
      }
    }
    expect(order.filter((o) => o.startsWith('acc-1:'))).toEqual(['acc-1:set-1', 'acc-1:set-2']);
    expect(order).toContain('acc-2:set-3');
  });

  it('redrive checks, as they move, the messages behind the first of their groups, and warns of those the contract rejects (only the first was checked)', async () => {
    // Straight into the dead-letter queue, one group: a valid settlement first, one missing its amount behind it.
    const headers = { eventType: 'SettlementBooked', schemaVersion: '1.0.0' };
    const envelope = (payload: string) => JSON.stringify({ ...snsEnvelope(payload, headers), TopicArn: runtime.resources.topics['SettlementTopic.fifo']!.arn });
    const send = (body: string, dedup: string) => sqs.send(new SendMessageCommand({ QueueUrl: url(DLQ), MessageBody: body, MessageGroupId: 'acc-7', MessageDeduplicationId: `${dedup}-${tag}` }));
    await send(envelope(booked('set-71', 'acc-7')), 'head');
    const { MessageId: behindId } = await send(envelope(JSON.stringify({ settlementId: 'set-72', accountId: 'acc-7' })), 'behind');

    const redriven = await run('dlq', 'redrive', '--queue', DLQ);
    expect(redriven.code, redriven.err).toBe(0);
    expect((await queueDepth(sqs, url(SOURCE))).total).toBe(2);
    // The check before the redrive read the first only (valid): the one behind is checked as it moves.
    expect(redriven.err).toMatch(new RegExp(`warning: 1 of the messages redriven from ${DLQ.replace('.', '\\.')} waited behind the first of their FIFO groups`));
    expect(redriven.err).toMatch(new RegExp(`PAYLOAD_INVALID \\(1\\): ${behindId}`));
    // With the --endpoint the command was given: pasted, it reaches the same stack.
    expect(redriven.err).toContain(`dlq list --endpoint ${runtime.endpoint} --queue ${DLQ}`);
    expect(redriven.err).not.toContain('set-71');
  });

  it('a redrive retried after it failed between send and delete does not deliver the message twice', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url(DLQ), MessageBody: JSON.stringify(snsEnvelope(booked('set-9'), { eventType: 'SettlementBooked', schemaVersion: '1.0.0' })), MessageGroupId: 'acc-9', MessageDeduplicationId: 'orig-9' }));
    let failDelete = true;
    // The real client, its first DeleteMessage failing as a crash between send and delete would.
    const flaky = new Proxy(sqs, {
      get: (target, key) =>
        key === 'send'
          ? async (command: object) => {
              if (failDelete && command instanceof DeleteMessageCommand) {
                failDelete = false;
                throw new Error('connection reset');
              }
              return target.send(command as never);
            }
          : Reflect.get(target, key),
    });
    const dlq = new DeadLetterQueue({ sqs: flaky, deadLetterQueueUrl: url(DLQ), sourceQueueUrl: url(SOURCE) });
    await expect(dlq.redrive()).rejects.toThrow('connection reset');
    expect((await dlq.redrive()).moved).toHaveLength(1);
    expect((await queueDepth(sqs, url(DLQ))).total).toBe(0);
    expect((await queueDepth(sqs, url(SOURCE))).total).toBe(1);
  });
});

describe('status on the local stack', () => {
  it('counts a message whose visibility timeout ended as waiting, as SQS does (the emulator counted it in flight until the next receive)', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url(DLQ), MessageBody: booked('set-s'), MessageGroupId: 'acc-s', MessageDeduplicationId: `s-${tag}` }));
    // Received and let go at once: receivable, so waiting.
    await receiveOnce(DLQ);
    const status = await run('status');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/SettlementDLQ\.fifo +1 +0 /);
    expect(status.out).not.toContain('"in flight" on the local stack');
    expect(await receiveOnce(DLQ)).toHaveLength(1);
  });
});

describe('dlq on a FIFO topic\'s unrouted queue', () => {
  it('lists each message by the SNS message id its publisher got, in text and --json', async () => {
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: runtime.resources.topics['SettlementTopic.fifo']!.arn, Message: booked('set-u'), MessageGroupId: 'acc-u', MessageDeduplicationId: 'u-1', MessageAttributes: { eventType: { DataType: 'String', StringValue: 'SettlementVoided' } } }),
    );
    for (let i = 0; i < 40 && (await queueDepth(sqs, url(UNROUTED))).total < 1; i++) await new Promise((r) => setTimeout(r, 25));
    const text = await run('dlq', 'list', '--queue', UNROUTED);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(MessageId);
    const json = await run('dlq', 'list', '--queue', UNROUTED, '--json');
    expect((JSON.parse(json.out) as DeadLetterListingJson)[UNROUTED]!.messages.map((l) => l.snsMessageId)).toEqual([MessageId]);
  });

  it('redrive publishes a message a subscription admits now to the FIFO topic again, with its group', async () => {
    // Published before the consumer was declared: its envelope is routable now.
    const envelope = snsEnvelope(booked('set-r', 'acc-r'), { eventType: 'SettlementBooked', schemaVersion: '1.0.0' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url(UNROUTED), MessageBody: JSON.stringify(envelope), MessageGroupId: 'acc-r', MessageDeduplicationId: 'r-1' }));
    const out = await run('dlq', 'redrive', '--queue', UNROUTED);
    expect(out.code, out.err).toBe(0);
    expect((await queueDepth(sqs, url(UNROUTED))).total).toBe(0);
    let arrived: Message[] = [];
    for (let i = 0; i < 40 && arrived.length === 0; i++) arrived = await receiveOnce(SOURCE);
    expect(arrived.map((m) => [m.Attributes?.MessageGroupId, settlementIdOf(m)])).toEqual([['acc-r', 'set-r']]);
  });
});
