/**
 * The whole persistent stack killed: `npm start`'s process tree (the gateway and the emulators in
 * its process, and the consumers too by default) gets SIGKILL mid-load, all at once, then starts again on
 * the same data folder. Nothing may be lost (queued, in-flight and written state is in the data
 * folder: SQLite written through, LevelDB), nothing doubled, and the table must equal the oracle.
 *
 * The stack runs as `npm start` does (Node itself on packages/local/src/bin/start.ts, without npm
 * and its shell, whose child a signal to them would miss), in a process group of its own: the SIGKILL goes
 * to the group, and the test checks that every process of the tree was in it and is gone.
 *
 * Evidence: the consumers' record lines from the stack's output (start.ts prints them), the DLQ,
 * and the table. The consumers inside `npm start` talk to its endpoint directly, so there is no
 * wire to observe here: the verdicts are checked against the table alone (see ledger.ts).
 *
 * A record line never trails its delete across the kill: a consumer writes its line to the pipe
 * to start.ts (synchronously) before it sends the delete, and start.ts forwards the line within
 * the event-loop turn that reads it, while the delete still has the gateway and the emulator's
 * socket to cross before it is committed. So a message deleted before the kill has its line here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { operations } from '@orders/contract';
import { DeadLetterQueue, localCredentials, localRegion } from '@sluice/ops';
import { createDecoder } from '@sluice/runtime/consumer';
import { createPublisher } from '@sluice/runtime/publisher';
import { depth, publishAll, scale, scanTable, viaSns } from './harness.ts';
import { eventStream } from './event-stream.ts';
import { ConsumerLog, reconcileLedger } from './ledger.ts';
import { recordRow } from './summary.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-stack-restart-'));
const log = new ConsumerLog();
const stacks: Stack[] = [];

afterAll(async () => {
  for (const stack of stacks) await stack.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Stack {
  child: ChildProcess;
  endpoint: string;
  topicArn: string;
  /** The processes of its tree now: pid, parent, process group (from /proc). */
  tree(): ProcessInfo[];
  /** SIGKILL to its process group; resolves once its first process has exited. */
  kill(): Promise<void>;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
}

function processes(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      list.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), state: state! });
    } catch {
      // it exited while we read
    }
  }
  return list;
}

