/**
 * A redrive of a dead-letter queue several queues share puts each message back to the queue it
 * came from, as SQS's own redrive does by the `DeadLetterQueueSourceArn` SQS records on a message
 * it dead-letters (the local stack records it too): it sent every one to the first source (Billing's
 * dead letters and Fulfilment's all to Billing), and checked them all against Billing's consumer.
 * A message whose source is not known is not guessed: it stays, said, and `--to` moves it. On the
 * local stack, with the framework's `dlq` command, on the shop fixture (tests/fixtures/shop) whose
 * Billing and Fulfilment queues are given one dead-letter queue, SharedDLQ. No consumer runs: each
 * source's failing consumer is played by receives that never delete, until SQS moves the message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteQueueCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import type { LocalRuntime } from '@sluice/local';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { sharedDeadLetterShop, type SharedDeadLetterShop } from '../../../tests/helpers/shared-dead-letter-shop.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let shop: SharedDeadLetterShop;
let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;
const arn = (queue: string) => runtime.resources.queues[queue]!.arn;

beforeAll(async () => {
  shop = await sharedDeadLetterShop();
  ({ fixture, runtime, sqs } = shop);
});
afterAll(() => shop?.dispose());

/** Sends `body` to `queue` and receives it there until SQS moves it to the dead-letter queue; its id there. */
const deadLettered: SharedDeadLetterShop['deadLettered'] = (...args) => shop.deadLettered(...args);

/** Every message `queue` holds, taken out of it (received and left in flight), with all its attributes. */
async function drain(queue: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    if (!Messages?.length) return all;
    all.push(...Messages);
  }
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const orderPlacedV1 = (orderId: string) => JSON.stringify({ ...snsEnvelope({ orderId, amountCents: 1299 }, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }), TopicArn: runtime.resources.topics.ShopEvents!.arn });
const shippedAttributes = { eventType: { DataType: 'String', StringValue: 'OrderShipped' }, schemaVersion: { DataType: 'String', StringValue: '1.0.0' } };

describe('the local stack, as SQS', () => {
  it('gives a message it moved to a dead-letter queue the DeadLetterQueueSourceArn of the queue it came from, asked by name or with All', async () => {
    const id = await deadLettered('Fulfilment', JSON.stringify({ orderId: 'shop-source-1', carrier: 'postal' }), shippedAttributes);
    const byName = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('SharedDLQ'), MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'] }));
    expect(byName.Messages?.map((m) => [m.MessageId, m.Attributes?.DeadLetterQueueSourceArn])).toEqual([[id, arn('Fulfilment')]]);
    const all = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('SharedDLQ'), MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }));
    expect(all.Messages?.[0]?.Attributes).toMatchObject({ DeadLetterQueueSourceArn: arn('Fulfilment'), ApproximateReceiveCount: expect.any(String) });
    // Not asked for: not given.
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('SharedDLQ'), MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['SentTimestamp'] }));
    expect(none.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBeUndefined();
    // A send records no source (a redrive is a send).
    await sqs.send(new SendMessageCommand({ QueueUrl: url('Analytics'), MessageBody: '{}' }));
    expect((await drain('Analytics')).map((m) => m.Attributes?.DeadLetterQueueSourceArn)).toEqual([undefined]);
  });
});

