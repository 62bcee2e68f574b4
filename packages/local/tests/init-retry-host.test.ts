/**
 * An init that passes Lambda's init limit, in a function host, in both process models: the host
 * says so (the init is retried within the first invocation, with the function's timeout), the
 * function is ready all the same, its first batch retries the init and is handled, and the host
 * says how the retry ended. Each function's own process ('separate') runs the same pool as the
 * host's ('shared'): only the lines travel another way (IPC).
 *
 * The init limit is set short through the host's environment (`SLUICE_INSTANCE_INIT_TIMEOUT_MS`),
 * as the other instance switches are. The first init waits for a marker file that the test writes
 * once the timeout is said: the retry finds it, however slowly the machine starts the function.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { INSTANCE_INIT_TIMEOUT_ENV, type FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { timelineHost, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

afterEach(() => {
  delete process.env[INSTANCE_INIT_TIMEOUT_ENV];
});

describe.each<FunctionProcesses>(['shared', 'separate'])('an init past the init limit in a function host (functionProcesses %s)', (functionProcesses) => {
  it('is said, retried within the first invocation, which is handled, and the retry is said', { timeout: 60_000 }, async () => {
    const { root, write } = env.project(`init-retry-${functionProcesses}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'init-retry-marker-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const marker = path.join(dir, 'marker');
    write(
      'consumers/consumeThings.ts',
      `import { existsSync } from 'node:fs';
if (!existsSync(${JSON.stringify(marker)})) await new Promise((r) => setTimeout(r, 120_000));
export const handler = async (event: { Records: unknown[] }, context: { getRemainingTimeInMillis(): number }) => {
  console.log(\`handled \${event.Records.length} with \${context.getRemainingTimeInMillis()} ms left\`);
  return { batchItemFailures: [] };
};
`,
    );
    process.env[INSTANCE_INIT_TIMEOUT_ENV] = '1500';
    const { host, timeline, queue } = await timelineHost(env, root, functionProcesses);
    await host.start();
    const said = (pattern: RegExp) => timeline.findIndex((l) => pattern.test(l));
    const timedOut = said(
      /^event: consumeThings: init did not finish within 1\.5 s \(Lambda's init limit\): retried, as Lambda retries it, in a fresh instance within the first invocation, where the init and the handler share the function's timeout \(30 s\)$/,
    );
    expect(timedOut, timeline.join('\n')).toBeGreaterThanOrEqual(0);
    // Ready all the same: no "init failed", no restart.
    expect(said(/consumeThings: ConsumeThings ready/), timeline.join('\n')).toBeGreaterThan(timedOut);
    expect(said(/init failed|starting it again/), timeline.join('\n')).toBe(-1);

    writeFileSync(marker, '');
    await env.sqs().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{}' }));
    await waitFor('the batch reported', () => timeline.some((l) => l.startsWith('batch: ')), 40_000);
    expect(timeline.filter((l) => l.startsWith('batch: ')), timeline.join('\n')).toEqual(['batch: 1 deleted']);
    const retried = said(/^event: consumeThings: its init, retried within the first invocation, finished in \d+\.\d s: the handler has the rest of the function's timeout \(30 s\)$/);
    expect(retried, timeline.join('\n')).toBeGreaterThan(timedOut);
    expect(retried, timeline.join('\n')).toBeLessThan(said(/^batch: /));
    // The handler had the function's 30 s less the retry's time.
    const left = Number(/handled 1 with (\d+(?:\.\d+)?) ms left/.exec(timeline.find((l) => l.includes('handled 1 with')) ?? '')?.[1]);
    expect(left, timeline.join('\n')).toBeGreaterThan(0);
    expect(left).toBeLessThan(30_000);
  });
});
