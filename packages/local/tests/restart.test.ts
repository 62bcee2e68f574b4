/**
 * The local stack keeps its state in the data folder: stored orders (dynalite, LevelDB) and
 * queued, in-flight and dead-lettered messages, topics and subscriptions (fauxqs, SQLite written
 * through on every change), across a graceful stop and a SIGKILL alike. `--in-memory` keeps nothing.
 * On a fixture system of its own (tests/fixtures/single-consumer: one consumer writing each order
 * to its Orders table), not the order application.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runCli } from '@sluice/cli';
import { queueDepth } from '@sluice/ops';
import { queueUrlOnPort, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { MessageContract } from '@sluice/runtime/contract';
import { createPublisher } from '@sluice/runtime/publisher';
import { GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

/** The stack's `npm start`, run in the fixture's folder (it loads the project there). */
const startScript = path.resolve(import.meta.dirname, '../src/bin/start.ts');
const dirs: string[] = [];
let fixture: FixtureProject;
/** The fixture's generated contract package. */
let contract: { messages: Record<string, MessageContract>; operations: Record<string, Parameters<typeof createPublisher>[0]> };
let runtime: LocalRuntime | undefined;
let child: ChildProcess | undefined;

type OrderPlaced = Record<string, unknown>;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  contract = (await import(pathToFileURL(path.join(fixture.project.generated, 'index.js')).href)) as typeof contract;
}, 60_000);

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixture-restart-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  child?.kill('SIGKILL');
  child = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  fixture?.dispose();
});

const order = (orderId: string, overrides: Partial<OrderPlaced> = {}): OrderPlaced => fixtureOrder(orderId, { itemName: 'Lamp', quantity: 1, status: 'PAID', timestamp: '2026-03-01T10:00:00Z', ...overrides });

async function start(options: { dataDir?: string; port?: number; consumers?: boolean }): Promise<LocalRuntime> {
  runtime = await startLocalRuntime({ application: await fixture.application(), port: options.port ?? 0, ...(options.dataDir ? { dataDir: options.dataDir } : {}), visibilityTimeoutSeconds: 1, batchWindowSeconds: 0, consumers: options.consumers ?? true, logLevel: 'SILENT' });
  return runtime;
}

async function publish(r: LocalRuntime, orders: OrderPlaced[]): Promise<void> {
  const sns = new SNSClient(r.clientConfig);
  try {
    await createPublisher(contract.operations.publishOrderPlaced!, { client: sns, topicArn: r.resources.topics.OrderTopic!.arn }).publishBatch(orders);
  } finally {
    sns.destroy();
  }
}

