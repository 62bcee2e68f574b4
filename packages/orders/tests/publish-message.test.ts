/**
 * The order application's `npx orders publish-message` on the local stack started on the
 * application: every message of every send operation of its contract, published from its contract
 * example, reaches the queue of each of its consumers that declares it, and the command points to
 * `npx orders status` next. Derived from the contract (its send operations, their messages and
 * examples, the receive operations that declare them): a new message or consumer is covered
 * without editing this file. The command itself is tested on fixture systems in
 * packages/ops/tests/publish-command.test.ts.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { contractModule } from '@sluice/ops';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { Operation, ReceiveOperation, TopicSendOperation } from '@sluice/runtime/contract';
import { parse } from 'yaml';
import { ordersProgram } from '@orders/app/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The first example payload of each message of the application's contract, by message name. */
function examples(): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(root, 'asyncapi.yaml'), 'utf8')) as { components?: { messages?: Record<string, { name?: string; examples?: { payload?: unknown }[] }> } };
  return Object.fromEntries(Object.entries(doc.components?.messages ?? {}).map(([key, m]) => [m.name ?? key, m.examples?.[0]?.payload]));
}

let runtime: LocalRuntime;
let sqs: SQSClient;
let operations: Record<string, Operation>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  ({ operations } = await contractModule());
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

/** The payloads waiting in a queue (SNS envelopes unwrapped), left visible. */
async function payloadsIn(queue: string): Promise<unknown[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.resources.queues[queue]!.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 }));
  return Messages.map((m) => {
    const body = JSON.parse(m.Body!) as { Type?: string; Message?: string };
    return body.Type === 'Notification' ? JSON.parse(body.Message!) : body;
  });
}

const purge = async () => {
  for (const queue of Object.values(runtime.resources.queues)) await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
};
const sends = () => Object.values(operations).filter((o): o is TopicSendOperation => o.action === 'send' && o.topic !== undefined);
const consumersOf = (topic: string, message: string) =>
  Object.values(operations).filter((o): o is ReceiveOperation => o.action === 'receive' && message in o.messages && o.sources.some((s) => s.topic === topic));

describe('npx orders publish-message', () => {
  it('publishes each message of each send operation of the contract, from its example, to the queue of every consumer declaring it', async () => {
    const samples = examples();
    const cases = sends().flatMap((op) => Object.keys(op.messages).map((message) => ({ op, message })));
    expect(cases.length).toBeGreaterThan(0);
    for (const { op, message } of cases) {
      await purge();
      const payload = samples[message];
      expect(payload, `the contract has an example of ${message}`).toBeDefined();
      const io = captureIO();
      const code = await runCli(ordersProgram, ['publish-message', op.id, '--message', message, '--payload', JSON.stringify(payload), '--endpoint', runtime.endpoint], io);
      expect(code, io.stderr()).toBe(0);
      expect(io.stdout()).toMatch(new RegExp(`published ${message} \\(${op.id}\\) to ${op.topic} as SNS message \\S+`));
      const consumers = consumersOf(op.topic, message);
      expect(consumers.length, `a consumer declares ${message}`).toBeGreaterThan(0);
      for (const consumer of consumers) expect(await payloadsIn(consumer.queue), `${message} in ${consumer.queue}`).toContainEqual(payload);
    }
  }, 60_000);

  it('--help shows examples with send operations of the shipped contract only, each the whole command line to type', async () => {
    const io = captureIO();
    expect(await runCli(ordersProgram, ['publish-message', '--help'], io)).toBe(0);
    const examples = io.stdout().split('\nExamples:\n')[1]!.trimEnd().split('\n').map((l) => l.trim());
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const [npx, program, command, id] = example.split(' ');
      expect(`${npx} ${program} ${command}`, example).toBe('npx orders publish-message');
      expect(operations[id!]?.action, `${example}: ${id} is a send operation of asyncapi.yaml`).toBe('send');
    }
    // Application headers (a tenantId a message's headers schema requires) are given with --header.
    expect(examples.filter((e) => / --header <name>=<value>/.test(e))).toHaveLength(1);
    expect(io.stdout()).toMatch(/\n {2}--header <name=value> +an application header the message's headers schema declares \(repeat for each\)\n/);
  });

  it('needs no --message for a one-message operation, and points to npx orders status next', async () => {
    await purge();
    const op = sends().find((o) => Object.keys(o.messages).length === 1)!;
    const [message] = Object.keys(op.messages);
    const io = captureIO();
    const code = await runCli(ordersProgram, ['publish-message', op.id, '--payload', JSON.stringify(examples()[message!]), '--endpoint', runtime.endpoint], io);
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toContain(`published ${message} (${op.id})`);
    expect(io.stdout()).toContain('next: npx orders status');
  });
});

