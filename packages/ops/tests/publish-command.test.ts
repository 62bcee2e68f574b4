/**
 * The generic `publish` command (an application's `publish-message`): every message of every send
 * operation of the contract, published from its contract example on the local stack, reaches the
 * queue of each consumer that declares it, through the runtime publisher (identity attributes
 * set); an invalid payload publishes nothing and names the field; an operation that is not a send
 * operation, or a message the operation does not send, is a usage error naming what exists.
 *
 * On fixture systems of their own: the single-consumer fixture (tests/fixtures/single-consumer)
 * for topics, the SQS binding's point-to-point example for queues; not the order application,
 * whose own messages go through its `npx orders publish-message` in the application's tests.
 * Everything here is derived from the contract (its send operations, their messages and
 * examples, the receive operations that declare them).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli, type ProgramSpec } from '@sluice/cli';
import { contractModule, publishMessageCommand } from '@sluice/ops';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { Operation, ReceiveOperation, TopicSendOperation } from '@sluice/runtime/contract';
import { parse } from 'yaml';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { pointToPointProject, type PointToPointProject } from '../../../tests/helpers/point-to-point-project.ts';
import { tenantHeaderProject } from '../../../tests/helpers/tenant-header-project.ts';

let fixture: FixtureProject;

/** The first example payload of each message of the fixture's contract, by message name. */
function examples(): Record<string, unknown> {
  const doc = parse(readFileSync(fixture.project.spec, 'utf8')) as { components?: { messages?: Record<string, { name?: string; examples?: { payload?: unknown }[] }> } };
  return Object.fromEntries(Object.entries(doc.components?.messages ?? {}).map(([key, m]) => [m.name ?? key, m.examples?.[0]?.payload]));
}

/** A program with only the generic command, under its default name, for the fixture's project. */
let program: ProgramSpec;

let runtime: LocalRuntime;
let sqs: SQSClient;
let operations: Record<string, Operation>;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  program = { name: 'app', invocation: 'npx app', version: '0.0.0', summary: 'test program', commands: [publishMessageCommand({ project: fixture.project, invocation: 'npx app' })] };
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
  ({ operations } = await contractModule(fixture.project));
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});
beforeEach(async () => {
  for (const queue of Object.values(runtime.resources.queues)) await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
});

/** The payloads waiting in a queue (SNS envelopes unwrapped), left visible. */
async function payloadsIn(queue: string): Promise<unknown[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.resources.queues[queue]!.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 }));
  return Messages.map((m) => {
    const body = JSON.parse(m.Body!) as { Type?: string; Message?: string };
    return body.Type === 'Notification' ? JSON.parse(body.Message!) : body;
  });
}

// The fixture's send operations to a topic (a point-to-point one has its own describe, below).
const sends = () => Object.values(operations).filter((o): o is TopicSendOperation => o.action === 'send' && o.topic !== undefined);
const consumersOf = (topic: string, message: string) =>
  Object.values(operations).filter((o): o is ReceiveOperation => o.action === 'receive' && message in o.messages && o.sources.some((s) => s.topic === topic));

