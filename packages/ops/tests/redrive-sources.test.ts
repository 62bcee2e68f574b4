/**
 * Where a redrive puts a dead letter back: of a dead-letter queue several queues share, the queue
 * its `DeadLetterQueueSourceArn` names; one without that attribute, or naming none of the queues
 * sharing it, is not guessed (it was sent to the first). A dead-letter queue of one queue sends
 * everything to it, as before. `DeadLetterQueue.redrive` on a fake SQS holding such messages, and
 * the warning of those a consumer would reject again, checked against each message's own source.
 */
import { describe, expect, it } from 'vitest';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterQueue, notReachedBehind, notRedrivenNext, redriveSourceOf, rejectedOnTheWayBack, triageNotRedrivenNext, type DeadLetter, type RedriveSource } from '@sluice/ops';

const arnOf = (queue: string) => `arn:aws:sqs:eu-west-1:123456789012:${queue}`;
const urlOf = (queue: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/${queue}`;
const source = (name: string, extra: Partial<RedriveSource> = {}): RedriveSource => ({ name, url: urlOf(name), ...extra });
const shared = [source('Billing'), source('Fulfilment')];

/** A dead letter as SQS gives it, from `from` (no `DeadLetterQueueSourceArn` when undefined). */
const message = (id: string, from: string | undefined): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: JSON.stringify({ orderId: id }),
  Attributes: { ApproximateReceiveCount: '3', ...(from ? { DeadLetterQueueSourceArn: arnOf(from) } : {}) },
});

/** An SQS client holding `messages` in the dead-letter queue: what is sent, deleted and released, as asked. */
function fakeSqs(messages: Message[]) {
  const sent: { queueUrl: string; body: string }[] = [];
  const deleted: string[] = [];
  const released: string[] = [];
  let given = false;
  const sqs = {
    async send(command: unknown) {
      if (command instanceof ReceiveMessageCommand) {
        const batch = given ? [] : messages;
        given = true;
        return { Messages: batch };
      }
      if (command instanceof SendMessageCommand) return void sent.push({ queueUrl: command.input.QueueUrl!, body: command.input.MessageBody! });
      if (command instanceof DeleteMessageCommand) return void deleted.push(command.input.ReceiptHandle!);
      if (command instanceof ChangeMessageVisibilityBatchCommand) return { Successful: command.input.Entries!.map((e) => (released.push(e.ReceiptHandle!), { Id: e.Id })) };
      if (command instanceof GetQueueAttributesCommand) return { Attributes: { ApproximateNumberOfMessages: String(messages.length), ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' } };
      throw new Error(`unexpected ${(command as object).constructor.name}`);
    },
  } as unknown as SQSClient;
  return { sqs, sent, deleted, released };
}

describe('redriveSourceOf', () => {
  it("of a queue several share: the one the message's DeadLetterQueueSourceArn names; else why not", () => {
    expect(redriveSourceOf(message('m-1', 'Fulfilment'), shared)).toEqual({ source: shared[1] });
    expect(redriveSourceOf(message('m-2', undefined), shared)).toEqual({ why: expect.stringMatching(/^no DeadLetterQueueSourceArn: which of Billing, Fulfilment it came from is not known/) });
    expect(redriveSourceOf(message('m-3', 'Analytics'), shared)).toEqual({ why: `its DeadLetterQueueSourceArn, ${arnOf('Analytics')}, is none of Billing, Fulfilment` });
  });

  it('of one SNS dead-lettered (its envelope names a subscription none of the sources has): says so, not that it was sent to the queue directly', () => {
    const subscription = 'arn:aws:sns:eu-west-1:123456789012:OrderTopic:9f8e7d6c';
    const snsDeadLetter: Message = { ...message('m-4', undefined), Body: JSON.stringify({ Type: 'Notification', Message: '{}', UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription}` }) };
    const way = redriveSourceOf(snsDeadLetter, shared);
    expect(way).toEqual({ why: `SNS dead-lettered it for the subscription ${subscription} (its envelope's UnsubscribeURL), which is not known as one of Billing, Fulfilment` });
    expect((way as { why: string }).why).not.toContain('directly');
  });

  it("matches by the queue's deployed name (its URL's last segment), not the contract's: on AWS they differ", () => {
    // SST names the queues it deploys; SQS records the deployed queue's ARN.
    const deployed = [source('Billing', { url: urlOf('shop-production-BillingQueue-a1b2c3') }), source('Fulfilment', { url: urlOf('shop-production-FulfilmentQueue-d4e5f6') })];
    expect(redriveSourceOf(message('m-1', 'shop-production-FulfilmentQueue-d4e5f6'), deployed)).toEqual({ source: deployed[1] });
    expect(redriveSourceOf(message('m-2', 'Fulfilment'), deployed)).toEqual({ why: expect.stringContaining('is none of Billing, Fulfilment') });
  });

  it('with --to (unknownSourceTo): one whose source is not known goes there, one whose source is known to its own', () => {
    const analytics = source('Analytics');
    expect(redriveSourceOf(message('m-1', undefined), shared, analytics)).toEqual({ source: analytics });
    expect(redriveSourceOf(message('m-2', 'Elsewhere'), shared, shared[0])).toEqual({ source: shared[0] });
    expect(redriveSourceOf(message('m-3', 'Fulfilment'), shared, shared[0])).toEqual({ source: shared[1] });
  });

  it('of a queue one queue has: that one, whether or not the message names it', () => {
    const one = [source('Billing')];
    for (const from of [undefined, 'Billing', 'Analytics']) expect(redriveSourceOf(message('m', from), one)).toEqual({ source: one[0] });
  });

  it("of a topic's triage dead-letter queue (the triage queue, and the unrouted queue with its subscription): what SNS dead-lettered for the unrouted subscription goes there, the rest back to the triage queue", () => {
    const triage = source('OrderTopicTriage');
    const subscriptionArn = 'arn:aws:sns:eu-west-1:123456789012:OrderTopic:1b2c3d4e';
    const unrouted = source('OrderTopicUnrouted', { subscriptionArn });
    const envelope = (arn: string) => JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', Message: '{}', UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${arn}` });
    const sources = [triage, unrouted];
    // Moved by SQS from the triage queue (the function failed on it): back there.
    expect(redriveSourceOf({ ...message('m-1', 'OrderTopicTriage'), Body: envelope(subscriptionArn) }, sources, triage)).toEqual({ source: triage });
    // Dead-lettered by SNS for the unrouted subscription: into the unrouted queue (back to the triage, it would be left to SNS again).
    expect(redriveSourceOf({ ...message('m-2', undefined), Body: envelope(subscriptionArn) }, sources, triage)).toEqual({ source: unrouted });
    // Dead-lettered by SNS for the triage subscription, or not an envelope: back to the triage queue, which decides again.
    expect(redriveSourceOf({ ...message('m-3', undefined), Body: envelope('arn:aws:sns:eu-west-1:123456789012:OrderTopic:99') }, sources, triage)).toEqual({ source: triage });
    expect(redriveSourceOf(message('m-4', undefined), sources, triage)).toEqual({ source: triage });
  });
});

