/**
 * The console's redrive of a dead-letter queue several queues share does what `dlq redrive` does:
 * each message back to the queue it came from (the `DeadLetterQueueSourceArn` the local stack
 * records when it dead-letters one), checked against that queue's consumer; one whose source is not
 * known stays, with why and the `dlq redrive --to` command. It sent every one to the first source.
 * On the local stack, on the shop fixture (tests/fixtures/shop) whose Billing and Fulfilment queues
 * are given one dead-letter queue, SharedDLQ; no consumer runs: each source's failing consumer is
 * played by receives that never delete, until the queue moves the message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '@sluice/local';
import { ConsoleState } from '@sluice/local/console';
import { contractModule } from '@sluice/ops';
import { type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { sharedDeadLetterShop, type SharedDeadLetterShop } from '../../../tests/helpers/shared-dead-letter-shop.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

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
});
afterAll(async () => {
  state?.destroy();
  await shop?.dispose();
});

/** Sends `body` to `queue` and receives it there until SQS moves it to the dead-letter queue; its id there. */
const deadLettered: SharedDeadLetterShop['deadLettered'] = (...args) => shop.deadLettered(...args);

/** The orderIds `queue` holds (received and left in flight). */
async function orderIdsIn(queue: string): Promise<string[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0 }));
    if (!Messages?.length) break;
    all.push(...Messages);
  }
  return all.map((m) => JSON.parse(m.Body!)).map((b) => (b.Type === 'Notification' ? JSON.parse(b.Message).orderId : b.orderId)).sort();
}

describe("the console's redrive of a dead-letter queue two queues share", () => {
  it('puts each message back to its own queue, checked against its consumer, and leaves one whose source is not known, saying what to do', async () => {
    const topicArn = runtime.resources.topics.ShopEvents!.arn;
    const placed = (orderId: string) => JSON.stringify({ ...snsEnvelope({ orderId, amountCents: 1299 }, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }), TopicArn: topicArn });
    const shippedAttributes = { eventType: { DataType: 'String', StringValue: 'OrderShipped' }, schemaVersion: { DataType: 'String', StringValue: '1.0.0' } };
    await deadLettered('Billing', placed('console-billing-1'));
    await deadLettered('Fulfilment', JSON.stringify({ orderId: 'console-shipped-1', carrier: 'postal' }), shippedAttributes);
    const misplaced = await deadLettered('Fulfilment', placed('console-misplaced-1'));
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: placed('console-by-hand-1') }));

    const result = await state.redrive('SharedDLQ', undefined);
    expect(result.moved).toHaveLength(3);
    expect(await orderIdsIn('Billing')).toEqual(['console-billing-1']);
    expect(await orderIdsIn('Fulfilment')).toEqual(['console-misplaced-1', 'console-shipped-1']);
    // Fulfilment's consumer, the one it goes back to, rejects the misplaced one; Billing's is asked of none of Fulfilment's.
    expect(result.rejectedAgain.map((r) => [r.messageIds, r.lines[0]])).toEqual([[[misplaced], expect.stringContaining('would be rejected again by consumeFulfilment (the consumer of Fulfilment)')]]);
    expect(result.notRedriven).toEqual([{ messageId: byHand, why: expect.stringContaining('no DeadLetterQueueSourceArn') }]);
    // The operator command named as the console's other hints name it, to run as written.
    expect(result.next).toContain('`npx sluice-ops dlq redrive --queue SharedDLQ --to <queue> --id <messageId>` (Billing, Fulfilment)');
    expect((await state.deadLetters('SharedDLQ')).letters.map((l) => l.messageId)).toEqual([byHand]);
  });

  it('lists, opens and purges a shared dead-letter queue whose second source the stack lacks: only a redrive needs it', async () => {
    const { MessageId: byHand } = await sqs.send(new SendMessageCommand({ QueueUrl: url('SharedDLQ'), MessageBody: '{"orderId":"console-gone-1"}' }));
    // A stack without Fulfilment (the contract gained it since the stack started, say).
    const { Fulfilment: _gone, ...queues } = runtime.resources.queues;
    const lacking = new ConsoleState({ application: runtime.application, clientConfig: runtime.clientConfig, resources: { ...runtime.resources, queues } }, await contractModule(fixture.project), fixture.project.spec);
    try {
      expect((await lacking.deadLetters('SharedDLQ')).letters.map((l) => l.messageId)).toContain(byHand);
      expect((await lacking.deadLetter('SharedDLQ', byHand!)).messageId).toBe(byHand);
      await expect(lacking.redrive('SharedDLQ', undefined)).rejects.toMatchObject({ status: 404, message: 'SharedDLQ or Fulfilment does not exist on the local stack' });
      expect(await lacking.purge('SharedDLQ', [byHand!])).toEqual({ deleted: [byHand], notFound: [] });
    } finally {
      lacking.destroy();
    }
  });
});
