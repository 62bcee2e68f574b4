/**
 * `npm run demo` (the README's first look after `npm start`), run whole on an in-memory stack of
 * its own: every batch is reported, the framework's triage function's included, and nothing in
 * its output is an error of the demo itself. What it prints of its dead-letter queue
 * (deadLetterSection) is the listing as `npx orders dlq list` shows it, so that on a FIFO
 * dead-letter queue it says how many messages wait behind the first of each group (it printed the
 * first ones only, with no word of the rest): in process, on listings as
 * DeadLetterQueue.listing() gives them.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApplication, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { loadProject, unroutedOf } from '@sluice/model';
import type { DeadLetter, DeadLetterListing } from '@sluice/ops';
import { deadLetterSection, demoBannerLines, demoOperatorCommand } from '../src/demo.ts';
import { demoProgram } from '../bin/demo.ts';
import { runCli } from '@sluice/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const { topology } = await loadApplication(loadProject(root));

describe('npm run demo', () => {
  it('publishes, dead-letters the poison message, reports every batch (the triage function\'s too) and exits 0', { timeout: 120_000 }, () => {
    const demo = spawnSync(process.execPath, ['packages/orders/bin/demo.ts', '--in-memory', '--port', '0'], { cwd: root, encoding: 'utf8', timeout: 110_000 });
    const output = demo.stdout + demo.stderr;
    expect(demo.status, output).toBe(0);
    // A batch callback that throws is reported by the poller as "poller: … (retrying)".
    expect(output).not.toMatch(/poller:/);
    expect(output).toMatch(/triageOrderTopic: batch of \d+: \d+ done/);
    expect(output).toMatch(/consumeOrderPlaced: batch of \d+/);
    // The poison message's last receive names its DLQ; no command to list it on this stack, which
    // is gone (in memory) once the demo, which prints that DLQ itself, has ended: it named one,
    // `SLUICE_ENDPOINT=http://127.0.0.1:<its port> npx orders dlq list --queue OrderDLQ`, that reached nothing after.
    expect(output).toMatch(/failed on its last receive \(3\/3\): to OrderDLQ after the visibility timeout in \d+ ms/);
    expect(output).not.toContain('SLUICE_ENDPOINT=');
    // Its own orders (an earlier run's data folder holds others), and the dead-letter queue of each consumer of OrderPlaced.
    expect(output).toMatch(/^Stored orders of this demo \(table Orders\):$/m);
    expect(output).toMatch(/^Dead-letter queue OrderDLQ:\n/m);
    // And each topic's unrouted queue, read as dlq list reads it: the banner points there, the stack being gone once it has ended.
    for (const u of unroutedOf(topology)) expect(output).toMatch(new RegExp(`^Unrouted publishes of ${u.topic} \\(${u.queue}\\): empty\\.$`, 'm'));
    // The banner's line for each unrouted queue names no command either (it named npx orders dlq list, which reaches npm start's stack, not this one).
    for (const u of unroutedOf(topology)) {
      expect(output).toContain(`${u.queue}`);
      expect(output).not.toContain(`dlq list --queue ${u.queue}\` says why`);
      expect(output).toContain('kept while the demo runs: it lists them, with why, before it stops)');
    }
    // In memory: nothing is left to look at after it; it said to run npm start, then look, as if that stack had the demo's data.
    expect(output).toContain("Next: this demo's stack was in memory and is gone with it. npm start runs one that keeps its data");
  });
});

describe("the demo's banner", () => {
  let runtime: LocalRuntime | undefined;
  afterAll(async () => {
    await runtime?.stop();
  });

  it("names the command that says why a publish reached no consumer only where it still works after the demo: the default endpoint on npm start's data folder; else the demo's own listing (it named `npx orders dlq list`, which reaches npm start's stack)", { timeout: 60_000 }, async () => {
    runtime = await startLocalRuntime({ application: await loadApplication(loadProject(root)), port: 0, consumers: false, logLevel: 'SILENT' });
    const unrouted = unroutedOf(runtime.application.topology);
    expect(unrouted.length).toBeGreaterThan(0);
    const inMemory = demoBannerLines(runtime, { inMemory: true, env: {} }).join('\n');
    const elsewhere = demoBannerLines(runtime, { inMemory: false, env: {} }).join('\n');
    // The same stack as if it answered on the default port, on the data folder npm start picks up.
    const atDefault = demoBannerLines({ ...runtime, endpoint: 'http://127.0.0.1:4566' } as LocalRuntime, { inMemory: false, env: {} }).join('\n');
    for (const u of unrouted) {
      const named = `\`npx orders dlq list --queue ${u.queue}\` says why`;
      expect(inMemory).not.toContain(named);
      expect(inMemory).toContain(`(unrouted publishes of ${u.topic}: what no subscription admits, kept while the demo runs: it lists them, with why, before it stops)`);
      expect(elsewhere).not.toContain(named);
      expect(elsewhere).toContain(`(unrouted publishes of ${u.topic}: what no subscription admits, kept 14 days: it lists them, with why, before it stops)`);
      expect(atDefault).toContain(named);
    }
  });
});

describe('the operator command the demo names in its batch lines', () => {
  it('is one that works once the demo has ended: the default endpoint on the data folder npm start picks up; none for an in-memory stack or another port (gone with the demo)', () => {
    expect(demoOperatorCommand('npx orders', 'http://127.0.0.1:4566', { inMemory: false, env: {} })).toBe('npx orders');
    expect(demoOperatorCommand('npx orders', 'http://127.0.0.1:4566', { inMemory: true, env: {} })).toBeUndefined();
    expect(demoOperatorCommand('npx orders', 'http://127.0.0.1:45123', { inMemory: false, env: {} })).toBeUndefined();
    expect(demoOperatorCommand(undefined, 'http://127.0.0.1:4566', { inMemory: false, env: {} })).toBeUndefined();
    // On a data folder of its own (--data-dir), at the default endpoint: npm start then opens its own folder, not the demo's.
    expect(demoOperatorCommand('npx orders', 'http://127.0.0.1:4566', { inMemory: false, elsewhere: true, env: {} })).toBeUndefined();
  });
});

describe("the demo's --data-dir, which the refusal of a folder in use names", () => {
  it('is an option of the demo (it was refused: unknown option --data-dir), exclusive with --in-memory', async () => {
    const io = captureIO();
    expect(await runCli(demoProgram, ['--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/--data-dir <path>\s+where queues, messages and tables are kept/);
    const both = captureIO();
    expect(await runCli(demoProgram, ['--in-memory', '--data-dir', 'x'], both)).toBe(2);
    expect(both.stderr()).toMatch(/--in-memory and --data-dir exclude each other: drop one/);
  });
});

/** A dead letter of group `group` the consumer rejected (quantity 0). */
const letter = (messageId: string, group?: string): DeadLetter => ({
  messageId,
  receiveCount: 3,
  sentAt: '2026-01-01T09:00:00.000Z',
  body: '{}',
  snsMessageId: undefined,
  messageName: undefined,
  reason: { code: 'PAYLOAD_INVALID', message: 'OrderPlaced payload is invalid: quantity: must be >= 1', issues: [] },
  subject: 'ord-demo-poison',
  ...(group ? { messageGroupId: group } : {}),
  message: { MessageId: messageId } as Message,
});

