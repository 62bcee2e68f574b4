/**
 * The contract gains a queue (`npm run codegen` adds AuditQueue and its AuditDLQ) while `npm start`
 * runs: the running stack does not have them until it restarts. `status` and `dlq list` still show
 * the queues that exist (OrderDLQ, with the dead letter the developer is after), and a warning line
 * names the missing ones and says to restart `npm start` (exit 0); `dlq list --queue AuditDLQ`
 * fails saying so. On the real local stack of a fixture system (tests/fixtures/single-consumer),
 * the operator commands run in a second copy of it whose contract has the queue added and
 * regenerated, as codegen does; no consumer runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, generateContract, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

/** The stack's contract, as `npm start` read it. */
let started: FixtureProject;
/** The same project after the contract gained AuditQueue (and AuditDLQ) and codegen ran. */
let changed: FixtureProject;
let runtime: LocalRuntime;
let deadLetterId: string;

/** Replaces `search` in `text` exactly once (else the edit would prove nothing). */
function once(text: string, search: string, replacement: string): string {
  if (text.split(search).length !== 2) throw new Error(`the fixture contract does not contain "${search.trim()}" exactly once`);
  return text.replace(search, replacement);
}

/** Adds a second consumer's queue, AuditQueue with its AuditDLQ, subscribed to OrderTopic. */
function addAuditQueue(spec: string): string {
  let text = once(
    spec,
    '\noperations:\n',
    `  auditQueue:
    address: AuditQueue
    messages:
      orderPlaced:
        $ref: '#/components/messages/OrderPlaced'
    bindings:
      sqs:
        queue:
          name: AuditQueue
          fifoQueue: false
          redrivePolicy:
            deadLetterQueue:
              name: AuditDLQ
            maxReceiveCount: 3
        deadLetterQueue:
          name: AuditDLQ
          fifoQueue: false
          messageRetentionPeriod: 1209600
        bindingVersion: 0.2.0

operations:
  consumeOrderAudit:
    action: receive
    channel:
      $ref: '#/channels/auditQueue'
    messages:
      - $ref: '#/channels/auditQueue/messages/orderPlaced'
`,
  );
  text = once(
    text,
    `            endpoint:
              name: OrderQueue
            rawMessageDelivery: false
`,
    `            endpoint:
              name: OrderQueue
            rawMessageDelivery: false
          - protocol: sqs
            endpoint:
              name: AuditQueue
            rawMessageDelivery: false
`,
  );
  return text;
}

beforeAll(async () => {
  started = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await started.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  const sqs = new SQSClient(runtime.clientConfig);
  try {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-evidence-1'))) }));
    deadLetterId = sent.MessageId!;
  } finally {
    sqs.destroy();
  }
  changed = await fixtureProject('single-consumer');
  const { project } = changed;
  writeFileSync(project.spec, addAuditQueue(readFileSync(project.spec, 'utf8')));
  await generateContract(project);
  // The regenerated contract has the new queue; the running stack has not.
  expect(JSON.parse(readFileSync(path.join(project.generated, 'topology.json'), 'utf8')).queues).toHaveProperty('AuditQueue');
  expect(runtime.resources.queues).not.toHaveProperty('AuditQueue');
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  started?.dispose();
  changed?.dispose();
});

const run = async (args: string[]) => {
  const io = captureIO();
  const code = await changed.within(() => runCli(fixtureProgram, [...args, '--endpoint', runtime.endpoint], io));
  return { code, out: io.stdout(), err: io.stderr() };
};
/** The warning line of `command` for the missing queues it needs: status all of them, dlq list and purge the dead-letter queues they read (not the sources they redrive to). */
const warning = (command: string) =>
  command === 'status'
    ? `fixture ${command}: warning: the local stack at ${runtime.endpoint} has no queue AuditDLQ, AuditQueue of the contract (the contract changed since it started, or the queue was deleted): restart \`npm start\` to create them.\n`
    : `fixture ${command}: warning: the local stack at ${runtime.endpoint} has no queue AuditDLQ of the contract (the contract changed since it started, or the queue was deleted): restart \`npm start\` to create it.\n`;

