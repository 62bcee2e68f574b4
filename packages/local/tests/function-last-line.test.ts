/**
 * A function's last line without a newline is a line of its logs: a handler that writes
 * `fatal: …` to stderr with no newline and then throws, exits or is stopped has that line passed
 * to `onLog`, before the host says what became of the function (init failed, stopped), in both
 * process models. A line left unfinished is not held while the function runs: it is said once
 * the init or invocation that wrote it ends (before the batch is reported), or a moment later.
 * And an instance's unfinished line is its own: the line the pool writes when an instance ends
 * its runtime is not glued to it.
 *
 * A function's own process ('separate') may start a process that keeps its stdout open after it
 * exits: a stop or a reload does not wait for it, nothing is said after stop(), and a crash is
 * still said after the function's last words.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { FunctionHost, FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { timelineHost, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

/** A host running `consumeThings` with `handler` as its code: what it says and logs, in one timeline. */
async function hostOf(prefix: string, functionProcesses: FunctionProcesses, handler: string, options: { started?: boolean } = {}) {
  const { root, write } = env.project(prefix);
  write('consumers/consumeThings.ts', handler);
  const { host, timeline, queue } = await timelineHost(env, root, functionProcesses);
  const starting = host.start();
  if (options.started !== false) await starting;
  return { host, timeline, queueUrl: queue.url, handlerFile: path.join(root, 'consumers/consumeThings.ts') };
}

/** The host's function's process, once it has one ('separate'). */
const processOf = (host: FunctionHost) => waitFor('its process', () => host.processOf('consumeThings'), 20_000);

/** When `child` exits (performance.now()). */
const exitOf = (child: ChildProcess) => new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));

/**
 * Ends the emulators' long polls until `done` settles: a function's process stops once its
 * poller's receive in flight is answered, at once, not at the end of its long poll.
 */
async function withoutLongPolls<T>(done: Promise<T>): Promise<T> {
  const poke = setInterval(() => env.emulators().endLongPolls(), 50);
  try {
    return await done;
  } finally {
    clearInterval(poke);
  }
}

/**
 * Code that starts a process keeping the function's stdout and stderr open (stdio inherited), which
 * writes `said` and its parent's pid after `afterMs` and then, given `wrote`, creates that file.
 */
const grandchild = (said: string, afterMs: number, livesMs: number, wrote?: string) =>
  `import { spawn } from 'node:child_process';
spawn(process.execPath, ['-e', ${JSON.stringify(
    `const parent = process.ppid; setTimeout(() => { console.log(${JSON.stringify(said)} + parent);${wrote ? ` require('node:fs').writeFileSync(${JSON.stringify(wrote)}, '');` : ''} }, ${afterMs}); setTimeout(() => {}, ${livesMs});`,
  )}], { stdio: ['ignore', 'inherit', 'inherit'] });
`;

/** A file for a grandchild to create once it has written its line ({@link grandchild}), removed after the test. */
function wroteMarker(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'last-line-wrote-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'wrote');
}

/**
 * Waits until the grandchild has written its line (its `wrote` file there), then long enough for
 * a host still reading its pipes to have said it: what is said after `said` lines, then, is all it would say.
 */
async function afterTheGrandchildWrote(wrote: string): Promise<void> {
  await waitFor('the grandchild to write its line', () => existsSync(wrote), 20_000);
  await new Promise((r) => setTimeout(r, 300));
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

describe('a process a function started holding its output open (functionProcesses separate)', () => {
  it('does not hold up a stop, and nothing it writes is said after the stop', { timeout: 30_000 }, async () => {
    const wrote = wroteMarker();
    const { host, timeline } = await hostOf('last-line-held-stop', 'separate', `${grandchild('grandchild of ', 1500, 4000, wrote)}${HANDLED}`);
    const exited = exitOf(host.processOf('consumeThings')!);
    await withoutLongPolls(host.stop());
    const stoppedAt = performance.now();
    // The pipes stay open for 4 s: a stop that waited for them waited 1 s after the exit.
    expect(stoppedAt - (await exited)).toBeLessThan(500);
    const said = timeline.length;
    await afterTheGrandchildWrote(wrote);
    expect(timeline.slice(said), timeline.join('\n')).toEqual([]);
  });

  it('does not hold up a reload, and what it writes later still reaches onLog', { timeout: 30_000 }, async () => {
    const { host, timeline } = await hostOf('last-line-held-reload', 'separate', `${grandchild('grandchild of ', 2000, 4000)}${HANDLED}`);
    const old = host.processOf('consumeThings')!;
    const exited = exitOf(old).then((at) => {
      timeline.push('old process exited');
      return at;
    });
    const reloading = host.reload('consumeThings');
    await withoutLongPolls(exited);
    const exitedAt = await exited;
    await waitFor('a new process', () => host.processOf('consumeThings') !== undefined && host.processOf('consumeThings') !== old, 5_000);
    expect(performance.now() - exitedAt).toBeLessThan(500);
    await reloading;
    await waitFor('the line of the old process', () => timeline.includes(`stdout: grandchild of ${old.pid}`), 5_000);
    expect(timeline.indexOf(`stdout: grandchild of ${old.pid}`), timeline.join('\n')).toBeGreaterThan(timeline.indexOf('old process exited'));
  });

  it("says its crash after its last words, and a stop just after says nothing once it has resolved", { timeout: 30_000 }, async () => {
    const wrote = wroteMarker();
    const { host, timeline } = await hostOf(
      'last-line-held-crash',
      'separate',
      `${grandchild('grandchild of ', 1600, 4000, wrote)}process.stderr.write('fatal: last words');\nthrow new Error('broken at init');\n${HANDLED}`,
      { started: false },
    );
    const child = await processOf(host);
    const stopped = new Promise<void>((resolve) => child.once('exit', () => void host.stop().then(resolve)));
    await stopped;
    const said = timeline.length;
    expect(timeline, timeline.join('\n')).toContain('stderr: fatal: last words');
    // Stopped before the crash was said: not a failure to report.
    expect(timeline.some((l) => /init failed|process exited/.test(l)), timeline.join('\n')).toBe(false);
    await afterTheGrandchildWrote(wrote);
    expect(timeline.slice(said), timeline.join('\n')).toEqual([]);
  });

  it('says a crash after its last words, though its output stays open', { timeout: 30_000 }, async () => {
    const { timeline } = await hostOf(
      'last-line-held-init',
      'separate',
      `${grandchild('grandchild of ', 300, 4000)}process.stderr.write('fatal: last words');\nthrow new Error('broken at init');\n${HANDLED}`,
    );
    await waitFor('the retry announced', () => timeline.some((l) => /starting it again in \d+ s/.test(l)), 20_000);
    const failed = timeline.findIndex((l) => /consumeThings: init failed: .*broken at init/.test(l));
    expect(failed, timeline.join('\n')).toBeGreaterThanOrEqual(0);
    expect(timeline.indexOf('stderr: fatal: last words'), timeline.join('\n')).toBeLessThan(failed);
    expect(timeline.findIndex((l) => l.startsWith('stdout: grandchild of ')), timeline.join('\n')).toBeLessThan(failed);
  });
});