describe('publish <operation>: any send operation, from JSON', () => {
  it('publishes each message of each send operation to the queue of every consumer declaring it', async () => {
    const samples = examples();
    const cases = sends().flatMap((op) => Object.keys(op.messages).map((message) => ({ op, message })));
    expect(cases.length).toBeGreaterThan(0);
    for (const { op, message } of cases) {
      const payload = samples[message];
      expect(payload, `the contract has an example of ${message}`).toBeDefined();
      const io = captureIO();
      const code = await runCli(program, ['publish', op.id, '--message', message, '--payload', JSON.stringify(payload), '--endpoint', runtime.endpoint], io);
      expect(code, io.stderr()).toBe(0);
      expect(io.stdout()).toMatch(new RegExp(`published ${message} \\(${op.id}\\) to ${op.topic} as SNS message \\S+`));
      const consumers = consumersOf(op.topic, message);
      expect(consumers.length, `a consumer declares ${message}`).toBeGreaterThan(0);
      for (const consumer of consumers) expect(await payloadsIn(consumer.queue), `${message} in ${consumer.queue}`).toContainEqual(payload);
      for (const queue of Object.values(runtime.resources.queues)) await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
    }
  }, 60_000);

  it('an application mounts it as publish-message; a one-message operation needs no --message', async () => {
    const op = sends().find((o) => Object.keys(o.messages).length === 1)!;
    const [message] = Object.keys(op.messages);
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['publish-message', op.id, '--payload', JSON.stringify(examples()[message!]), '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toContain(`published ${message} (${op.id})`);
    for (const consumer of consumersOf(op.topic, message!)) expect(await payloadsIn(consumer.queue)).toContainEqual(examples()[message!]);
  });

  it('validates first: an invalid payload in a batch publishes nothing and names the field', async () => {
    const op = sends()[0]!;
    const [message] = Object.keys(op.messages);
    const valid = examples()[message!] as Record<string, unknown>;
    const [field] = op.messages[message!]!.properties;
    const invalid = { ...valid, [field!]: { not: 'a valid value' } };
    const io = captureIO();
    const code = await runCli(program, ['publish', op.id, '--message', message!, '--payload', JSON.stringify([valid, invalid]), '--endpoint', runtime.endpoint], io);
    expect(code).toBe(1);
    expect(io.stderr()).toContain(`nothing published: 1 payload(s) violate the ${message} contract.`);
    // Counted from 1, as a reader counts them: the second of the two.
    expect(io.stderr()).toMatch(new RegExp(`payload #2 of 2:\\n\\s+${field}: `));
    for (const consumer of consumersOf(op.topic, message!)) expect(await payloadsIn(consumer.queue)).toEqual([]);
  });

  it('validates first the fields the contract does not declare too: a batch whose second payload has one publishes nothing (the first was sent, then "Nothing was published")', async () => {
    const op = sends()[0]!;
    const [message] = Object.keys(op.messages);
    const valid = examples()[message!] as Record<string, unknown>;
    const io = captureIO();
    const code = await runCli(program, ['publish', op.id, '--message', message!, '--payload', JSON.stringify([valid, { ...valid, extra: 1 }]), '--endpoint', runtime.endpoint], io);
    expect(code, io.stderr()).toBe(1);
    expect(io.stdout()).not.toContain('published ');
    expect(io.stderr()).toContain(`nothing published: 1 payload(s) violate the ${message} contract.`);
    expect(io.stderr()).toMatch(new RegExp(`payload #2 of 2:\\n\\s+extra: is not a field of ${message}: remove it`));
    expect(io.stderr()).not.toContain('--debug');
    for (const consumer of consumersOf(op.topic, message!)) expect(await payloadsIn(consumer.queue)).toEqual([]);
  });

  it('--help shows examples with a send operation of the project\'s own contract, each the whole command line to type', async () => {
    const io = captureIO();
    expect(await runCli(program, ['publish', '--help'], io)).toBe(0);
    const examples = io.stdout().split('\nExamples:\n')[1]!.trimEnd().split('\n').map((l) => l.trim());
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(example).toMatch(/^npx app publish \S/);
      expect(operations[example.split(' ')[3]!]?.action, example).toBe('send');
    }
  });

  it('refuses what is not a send operation or a message it sends, naming what exists', async () => {
    const receive = Object.values(operations).find((o) => o.action === 'receive')!;
    const op = sends()[0]!;
    for (const [args, expected] of [
      [[receive.id, '--payload', '{}'], `"${receive.id}" is not a send operation of the contract: try ${op.id} (`],
      [['noSuchOperation', '--payload', '{}'], '"noSuchOperation" is not a send operation of the contract'],
      [[op.id, '--message', 'NoSuchMessage', '--payload', '{}'], `${op.id} does not publish "NoSuchMessage": try --message ${Object.keys(op.messages)[0]}`],
      [[op.id, '--message', Object.keys(op.messages)[0]!], 'give the payload as --payload <json> or --file <path>'],
    ] as const) {
      const io = captureIO();
      const code = await runCli(program, ['publish', ...args, '--endpoint', runtime.endpoint], io);
      expect(code, io.stdout()).toBe(2);
      expect(io.stderr()).toContain(expected);
    }
  });

  it('refuses a --payload that is not JSON and a --file that does not exist as usage errors (exit 2), naming the option and what to type', async () => {
    const op = sends()[0]!;
    const message = Object.keys(op.messages)[0]!;
    let io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--payload', '{"orderId":', '--endpoint', runtime.endpoint], io)).toBe(2);
    const [line, pointer, ...rest] = io.stderr().trimEnd().split('\n');
    expect(line).toMatch(/^app publish: --payload "\{\\"orderId\\":" is not JSON \(.+\): give one JSON object \(or an array of them\) in single quotes, e\.g\. --payload '\{"/);
    // The example names the message's own fields.
    expect(line).toContain(`"${op.messages[message]!.properties[0]}":`);
    expect(pointer).toBe('Run `npx app publish --help` for usage.');
    expect(rest).toEqual([]);
    io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--file', path.join(fixture.dir, 'no-such-payload.json'), '--endpoint', runtime.endpoint], io)).toBe(2);
    expect(io.stderr()).toMatch(/^app publish: --file ".*no-such-payload\.json": no such file or folder; give an existing path\n/);
  });

  it('a file that is there but holds no JSON is a failed run (exit 1), like a payload the contract refuses', async () => {
    const op = sends()[0]!;
    const message = Object.keys(op.messages)[0]!;
    const file = path.join(fixture.dir, 'not-json-payload.json');
    writeFileSync(file, '{"orderId":');
    const io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--file', file, '--endpoint', runtime.endpoint], io)).toBe(1);
    expect(io.stderr()).toContain(`${file} is not JSON`);
  });

  it("names a byte-order mark at the start of a --file, and shows an invisible character of a --payload as an escape (the parser's message showed them as nothing: Unexpected token '')", async () => {
    const op = sends()[0]!;
    const message = Object.keys(op.messages)[0]!;
    const file = path.join(fixture.dir, 'bom-payload.json');
    writeFileSync(file, '\uFEFF{"orderId": "o-1"}');
    let io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--file', file, '--endpoint', runtime.endpoint], io)).toBe(1);
    expect(io.stderr()).toContain(`${file} is not JSON: it starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which JSON does not allow and JSON parsers (a consumer's too) refuse: save the file as UTF-8 without BOM\n`);
    io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--payload', '{"orderId":\u00a0"o-1"}', '--endpoint', runtime.endpoint], io)).toBe(2);
    expect(io.stderr()).toMatch(/^app publish: --payload "\{\\"orderId\\":\\u00a0\\"o-1\\"\}" is not JSON \(Unexpected token '\\u00a0'/);
    expect(io.stderr()).not.toMatch(/[\u00a0\ufeff]/);
  });

  it('refuses an empty array of payloads, on the command line (exit 2) or in a file (exit 1), instead of publishing nothing and exiting 0', async () => {
    const op = sends()[0]!;
    const message = Object.keys(op.messages)[0]!;
    let io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--payload', '[]', '--endpoint', runtime.endpoint], io)).toBe(2);
    expect(io.stderr()).toMatch(/^app publish: --payload \[\] holds no payload, so there is nothing to publish: give one JSON object \(or an array of at least one\)/);
    expect(io.stdout()).toBe('');
    const file = path.join(fixture.dir, 'empty-payloads.json');
    writeFileSync(file, '[]');
    io = captureIO();
    expect(await runCli(program, ['publish', op.id, '--message', message, '--file', file, '--endpoint', runtime.endpoint], io)).toBe(1);
    expect(io.stderr()).toContain(`nothing published: ${file} holds an empty array, no payload`);
    expect(io.stdout()).toBe('');
  });
});

describe('publish <operation>: a point-to-point send operation (an SQS channel)', () => {
  // The SQS binding's point-to-point example: sendMessage sends UserSignedUp straight to user-signedup-queue.
  let p2p: PointToPointProject;
  let program_: ProgramSpec;
  let stack: LocalRuntime;
  let p2pSqs: SQSClient;

  beforeAll(async () => {
    p2p = await pointToPointProject();
    const { topology } = await contractModule(p2p.project);
    stack = await startLocalRuntime({ application: { project: p2p.project, topology, settings: {}, handlers: {} }, port: 0, consumers: false, logLevel: 'SILENT' });
    p2pSqs = new SQSClient(stack.clientConfig);
    program_ = { ...program, commands: [publishMessageCommand({ project: p2p.project })] };
  });
  afterAll(async () => {
    p2pSqs?.destroy();
    await stack?.stop();
    p2p?.dispose();
  });

  it('sends the payload to the operation\'s queue with the runtime queue publisher: received there with its identity and header attributes', async () => {
    const payload = { userId: 'usr-1', email: 'ada@example.com' };
    const io = captureIO();
    const code = await runCli(program_, ['publish', 'sendMessage', '--payload', JSON.stringify(payload), '--correlation-id', 'corr-p2p-1', '--endpoint', stack.endpoint], io);
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toMatch(/published UserSignedUp \(sendMessage\) to queue user-signedup-queue as SQS message \S+/);
    const { Messages = [] } = await p2pSqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    // The bare payload (no SNS envelope: nothing went through a topic), with the identity and headers as SQS attributes.
    expect(JSON.parse(Messages[0]!.Body!)).toEqual(payload);
    const attributes = Object.fromEntries(Object.entries(Messages[0]!.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
    // The framework's headers are every message's: the correlation id given, a new traceparent.
    expect(attributes).toEqual({ eventType: 'UserSignedUp', schemaVersion: '1.0.0', correlationId: 'corr-p2p-1', traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) });
  }, 60_000);

  it('validates first: an invalid payload sends nothing to the queue', async () => {
    const io = captureIO();
    const code = await runCli(program_, ['publish', 'sendMessage', '--payload', JSON.stringify({ userId: 'usr-2', email: 'not an email' }), '--endpoint', stack.endpoint], io);
    expect(code).toBe(1);
    expect(io.stderr()).toContain('nothing published: 1 payload(s) violate the UserSignedUp contract.');
    const { Messages = [] } = await p2pSqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, WaitTimeSeconds: 1 }));
    expect(Messages).toEqual([]);
  });

  it('sends the application headers given with --header as attributes beside the framework\'s; without a required one it sends nothing and names the --header to add', async () => {
    // The same queue, on a contract whose messages require a tenantId header.
    const tenant = await tenantHeaderProject();
    try {
      const tenantProgram = { ...program, commands: [publishMessageCommand({ project: tenant.project })] };
      const url = stack.resources.queues['user-signedup-queue']!.url;
      let io = captureIO();
      expect(await runCli(tenantProgram, ['publish', 'sendMessage', '--message', 'UserSignedUp', '--payload', '{"userId":"usr-3","email":"ada@example.com"}', '--endpoint', stack.endpoint], io)).toBe(2);
      expect(io.stderr()).toContain('  tenantId: required by UserSignedUp: add --header tenantId=<value>\n');
      io = captureIO();
      const code = await runCli(tenantProgram, ['publish', 'sendMessage', '--message', 'UserDeleted', '--payload', '{"userId":"usr-3"}', '--header', 'tenantId=acme', '--header', 'source=backfill', '--header', 'constructor= spaced ', '--correlation-id', 'corr-tenant-1', '--traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '--endpoint', stack.endpoint], io);
      expect(code, io.stderr()).toBe(0);
      // A header the message does not declare but its schema lets through is sent, and said; a name
      // plain objects have (constructor) is a name like any other, its value sent as typed, spaces and all.
      expect(io.stderr()).toBe(
        [
          'note: source is not a header UserDeleted declares (it declares tenantId); sent as given, since its headers schema allows others',
          'note: constructor is not a header UserDeleted declares (it declares tenantId); sent as given, since its headers schema allows others',
          '',
        ].join('\n'),
      );
      const { Messages = [] } = await p2pSqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      expect(Messages).toHaveLength(1);
      const attributes = Object.fromEntries(Object.entries(Messages[0]!.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      expect(attributes).toEqual({ eventType: 'UserDeleted', schemaVersion: '1.0.0', tenantId: 'acme', source: 'backfill', constructor: ' spaced ', correlationId: 'corr-tenant-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    } finally {
      tenant.dispose();
    }
  });
});
