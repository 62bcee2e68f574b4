/**
 * Consumers that `npm run subscriber` runs in a process of their own tell the stack's journal why
 * a message failed (`RemoteFailureJournal`), so that `dlq list` against that stack shows the
 * handler's words, as it does for `npm start`'s own consumers; and what is handled since is
 * forgotten there. On the single-consumer fixture, its handler failing each order's first receive.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalRuntime, startSubscriber, type LocalRuntime, type RunningSubscriber } from '@sluice/local';
import { describeHandlerFailure, localHandlerFailures } from '@sluice/ops';
import { fixtureOrder, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let fixture: FixtureProject | undefined;
let runtime: LocalRuntime | undefined;
let subscriber: RunningSubscriber | undefined;
let sqs: SQSClient | undefined;
afterAll(async () => {
  vi.restoreAllMocks();
  sqs?.destroy();
  await subscriber?.stop();
  await runtime?.stop();
  fixture?.dispose();
});

describe('npm run subscriber, when its handler fails', () => {
  it("tells the stack why, so dlq list there can say it; forgets it once the message is handled", async () => {
    fixture = await fixtureProject('single-consumer');
    writeFileSync(
      path.join(fixture.dir, 'consumers', 'consumeOrderPlaced.ts'),
      [
        "import { defineConsumer } from '@sluice/runtime/consumer';",
        "import { operations } from '../generated/index.js';",
        'export const handler = defineConsumer(operations.consumeOrderPlaced, async (order, context) => {',
        "  if (context.receiveCount === 1) throw new Error(`the ledger is closed for ${order.orderId}`);",
        "  return 'stored';",
        '});',
        '',
      ].join('\n'),
    );
    // No batch window (the fixture's is 1 s, which holds each receive that long and keeps the
    // queue's visibility timeout at 2 s at least): the failed message is received again 1 s after.
    const fixtureApplication = await fixture.application();
    const { consumers } = fixtureApplication.settings;
    const application = { ...fixtureApplication, settings: { ...fixtureApplication.settings, consumers: { ...consumers, consumeOrderPlaced: { ...consumers?.consumeOrderPlaced, batchWindowSeconds: 0 } } } };
    runtime = await startLocalRuntime({ application, port: 0, consumers: false, logLevel: 'SILENT', visibilityTimeoutSeconds: 1 });
    const lines: string[] = [];
    // The handler's own lines go to the terminal, as the consumer wrote them (an ERROR line to
    // stderr): kept here, not printed among the test's.
    const terminal: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{"level":')) return terminal.push(String(chunk)) > 0;
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
    // ERROR: a failed record's line is an ERROR line; nothing else is written.
    subscriber = await startSubscriber({ endpoint: runtime.endpoint, application, logLevel: 'ERROR', quiet: true, out: (line) => lines.push(line) });

    sqs = new SQSClient(runtime.clientConfig);
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-ledger'))) }));
    const failed = await waitFor('the stack to know why the first receive failed', async () => (await localHandlerFailures(runtime!.endpoint, [MessageId!])).get(MessageId!), 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${lines.join('\n')}`);
    });
    expect(describeHandlerFailure(failed)).toBe('consumeOrderPlaced threw on receive 1: Error: the ledger is closed for ord-ledger');

    // Received again and stored: the stack forgets it.
    await waitFor('the stack to forget the message once handled', async () => (await localHandlerFailures(runtime!.endpoint, [MessageId!])).size === 0, 15_000);
    expect(lines.filter((l) => /could not tell the stack|keeps no handler failures/.test(l))).toEqual([]);
    // Told to the stack and still shown where the subscriber runs: the record's ERROR line, once.
    stderr.mockRestore();
    expect(terminal.map((t) => JSON.parse(t) as { message: string; reasons: string[] }).map((l) => `${l.message}: ${l.reasons.join('; ')}`)).toEqual(['record failed: the ledger is closed for ord-ledger']);
  }, 60_000);

  it("asks the stack to end its queues' long polls when it stops, instead of waiting out each receive in flight", async () => {
    expect(subscriber, 'started by the test above').toBeDefined();
    const stack = runtime!.emulators;
    const end = stack.endLongPollsOn.bind(stack);
    const ended: string[] = [];
    vi.spyOn(stack, 'endLongPollsOn').mockImplementation((queue) => {
      ended.push(queue);
      return end(queue);
    });
    const running = subscriber!;
    subscriber = undefined;
    await running.stop();
    // Asked over HTTP (the subscriber's consumers poll this stack from their own process), not awaited by the stop.
    await waitFor("the stack asked to end the consumer's long poll", () => ended.includes('OrderQueue'), 10_000);
    // Only the queues of what the subscriber ran: the consumer's, and the topic's triage queue.
    expect([...new Set(ended)].sort()).toEqual(['OrderQueue', ...Object.keys(runtime!.resources.queues).filter((q) => /Triage$/.test(q))].sort());
  }, 30_000);

  it("says once when the stack does not end its long polls (an older stack, one gone): its stop then waits them out", async () => {
    const application = await fixture!.application();
    vi.spyOn(runtime!.emulators, 'endLongPollsOn').mockReturnValue(false);
    const lines: string[] = [];
    const third = await startSubscriber({ endpoint: runtime!.endpoint, application, logLevel: 'SILENT', quiet: true, out: (line) => lines.push(line) });
    await third.stop();
    const said = () => lines.filter((l) => /did not end the long polls/.test(l));
    await waitFor('the warning', () => said().length > 0, 10_000);
    // Every queue's request was refused (the consumer's and the triage's): said once all the same.
    await new Promise((r) => setTimeout(r, 300));
    expect(said()).toHaveLength(1);
    expect(said()[0]).toMatch(/warning: the stack at http:\/\/127\.0\.0\.1:\d+ did not end the long polls of \S+ \(HTTP 404: local gateway: this stack has no queue named "\S+"\.\): a stop or reload of a consumer here waits out its receive in flight \(a second at most\); a stack without \/_sluice\/long-polls\/end \(an older npm start\) never does$/);
    vi.restoreAllMocks();
  }, 30_000);

  it('warns when the stack runs the same consumers itself (npm start without --no-consumers): both would poll their queues', async () => {
    const application = await fixture!.application();
    const withConsumers = await startLocalRuntime({ application, port: 0, logLevel: 'SILENT' });
    const lines: string[] = [];
    let second: RunningSubscriber | undefined;
    try {
      const health = (await (await fetch(`${withConsumers.endpoint}/health`)).json()) as { consumers: string[] };
      expect(health.consumers).toEqual(['consumeOrderPlaced']);
      second = await startSubscriber({ endpoint: withConsumers.endpoint, application, logLevel: 'SILENT', quiet: true, out: (line) => lines.push(line) });
      expect(lines.filter((l) => l.includes('warning:'))).toEqual([
        expect.stringMatching(
          new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} warning: the stack at ${withConsumers.endpoint.replace(/[.]/g, '\\.')} runs consumeOrderPlaced itself: it and this one poll the same queue, each message going to one or the other\\. To run it here only, start the stack with npm start -- --no-consumers`),
        ),
      ]);
    } finally {
      await second?.stop();
      await withConsumers.stop();
    }
    // The stack of the first test runs none: nothing was said there.
    expect(((await (await fetch(`${runtime!.endpoint}/health`)).json()) as { consumers: string[] }).consumers).toEqual([]);
  }, 60_000);
});

describe('consumers whose log level hides their record lines (ERROR, SILENT)', () => {
  // Before: the stack read failures only from the lines the consumer's logger writes, so at ERROR
  // a rejected record's reason was lost, and at SILENT every reason: `dlq list` said "see the
  // consumer log", which had nothing.
  it.each([
    ['SILENT', 'shared'],
    ['ERROR', 'separate'],
  ] as const)('at %s (function processes %s), the stack still learns why each record failed or was rejected, and the terminal shows no more than the level lets through', async (logLevel, functionProcesses) => {
    const own = await fixtureProject('single-consumer');
    writeFileSync(
      path.join(own.dir, 'consumers', 'consumeOrderPlaced.ts'),
      [
        "import { defineConsumer, RecordRejected } from '@sluice/runtime/consumer';",
        "import { operations } from '../generated/index.js';",
        'export const handler = defineConsumer(operations.consumeOrderPlaced, async (order) => {',
        "  if (order.orderId === 'ord-rejected') throw new RecordRejected('ITEM_UNKNOWN', `no such item in ${order.orderId}`);",
        "  throw new Error(`the ledger is closed for ${order.orderId}`);",
        '});',
        '',
      ].join('\n'),
    );
    const shown: string[] = [];
    // No batch window: nothing here needs a batch gathered, and each receive is handled at once.
    const stack = await startLocalRuntime({ application: await own.application(), port: 0, logLevel, functionProcesses, visibilityTimeoutSeconds: 30, batchWindowSeconds: 0, onLog: (_operationId, line) => shown.push(line) });
    const client = new SQSClient(stack.clientConfig);
    try {
      const send = async (orderId: string) =>
        (await client.send(new SendMessageCommand({ QueueUrl: stack.resources.queues.OrderQueue!.url, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder(orderId))) }))).MessageId!;
      const rejected = await send('ord-rejected');
      const failed = await send('ord-failed');
      const known = await waitFor('the stack to know why both records failed', async () => {
        const failures = await localHandlerFailures(stack.endpoint, [rejected, failed]);
        return failures.size === 2 ? failures : undefined;
      }, 30_000);
      expect(describeHandlerFailure(known.get(rejected)!)).toBe('consumeOrderPlaced rejected it on receive 1: ITEM_UNKNOWN: no such item in ord-rejected');
      expect(describeHandlerFailure(known.get(failed)!)).toBe('consumeOrderPlaced threw on receive 1: Error: the ledger is closed for ord-failed');
      // What the terminal got: the lines the level lets through, never the journal's own.
      const levels = shown.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { level?: string; message?: string }).level ?? `no level: ${l.slice(0, 60)}`);
      expect(shown.filter((l) => l.includes('sluiceFailureLine'))).toEqual([]);
      if (logLevel === 'SILENT') expect(levels.filter((l) => !l.startsWith('no level'))).toEqual([]);
      else expect([...new Set(levels.filter((l) => !l.startsWith('no level')))]).toEqual(['ERROR']);
    } finally {
      client.destroy();
      await stack.stop();
      own.dispose();
    }
  }, 60_000);
});
