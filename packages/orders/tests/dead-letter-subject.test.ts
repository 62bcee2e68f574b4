/**
 * `npx orders dlq list` names what a dead letter is about as the framework's `dlq list` does (and
 * the local console, which says the same: `subjectFromContract`): one derivation, so a rejected
 * order whose orderId is a number shows it everywhere alike. On the local stack started on the application;
 * no consumer runs. Each dead-letter queue of a consumer of OrderPlaced is checked, from the
 * contract's topology.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli, type ProgramSpec } from '@sluice/cli';
import { contractModule, opsProgram, type DeadLetterListingJson } from '@sluice/ops';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { ordersProgram } from '@orders/app/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let runtime: LocalRuntime;
let sqs: SQSClient;
let deadLetterQueues: string[];

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  const { topology } = await contractModule();
  deadLetterQueues = Object.values(topology.operations)
    .filter((o) => o.action === 'receive' && o.messages.includes('OrderPlaced'))
    .map((o) => topology.queues[o.queue!]?.deadLetter?.queue)
    .filter((queue): queue is string => queue !== undefined);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

async function listed(program: ProgramSpec, queue: string): Promise<DeadLetterListingJson> {
  const io = captureIO();
  expect(await runCli(program, ['dlq', 'list', '--queue', queue, '--json', '--endpoint', runtime.endpoint], io), io.stderr()).toBe(0);
  return JSON.parse(io.stdout()) as DeadLetterListingJson;
}

describe("npx orders dlq list's subject", () => {
  it('is the framework\'s, the one dlq list elsewhere and the console show: a numeric orderId too (orders showed none for it)', async () => {
    expect(deadLetterQueues.length).toBeGreaterThan(0);
    for (const queue of deadLetterQueues) {
      // Rejected by the consumer (an orderId must be a string): read as it is.
      const order = { orderId: 42, userId: 'usr-1', itemName: 'Desk lamp', quantity: 2, status: 'PENDING', timestamp: '2026-01-01T09:00:00Z' };
      const named = { ...order, orderId: 'ord-subject-1' };
      for (const payload of [order, named]) await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues[queue]!.url, MessageBody: JSON.stringify(snsEnvelope(payload)) }));
      const subjects = async (program: ProgramSpec) => (await listed(program, queue))[queue]!.messages.map((m) => m.subject).sort();
      expect(await subjects(ordersProgram)).toEqual(['42', 'ord-subject-1']);
      expect(await subjects(ordersProgram)).toEqual(await subjects(opsProgram));
    }
  });

  it("is titled by the field it is, the first field of the queue's messages (orderId), by the framework's dlq list as by npx orders (it said subject)", async () => {
    for (const queue of deadLetterQueues) {
      for (const program of [ordersProgram, opsProgram]) {
        const io = captureIO();
        expect(await runCli(program, ['dlq', 'list', '--queue', queue, '--endpoint', runtime.endpoint], io), io.stderr()).toBe(0);
        expect(io.stdout(), program.name).toMatch(/^messageId +receives +orderId +why it failed$/m);
      }
    }
  });
});