describe('orders publish', () => {
  it('--count sends the --correlation-id given on every order, and the next step names the --endpoint it was given', async () => {
    await purge();
    const io = captureIO();
    expect(await runCli(ordersProgram, ['publish', '--count', '2', '--correlation-id', 'corr-count-2', '--endpoint', runtime.endpoint], io), io.stderr()).toBe(0);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 }));
    const correlationIds = Messages.map((m) => (JSON.parse(m.Body!) as { MessageAttributes?: Record<string, { Value: string }> }).MessageAttributes?.correlationId?.Value);
    expect(correlationIds).toEqual(['corr-count-2', 'corr-count-2']);

    const one = captureIO();
    expect(await runCli(ordersProgram, ['publish', '--order-id', 'ord-next-step', '--endpoint', runtime.endpoint], one), one.stderr()).toBe(0);
    // Pasted as printed, it reaches the same stack, not the default port.
    expect(one.stdout()).toContain(`next: npx orders get ord-next-step --endpoint ${runtime.endpoint}`);
  });
});

describe('npx orders publish --count, interrupted', () => {
  it('Ctrl-C ends it after the batch in flight, saying how many were published and how to publish the rest (exit 130); it said nothing', { timeout: 60_000 }, async () => {
    await purge();
    // Over the limit of one run, asked for: what is left is over it too, and the command for it says so.
    const child = spawn(process.execPath, ['packages/orders/bin/orders.js', 'publish', '--count', '1000000', '--no-count-limit', '--correlation-id', 'run-1', '--endpoint', runtime.endpoint], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Under way: some orders in the queue.
    await waitFor('orders published', async () => {
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes.ApproximateNumberOfMessages) > 0;
    }, 30_000);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const said = /interrupted: published (\d+) of 1000000 orders \(ids ord-gen-\S+-\*\); the other (\d+) were not sent/.exec(stderr);
    // With a correlation id, the command for the rest keeps it (it was dropped).
    expect(stderr).toMatch(/Publish them with npx orders publish --count \d+ --no-count-limit --correlation-id run-1 --endpoint /);
    expect(said, stderr).not.toBeNull();
    const published = Number(said![1]);
    expect(published + Number(said![2])).toBe(1_000_000);
    expect(stderr).toContain(`Publish them with npx orders publish --count ${1_000_000 - published} --no-count-limit --correlation-id run-1 --endpoint ${runtime.endpoint}.`);
    // What it says went out is what the queue holds.
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Number(Attributes.ApproximateNumberOfMessages)).toBe(published);
    await purge();
  });
});

describe('npx orders list and get, the Orders table gone (last: it deletes it)', () => {
  it('say which table the stack does not have and what to do (they said only "Requested resource not found")', async () => {
    const dynamo = new DynamoDBClient(runtime.clientConfig);
    try {
      await dynamo.send(new DeleteTableCommand({ TableName: runtime.resources.tables.Orders!.name }));
    } finally {
      dynamo.destroy();
    }
    for (const args of [['list'], ['get', 'ord-1']]) {
      const io = captureIO();
      expect(await runCli(ordersProgram, [...args, '--endpoint', runtime.endpoint], io)).toBe(1);
      expect(io.stderr().split('\n').slice(0, 2)).toEqual([
        `orders ${args[0]}: the local stack at ${runtime.endpoint} has no table ${runtime.resources.tables.Orders!.name} (deleted, or a stack of another project answers there)`,
        'Restart npm start (it makes the tables of the application), or point --endpoint at its stack.',
      ]);
    }
  });
});