describe('dlq redrive of a dead-letter queue two queues share', () => {
  it("puts each message back to its own queue, checked against that queue's consumer; one whose source is not known stays, said, exit 1", async () => {
    // Empty it of what the test above left there (in flight for a minute, then back): purge.
    expect((await run('dlq', 'purge', '--queue', 'SharedDLQ', '--yes')).code).toBe(0);
    const billing = await deadLettered('Billing', orderPlacedV1('shop-billing-1'));
    // Only Fulfilment's consumer takes a raw OrderShipped: Billing's rejects it.
    const shipped = await deadLettered('Fulfilment', JSON.stringify({ orderId: 'shop-shipped-2', carrier: 'postal' }), shippedAttributes);
    // An OrderPlaced v1 envelope Billing's consumer takes and Fulfilment's does not: back in Fulfilment, it would be rejected again.
    const misplaced = await deadLettered('Fulfilment', orderPlacedV1('shop-misplaced-1'));
    // Put there by hand: which queue it came from is not known.
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: orderPlacedV1('shop-by-hand-1') }));

    const out = await run('dlq', 'redrive', '--queue', 'SharedDLQ');
    expect(out.stdout).toContain(`moved ${billing} to Billing`);
    expect(out.stdout).toContain(`moved ${shipped} to Fulfilment`);
    expect(out.stdout).toContain(`moved ${misplaced} to Fulfilment`);
    const inBilling = await drain('Billing');
    const inFulfilment = await drain('Fulfilment');
    const orderIdsOf = (messages: Message[]) => messages.map((m) => JSON.parse(m.Body!)).map((b) => (b.Type === 'Notification' ? JSON.parse(b.Message).orderId : b.orderId)).sort();
    expect(orderIdsOf(inBilling)).toEqual(['shop-billing-1']);
    expect(orderIdsOf(inFulfilment)).toEqual(['shop-misplaced-1', 'shop-shipped-2']);

    // Checked against the consumer each goes back to: Fulfilment's rejects the misplaced one; Billing's is not asked of the shipped one.
    expect(out.stderr).toMatch(/^warning: 1 of the 2 messages to redrive from SharedDLQ would be rejected again by consumeFulfilment \(the consumer of Fulfilment\)/m);
    expect(out.stderr).toContain(misplaced);
    expect(out.stderr).not.toContain('consumeBilling');

    // The one put there by hand stays, said with why and what to do; the exit says something is left.
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`left ${byHand} in SharedDLQ: no DeadLetterQueueSourceArn`);
    expect(out.stderr).toContain(`left 1 message(s) in SharedDLQ, its source not guessed: ${byHand} (no DeadLetterQueueSourceArn`);
    expect(out.stderr).toContain('--queue SharedDLQ --to <queue> --id <messageId>');
    const still = await drain('SharedDLQ');
    expect(still.map((m) => m.MessageId)).toEqual([byHand]);
  });

  it('moves a message whose source is not known where --to says (with --id)', async () => {
    // What the last test left in SharedDLQ, in flight for a minute: a fresh one instead.
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: orderPlacedV1('shop-by-hand-2') }));
    const out = await run('dlq', 'redrive', '--queue', 'SharedDLQ', '--to', 'Billing', '--id', byHand!);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`moved ${byHand} to Billing`);
    expect((await drain('Billing')).map((m) => m.Body)).toEqual([expect.stringContaining('shop-by-hand-2')]);
  });

  it('--to without --id sends there only the messages whose source is not known: one dead-lettered by Fulfilment goes back to Fulfilment', async () => {
    // What the tests above left in flight, gone.
    for (const queue of ['SharedDLQ', 'Billing', 'Fulfilment']) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
    const shipped = await deadLettered('Fulfilment', JSON.stringify({ orderId: 'shop-shipped-to', carrier: 'postal' }), shippedAttributes);
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: orderPlacedV1('shop-by-hand-to') }));
    const out = await run('dlq', 'redrive', '--queue', 'SharedDLQ', '--to', 'Billing');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`moved ${byHand} to Billing`);
    expect(out.stdout).toContain(`moved ${shipped} to Fulfilment`);
    expect((await drain('Billing')).map((m) => JSON.parse(JSON.parse(m.Body!).Message).orderId)).toEqual(['shop-by-hand-to']);
    expect((await drain('Fulfilment')).map((m) => JSON.parse(m.Body!).orderId)).toEqual(['shop-shipped-to']);
  });

  it('--queue naming a source reads the whole dead-letter queue it shares, by the same rule: --queue Billing --to Fulfilment sends Billing\'s own back to Billing', async () => {
    const billing = await deadLettered('Billing', orderPlacedV1('shop-billing-by-source'));
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: orderPlacedV1('shop-by-hand-by-source') }));
    const out = await run('dlq', 'redrive', '--queue', 'Billing', '--to', 'Fulfilment');
    expect(out.stdout).toContain(`moved ${billing} to Billing`);
    expect(out.stdout).toContain(`moved ${byHand} to Fulfilment`);
    expect(out.code, out.stderr).toBe(0);
    await drain('Billing');
    await drain('Fulfilment');
  });

  it('--dry-run says where each would go, and which it would leave', async () => {
    const billing = await deadLettered('Billing', orderPlacedV1('shop-billing-3'));
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: orderPlacedV1('shop-by-hand-3') }));
    const out = await run('dlq', 'redrive', '--queue', 'SharedDLQ', '--dry-run');
    expect(out.stdout).toMatch(/^SharedDLQ: a redrive would move to Billing:$/m);
    expect(out.stdout).toContain(billing);
    expect(out.stdout).not.toMatch(/a redrive would move to Fulfilment/);
    expect(out.stdout).toContain(`SharedDLQ: a redrive would leave 1 message(s) where it is, not knowing which queue each came from:\n  ${byHand}: no DeadLetterQueueSourceArn`);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('a redrive would leave 1 message(s) in SharedDLQ');
    // Nothing moved.
    expect(await drain('Billing')).toEqual([]);
  });

  // Last: it deletes a queue of the stack.
  it('a missing second source is said as a missing first one is, not a raw SQS error; listing still reads the queue', async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url('Fulfilment') }));
    const out = await run('dlq', 'redrive', '--queue', 'SharedDLQ');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`the local stack at ${runtime.endpoint} has no queue Fulfilment of the contract (the contract changed since it started, or the queue was deleted)`);
    expect(out.stderr).toContain('Restart `npm start` to create it.');
    expect((await run('dlq', 'list', '--queue', 'SharedDLQ')).code).toBe(0);
  });
});
