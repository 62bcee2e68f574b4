/**
 * A function's last line without a newline is a line of its logs: a handler that writes
 * `fatal: …` to stderr with no newline and then throws, exits or is stopped has that line passed
 * to `onLog`, before the host says what became of the function (init failed, stopped), in both
 * process models. And an instance's unfinished line is its own: the line the pool writes when an
 * instance ends its runtime is not glued to it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

/** A host running `consumeThings` with `handler` as its code: what it says and logs, in one timeline. */
async function hostOf(prefix: string, functionProcesses: FunctionProcesses, handler: string) {
  const { root, write } = env.project(prefix);
  write('consumers/consumeThings.ts', handler);
  const timeline: string[] = [];
  // No retry within the test.
  const host = env.host({
    functions: [thingsSpec(env.emulators(), root, await thingsQueue(env.sqs()))],
    functionProcesses,
    root,
    restartDelayMs: 120_000,
    onEvent: (line) => timeline.push(`event: ${line}`),
    onLog: (_operationId, line, stream) => timeline.push(`${stream}: ${line}`),
  });
  await host.start();
  return { host, timeline, handlerFile: path.join(root, 'consumers/consumeThings.ts') };
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

  it('reaches onLog by the time the host has stopped', { timeout: 30_000 }, async () => {
    const { host, timeline } = await hostOf('last-line-stop', functionProcesses, `process.stdout.write('loaded\\nwaiting for messages');\n${HANDLED}`);
    await waitFor('the function ready', () => timeline.some((l) => /consumeThings: ConsumeThings ready/.test(l)), 20_000);
    await waitFor('its first line', () => timeline.includes('stdout: loaded'), 5_000);
    await host.stop();
    expect(timeline.filter((l) => l.startsWith('stdout: ')), timeline.join('\n')).toEqual(['stdout: loaded', 'stdout: waiting for messages']);
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
