/**
 * `orders publish --count` whose stack stops answering part-way: it says how many orders it
 * published and which, why it stopped, and how to publish the rest (it ended on the SDK's bare
 * `connect ECONNREFUSED`). The stack is stopped from the progress bar's first update: the next
 * publish meets a closed endpoint, every run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { ordersProgram } from '@orders/app/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

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
