/**
 * The dead-letter tools touch only what they must, on the local stack through the real SQS client
 * and the framework's `dlq` command, mounted as an application mounts it, on a fixture system of
 * its own (tests/fixtures/single-consumer: OrderQueue and its OrderDLQ): `dlq purge` deletes what it listed and nothing that arrived since, and
 * `dlq redrive` hides the messages it does not move only while it runs (and not after a failure).
 * `dlq redrive` also warns of what the current contract would reject again (and `--dry-run` moves nothing).
 * No consumer runs here: nothing but the test and the tools touches the queues.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '@sluice/cli';
import { DeadLetterQueue } from '@sluice/ops';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureOrder, fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const dlqUrl = () => runtime.resources.queues.OrderDLQ!.url;
const sourceUrl = () => runtime.resources.queues.OrderQueue!.url;

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});
beforeEach(async () => {
  for (const url of [dlqUrl(), sourceUrl()]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
});

/** Puts an order in the DLQ as a dead-lettered SNS notification (its payload with `overrides`, its attributes as given); returns its SQS message id. */
async function deadLetter(orderId: string, overrides: Record<string, unknown> = {}, attributes?: Record<string, string>): Promise<string> {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl(), MessageBody: JSON.stringify(snsEnvelope(fixtureOrder(orderId, overrides), attributes)) }));
  return MessageId!;
}

/** What another tool or consumer would receive from `queueUrl` right now, left visible. */
async function visible(queueUrl: string): Promise<{ ids: string[]; bodies: string[] }> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
  return { ids: Messages.map((m) => m.MessageId!).sort(), bodies: Messages.map((m) => m.Body!) };
}

