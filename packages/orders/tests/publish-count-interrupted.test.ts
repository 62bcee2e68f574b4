/**
 * `orders publish --count` whose stack stops answering part-way: it says how many orders it
 * published and which, why it stopped, and how to publish the rest (it ended on the SDK's bare
 * `connect ECONNREFUSED`). The stack is stopped from the progress bar's first update: the next
 * publish meets a closed endpoint, every run. And one whose batch SNS is slow to answer keeps
 * printing progress while it waits (a fault proxy in front of the local stack delays one answer).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PROGRESS_LINE_EVERY_MS, runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { ordersProgram } from '@orders/app/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { startFaultProxy } from '../../../tests/helpers/fault-proxy.ts';

let runtime: LocalRuntime | undefined;
afterAll(async () => {
  await runtime?.stop();
});

describe('orders publish --count, when the stack stops part-way', () => {
  it('says what it published, why it stopped, and how to publish the rest', async () => {
    runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
    const endpoint = runtime.endpoint;
    const io = captureIO();
    let stopping: Promise<void> | undefined;
    // 40 orders: the bar prints at 10/40 (25 %), after the first batch; the stack goes then.
    const progress = {
      isTTY: false,
      write: (text: string) => {
        stopping ??= runtime!.stop().then(() => void (runtime = undefined));
        io.progress.write(text);
      },
    };
    const code = await runCli(ordersProgram, ['publish', '--count', '40', '--endpoint', endpoint], { ...io, progress });
    await stopping;
    expect(code).toBe(1);
    const [what, next] = io.stderr().trim().split('\n').slice(-2);
    // The stack closes while the next batch may already be on its way: at least the first batch went.
    const published = Number(/^orders publish: published (\d+) of 40 orders \(ids ord-gen-\w+-\*\), then a publish failed: .+/.exec(what!)?.[1]);
    expect(published, io.stderr()).toBeGreaterThanOrEqual(10);
    expect(published).toBeLessThan(40);
    expect(next).toBe(`Check that the stack still answers (npx orders status --endpoint ${endpoint}), then publish the ${40 - published} left: npx orders publish --count ${40 - published} --endpoint ${endpoint}.`);
  }, 60_000);
});

describe('orders publish --count, when SNS is slow to answer a batch', () => {
  it('prints a progress line at least every PROGRESS_LINE_EVERY_MS while the batch is in flight (it printed only as batches completed)', async () => {
    const stack = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
    const proxy = await startFaultProxy(stack.endpoint);
    try {
      // The second PublishBatch is answered PROGRESS_LINE_EVERY_MS + 2 s late (the client waits 15 s).
      let batches = 0;
      let slowAnswered = 0;
      proxy.setFault((request) => {
        if (!/PublishBatch/.test(`${request.target} ${request.body}`)) return undefined;
        batches += 1;
        return batches === 2 ? { slowMs: PROGRESS_LINE_EVERY_MS + 2_000, observe: () => void (slowAnswered = Date.now() + PROGRESS_LINE_EVERY_MS + 2_000) } : undefined;
      });
      const io = captureIO();
      const lines: { text: string; at: number }[] = [];
      const progress = { isTTY: false, write: (text: string) => void lines.push({ text, at: Date.now() }) };
      const code = await runCli(ordersProgram, ['publish', '--count', '20', '--endpoint', proxy.endpoint], { ...io, progress });
      expect(code, io.stderr()).toBe(0);
      expect(lines.map((l) => l.text)).toEqual(['publishing: 10/20 (50%)\n', 'publishing: 10/20 (50%)\n', 'publishing: 20/20 (100%)\n', expect.stringMatching(/^published 20\/20 orders \(ids ord-gen-\w+-\*\) in \d+\.\d s\n$/)]);
      // The repeated line came while the slow batch was in flight, before its answer.
      expect(lines[1]!.at).toBeLessThan(slowAnswered);
    } finally {
      await proxy.stop();
      await stack.stop();
    }
  }, 60_000);
});