describe('a contract with queues the running local stack does not have yet', () => {
  it('status shows the queues that exist, and a warning line names the missing ones and says to restart npm start (exit 0)', async () => {
    const { code, out, err } = await run(['status']);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^OrderDLQ\s+1\s+0\s+0\s+dead letters of OrderQueue/m);
    expect(out).toMatch(/^OrderQueue\s+0\s+0\s+0\s+consumed by consumeOrderPlaced/m);
    expect(out).not.toMatch(/^Audit/m);
    // The contract's subscription to the missing queue is not listed as if it existed.
    expect(out).toMatch(/^OrderTopic → AuditQueue \(not made yet: its queue is missing\)/m);
    expect(out).toMatch(/^OrderTopic → OrderQueue\s/m);
    expect(err).toBe(warning('status'));
  });

  it('status --json names them too', async () => {
    const { code, out, err } = await run(['status', '--json']);
    expect(code, err).toBe(0);
    const json = JSON.parse(out) as { queues: { queue: string }[]; missingQueues: string[] };
    expect(json.missingQueues).toEqual(['AuditDLQ', 'AuditQueue']);
    const subscriptions = (JSON.parse(out) as { subscriptions: { queue: string; queueMissing?: true }[] }).subscriptions;
    expect(subscriptions.filter((s) => s.queueMissing).map((s) => s.queue)).toEqual(['AuditQueue']);
    expect(json.queues.map((q) => q.queue)).toContain('OrderDLQ');
    expect(err).toBe(warning('status'));
  });

  it('dlq list lists the dead-letter queues that exist (OrderDLQ and its message), with the warning (exit 0)', async () => {
    const { code, out, err } = await run(['dlq', 'list']);
    expect(code, err).toBe(0);
    expect(out).toContain('OrderDLQ (dead letters of OrderQueue):');
    expect(out).toContain(deadLetterId);
    expect(out).toContain('ord-evidence-1');
    expect(out).not.toContain('AuditDLQ');
    expect(err).toBe(warning('dlq list'));
  });

  it('dlq list --queue OrderDLQ lists it without a warning: what was asked for exists', async () => {
    const { code, out, err } = await run(['dlq', 'list', '--queue', 'OrderDLQ']);
    expect(code, err).toBe(0);
    expect(out).toContain(deadLetterId);
    expect(err).toBe('');
  });

  it('dlq list --queue AuditDLQ fails (exit 1), saying the stack has no such queue yet and to restart npm start, no stack', async () => {
    const { code, out, err } = await run(['dlq', 'list', '--queue', 'AuditDLQ']);
    expect(code).toBe(1);
    expect(out).toBe('');
    // AuditDLQ: a listing reads it alone (not the queue it would redrive to).
    expect(err).toBe(`fixture dlq list: the local stack at ${runtime.endpoint} has no queue AuditDLQ of the contract (the contract changed since it started, or the queue was deleted)\nRestart \`npm start\` to create it.\n`);
  });

  it('dlq purge (it empties OrderDLQ) works on the queues that exist, with the warning (exit 0)', async () => {
    const { code, out, err } = await run(['dlq', 'purge', '--yes']);
    expect(code, err).toBe(0);
    expect(out).toContain('Deleted 1 message(s) from OrderDLQ.');
    expect(err).toBe(warning('dlq purge'));
  });

  it('dlq list and purge read a dead-letter queue whose source queue was deleted; only a redrive, which needs the source, is refused (last: it deletes OrderQueue)', async () => {
    const sqs = new SQSClient(runtime.clientConfig);
    try {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url }));
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderDLQ!.url, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-evidence-2'))) }));
      const listed = await run(['dlq', 'list', '--queue', 'OrderDLQ']);
      expect(listed.code, listed.err).toBe(0);
      expect(listed.out).toContain(sent.MessageId!);
      const redriven = await run(['dlq', 'redrive', '--queue', 'OrderDLQ']);
      expect(redriven.code).toBe(1);
      expect(redriven.err).toContain(`has no queue OrderQueue of the contract (the contract changed since it started, or the queue was deleted)`);
      const purged = await run(['dlq', 'purge', '--queue', 'OrderDLQ', '--yes']);
      expect(purged.code, purged.err).toBe(0);
      expect(purged.out).toContain('Deleted 1 message(s) from OrderDLQ.');
    } finally {
      sqs.destroy();
    }
  });
});
