/**
 * A function's last line without a newline is a line of its logs: a handler that writes
 * `fatal: …` to stderr with no newline and then throws, exits or is stopped has that line passed
 * to `onLog`, before the host says what became of the function (init failed, stopped), in both
 * process models. A line left unfinished is not held while the function runs: it is said once
 * the init or invocation that wrote it ends (before the batch is reported), or a moment later.
 * And an instance's unfinished line is its own: the line the pool writes when an instance ends
 * its runtime is not glued to it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

/** A host running `consumeThings` with `handler` as its code: what it says and logs, in one timeline. */
async function hostOf(prefix: string, functionProcesses: FunctionProcesses, handler: string) {
  const { root, write } = env.project(prefix);
  write('consumers/consumeThings.ts', handler);
  const timeline: string[] = [];
  const queue = await thingsQueue(env.sqs());
  // No retry within the test.
  const host = env.host({
    functions: [thingsSpec(env.emulators(), root, queue)],
    functionProcesses,
    root,
    restartDelayMs: 120_000,
    onEvent: (line) => timeline.push(`event: ${line}`),
    onLog: (_operationId, line, stream) => timeline.push(`${stream}: ${line}`),
    onBatch: (_operationId, report) => timeline.push(`batch: ${report.succeeded.length} deleted`),
  });
  await host.start();
  return { host, timeline, queueUrl: queue.url, handlerFile: path.join(root, 'consumers/consumeThings.ts') };
}

const HANDLED = `export const handler = async () => ({ batchItemFailures: [] });\n`;

describe.each<FunctionProcesses>(['shared', 'separate'])('the last line a function writes without a newline (functionProcesses %s)', (functionProcesses) => {
  it('reaches onLog when its init throws, before the init failure is said', { timeout: 30_000 }, async () => {
    const { timeline } = await hostOf('last-line-throw', functionProcesses, `process.stderr.write('fatal: cannot reach the store');\nthrow new Error('broken at init');\n${HANDLED}`);
    await waitFor('the init failure', () => timeline.some((l) => /consumeThings: init failed: .*broken at init/.test(l)), 20_000);
    await waitFor('the retry announced', () => timeline.some((l) => /starting it again in \d+ s/.test(l)), 20_000);
    const fatal = timeline.indexOf('stderr: fatal: cannot reach the store');
    expect(fatal, timeline.join('\n')).toBeGreaterThanOrEqual(0);
    expect(fatal, timeline.join('\n')).toBeLessThan(timeline.findIndex((l) => /init failed/.test(l)));
  });

  it('reaches onLog when its init exits, before the init failure is said', { timeout: 30_000 }, async () => {
    const { timeline } = await hostOf('last-line-exit', functionProcesses, `process.stderr.write('fatal: giving up');\nprocess.exit(3);\n${HANDLED}`);
    await waitFor('the init failure', () => timeline.some((l) => /consumeThings: init failed/.test(l)), 20_000);
    await waitFor('the retry announced', () => timeline.some((l) => /starting it again in \d+ s/.test(l)), 20_000);
    const fatal = timeline.indexOf('stderr: fatal: giving up');
    expect(fatal, timeline.join('\n')).toBeGreaterThanOrEqual(0);
    expect(fatal, timeline.join('\n')).toBeLessThan(timeline.findIndex((l) => /init failed/.test(l)));
  });

  it('reaches onLog once its init is over, while the function runs', { timeout: 30_000 }, async () => {
    const { timeline } = await hostOf('last-line-init', functionProcesses, `process.stdout.write('loaded\\nwaiting for messages');\n${HANDLED}`);
    await waitFor('the function ready', () => timeline.some((l) => /consumeThings: ConsumeThings ready/.test(l)), 20_000);
    // Not held until the instance ends (retired after 30 s idle, or stopped).
    await waitFor('its unfinished line', () => timeline.includes('stdout: waiting for messages'), 3_000);
    expect(timeline.filter((l) => l.startsWith('stdout: ')), timeline.join('\n')).toEqual(['stdout: loaded', 'stdout: waiting for messages']);
  });

  it('reaches onLog when the invocation that wrote it returns, before its batch is reported', { timeout: 30_000 }, async () => {
    const { timeline, queueUrl } = await hostOf(
      'last-line-invocation',
      functionProcesses,
      `export const handler = async () => {\n  process.stdout.write('progress');\n  return { batchItemFailures: [] };\n};\n`,
    );
    await env.sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }));
    await waitFor('the batch reported', () => timeline.includes('batch: 1 deleted'), 20_000);
    const progress = timeline.indexOf('stdout: progress');
    expect(progress, timeline.join('\n')).toBeGreaterThanOrEqual(0);
    expect(progress, timeline.join('\n')).toBeLessThan(timeline.indexOf('batch: 1 deleted'));
  });

  it('is a line of its own when an idle instance ends its runtime, before the line saying so', { timeout: 30_000 }, async () => {
    const { timeline } = await hostOf(
      'last-line-idle-exit',
      functionProcesses,
      `setTimeout(() => {\n  process.stderr.write('fatal: from a timer');\n  process.exit(7);\n}, 300);\n${HANDLED}`,
    );
    await waitFor('the instance ended', () => timeline.some((l) => /an idle instance ended its runtime/.test(l)), 20_000);
    const ended = timeline.findIndex((l) => /an idle instance ended its runtime/.test(l));
    expect(timeline[ended], timeline.join('\n')).toMatch(/^stderr: consumeThings: an idle instance ended its runtime/);
    expect(timeline.indexOf('stderr: fatal: from a timer'), timeline.join('\n')).toBe(ended - 1);
  });
});
