/**
 * SQS's ten-per-request batching, written once: against the local stack through the real SQS
 * client, any number of messages is deleted or released in requests of at most ten entries, and
 * each result names the message's index in the caller's list.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { changeVisibilityInBatches, deleteMessagesInBatches, SQS_BATCH_LIMIT, sqsBatches, type SqsBatchOutcome } from '@sluice/ops';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';

let runtime: LocalRuntime;
let sqs: SQSClient;
/** The entries of every batch request the client sent, by command name. */
const requests: { command: string; entries: number }[] = [];
const queueUrl = () => runtime.resources.queues.OrderDLQ!.url;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const entries = (args.input as { Entries?: unknown[] }).Entries;
      if (entries) requests.push({ command: String(context.commandName), entries: entries.length });
      return next(args);
    },
    { step: 'initialize' },
  );
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});
beforeEach(async () => {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
  requests.length = 0;
});

/** Sends `n` messages and receives them all (hidden for a minute); returns them in body order. */
async function heldMessages(n: number): Promise<Message[]> {
  for (let i = 0; i < n; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: `m${i}` }));
  const held: Message[] = [];
  while (held.length < n) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    held.push(...Messages);
  }
  return held.sort((a, b) => Number(a.Body!.slice(1)) - Number(b.Body!.slice(1)));
}

async function visibleCount(): Promise<number> {
  const seen = new Set<string>();
  for (let round = 0; round < 5; round++) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    for (const m of Messages) seen.add(m.MessageId!);
  }
  return seen.size;
}

describe('sqsBatches', () => {
  it('splits into runs of at most ten, in order', () => {
    expect(SQS_BATCH_LIMIT).toBe(10);
    const items = Array.from({ length: 23 }, (_, i) => i);
    expect(sqsBatches(items)).toEqual([items.slice(0, 10), items.slice(10, 20), items.slice(20)]);
    expect(sqsBatches(items.slice(0, 10))).toEqual([items.slice(0, 10)]);
    expect(sqsBatches([])).toEqual([]);
  });
});

describe('deleteMessagesInBatches', () => {
  it('deletes 23 messages in requests of 10, 10 and 3, and names each by its index in the list', async () => {
    const held = await heldMessages(23);
    const seen: SqsBatchOutcome[] = [];
    const outcome = await deleteMessagesInBatches(sqs, queueUrl(), held.map((m) => m.ReceiptHandle!), (o) => seen.push(o));
    expect(requests).toEqual([10, 10, 3].map((entries) => ({ command: 'DeleteMessageBatchCommand', entries })));
    expect(outcome.successful.sort((a, b) => a - b)).toEqual(held.map((_, i) => i));
    expect(outcome.failed).toEqual([]);
    expect(seen.map((o) => o.successful.length)).toEqual([10, 10, 3]);
    // Each request's outcome names indexes in the whole list: the third request's are 20..22.
    expect(seen[2]!.successful.sort((a, b) => a - b)).toEqual([20, 21, 22]);
    await changeVisibilityInBatches(sqs, queueUrl(), held.map((m) => m.ReceiptHandle!), 0);
    expect(await visibleCount()).toBe(0);
  });

  it('sends nothing for no messages', async () => {
    expect(await deleteMessagesInBatches(sqs, queueUrl(), [])).toEqual({ successful: [], failed: [] });
    expect(requests).toEqual([]);
  });
});

describe('changeVisibilityInBatches', () => {
  it('makes 21 held messages visible at once in requests of 10, 10 and 1', async () => {
    const held = await heldMessages(21);
    await changeVisibilityInBatches(sqs, queueUrl(), held.map((m) => m.ReceiptHandle!), 0);
    expect(requests).toEqual([10, 10, 1].map((entries) => ({ command: 'ChangeMessageVisibilityBatchCommand', entries })));
    expect(await visibleCount()).toBe(21);
  });
});
