/**
 * A redrive of a FIFO dead-letter queue two FIFO queues share: a message it leaves (its source not
 * known) holds its group until the redrive ends, so the queue never gives the messages behind it:
 * they were neither moved nor said to be left, and the exit was 0 for them. Now they are counted
 * and said, with what to do, and the exit is 1. On the local stack, with the framework's `dlq`
 * command, on a variant of the settlement FIFO project (fifo-settlement-project.ts) whose
 * SettlementQueue.fifo and Payouts.fifo dead-letter to SharedDLQ.fifo after one receive. No
 * consumer runs: the test receives from the source queue itself until it dead-letters.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { contractModule, queueDepth } from '@sluice/ops';
import { ConsoleState } from '@sluice/local/console';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';
import { SETTLEMENT_CONTRACT, settlementProject, type SettlementProject } from './fifo-settlement-project.ts';

const SHARED = 'SharedDLQ.fifo';
const LEDGER = 'SettlementQueue.fifo';
const PAYOUTS = 'Payouts.fifo';

/** The settlement contract with a second FIFO queue on the topic, both dead-lettering to SharedDLQ.fifo after one receive. */
const SHARED_FIFO_CONTRACT = SETTLEMENT_CONTRACT.replaceAll('SettlementDLQ.fifo', SHARED)
  .replace('maxReceiveCount: 2', 'maxReceiveCount: 1')
  .replace(
    '\noperations:\n',
    `
  payouts:
    address: ${PAYOUTS}
    messages:
      settlementBooked:
        $ref: '#/components/messages/SettlementBooked'
    bindings:
      sqs:
        queue:
          name: ${PAYOUTS}
          fifoQueue: true
          redrivePolicy:
            deadLetterQueue:
              name: ${SHARED}
            maxReceiveCount: 1
        deadLetterQueue:
          name: ${SHARED}
          fifoQueue: true
          messageRetentionPeriod: 1209600
        bindingVersion: 0.2.0
operations:
  consumePayouts:
    action: receive
    channel:
      $ref: '#/channels/payouts'
    messages:
      - $ref: '#/channels/payouts/messages/settlementBooked'
`,
  )
  .replace(
    `              name: ${LEDGER}\n            rawMessageDelivery: false\n`,
    `              name: ${LEDGER}\n            rawMessageDelivery: false\n          - protocol: sqs\n            endpoint:\n              name: ${PAYOUTS}\n            rawMessageDelivery: false\n`,
  );

let project: SettlementProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const url = (queue: string) => runtime.resources.queues[queue]!.url;

beforeAll(async () => {
  expect(SHARED_FIFO_CONTRACT).toContain(`name: ${PAYOUTS}\n            rawMessageDelivery`);
  project = await settlementProject(SHARED_FIFO_CONTRACT);
  const { topology } = await contractModule(project.project);
  runtime = await startLocalRuntime({ application: { project: project.project, topology, settings: {}, handlers: {} } as never, port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  project?.dispose();
});
beforeEach(async () => {
  for (const queue of [SHARED, LEDGER, PAYOUTS]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url(queue) }));
});

async function run(...args: string[]) {
  const io = captureIO(true);
  const code = await project.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  return { code, out: io.stdout(), err: io.stderr() };
}

let tag = 0;
/** A SettlementBooked envelope, of its own each call (a FIFO queue drops a repeated deduplication id). */
const booked = (settlementId: string) => {
  tag += 1;
  return JSON.stringify({ ...snsEnvelope({ settlementId, accountId: 'acc-1', amountCents: 100 + tag }, { eventType: 'SettlementBooked', schemaVersion: '1.0.0' }), TopicArn: runtime.resources.topics['SettlementTopic.fifo']!.arn });
};

/** Sends `body` to `queue` in `group`, then receives it there (never deleted) until the queue moves it to SharedDLQ.fifo; its id. */
async function deadLettered(queue: string, body: string, group: string): Promise<string> {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url(queue), MessageBody: body, MessageGroupId: group, MessageDeduplicationId: `d-${tag}-${queue}` }));
  for (let receives = 0; receives < 10; receives++) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(queue), VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    if (!Messages?.length) return MessageId!;
  }
  throw new Error(`${queue} did not dead-letter ${MessageId}`);
}

/** A message put in SharedDLQ.fifo by hand, first of `group`: no DeadLetterQueueSourceArn. */
async function byHand(group: string): Promise<string> {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url(SHARED), MessageBody: booked('by-hand'), MessageGroupId: group, MessageDeduplicationId: `hand-${tag}` }));
  return MessageId!;
}

