/**
 * What `npm start` says at shutdown about the messages left in the queues (leftoversLine): the
 * count when it can count, and that it could not, and why, when it cannot; never "nothing left"
 * after a failure. The local stack through the real SQS client; no consumer runs.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { leftoversLine } from '../src/terminal-report.ts';

let runtime: LocalRuntime;
let sqs: SQSClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

// In order: the last one deletes a queue.
describe('leftoversLine', () => {
  it('says nothing when the queues are empty', async () => {
    expect(await leftoversLine(runtime)).toBe('');
  });

  it('counts queued and dead-lettered messages', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, MessageBody: '{}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url, MessageBody: '{}' }));
    expect(await leftoversLine(runtime)).toBe(' 1 queued, 1 dead-lettered and 0 unrouted message(s) were discarded (in-memory stack).');
  });

  it("on a data folder, names the command that picks them up (npm start's own folder, else with its --data-dir), and that dead letters wait for dlq redrive", async () => {
    // The same queues, as if the stack kept them in a folder (it said `npm start` for any folder).
    const kept = (dataDir: string) => leftoversLine({ ...runtime, emulators: { dataDir } } as unknown as LocalRuntime);
    const own = path.join(runtime.application.project.root, '.sluice-data');
    expect(await kept(own)).toBe(` 1 queued, 1 dead-lettered and 0 unrouted message(s) are kept in ${own}: the next \`npm start\` picks them up (it handles the queued ones; the dead-lettered and unrouted ones wait there for \`dlq redrive\`).`);
    expect(await kept('/tmp/my demo')).toBe(" 1 queued, 1 dead-lettered and 0 unrouted message(s) are kept in /tmp/my demo: the next `npm start -- --data-dir '/tmp/my demo'` picks them up (it handles the queued ones; the dead-lettered and unrouted ones wait there for `dlq redrive`).");
  });

  it("counts what the queues an earlier contract left hold too, naming them (it left them out)", async () => {
    // A queue of an earlier contract, kept with its messages (npm start finds it at its start); a name no contract here has.
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'EarlierContractQueue' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{}' }));
    runtime.resources.orphanQueues.push('EarlierContractQueue');
    try {
      expect(await leftoversLine(runtime)).toBe(' 1 queued, 1 dead-lettered and 0 unrouted message(s), and 2 in queues an earlier contract left (EarlierContractQueue 2), were discarded (in-memory stack).');
    } finally {
      runtime.resources.orphanQueues.pop();
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it('reports a failure to count, with its cause, instead of saying nothing is left', async () => {
    // A queue deleted behind the stack's back (`aws sqs delete-queue`): it cannot be counted.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url }));
    const line = await leftoversLine(runtime);
    expect(line).not.toBe('');
    expect(line).toMatch(/could not count the messages left in the queues: .*queue does not exist/);
  });
});

// npm start --no-consumers stops this way at Ctrl-C: its stack may still serve npm run subscriber.
describe('stopFunctions, with no consumer in this process', () => {
  it("leaves the stack's long polls as they are: a receive on an empty queue still waits (it ended every long poll for the stack's life)", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'StillLongPolled' }));
    await runtime.stopFunctions();
    const started = Date.now();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(Messages).toBeUndefined();
    // A lower bound only: a busy machine makes it longer, never shorter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
