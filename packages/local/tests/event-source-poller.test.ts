import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChangeMessageVisibilityBatchCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { EventSourcePoller, startLocalRuntime, type LocalRuntime, type SqsHandler } from '@sluice/local';
import { queueDepth } from '@sluice/ops';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

// A 1 s visibility timeout makes redeliveries observable in about a second (the batch window of 0
// lets the stack use it: it keeps a queue's visibility above its consumer's window). No consumer
// runs: this file drives the poller itself.
let stack: LocalRuntime;
let queue: { url: string; arn: string };
let sqs: SQSClient;
let poller: EventSourcePoller | undefined;

beforeAll(async () => {
  stack = await startLocalRuntime({ port: 0, visibilityTimeoutSeconds: 1, batchWindowSeconds: 0, consumers: false });
  sqs = new SQSClient(stack.clientConfig);
  queue = stack.resources.queues.OrderQueue!;
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
});
afterAll(async () => {
  sqs.destroy();
  await stack.stop();
});

interface Invocation {
  event: SQSEvent;
  remainingMs: number;
  context: Context;
}

function startPoller(respond: (event: SQSEvent, call: number) => unknown, extra: Partial<ConstructorParameters<typeof EventSourcePoller>[0]> = {}): Invocation[] {
  const invocations: Invocation[] = [];
  const handler: SqsHandler = async (event, context) => {
    invocations.push({ event, remainingMs: context.getRemainingTimeInMillis(), context });
    return respond(event, invocations.length);
  };
  poller = new EventSourcePoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    handler,
    function: { functionName: 'OrderSubscriber', timeoutSeconds: 30, memoryMB: 512, region: stack.resources.region },
    batchSize: 10,
    batchWindowSeconds: 0.3,
    waitTimeSeconds: 0,
    ...extra,
  });
  poller.start();
  return invocations;
}

/** The function the pollers here invoke (its region read once the stack runs). */
const FUNCTION = { functionName: 'OrderSubscriber', timeoutSeconds: 30, memoryMB: 512, get region() { return stack.resources.region; } };

/**
 * Sends `body`; a poller with `options` holds its invocation while `receives` receives of up to 1 s
 * each find nothing on the queue, then lets it end: the batch is deleted, once, and the queue empty.
 */
async function expectHiddenWhileHeld(body: string, options: Partial<ConstructorParameters<typeof EventSourcePoller>[0]>, receives: number): Promise<void> {
  await sendBatch([body]);
  let release: () => void = () => {};
  const invocations = startPoller(() => new Promise<void>((r) => (release = r)), options);
  await waitFor('the invocation', () => invocations.length === 1);
  try {
    for (let i = 0; i < receives; i++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }));
      expect(Messages ?? []).toEqual([]);
    }
  } finally {
    release();
  }
  await waitFor('the batch to be deleted', () => poller!.batches === 1);
  expect(invocations).toHaveLength(1);
  expect(await queueDepth(sqs, queue.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0, total: 0 });
}

async function sendBatch(bodies: string[]): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }),
  );
}

const idsOf = (inv: Invocation | undefined) => (inv?.event.Records ?? []).map((r) => r.messageId).sort();
const receiveCounts = (inv: Invocation | undefined) => (inv?.event.Records ?? []).map((r) => r.attributes.ApproximateReceiveCount);

