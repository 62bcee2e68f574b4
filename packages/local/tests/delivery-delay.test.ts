/**
 * A queue's deliveryDelay (its `DelaySeconds`) holds back what a topic delivers to it, as on AWS,
 * where an SNS delivery is a send like any other; fauxqs delayed direct sends only, so locally a
 * topic's deliveries arrived at once. A message moved to the queue's dead-letter queue does not
 * wait again, not even the dead-letter queue's own delay (on AWS a move is not a send).
 *
 * The stack is `npm start`'s (in memory, no consumers), on the binding-fields fixture with short
 * delays: BindingEvents delivers to BindingAudit (delay 1 s) and to BindingArchive (no delay, one
 * receive before its dead-letter queue), whose dead-letter queue BindingArchiveDLQ has a delay of
 * its own (2 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueSpec, Topology } from '@sluice/runtime/contract';
import { startLocalRuntime, type Application, type LocalRuntime } from '@sluice/local';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { delaySnsDeliveries } from '../src/stack/sns-delivery-delay.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
let sns: SNSClient;

/** The fixture's topology with `changes` made to some of its queues. */
function withQueues(topology: Topology, changes: Record<string, Partial<QueueSpec>>): Topology {
  const queues = { ...topology.queues };
  for (const [name, change] of Object.entries(changes)) queues[name] = { ...queues[name]!, ...change };
  return { ...topology, queues };
}

beforeAll(async () => {
  fixture = await fixtureProject('binding-fields');
  const application: Application = await fixture.application();
  const topology = withQueues(application.topology, {
    BindingAudit: { deliveryDelaySeconds: 1 },
    BindingArchive: { deadLetter: { queue: 'BindingArchiveDLQ', maxReceiveCount: 1 } },
    BindingArchiveDLQ: { deliveryDelaySeconds: 2 },
  });
  runtime = await startLocalRuntime({ application: { ...application, topology }, port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  sns = new SNSClient(runtime.clientConfig);
}, 120_000);
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});

const url = (queue: string) => runtime.resources.queues[queue]!.url;
/** One short poll of `queue`: the bodies it answers now. */
const receiveNow = async (queue: string) => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];
/** Publishes an AuditEvent to BindingEvents (BindingAudit's subscription delivers it raw). */
const publishAudit = (auditId: string) =>
  sns.send(
    new PublishCommand({
      TopicArn: runtime.resources.topics.BindingEvents!.arn,
      Message: JSON.stringify({ auditId }),
      MessageAttributes: { eventType: { DataType: 'String', StringValue: 'AuditEvent' }, schemaVersion: { DataType: 'String', StringValue: '1.0.0' } },
    }),
  );

describe("a queue's deliveryDelay on what a topic delivers to it", () => {
  it('holds the delivery back for the delay, as a direct send', async () => {
    const published = Date.now();
    await publishAudit('delayed-1');
    await sqs.send(new SendMessageCommand({ QueueUrl: url('BindingAudit'), MessageBody: JSON.stringify({ auditId: 'sent-1' }) }));
    // Right after: neither the delivery nor the direct send is there yet.
    expect(await receiveNow('BindingAudit')).toEqual([]);
    const bodies = new Set<string>();
    await waitFor('both messages on BindingAudit', async () => {
      for (const m of await receiveNow('BindingAudit')) bodies.add(m.Body!);
      return bodies.size === 2;
    });
    expect(bodies).toEqual(new Set([JSON.stringify({ auditId: 'delayed-1' }), JSON.stringify({ auditId: 'sent-1' })]));
    expect(Date.now() - published).toBeGreaterThanOrEqual(900);
  });

  it("does not hold back a message moved to a dead-letter queue, whose own delay is for sends to it", async () => {
    await publishAudit('dead-1');
    const body = (m: { Body?: string }) => JSON.parse(m.Body!) as { Message?: string };
    // (What the test above published is taken too, and stays in flight.)
    const first = await waitFor('the delivery on BindingArchive', async () => (await receiveNow('BindingArchive')).find((m) => body(m).Message === JSON.stringify({ auditId: 'dead-1' })));
    // Its one receive spent: visible again at once, and the next receive moves it to BindingArchiveDLQ.
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url('BindingArchive'), ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 0 }));
    expect(await receiveNow('BindingArchive')).toEqual([]);
    expect((await receiveNow('BindingArchiveDLQ')).map((m) => body(m).Message)).toEqual([JSON.stringify({ auditId: 'dead-1' })]);
  });
});

describe('a fauxqs whose SNS router is not as this version has it (a later version)', () => {
  // startEmulators says the answer once, as a warning line (its onEvent, else the stderr).
  it('is said, naming what is missing and what it means, never passed over', () => {
    expect(delaySnsDeliveries(undefined)).toMatch(/^fauxqs has no SNS router with its handlers where this version expects them: what a topic delivers to a queue with a deliveryDelay arrives at once here/);
    const publishOnly = { handlers: new Map([['Publish', () => '']]) };
    expect(delaySnsDeliveries(publishOnly)).toMatch(/^fauxqs's SNS router has no PublishBatch handler where this version expects it: /);
    expect(delaySnsDeliveries({ handlers: new Map([['Publish', () => ''], ['PublishBatch', () => '']]) })).toBeUndefined();
  });
});