describe('the dead-letter queue the demo prints', () => {
  it('says how many wait behind the first message of each group on a FIFO queue', () => {
    const listing: DeadLetterListing = { letters: [letter('m-1', 'acc-1'), letter('m-3', 'acc-2')], notShown: 2, fifo: true };
    const text = deadLetterSection('OrderDLQ.fifo', listing);
    expect(text).toMatch(/^\nDead-letter queue OrderDLQ\.fifo:\n/);
    expect(text).toContain('m-1');
    expect(text).toContain('ord-demo-poison');
    expect(text).toMatch(/\n2 more message\(s\) wait behind these: a FIFO queue gives a message group's messages in order/);
  });

  it('says what SQS counts but could not be read, even when nothing could be; and nothing more when it read them all', () => {
    expect(deadLetterSection('OrderDLQ', { letters: [], notShown: 1, fifo: false })).toBe(
      '\nDead-letter queue OrderDLQ:\nnothing could be read.\n1 more message(s) counted by SQS than could be read: arriving while it was read, or held by another reader; list again.',
    );
    expect(deadLetterSection('OrderDLQ', { letters: [], notShown: 0, fifo: false })).toBe('\nDead-letter queue OrderDLQ: empty.');
    expect(deadLetterSection('OrderDLQ', { letters: [letter('m-1')], notShown: 0, fifo: false })).not.toMatch(/more message/);
  });
});