describe('dlq purge', () => {
  it('deletes only the messages it listed: one dead-lettered after the confirmation is kept', async () => {
    const listed = [await deadLetter('ord-purge-1'), await deadLetter('ord-purge-2')];
    let late: string | undefined;
    let shownWhenAsked = '';
    // The user reads the listing and says yes; meanwhile another message is dead-lettered.
    const captured = captureIO();
    const io = {
      ...captured,
      confirm: async () => {
        shownWhenAsked = captured.stdout();
        late = await deadLetter('ord-purge-late');
        return true;
      },
    };
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'purge', '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toContain('Deleted 2 message(s) from OrderDLQ');
    // The question is about what was listed: the messages are shown before it, as dlq list shows them.
    expect(shownWhenAsked).toMatch(/^OrderDLQ \(dead letters of OrderQueue\), to delete:\nmessageId +receives +orderId +why it failed\n/);
    for (const [id, orderId] of [[listed[0], 'ord-purge-1'], [listed[1], 'ord-purge-2']]) expect(shownWhenAsked).toMatch(new RegExp(`^${id} +\\d+ +${orderId} +decodes as a valid message`, 'm'));
    const left = await visible(dlqUrl());
    expect(left.ids).toEqual([late]);
    for (const id of listed) expect(left.ids).not.toContain(id);
  });

  it('asks about each queue: told no for one, it goes on to the next, and its last line says what it deleted in all and what it kept (it stopped at the first no, saying Nothing deleted after deleting some)', async () => {
    const unrouted = Object.keys(runtime.resources.queues).find((name) => /Unrouted/.test(name))!;
    const unroutedUrl = runtime.resources.queues[unrouted]!.url;
    await sqs.send(new PurgeQueueCommand({ QueueUrl: unroutedUrl }));
    const kept = await deadLetter('ord-purge-declined');
    await sqs.send(new SendMessageCommand({ QueueUrl: unroutedUrl, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-unrouted'), { eventType: 'Nobody' })) }));
    const asked: string[] = [];
    const captured = captureIO();
    // No for the dead-letter queue, yes for the unrouted one.
    const io = { ...captured, confirm: async (question: string) => (asked.push(question), !question.includes('OrderDLQ')) };
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'purge', '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(1);
    expect(asked).toHaveLength(2);
    expect(io.stdout()).toContain('Nothing deleted from OrderDLQ.');
    expect(io.stdout()).toContain(`Deleted 1 message(s) from ${unrouted}.`);
    expect(io.stdout().trimEnd().split('\n').pop()).toBe('Deleted 1 message(s) in all; kept, as told: OrderDLQ.');
    expect((await visible(dlqUrl())).ids).toEqual([kept]);
    expect((await visible(unroutedUrl)).ids).toEqual([]);
  });

  it('--id deletes only the messages named (by SQS message id), and names an id it did not find', async () => {
    const doomed = await deadLetter('ord-purge-doomed', { quantity: 'two' });
    const kept = await deadLetter('ord-purge-kept');
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'purge', '--queue', 'OrderDLQ', '--id', doomed, '--yes', '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toContain('Deleted 1 message(s) from OrderDLQ');
    expect((await visible(dlqUrl())).ids).toEqual([kept]);
    const missing = captureIO();
    expect(await fixture.within(() => runCli(fixtureProgram, ['dlq', 'purge', '--queue', 'OrderDLQ', '--id', 'no-such-id', '--yes', '--endpoint', runtime.endpoint], missing))).toBe(1);
    expect(missing.stderr()).toContain('not in the DLQ: no-such-id');
    // The command to run next reaches the same stack when pasted (it named the default port).
    expect(missing.stderr()).toContain(`See what is there with: npx fixture dlq list --endpoint ${runtime.endpoint}`);
    expect((await visible(dlqUrl())).ids).toEqual([kept]);
  });
});

describe('dlq redrive', () => {
  it('--id of a message the contract rejects: its warning purges that one by id, never the whole queue', async () => {
    const bad = await deadLetter('ord-picked-bad', { quantity: 'two' });
    const other = await deadLetter('ord-not-picked');
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--dry-run', '--queue', 'OrderDLQ', '--id', bad, '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    expect(io.stderr()).toContain('warning: the message to redrive from OrderDLQ would be rejected again');
    expect(io.stderr()).toContain(`dlq purge --endpoint ${runtime.endpoint} --queue OrderDLQ --id ${bad}\``);
    expect((await visible(dlqUrl())).ids).toEqual([bad, other].sort());
  });

  it('moves only the --id message, and the others are visible in the DLQ as soon as it returns', async () => {
    const chosen = await deadLetter('ord-redrive-chosen');
    const others = [await deadLetter('ord-redrive-other-1'), await deadLetter('ord-redrive-other-2')];
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--id', chosen, '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    // What happened to it, on stdout (the count is on stderr): not its id alone.
    expect(io.stdout()).toContain(`  moved ${chosen} to OrderQueue`);
    // A message the contract accepts (it failed in its handler) gets no warning.
    expect(io.stderr()).not.toContain('warning');
    // Not hidden for the redrive's hold time: released when it returned.
    expect((await visible(dlqUrl())).ids).toEqual([...others].sort());
    const source = await visible(sourceUrl());
    expect(source.bodies).toHaveLength(1);
    expect(source.bodies[0]).toContain('ord-redrive-chosen');
  });

  it('warns, before moving them, of the messages the current contract still rejects (ids, reason, what to do), and redrives them anyway; a handler failure gets no warning', async () => {
    const invalid = [await deadLetter('ord-bad-1', { quantity: 'two' }), await deadLetter('ord-bad-2', { quantity: 'three' })];
    const wrongType = await deadLetter('ord-wrong-type', {}, { eventType: 'OrderShipped', schemaVersion: '1.0.0' });
    const handlerFailure = await deadLetter('ord-handler-failed');
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--queue', 'OrderDLQ', '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    const warning = io.stderr();
    expect(warning).toContain('warning: 3 of the 4 messages to redrive from OrderDLQ would be rejected again');
    expect(warning).toMatch(new RegExp(`PAYLOAD_INVALID \\(2\\): (${invalid[0]}, ${invalid[1]}|${invalid[1]}, ${invalid[0]})`));
    expect(warning).toContain('quantity');
    expect(warning).toContain(`WRONG_EVENT_TYPE (1): ${wrongType}`);
    expect(warning).not.toContain(handlerFailure);
    // Moved next, they come back (if they do) under new ids: no command by the ids shown reaches
    // them then (it said to purge them by these ids), so it says where to see them once back.
    expect(warning).not.toMatch(/dlq purge/);
    expect(warning).toContain(`Once back (under new message ids), see them with \`npx fixture dlq list --endpoint ${runtime.endpoint} --queue OrderDLQ\`; fix the contract`);
    expect(warning).toContain('Redriving anyway: this is a prediction');
    // Redriven all the same: the user may have fixed the consumer rather than the contract.
    for (const id of [...invalid, wrongType, handlerFailure]) expect(io.stdout()).toContain(id);
    expect((await visible(dlqUrl())).ids).toEqual([]);

  });

  it('--dry-run shows what would move and what the contract says of each, and moves nothing', async () => {
    const bad = await deadLetter('ord-dry-bad', { quantity: 'two' });
    const good = await deadLetter('ord-dry-good');
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['dlq', 'redrive', '--dry-run', '--queue', 'OrderDLQ', '--id', bad, '--id', good, '--endpoint', runtime.endpoint], io));
    expect(code, io.stderr()).toBe(0);
    expect(io.stdout()).toContain('OrderDLQ: a redrive would move to OrderQueue');
    expect(io.stdout()).toMatch(new RegExp(`${bad} .*PAYLOAD_INVALID`));
    expect(io.stdout()).toMatch(new RegExp(`${good} .*failed while being handled`));
    expect(io.stdout()).toContain('Dry run: nothing was moved (2 message(s) would be)');
    expect(io.stderr()).toContain(`warning: 1 of the 2 messages to redrive from OrderDLQ would be rejected again`);
    // Only the one rejected, by id: a purge of the whole queue would delete the good one too.
    expect(io.stderr()).toContain(`dlq purge --endpoint ${runtime.endpoint} --queue OrderDLQ --id ${bad}\``);
    expect(io.stderr()).toContain('A redrive would move it anyway');
    expect((await visible(dlqUrl())).ids).toEqual([bad, good].sort());
    expect((await visible(sourceUrl())).ids).toEqual([]);
  });

  it('releases what it held when it fails part-way: the DLQ is readable at once, nothing lost', async () => {
    const ids = [await deadLetter('ord-fail-1'), await deadLetter('ord-fail-2')];
    // The source queue is gone (deleted by hand, a wrong URL): the first send fails.
    const dlq = new DeadLetterQueue({ sqs, deadLetterQueueUrl: dlqUrl(), sourceQueueUrl: sourceUrl().replace(/OrderQueue$/, 'NoSuchQueue') });
    await expect(dlq.redrive()).rejects.toThrow(/queue does not exist/);
    expect((await visible(dlqUrl())).ids).toEqual([...ids].sort());
  });
});

describe('reading the queue', () => {
  /** A client of the local stack that records the WaitTimeSeconds of each receive it sends. */
  function recordingWaits(): { client: SQSClient; waits: (number | undefined)[] } {
    const client = new SQSClient(runtime.clientConfig);
    const waits: (number | undefined)[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand') waits.push((args.input as { WaitTimeSeconds?: number }).WaitTimeSeconds);
        return next(args);
      },
      { step: 'initialize', name: 'recordReceiveWaits' },
    );
    return { client, waits };
  }

  it('makes "empty" certain with a last receive that waits 1 s (AWS samples servers), or, with exactCounts (the local stack), none when nothing is in flight', async () => {
    const id = await deadLetter('ord-read-1');
    const onAws = recordingWaits();
    const local = recordingWaits();
    try {
      const aws = await new DeadLetterQueue({ sqs: onAws.client, deadLetterQueueUrl: dlqUrl(), sourceQueueUrl: sourceUrl() }).list();
      const exact = await new DeadLetterQueue({ sqs: local.client, deadLetterQueueUrl: dlqUrl(), sourceQueueUrl: sourceUrl(), exactCounts: true }).list();
      expect(aws.map((l) => l.messageId)).toEqual([id]);
      expect(exact.map((l) => l.messageId)).toEqual([id]);
      // The receive that found it, one that found nothing, and on AWS one more, waiting, to be sure.
      expect(onAws.waits).toEqual([0, 0, 1]);
      expect(local.waits).toEqual([0, 0]);
    } finally {
      onAws.client.destroy();
      local.client.destroy();
    }
  });

  it('with exactCounts, still waits for a message another reader holds a moment longer (the persistent stack shows a released message a second later): a redrive right after a listing moves it', async () => {
    const id = await deadLetter('ord-read-2');
    // Another reader holds it for 1 s, as `dlq list` leaves what it read on the persistent stack.
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl(), VisibilityTimeout: 1, WaitTimeSeconds: 0 }));
    expect(Messages?.map((m) => m.MessageId)).toEqual([id]);
    const local = recordingWaits();
    try {
      const { moved } = await new DeadLetterQueue({ sqs: local.client, deadLetterQueueUrl: dlqUrl(), sourceQueueUrl: sourceUrl(), exactCounts: true }).redrive();
      expect(moved).toEqual([id]);
      expect(local.waits).toContain(1);
      expect((await visible(dlqUrl())).ids).toEqual([]);
    } finally {
      local.client.destroy();
    }
  });
});
