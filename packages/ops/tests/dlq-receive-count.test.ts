/**
 * The receive count `dlq list` shows of a message a consumer dead-lettered, on the local stack:
 * maxReceiveCount + 2 on its first listing (3 receives, 5 shown). The consumer received it
 * maxReceiveCount times; the next receive of the source queue (the consumer's next poll) counted
 * it once more, found it over maxReceiveCount and moved it instead of returning it (fauxqs does
 * as SQS documents: a message moves when its receive count exceeds maxReceiveCount); then the
 * listing's own receive. No other reader: neither the console nor the triage function receives
 * it, and the listing receives it once. The listing's footnote says so. A consumer that always
 * fails (the fixture's, given a payload its contract refuses), on the single-consumer fixture
 * (tests/fixtures/single-consumer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { queueDepth, type DeadLetterListingJson } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let sns: SNSClient;
const receives: number[] = [];

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({
    application: await fixture.application(),
    port: 0,
    consumers: ['consumeOrderPlaced'],
    visibilityTimeoutSeconds: 1,
    logLevel: 'SILENT',
    // The consumer's receives of it (the topic's triage function gets every publish too, from its own queue).
    onBatch: (operationId, report) => {
      if (operationId === 'consumeOrderPlaced') receives.push(...report.records.map((r) => Number(r.attributes.ApproximateReceiveCount)));
    },
  });
  sqs = new SQSClient(runtime.clientConfig);
  sns = new SNSClient(runtime.clientConfig);
}, 60_000);
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});

describe('a message dead-lettered after maxReceiveCount receives', () => {
  it("shows maxReceiveCount + 2 receives on its first dlq list (the consumer's, the one that moved it, the listing's), and says why", { timeout: 60_000 }, async () => {
    const maxReceiveCount = runtime.application.topology.queues.OrderQueue!.deadLetter!.maxReceiveCount;
    // Refused by the consumer on every receive: quantity 0 breaks the contract.
    await sns.send(
      new PublishCommand({
        TopicArn: runtime.resources.topics.OrderTopic!.arn,
        Message: JSON.stringify(fixtureOrder('ord-always-fails', { quantity: 0 })),
        MessageAttributes: { eventType: { DataType: 'String', StringValue: 'OrderPlaced' }, schemaVersion: { DataType: 'String', StringValue: '1.1.0' } },
      }),
    );
    const dlqUrl = runtime.resources.queues.OrderDLQ!.url;
    await waitFor('the message in OrderDLQ', async () => (await queueDepth(sqs, dlqUrl)).total === 1, 30_000);
    expect(receives).toEqual(Array.from({ length: maxReceiveCount }, (_, i) => i + 1));

    const io = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderDLQ', '--json', '--endpoint', runtime.endpoint], io)), io.stderr()).toBe(0);
    const [letter] = (JSON.parse(io.stdout()) as DeadLetterListingJson).OrderDLQ!.messages;
    expect(letter?.subject).toBe('ord-always-fails');
    expect(letter?.receiveCount).toBe(maxReceiveCount + 2);

    // The next listing: one more, and the footnote that accounts for each.
    const table = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'list', '--queue', 'OrderDLQ', '--endpoint', runtime.endpoint], table)), table.stderr()).toBe(0);
    expect(table.stdout()).toMatch(new RegExp(`^\\S+ +${maxReceiveCount + 3} +ord-always-fails `, 'm'));
    expect(table.stdout()).toContain(
      '1 message(s). "receives" is SQS\'s ApproximateReceiveCount: the receives in the source queue, the one that moved the message here included (on the local stack maxReceiveCount + 1 for a message its consumer kept failing), plus one for each listing since, this one included.',
    );
  });
});