/** `pid` and its descendants, alive (zombies are dead: they only wait to be reaped). */
function treeOf(pid: number): ProcessInfo[] {
  const all = processes().filter((p) => p.state !== 'Z');
  const tree = all.filter((p) => p.pid === pid);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

/** `npm start` on the data folder, consumers logging every record at INFO; resolves once its banner is out. */
async function startStack(name: string): Promise<Stack> {
  const child = spawn(
    process.execPath,
    ['packages/local/src/bin/start.ts', '--port', '0', '--console-port', '0', '--data-dir', dataDir, '--log-level', 'INFO', '--visibility-timeout', '2'],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let banner = '';
  let up!: () => void;
  const ready = new Promise<void>((resolve) => (up = resolve));
  log.attach(child.stdout!, name, (line) => {
    banner += `${line}\n`;
    if (line.startsWith('Ctrl-C to stop')) up();
  });
  log.attach(child.stderr!, name, (line) => process.stderr.write(`[${name}] ${line}\n`));
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await Promise.race([ready, exited.then(() => Promise.reject(new Error(`${name} exited before its banner:\n${banner}`)))]);
  clearTimeout(timeout);
  const endpoint = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
  const topicArn = /topic\s+(arn:aws:sns:\S+:OrderTopic)\b/.exec(banner)?.[1];
  if (!endpoint || !topicArn) throw new Error(`no endpoint or OrderTopic in the banner:\n${banner}`);
  let killed = false;
  const stack: Stack = {
    child,
    endpoint,
    topicArn,
    tree: () => treeOf(child.pid!),
    async kill() {
      if (!killed && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      killed = true;
      await exited;
    },
  };
  stacks.push(stack);
  return stack;
}

function clientsOf(stack: Stack) {
  const config = { endpoint: stack.endpoint, region: localRegion, credentials: localCredentials };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const dynamodb = new DynamoDBClient(config);
  return {
    sqs,
    doc: DynamoDBDocumentClient.from(dynamodb),
    publisher: createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: stack.topicArn }),
    queueUrl: async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!,
    destroy() {
      sqs.destroy();
      sns.destroy();
      dynamodb.destroy();
    },
  };
}

describe('the whole stack (gateway, emulators, consumers) killed with SIGKILL mid-load and restarted on its data folder', () => {
  it('loses nothing, doubles nothing, and the table equals the oracle', async ({ task }) => {
    const before = eventStream({ orders: Math.round(150 * scale), eventsPerOrder: 5, duplicateRate: 0.2, seed: 53, prefix: 'restart' });
    // After the restart: more events of the same orders, older and newer than those stored.
    const after = eventStream({ orders: Math.round(60 * scale), eventsPerOrder: 2, duplicateRate: 0.2, seed: 59, prefix: 'restart' });

    const t0 = Date.now();
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const first = await startStack('stack-1');
    mark('stack-1 up');
    let clients = clientsOf(first);
    const tree = first.tree();
    const published = await publishAll(clients.publisher, before);
    const queueUrl = await clients.queueUrl('OrderQueue');
    const deadline = Date.now() + 120_000;
    while (log.lines.length < published.length * 0.3) {
      if (Date.now() > deadline) throw new Error(`the stack made no progress: ${log.lines.length} record lines`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const left = await depth(clients.sqs, queueUrl);
    const linesBeforeKill = log.lines.length;
    clients.destroy();
    await first.kill();

    // The whole tree was in the group, and is gone: the stack process (its consumers run in it by
    // default, worker threads and all) and any process under it (consumer processes with
    // `--function-processes separate`).
    expect(tree.length).toBeGreaterThanOrEqual(1);
    expect(tree.every((p) => p.pgrp === first.child.pid)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const survivors = tree.filter((p) => processes().some((q) => q.pid === p.pid && q.state !== 'Z' && q.pgrp === p.pgrp));
    expect(survivors, 'processes of the killed tree still running').toEqual([]);
    expect(left).toBeGreaterThan(0); // really mid-load

    mark('stack-1 killed');
    const second = await startStack('stack-2');
    mark('stack-2 up');
    clients = clientsOf(second);
    try {
      published.push(...(await publishAll(clients.publisher, after)));
      const source = await clients.queueUrl('OrderQueue');
      const dlq = new DeadLetterQueue({ sqs: clients.sqs, deadLetterQueueUrl: await clients.queueUrl('OrderDLQ'), sourceQueueUrl: source, decode: createDecoder(operations.consumeOrderPlaced), holdSeconds: 60 });
      // Settled: the queue empty three checks in a row (the in-flight messages come back after 2 s).
      for (let empty = 0, until = Date.now() + 300_000; empty < 3; ) {
        if (Date.now() > until) throw new Error('the queue did not drain after the restart');
        empty = (await depth(clients.sqs, source)) === 0 ? empty + 1 : 0;
        await new Promise((r) => setTimeout(r, 400));
      }
      mark('drained');
      await log.quiet();
      const letters = await dlq.list();
      const ledger = reconcileLedger({
        sent: viaSns(published),
        lines: log.lines,
        deadLetters: letters.map((l) => ({ messageId: l.messageId, snsMessageId: l.snsMessageId })),
        table: await scanTable(clients.doc),
        queueDepth: await depth(clients.sqs, source),
      });
      const faults = `SIGKILL to ${tree.length} processes after ${linesBeforeKill} records, ${left} msgs queued or in flight; restarted on the data folder, ${after.length} more published`;
      recordRow(task, 'whole stack SIGKILLed mid-load, restarted on its data', ledger, faults);
      console.log(`stack restart: ${faults} (${timeline.join(', ')}); ${ledger.line}`);
      ledger.assert();
      expect(ledger.verdicts.evidence).toBe('table');
      expect(ledger.counts['dead-lettered']).toBe(0);
      expect(ledger.ordersStored).toBe(Math.round(150 * scale));
      // Both lives of the stack handled records.
      expect(log.lines.some((l) => l.source === 'stack-1')).toBe(true);
      expect(log.lines.some((l) => l.source === 'stack-2')).toBe(true);
    } finally {
      clients.destroy();
    }
  });
});
