/**
 * The whole local runtime with the real consumer (in its own process, as Lambda runs it), driven
 * through the real SDK clients and the orders CLI, as a newcomer would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { messages, operations, type OrderPlaced } from '@orders/contract';
import { triageOf, unroutedOf } from '@sluice/model';
import { DeadLetterQueue } from '@sluice/ops';
import { startLocalRuntime, type BatchReport, type LocalRuntime } from '@sluice/local';
import { createDecoder } from '@sluice/runtime/consumer';
import { createPublisher } from '@sluice/runtime/publisher';
import { ordersProgram } from '@orders/app/cli';
import { batchLine } from '../src/terminal-report.ts';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { snsEnvelope } from '../../../tests/helpers/orders.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let runtime: LocalRuntime;
let sns: SNSClient;
let sqs: SQSClient;
/** Every record the real consumer received: body and receive counts, by message id. */
const seen = new Map<string, { body: string; receiveCounts: number[] }>();
const reports: { operationId: string; report: BatchReport }[] = [];

const order = (overrides: Partial<OrderPlaced> = {}): OrderPlaced => ({
  orderId: 'ord-test-1',
  userId: 'usr-1',
  itemName: 'Desk lamp',
  quantity: 2,
  status: 'PENDING',
  timestamp: '2026-03-01T10:00:00Z',
  ...overrides,
});

async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await runCli(ordersProgram, [...argv, '--endpoint', runtime.endpoint], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function dlqOf(): DeadLetterQueue {
  return new DeadLetterQueue({
    sqs,
    deadLetterQueueUrl: runtime.resources.queues.OrderDLQ!.url,
    sourceQueueUrl: runtime.resources.queues.OrderQueue!.url,
    decode: createDecoder(operations.consumeOrderPlaced),
    // As the local stack's own tools read it: its counts are exact.
    exactCounts: true,
  });
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    visibilityTimeoutSeconds: 1,
    batchWindowSeconds: 0,
    logLevel: 'SILENT',
    onBatch: (operationId, report) => {
      reports.push({ operationId, report });
      for (const r of report.records) {
        const entry = seen.get(r.messageId) ?? { body: r.body, receiveCounts: [] };
        entry.receiveCounts.push(Number(r.attributes.ApproximateReceiveCount));
        seen.set(r.messageId, entry);
      }
    },
  });
  sns = new SNSClient(runtime.clientConfig);
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await runtime?.stop();
});

/**
 * Publishes the poison order of the poison test, once (its SNS message id). The test before it,
 * which waits for messages of its own to be dead-lettered, starts it: the poison's three receives,
 * a visibility timeout apart, overlap that wait instead of following it.
 */