describe('what to do with the messages a redrive left', () => {
  const redrive = 'npx orders dlq redrive';
  it('of a queue several share: move each with --to (and on a FIFO queue, then run it again for those behind)', () => {
    expect(notRedrivenNext(redrive, 'SharedDLQ', ['Billing', 'Fulfilment'])).toContain('`npx orders dlq redrive --queue SharedDLQ --to <queue> --id <messageId>` (Billing, Fulfilment)');
    expect(notReachedBehind(redrive, 'SharedDLQ.fifo', 2)).toContain('move the ones left (`npx orders dlq redrive --queue SharedDLQ.fifo --to <queue> --id <messageId>`) or purge them, then run the redrive again');
  });
  it("of a topic's triage dead-letter queue, which refuses --to: the same redrive once its unrouted queue is found again", () => {
    const next = triageNotRedrivenNext(redrive, 'PaymentsTriageDLQ.fifo', 'PaymentsUnrouted.fifo', 'deploy the application');
    expect(next).toBe(
      'Once PaymentsUnrouted.fifo and its subscription can be found again (deploy the application; the reason above says what is missing), run `npx orders dlq redrive --queue PaymentsTriageDLQ.fifo` again: what SNS dead-lettered for that subscription goes there, the rest back to the triage queue. Or purge them once no longer needed.',
    );
    const behind = notReachedBehind(redrive, 'PaymentsTriageDLQ.fifo', 2, true);
    expect(behind).toBe(
      '2 more message(s) behind them in their FIFO groups were not reached: the redrive run again (`npx orders dlq redrive --queue PaymentsTriageDLQ.fifo`) takes them after the ones left, once those can go; or purge the ones left, then run it again',
    );
    for (const said of [next, behind]) expect(said).not.toContain('--to');
  });
});