describe('dlq redrive of a FIFO dead-letter queue two queues share', () => {
  it('says how many messages behind one it leaves were not reached, with what to do, and exits 1', async () => {
    const left = await byHand('g');
    const behind = await deadLettered(LEDGER, booked('ledger-behind'), 'g');
    const other = await deadLettered(PAYOUTS, booked('payout-other'), 'h');
    expect((await queueDepth(sqs, url(SHARED))).total).toBe(3);

    const out = await run('dlq', 'redrive', '--queue', SHARED);
    expect(out.out).toContain(`moved ${other} to ${PAYOUTS}`);
    expect(out.out).toContain(`left ${left} in ${SHARED}: no DeadLetterQueueSourceArn`);
    // The one behind it in group g is neither moved nor left: said, never passed over.
    expect(out.out).not.toContain(behind);
    expect(out.out).toContain(`not reached in ${SHARED}: 1 more message(s) behind those left, in their FIFO groups`);
    expect(out.err).toContain(
      `1 more message(s) behind them in their FIFO groups were not reached: move the ones left (\`npx fixture dlq redrive --endpoint ${runtime.endpoint} --queue ${SHARED} --to <queue> --id <messageId>\`) or purge them, then run the redrive again`,
    );
    expect(out.code).toBe(1);
    expect((await queueDepth(sqs, url(SHARED))).total).toBe(2);

    // Doing as told: the one left moved with --to and --id, then the redrive again takes the one behind it back to its own queue.
    const moved = await run('dlq', 'redrive', '--queue', SHARED, '--to', PAYOUTS, '--id', left);
    expect(moved.code, moved.err).toBe(0);
    expect(moved.out).toContain(`moved ${left} to ${PAYOUTS}`);
    const again = await run('dlq', 'redrive', '--queue', SHARED);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(`moved ${behind} to ${LEDGER}`);
    expect((await queueDepth(sqs, url(SHARED))).total).toBe(0);
  });

  it('--dry-run says those behind a message it would leave would not be reached, and exits 1', async () => {
    const left = await byHand('g');
    await deadLettered(LEDGER, booked('ledger-behind-2'), 'g');
    const out = await run('dlq', 'redrive', '--queue', SHARED, '--dry-run');
    expect(out.out).toContain(`  ${left}: no DeadLetterQueueSourceArn`);
    expect(out.out).toContain('and up to 1 more message(s) behind the first of their FIFO groups, not read: a redrive would not reach those behind a message it leaves');
    expect(out.err).toContain(`up to 1 more message(s) in ${SHARED} wait behind the first of their FIFO groups: those behind a message left would not be reached`);
    expect(out.code).toBe(1);
    expect((await queueDepth(sqs, url(SHARED))).total).toBe(2);
  });

  it('--dry-run says that where those behind the first of their groups go is read only as they move', async () => {
    await deadLettered(LEDGER, booked('ledger-first'), 'g');
    await byHand('g');
    const out = await run('dlq', 'redrive', '--queue', SHARED, '--dry-run');
    expect(out.out).toContain(`${SHARED}: 1 more message(s) wait behind the first of their FIFO groups, not read: each would go back to the queue it came from as it moves; one whose source is not known would be left, and those behind it not reached`);
    expect(out.code).toBe(0);
  });

  it('--to without --id sends the one whose source is not known there, and the one behind it back to its own queue', async () => {
    const left = await byHand('g');
    const behind = await deadLettered(LEDGER, booked('ledger-behind-3'), 'g');
    const out = await run('dlq', 'redrive', '--queue', SHARED, '--to', PAYOUTS);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toContain(`moved ${left} to ${PAYOUTS}`);
    expect(out.out).toContain(`moved ${behind} to ${LEDGER}`);
    expect((await queueDepth(sqs, url(SHARED))).total).toBe(0);
  });
});

describe("the console's redrive of a FIFO dead-letter queue two queues share", () => {
  it('says how many behind the ones it left were not reached, and what to do', async () => {
    const state = new ConsoleState(runtime as never, await contractModule(project.project), `${project.dir}/asyncapi.yaml`);
    try {
      const left = await byHand('g');
      await deadLettered(LEDGER, booked('ledger-behind-4'), 'g');
      const result = await state.redrive(SHARED, undefined);
      expect(result.moved).toEqual([]);
      expect(result.notRedriven.map((l) => l.messageId)).toEqual([left]);
      expect(result.notReached).toBe(1);
      expect(result.next).toContain(`1 more message(s) behind them in their FIFO groups were not reached: move the ones left (\`npx sluice-ops dlq redrive --queue ${SHARED} --to <queue> --id <messageId>\`) or purge them, then run the redrive again`);
    } finally {
      state.destroy();
    }
  });
});