let poisonPublished: Promise<string> | undefined;
function publishPoison(): Promise<string> {
  const poison = JSON.stringify(order({ orderId: 'ord-poison', quantity: 0 }));
  const attributes = Object.fromEntries(Object.entries(messages.OrderPlaced.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
  poisonPublished ??= sns.send(new PublishCommand({ TopicArn: runtime.resources.topics.OrderTopic!.arn, Message: poison, MessageAttributes: attributes })).then((out) => out.MessageId!);
  return poisonPublished;
}

describe('the local runtime', () => {
  it('runs each consumer of the contract, and the triage of each topic, in the runtime process by default (their instances are its worker threads)', () => {
    const functions = runtime.functions!.functions;
    expect(runtime.functions!.processes).toBe('shared');
    const topology = runtime.application.topology;
    const receiveOperations = Object.values(topology.operations).filter((o) => o.action === 'receive');
    const triage = triageOf(topology, unroutedOf(topology)).map((t) => t.operationId);
    expect(triage).toHaveLength(Object.keys(topology.topics).length);
    expect(functions.map((f) => f.operationId).sort()).toEqual([...receiveOperations.map((o) => o.id), ...triage].sort());
    expect(functions.map((f) => f.pid)).toEqual(functions.map(() => process.pid));
  });

  it('stores a published order, visible via `orders get` and `orders list`', async () => {
    const publisher = createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: runtime.resources.topics.OrderTopic!.arn });
    await publisher.publish(order());
    const got = await waitFor('the order to be stored', async () => {
      const r = await cli('get', 'ord-test-1');
      return r.code === 0 && r;
    });
    expect(JSON.parse(got.stdout)).toEqual(order());
    const list = await cli('list');
    expect(list.stdout).toMatch(/ord-test-1\s+PENDING\s+2/);
    const json = await cli('list', '--json');
    expect(JSON.parse(json.stdout)).toContainEqual(order());
    // The consumer's metrics (EMF, as CloudWatch would read them), in the batch's line.
    // The batch is reported once its messages are deleted, just after the write the CLI saw. With
    // this stack's 1 s visibility timeout a loaded machine may deliver the message twice (at least
    // once, as SQS does): the second batch then reports a duplicate, and may be reported first. The
    // batch that stored it is the one read here (a CI run failed taking the duplicate's).
    const { report } = await waitFor('the batch report', () =>
      reports.find((r) => r.operationId === 'consumeOrderPlaced' && r.report.records.some((rec) => rec.body.includes('ord-test-1')) && r.report.metrics?.RecordsStored !== undefined),
    );
    expect(report.metrics).toMatchObject({ BatchSize: [1], RecordsStored: [1], RecordsInvalid: [0], RecordsFailed: [0] });
    expect(report.metrics!.MessageAgeMs).toHaveLength(1);
    expect(batchLine('consumeOrderPlaced', report, 3)).toMatch(/batch of 1: 1 done \(deleted\) \[stored 1; waited ≤ \d+ ms\]/);
  });

  it('dead-letters what was sent to the queue directly instead of published, and dlq list says so', async () => {
    // Awaited, and its failure reported, by the poison test.
    publishPoison().catch(() => undefined);
    const forged = { ...snsEnvelope(order({ orderId: 'ord-forged' })), TopicArn: 'arn:aws:sns:us-east-1:000000000000:NotOrderTopic' };
    const raw = JSON.stringify(order({ orderId: 'ord-raw' }));
    const queueUrl = runtime.resources.queues.OrderQueue!.url;
    const { MessageId: forgedId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(forged) }));
    const { MessageId: rawId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: raw }));
    const dlq = dlqOf();
    await waitFor('both in the DLQ', async () => {
      const ids = (await dlq.list()).map((l) => l.messageId);
      return ids.includes(forgedId!) && ids.includes(rawId!);
    });
    const listed = await cli('dlq', 'list');
    expect(listed.stdout).toMatch(new RegExp(`${forgedId}.*TOPIC_NOT_SUBSCRIBED`));
    expect(listed.stdout).toMatch(new RegExp(`${rawId}.*RAW_BODY_UNEXPECTED`));
    expect((await cli('get', 'ord-forged')).code).toBe(1);
    expect((await cli('get', 'ord-raw')).code).toBe(1);
    await dlq.purge([forgedId!, rawId!]);
  });

  it('publishes from CLI flags, and refuses an invalid order naming the field, sending nothing', async () => {
    const ok = await cli('publish', '--order-id', 'ord-cli-1', '--item-name', 'Chair', '--quantity', '3');
    expect(ok.code).toBe(0);
    await waitFor('the CLI order', async () => (await cli('get', 'ord-cli-1')).code === 0);
    const bad = await cli('publish', '--order-id', 'ord-cli-bad', '--quantity', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nothing published');
    expect(bad.stderr).toMatch(/quantity: must be >= 1/);
    const missing = await cli('get', 'ord-cli-bad');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no order ord-cli-bad');
  });

  it('moves a poison message to the DLQ after exactly 3 receives, body intact; dlq list explains it; dlq redrive moves it back', async () => {
    const poison = JSON.stringify(order({ orderId: 'ord-poison', quantity: 0 }));
    // Published already when the test before it ran (or now, when this one runs alone).
    const snsId = await publishPoison();
    const dlq = dlqOf();
    const [letter] = await waitFor('the poison message in the DLQ', async () => {
      const letters = await dlq.list();
      return letters.length > 0 && letters;
    });
    const handled = seen.get(letter!.messageId)!;
    // Receives 1, 2 and 3, each once. Not necessarily reported in that order: with a visibility
    // timeout of 1 s, a receive whose handling outlasts it (a busy machine) overlaps the next one,
    // on another instance, which may end first.
    expect([...handled.receiveCounts].sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect(letter!.body).toBe(handled.body);
    expect(JSON.parse(letter!.body)).toMatchObject({ Type: 'Notification', MessageId: snsId, Message: poison });

    const listed = await cli('dlq', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(letter!.messageId);
    expect(listed.stdout).toMatch(/PAYLOAD_INVALID.*quantity: must be >= 1/);

    const before = seen.size;
    const redriven = await cli('dlq', 'redrive', '--id', letter!.messageId);
    expect(redriven.code).toBe(0);
    expect(redriven.stderr).toContain('redrove 1 message(s)');
    // An id that is not there: the hint names this program's own list command.
    const missing = await cli('dlq', 'redrive', '--id', 'no-such-message');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not in the DLQ: no-such-message');
    expect(missing.stderr).toContain(`See what is there with: ${ordersProgram.invocation} dlq list`);
    // Back on the order queue: the consumer receives the same body again, as a new SQS message.
    const again = await waitFor('the redriven message to be processed', () => [...seen.entries()].slice(before).find(([, v]) => v.body === letter!.body));
    expect(again[1].receiveCounts[0]).toBe(1);
  });

  it('refuses to purge the DLQ without confirmation, and purges with --yes', async () => {
    const dlq = dlqOf();
    await waitFor('a message in the DLQ', async () => (await dlq.count()) > 0);
    const refused = await cli('dlq', 'purge');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Pass --yes');
    const purged = await cli('dlq', 'purge', '--yes');
    expect(purged.code).toBe(0);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url }));
    expect(Messages ?? []).toEqual([]);
  });

  it('serves DynamoDB, SQS and SNS on one endpoint', async () => {
    const res = await fetch(`${runtime.endpoint}/health`);
    expect(await res.json()).toMatchObject({ services: ['sns', 'sqs', 'dynamodb'] });
    expect(new URL(runtime.endpoint).port).toBe(String(new URL(runtime.clientConfig.endpoint).port));
  });

  it('answers --help for every command', async () => {
    for (const argv of [['--help'], ['publish', '--help'], ['get', '--help'], ['list', '--help'], ['dlq', '--help'], ['dlq', 'list', '--help'], ['dlq', 'redrive', '--help'], ['dlq', 'purge', '--help'], ['status', '--help'], ['help', 'publish']]) {
      const io = captureIO();
      expect(await runCli(ordersProgram, argv, io), argv.join(' ')).toBe(0);
      expect(io.stdout()).toContain('Usage:');
    }
  });

  it('says how to start the stack when nothing listens', async () => {
    const io = captureIO();
    expect(await runCli(ordersProgram, ['list', '--endpoint', 'http://127.0.0.1:9'], io)).toBe(1);
    expect(io.stderr()).toContain('npm start');
  });
});