describe('DeadLetterQueue.redrive of a queue several queues share', () => {
  it('sends each message to its own source, and leaves (never guesses) one whose source is not known, with why', async () => {
    const fake = fakeSqs([message('from-billing', 'Billing'), message('no-source', undefined), message('from-fulfilment', 'Fulfilment'), message('elsewhere', 'Analytics')]);
    const dlq = new DeadLetterQueue({ sqs: fake.sqs, deadLetterQueueUrl: urlOf('SharedDLQ'), sourceQueueUrl: urlOf('Billing'), sources: shared });
    const told: [string, string | undefined][] = [];
    const result = await dlq.redrive(undefined, (_done, _total, m, to) => told.push([m.MessageId!, to]));
    expect(result.moved).toEqual(['from-billing', 'from-fulfilment']);
    expect(fake.sent.map((s) => [JSON.parse(s.body).orderId, s.queueUrl])).toEqual([
      ['from-billing', urlOf('Billing')],
      ['from-fulfilment', urlOf('Fulfilment')],
    ]);
    expect(told).toEqual([
      ['from-billing', 'Billing'],
      ['from-fulfilment', 'Fulfilment'],
    ]);
    expect(result.notRedriven).toEqual([
      { messageId: 'no-source', why: expect.stringContaining('no DeadLetterQueueSourceArn') },
      { messageId: 'elsewhere', why: expect.stringContaining(`its DeadLetterQueueSourceArn, ${arnOf('Analytics')}, is none of Billing, Fulfilment`) },
    ]);
    // Left where they are: not deleted, released at once.
    expect(fake.deleted).toEqual(['rh-from-billing', 'rh-from-fulfilment']);
    expect(fake.released).toEqual(['rh-no-source', 'rh-elsewhere']);
    expect(result.notFound).toEqual([]);
  });

  it('with unknownSourceTo (--to): one whose source is not known goes there, the others to their own; nothing asked of SQS but the moves', async () => {
    const fake = fakeSqs([message('from-fulfilment', 'Fulfilment'), message('no-source', undefined)]);
    const dlq = new DeadLetterQueue({ sqs: fake.sqs, deadLetterQueueUrl: urlOf('SharedDLQ'), sourceQueueUrl: urlOf('Billing'), sources: shared, unknownSourceTo: shared[0] });
    const result = await dlq.redrive();
    expect(result).toEqual({ moved: ['from-fulfilment', 'no-source'], notFound: [], notRedriven: [], notReached: 0 });
    expect(fake.sent.map((s) => [JSON.parse(s.body).orderId, s.queueUrl])).toEqual([
      ['from-fulfilment', urlOf('Fulfilment')],
      ['no-source', urlOf('Billing')],
    ]);
  });

  it('a queue of one source: everything to it, with or without the attribute', async () => {
    const fake = fakeSqs([message('a', undefined), message('b', 'Billing')]);
    const dlq = new DeadLetterQueue({ sqs: fake.sqs, deadLetterQueueUrl: urlOf('BillingDLQ'), sourceQueueUrl: urlOf('Billing'), sources: [source('Billing')] });
    const result = await dlq.redrive();
    expect(result).toEqual({ moved: ['a', 'b'], notFound: [], notRedriven: [], notReached: 0 });
    expect(fake.sent.map((s) => s.queueUrl)).toEqual([urlOf('Billing'), urlOf('Billing')]);
  });
});

describe('rejectedOnTheWayBack', () => {
  it("checks each message against the consumer of the queue it goes back to, not the first source's", () => {
    // Billing's consumer takes everything; Fulfilment's rejects everything.
    const sources = [
      source('Billing', { consumer: 'consumeBilling', decode: () => ({ ok: true, name: 'OrderPlaced', payload: {} }) as never }),
      source('Fulfilment', { consumer: 'consumeFulfilment', decode: () => ({ ok: false, error: { code: 'WRONG_EVENT_TYPE', message: 'not for Fulfilment' } }) as never }),
    ];
    const letter = (m: Message): DeadLetter => ({ messageId: m.MessageId!, receiveCount: 3, sentAt: undefined, body: m.Body!, snsMessageId: undefined, messageName: undefined, reason: undefined, subject: undefined, message: m });
    const found = rejectedOnTheWayBack('SharedDLQ', [letter(message('b', 'Billing')), letter(message('f', 'Fulfilment')), letter(message('x', undefined))], sources);
    expect(found.map((f) => [f.messageIds, f.summary])).toEqual([[['f'], expect.stringContaining('would be rejected again by consumeFulfilment (the consumer of Fulfilment)')]]);
    // Split among sources, no finding is the whole queue: a purge names its ids.
    expect(found[0]!.wholeQueue).toBe(false);
  });
});