async function publishPoison(r: LocalRuntime, orderId: string): Promise<void> {
  const sns = new SNSClient(r.clientConfig);
  const attributes = Object.fromEntries(Object.entries(contract.messages.OrderPlaced!.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
  try {
    await sns.send(new PublishCommand({ TopicArn: r.resources.topics.OrderTopic!.arn, Message: JSON.stringify(order(orderId, { quantity: 0 })), MessageAttributes: attributes }));
  } finally {
    sns.destroy();
  }
}

async function stored(r: LocalRuntime, orderId: string) {
  const dynamodb = new DynamoDBClient(r.clientConfig);
  try {
    const { Item } = await DynamoDBDocumentClient.from(dynamodb).send(new GetCommand({ TableName: r.resources.tables.Orders!.name, Key: { orderId } }));
    return Item;
  } finally {
    dynamodb.destroy();
  }
}

async function depth(r: LocalRuntime, queue: string): Promise<number> {
  const sqs = new SQSClient(r.clientConfig);
  try {
    return (await queueDepth(sqs, r.resources.queues[queue]!.url)).total;
  } finally {
    sqs.destroy();
  }
}

async function cli(r: LocalRuntime, ...argv: string[]) {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, [...argv, '--endpoint', r.endpoint], io));
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('restarting the local runtime on its data folder', () => {
  it('keeps the stored orders', async () => {
    const dir = dataDir();
    let r = await start({ dataDir: dir });
    await publish(r, [order('ord-persist')]);
    await waitFor('the order to be stored', () => stored(r, 'ord-persist'));
    await r.stop();
    r = await start({ dataDir: dir });
    expect(await stored(r, 'ord-persist')).toMatchObject({ orderId: 'ord-persist', status: 'PAID' });
  });

  it('keeps messages published while no consumer ran, and processes them after a restart on another port, where every queue URL names the new port and the kept subscriptions deliver', async () => {
    const dir = dataDir();
    let r = await start({ dataDir: dir, consumers: false });
    await publish(r, [order('ord-queued-1'), order('ord-queued-2')]);
    expect(await depth(r, 'OrderQueue')).toBe(2);
    const before = Number(new URL(r.endpoint).port);
    await r.stop();
    // The restart listens on another port (the old one is held, so that port 0 cannot pick it again).
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(before, '127.0.0.1', resolve));
    try {
      r = await start({ dataDir: dir });
    } finally {
      holder.close();
    }
    const port = new URL(r.endpoint).port;
    expect(port).not.toBe(String(before));
    // Every queue URL it prints or answers names the current port: the kept queues' too.
    const sqs = new SQSClient(r.clientConfig);
    try {
      const urls = [
        ...Object.values(r.resources.queues).map((q) => q.url),
        ...((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []),
        (await sqs.send(new GetQueueUrlCommand({ QueueName: 'OrderQueue' }))).QueueUrl!,
      ];
      expect(urls.length).toBeGreaterThan(2);
      expect(urls.filter((url) => new URL(url).port !== port)).toEqual([]);
    } finally {
      sqs.destroy();
    }
    await waitFor('both queued orders to be stored', async () => (await stored(r, 'ord-queued-1')) && (await stored(r, 'ord-queued-2')));
    // The kept subscription still delivers to the kept queue after the move to another port.
    await publish(r, [order('ord-after-restart')]);
    await waitFor('the order published after the restart to be stored', () => stored(r, 'ord-after-restart'));
    // Deleted once the batch has been handled, just after the writes: on a busy machine, a moment later.
    await waitFor('the queue to be empty', async () => (await depth(r, 'OrderQueue')) === 0);
  });

  it('keeps dead-lettered messages: dlq list still shows them after a restart, and dlq redrive works', async () => {
    const dir = dataDir();
    let r = await start({ dataDir: dir });
    await publishPoison(r, 'ord-dead');
    await waitFor('the poison message in the DLQ', async () => (await depth(r, 'OrderDLQ')) === 1, 30_000);
    await r.stop();
    r = await start({ dataDir: dir, consumers: false });
    const listed = await cli(r, 'dlq', 'list');
    expect(listed.stdout).toMatch(/ord-dead.*PAYLOAD_INVALID: OrderPlaced payload is invalid: quantity: must be >= 1/);
    const redriven = await cli(r, 'dlq', 'redrive');
    expect(redriven.code).toBe(0);
    expect(await depth(r, 'OrderDLQ')).toBe(0);
    expect(await depth(r, 'OrderQueue')).toBe(1);
  });

  it('keeps queued messages when the whole stack is killed with SIGKILL', async () => {
    const dir = dataDir();
    // The stack in a process of its own, so that it can be killed without warning: Node itself, as
    // `npm start` runs it, minus npm and its shell, whose child a SIGKILL of theirs would miss. With
    // tsx: the fixture's application lies under node_modules/.cache, where Node strips no types.
    child = spawn(process.execPath, ['--import', 'tsx', startScript, '--port', '0', '--data-dir', dir, '--no-consumers'], { cwd: fixture.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const endpoint = await waitFor('the stack to print its endpoint', () => /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 30_000);
    const sns = new SNSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const topicArn = /topic\s+(arn:aws:sns:\S+)/.exec(output)![1]!;
    await createPublisher(contract.operations.publishOrderPlaced!, { client: sns, topicArn }).publishBatch([order('ord-killed-1'), order('ord-killed-2'), order('ord-killed-3')]);
    sns.destroy();
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;

    const r = await start({ dataDir: dir });
    await waitFor('the three orders published before the SIGKILL to be stored', async () =>
      (await Promise.all(['ord-killed-1', 'ord-killed-2', 'ord-killed-3'].map((id) => stored(r, id)))).every(Boolean),
    );
  });

  it('keeps nothing in memory mode', async () => {
    let r = await start({ consumers: false });
    await publish(r, [order('ord-volatile')]);
    const port = Number(new URL(r.endpoint).port);
    await r.stop();
    r = await start({ port, consumers: false });
    expect(await depth(r, 'OrderQueue')).toBe(0);
    expect(await stored(r, 'ord-volatile')).toBeUndefined();
  });
});

describe('queueUrlOnPort', () => {
  it('puts the port in the URL, whether it had one or not, and keeps the rest', () => {
    expect(queueUrlOnPort('http://sqs.us-east-1.localhost:34859/000000000000/ZakazQueue', 34291)).toBe('http://sqs.us-east-1.localhost:34291/000000000000/ZakazQueue');
    expect(queueUrlOnPort('http://sqs.us-east-1.localhost/000000000000/Q', 4577)).toBe('http://sqs.us-east-1.localhost:4577/000000000000/Q');
    expect(queueUrlOnPort('http://[::1]:4566/000000000000/Q', 4577)).toBe('http://[::1]:4577/000000000000/Q');
  });
});
