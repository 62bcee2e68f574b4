/**
 * A crash: the subscriber process is killed with SIGKILL in the middle of the load, then started
 * again. Batches in flight were neither finished nor acknowledged; SQS makes them visible again
 * after the visibility timeout and the restarted subscriber processes them: no loss.
 *
 * The stack (the emulated SQS, SNS and DynamoDB) runs in the test process and the subscriber in a
 * child process (`npm run subscriber`), as on AWS the queue outlives any Lambda instance. Killing
 * the emulator itself is not a failure AWS has: its queues are in memory (see the README).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, depth, publishAll, scale, scanTable, startHarness, waitUntilSettled, type Harness } from './harness.ts';
import { eventStream } from './event-stream.ts';

const root = path.resolve(import.meta.dirname, '../..');
let h: Harness;
let worker: ChildProcess | undefined;

function startWorker(): ChildProcess {
  // Node itself, not the tsx command: a SIGKILL of the tsx command would leave its grandchild running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'framework/local/src/bin/subscriber.ts', '--endpoint', h.endpoint, '--quiet', '--log-level', 'SILENT'], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[subscriber] ${d}`));
  return child;
}

beforeAll(async () => {
  h = await startHarness({ consumers: false, visibilityTimeoutSeconds: 2 });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await h?.stop();
});

describe('the subscriber killed with SIGKILL mid-load and restarted', () => {
  it('loses nothing and doubles nothing', async () => {
    const orders = Math.round(300 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 23, prefix: 'crash' });
    const published = await publishAll(h.publisher, events);

    worker = startWorker();
    // Let it get well into the load, then kill it without warning.
    const deadline = Date.now() + 120_000;
    while ((await scanTable(h.doc)).size < orders * 0.3) {
      if (Date.now() > deadline) throw new Error('the subscriber made no progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    const left = await depth(h.sqs, h.queueUrl);
    expect(left).toBeGreaterThan(0); // really mid-load

    worker = startWorker();
    await waitUntilSettled(h, 600_000);
    const result = await account(h, published);
    console.log(`crash: killed with ${left} message(s) still queued or in flight; ${result.line}`);
    expect(result.deadLettered).toBe(0);
    expect(result.ordersStored).toBe(orders);
  });
});