describe('EventSourcePoller', () => {
  it('delivers records shaped like Lambda SQS events, with a Lambda-like context', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'OrderPlaced' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const invocations = startPoller(() => undefined);
    const [first] = await waitFor('an invocation', () => invocations.length > 0 && invocations);
    const record = first!.event.Records[0]!;
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      messageAttributes: {
        eventType: { stringValue: 'OrderPlaced', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(record.receiptHandle).toBeTruthy();
    expect(Object.keys(record.attributes)).toEqual(
      expect.arrayContaining(['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']),
    );
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(first!.remainingMs).toBeGreaterThan(29_000);
    expect(first!.remainingMs).toBeLessThanOrEqual(30_000);
    expect(first!.context.functionName).toBe('OrderSubscriber');
    expect(first!.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deletes reported successes and leaves only the reported failures', async () => {
    await sendBatch(['a', 'b', 'c']);
    const invocations = startPoller((event, call) =>
      call === 1 ? { batchItemFailures: event.Records.filter((r) => r.body === 'b').map((r) => ({ itemIdentifier: r.messageId })) } : {},
    );
    await waitFor('the retry of the failed record', () => invocations.length >= 2);
    expect(invocations[0]!.event.Records.map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
    expect(invocations[1]!.event.Records.map((r) => r.body)).toEqual(['b']);
    expect(receiveCounts(invocations[1])).toEqual(['2']);
  });

  it('leaves the whole batch for redelivery when the handler throws', async () => {
    await sendBatch(['x', 'y']);
    const invocations = startPoller((_, call) => {
      if (call === 1) throw new Error('boom');
      return undefined;
    });
    await waitFor('the redelivery', () => invocations.length >= 2);
    expect(idsOf(invocations[1])).toEqual(idsOf(invocations[0]));
    expect(receiveCounts(invocations[1])).toEqual(['2', '2']);
  });

  it('leaves the whole batch for redelivery when the response is malformed', async () => {
    await sendBatch(['p', 'q']);
    const invocations = startPoller((_, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: '' }] } : { batchItemFailures: [] }));
    await waitFor('the redelivery', () => invocations.length >= 2);
    expect(idsOf(invocations[1])).toEqual(idsOf(invocations[0]));
    expect(receiveCounts(invocations[1])).toEqual(['2', '2']);
  });

  it('finishes the batch in flight on stop, and deletes its successes', async () => {
    await sendBatch(['slow']);
    let release: () => void = () => {};
    const invocations = startPoller(() => new Promise<void>((r) => (release = r)));
    await waitFor('the invocation', () => invocations.length === 1);
    const stopped = poller!.stop();
    setTimeout(() => release(), 200);
    await stopped;
    expect(poller!.batches).toBe(1);
    // Deleted, not waiting for a retry: not even in flight (hidden), which a receive would only
    // tell after the visibility timeout.
    expect(await queueDepth(sqs, queue.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0, total: 0 });
  });

  it('handles what its long poll under way receives, even when stopped at that moment: a message sent just before a stop is never left hidden, unhandled', async () => {
    // A long wait, so the receive is under way when the message comes. A stop that threw away the
    // receive's answer (an abort on the client side, tried in 68008b0) left it in flight, its
    // receive count spent, until the visibility timeout: every time, with the stop right after the send.
    const invocations = startPoller(() => ({ batchItemFailures: [] }), { waitTimeSeconds: 20, batchWindowSeconds: 0 });
    await new Promise((r) => setTimeout(r, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'just before the stop' }));
    await poller!.stop();
    const handled = invocations.flatMap((i) => i.event.Records.map((r) => r.body));
    const depth = await queueDepth(sqs, queue.url);
    // Handled and deleted, or still there for the next poller: never hidden for nobody.
    expect({ handled, inFlight: depth.inFlight, total: handled.length + depth.visible }).toEqual({ handled: expect.any(Array), inFlight: 0, total: 1 });
  });

  it('keeps a batch hidden while its invocation outlasts the short local visibility timeout, so it is not received again meanwhile', async () => {
    // Three visibility timeouts later, still nobody else can receive it.
    await expectHiddenWhileHeld('long', { visibilityTimeoutSeconds: 1 }, 3);
  });

  it('keeps a batch hidden past the function timeout when the handler enforces the timeout itself (an instance pool: a cold start, an init retried within the invocation), until the invocation ends', async () => {
    // Five seconds on, well past the 2 s function timeout and the 1 s visibility timeout after it.
    await expectHiddenWhileHeld('cold', { visibilityTimeoutSeconds: 1, handlerEnforcesTimeout: true, function: { ...FUNCTION, timeoutSeconds: 2 } }, 5);
  });

  it('keeps such a batch hidden also when the queue visibility timeout is not shorter than the function timeout (1 s each)', async () => {
    await expectHiddenWhileHeld('cold-short-timeout', { visibilityTimeoutSeconds: 1, handlerEnforcesTimeout: true, function: { ...FUNCTION, timeoutSeconds: 1 } }, 5);
  });

  it('stops keeping it hidden past longestInvocationMs, and says so once: never hidden for good', async () => {
    await sendBatch(['hung']);
    const errors: string[] = [];
    let release: () => void = () => {};
    const invocations = startPoller(() => new Promise<void>((r) => (release = r)), {
      visibilityTimeoutSeconds: 1,
      handlerEnforcesTimeout: true,
      longestInvocationMs: 1_500,
      function: { ...FUNCTION, timeoutSeconds: 2 },
      onError: (e) => errors.push(String(e)),
    });
    await waitFor('the invocation', () => invocations.length === 1);
    try {
      const received = await waitFor('the message back on the queue', async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }));
        return Messages?.length ? Messages : undefined;
      }, 15_000);
      expect(received.map((m) => m.Body)).toEqual(['hung']);
      expect(errors).toEqual([expect.stringContaining('a batch of 1 record(s) still running 1.5 s after its receive, longer than any invocation should: no longer kept hidden')]);
    } finally {
      release();
    }
    await waitFor('the batch to end', () => poller!.batches === 1);
  });

  it('makes one renewal at a time and none once the invocation has ended, however slow SQS is', async () => {
    await sendBatch(['slow-renewals']);
    // Every renewal takes 1.5 s; the poller ticks every 0.5 s (half the 1 s visibility timeout).
    let renewals = 0;
    let inFlight = 0;
    let most = 0;
    const slow = {
      send: async (command: unknown) => {
        if (!(command instanceof ChangeMessageVisibilityBatchCommand)) return sqs.send(command as never);
        renewals++;
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1_500));
        try {
          return await sqs.send(command);
        } finally {
          inFlight--;
        }
      },
    } as unknown as SQSClient;
    let release: () => void = () => {};
    const invocations = startPoller(() => new Promise<void>((r) => (release = r)), { sqs: slow, visibilityTimeoutSeconds: 1, handlerEnforcesTimeout: true });
    await waitFor('the invocation', () => invocations.length === 1);
    await waitFor('two renewals', () => renewals >= 2, 10_000);
    release();
    const atRelease = renewals;
    await waitFor('the batch to end', () => poller!.batches === 1);
    await new Promise((r) => setTimeout(r, 2_000));
    // Ticks while one was under way made none (queued, they ran one after the other, after the end).
    expect(most).toBe(1);
    expect(renewals).toBe(atRelease);
  });

  it('backs off while receiving keeps failing, and says the same error once, not at every retry of every loop (a deleted queue made 10 lines a second)', async () => {
    const errors: unknown[] = [];
    let receives = 0;
    const counting = { send: (command: unknown) => (receives++, sqs.send(command as never)) } as unknown as SQSClient;
    startPoller(() => ({ batchItemFailures: [] }), { sqs: counting, queueUrl: `${queue.url}Gone`, concurrency: 3, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(errors.map(String), errors.map(String).join('\n')).toEqual([expect.stringMatching(/queue does not exist/i)]);
    // 3 loops, waits of 0.5, 1, 2 s: 3 receives each at most in 3 s (at 0.5 s apart, 18).
    expect(receives).toBeLessThanOrEqual(9);
    // Stopped while it waits (its fourth wait, 4 s, from about 3.5 s on, once each loop has made
    // its fourth receive): at once, not at the end of the wait.
    await waitFor("each loop's fourth receive", () => receives >= 12, 10_000);
    const asked = Date.now();
    await poller!.stop();
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(errors).toHaveLength(1);
  });

  it('deletes nothing once whoever hears of its batches is gone: the messages come back', async () => {
    await sendBatch(['orphan']);
    let alive = true;
    const errors: unknown[] = [];
    const invocations = startPoller(() => {
      alive = false; // the host dies while the batch is handled
      return { batchItemFailures: [] };
    }, { isAlive: () => alive, onError: (e) => errors.push(e) });
    await waitFor('the invocation', () => invocations.length === 1);
    await waitFor('the poller to give up', () => errors.length > 0);
    expect(String(errors[0])).toMatch(/host is gone/);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(Messages?.map((m) => m.Body)).toEqual(['orphan']);
    expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });
});
