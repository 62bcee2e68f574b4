/**
 * The local stack records on a message it moves to a dead-letter queue the queue it came from, as
 * SQS does (`DeadLetterQueueSourceArn`, given by `ReceiveMessage` when asked for): fauxqs records
 * nothing, so a redrive of a dead-letter queue several queues share could not tell whose each
 * message is. With a data folder the record survives a restart. Where fauxqs is not as this
 * version expects, the stack says so once, never silently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulators, type Emulators } from '@sluice/local';
import { recordDeadLetterSources, type SqsRouter } from '../src/stack/dead-letter-sources.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A queue `Orders` whose dead-letter queue is `OrdersDLQ` after one receive; their URLs and Orders' ARN. */
async function ordersWithDeadLetterQueue(sqs: SQSClient): Promise<{ orders: string; deadLetters: string; ordersArn: string }> {
  const deadLetters = (await sqs.send(new CreateQueueCommand({ QueueName: 'OrdersDLQ' }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetters, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const orders = (await sqs.send(new CreateQueueCommand({ QueueName: 'Orders', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }))).QueueUrl!;
  const ordersArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: orders, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { orders, deadLetters, ordersArn };
}

async function start(dataDir: string | undefined, events: string[] = []): Promise<{ emulators: Emulators; sqs: SQSClient }> {
  const emulators = await startEmulators({ port: 0, ...(dataDir ? { dataDir } : {}), onEvent: (line) => events.push(line) });
  const sqs = new SQSClient(emulators.clientConfig);
  return { emulators, sqs };
}

describe('a dead letter on the local stack', () => {
  it('keeps its DeadLetterQueueSourceArn across a restart of a stack with a data folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dead-letter-sources-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const events: string[] = [];
    let { emulators, sqs } = await start(dir, events);
    const { orders, ordersArn } = await ordersWithDeadLetterQueue(sqs);
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: orders, MessageBody: '{"orderId":"o-1"}' }));
    // Received once (its one allowed receive), not deleted; the next receive, once it is visible again, moves it.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: orders, VisibilityTimeout: 1 }))).Messages).toHaveLength(1);
    await sleep(1100);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: orders, VisibilityTimeout: 1 }))).Messages ?? []).toEqual([]);
    sqs.destroy();
    await emulators.stop();

    ({ emulators, sqs } = await start(dir, events));
    cleanup.push(() => emulators.stop(), () => sqs.destroy());
    const deadLetters = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'OrdersDLQ' }))).QueueUrl!;
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetters, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'] }));
    expect(out.Messages?.map((m) => [m.MessageId, m.Attributes?.DeadLetterQueueSourceArn])).toEqual([[MessageId, ordersArn]]);
    expect(events.filter((e) => e.includes('DeadLetterQueueSourceArn'))).toEqual([]);
  });
});

describe('recordDeadLetterSources, where fauxqs is not as this version has it', () => {
  it('says why dead letters record no source: no router, or no ReceiveMessage handler', () => {
    const said: string[] = [];
    expect(recordDeadLetterSources(undefined, undefined, (line) => said.push(line))).toMatch(/^fauxqs has no SQS router with its handlers where this version expects them: a message moved to a dead-letter queue here records no DeadLetterQueueSourceArn/);
    expect(recordDeadLetterSources({ handlers: new Map() }, undefined, (line) => said.push(line))).toMatch(/^fauxqs's SQS router has no ReceiveMessage handler where this version expects it: .*dlq redrive --to moves them/);
    expect(said).toEqual([]);
  });

  it("says once a database without fauxqs's sqs_messages table, and keeps recording in memory (the stack starts)", async () => {
    const database = new DatabaseSync(':memory:');
    cleanup.push(() => database.close());
    const held = { messageId: 'm-1' };
    const deadLetterQueue = { arn: 'arn:aws:sqs:us-east-1:000000000000:OrdersDLQ', inflightMessages: new Map<string, { message: { messageId: string } }>(), enqueue: (_message: { messageId: string }) => undefined };
    const orders = { arn: 'arn:aws:sqs:us-east-1:000000000000:Orders', inflightMessages: new Map(), enqueue: (_message: { messageId: string }) => undefined };
    const store = { getQueue: (url: string) => (url === 'orders' ? orders : deadLetterQueue), getQueueByArn: (arn: string) => (arn === deadLetterQueue.arn ? deadLetterQueue : orders) };
    // fauxqs's receive as far as it matters: one from Orders moves the message to OrdersDLQ; one from OrdersDLQ gives it.
    const router: SqsRouter = {
      handlers: new Map([
        [
          'ReceiveMessage',
          async (body: unknown, sqsStore: unknown) => {
            const { QueueUrl } = body as { QueueUrl: string };
            const view = sqsStore as typeof store;
            if (QueueUrl === 'orders') return void view.getQueueByArn(deadLetterQueue.arn).enqueue(held);
            deadLetterQueue.inflightMessages.set('rh-1', { message: held });
            return { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1' }] };
          },
        ],
      ]),
    };
    const said: string[] = [];
    expect(recordDeadLetterSources(router, database, (line) => said.push(line))).toBeUndefined();
    const receive = router.handlers.get('ReceiveMessage')!;
    await receive({ QueueUrl: 'orders' }, store);
    const answer = (await receive({ QueueUrl: 'dlq', MessageSystemAttributeNames: ['All'] }, store)) as { Messages: { Attributes?: Record<string, string> }[] };
    expect(answer.Messages[0]!.Attributes).toEqual({ DeadLetterQueueSourceArn: orders.arn });
    expect(said).toEqual([expect.stringMatching(/^warning: sns-sqs: fauxqs's database is not as this version expects it \(no such table: sqs_messages\): the dead letters' DeadLetterQueueSourceArn are kept in memory only, lost at a restart/)]);
  });

  it('says once, at a receive, a store whose queues lack inflightMessages (the answer is passed on unchanged)', async () => {
    const queue = { arn: 'arn:aws:sqs:us-east-1:000000000000:Orders', enqueue: () => undefined };
    const store = { getQueue: () => queue, getQueueByArn: () => queue };
    const answer = { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1' }] };
    const router: SqsRouter = { handlers: new Map([['ReceiveMessage', async () => answer]]) };
    const said: string[] = [];
    expect(recordDeadLetterSources(router, undefined, (line) => said.push(line))).toBeUndefined();
    const receive = router.handlers.get('ReceiveMessage')!;
    for (let i = 0; i < 2; i++) expect(await receive({ QueueUrl: 'u', MessageSystemAttributeNames: ['All'] }, store)).toEqual({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1' }] });
    expect(said).toEqual([expect.stringMatching(/^warning: sns-sqs: fauxqs has no SqsQueue\.inflightMessages where this version expects it: a message moved to a dead-letter queue here records no DeadLetterQueueSourceArn/)]);
  });
});
