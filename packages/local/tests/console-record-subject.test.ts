/**
 * The console's last records name what each message is about as `dlq list` names it
 * (`subjectFromContract`): a message its consumer rejects (a payload that breaks the contract) by
 * its order id too, read from the payload as it is, on its retries and on its last receive. On the
 * local stack of the single-consumer fixture (tests/fixtures/single-consumer), no consumer running:
 * the batches are given to the console's state as the stack gives them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { ConsoleState } from '@sluice/local/console';
import { contractModule, type DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope, sqsRecord } from '../../../tests/helpers/sns-envelope.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let state: ConsoleState;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  state = new ConsoleState(runtime, await contractModule(fixture.project), fixture.project.spec);
});
afterAll(async () => {
  state?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});

/** An OrderPlaced envelope from the stack's topic, as OrderQueue receives it. */
const envelope = (order: unknown) => JSON.stringify({ ...snsEnvelope(order, { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }), TopicArn: runtime.resources.topics.OrderTopic!.arn });

describe("the console's records", () => {
  it('name a message its consumer rejects by its order id, as dlq list does, on a retry and on its last receive', async () => {
    const rejected = envelope(fixtureOrder('ord-rejected', { quantity: 'two' }));
    const retry = sqsRecord(rejected, 'm-retry');
    const last = { ...sqsRecord(rejected, 'm-last'), attributes: { ...sqsRecord(rejected).attributes, ApproximateReceiveCount: '3' } };
    const done = sqsRecord(envelope(fixtureOrder('ord-fine')), 'm-done');
    state.recordBatch('consumeOrderPlaced', { records: [retry, last, done], succeeded: ['m-done'], failed: ['m-retry', 'm-last'], durationMs: 1 });
    const records = Object.fromEntries((await state.state()).records.map((r) => [r.messageId, { outcome: r.outcome, subject: r.subject }]));
    expect(records).toEqual({
      'm-retry': { outcome: 'retry', subject: 'ord-rejected' },
      'm-last': { outcome: 'dead-letter next', subject: 'ord-rejected' },
      'm-done': { outcome: 'done', subject: 'ord-fine' },
    });

    // dlq list says the same of the same message once it is dead-lettered.
    const sqs = new SQSClient(runtime.clientConfig);
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url, MessageBody: rejected }));
    } finally {
      sqs.destroy();
    }
    const io = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderDLQ', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    expect((JSON.parse(io.stdout()) as DeadLetterListingJson).OrderDLQ!.messages.map((m) => m.subject)).toEqual(['ord-rejected']);
  });
});
