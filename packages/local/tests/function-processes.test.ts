/**
 * The process model of the local runtime's consumers: by default every function runs in the
 * runtime's own process (its poller there, its instances worker threads of it), so one more idle
 * consumer costs a poller, not a process; `--watch` reloads a function by retiring its instances
 * and starting fresh ones (new module state, the new code), and a function whose init fails is
 * reported and retried without stopping the others. `inspect` keeps a process per function.
 *
 * Runs on a copy of the project, so that the edits never touch the real tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { runCli, type CliIO } from '@sluice/cli';
import { startProgram } from '../src/bin/start.ts';
import { subscriberProgram } from '../src/bin/subscriber.ts';
import { functionProcessesOf, loadApplication, startLocalRuntime, type BatchReport, type LocalRuntime } from '@sluice/local';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { reloadedAndReady } from '../../../tests/helpers/reload-events.ts';
import { liveOrder, liveOrders } from '../../../tests/helpers/live-orders.ts';

const HANDLER = 'packages/orders/consumers/consumeOrderPlaced.ts';

let copy: ProjectCopy;
let runtime: LocalRuntime;
const events: string[] = [];
const batches: BatchReport[] = [];

const order = liveOrder;
const { publish, stored, batchOf } = liveOrders(() => runtime, batches);

beforeAll(async () => {
  copy = copyProject();
  runtime = await startLocalRuntime({
    application: await loadApplication(copy.dir),
    port: 0,
    visibilityTimeoutSeconds: 1,
    batchWindowSeconds: 0,
    logLevel: 'SILENT',
    watch: true,
    restartDelayMs: 500,
    // The order consumer's batches only: in readme-steps' copy the README's audit consumer takes
    // OrderPlaced too, and its batch of the same order (handled fine) could be found first.
    onBatch: (operationId, report) => void (operationId === 'consumeOrderPlaced' && batches.push(report)),
    onEvent: (line) => events.push(line),
  });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
  copy?.dispose();
});

describe('the consumers of the local runtime share its process by default', () => {
  it('chooses shared unless a debugger port per function is wanted, and refuses shared with inspect', () => {
    expect(functionProcessesOf({})).toBe('shared');
    expect(functionProcessesOf({ inspect: true })).toBe('separate');
    expect(functionProcessesOf({ inspect: 9300 })).toBe('separate');
    expect(functionProcessesOf({ functionProcesses: 'separate' })).toBe('separate');
    expect(() => functionProcessesOf({ functionProcesses: 'shared', inspect: true })).toThrow(/a process per function/);
  });

  it('npm start and npm run subscriber take --function-processes shared|separate, and refuse shared with --inspect', async () => {
    for (const program of [startProgram, subscriberProgram]) {
      const lines: string[] = [];
      const io: CliIO = { out: (t) => lines.push(t), err: (t) => lines.push(t), progress: { write: () => true } };
      expect(await runCli(program, ['--help'], io)).toBe(0);
      expect(lines.join('\n')).toMatch(/--function-processes <model>[\s\S]*shared[\s\S]*separate/);
      // A type mistake reloads and runs like any edit: the help says what checks types.
      expect(lines.join('\n').replace(/\s+/g, ' ')).toMatch(/--watch .*its types are not checked: npm run typecheck does/);
      lines.length = 0;
      expect(await runCli(program, ['--inspect', '--function-processes', 'shared'], io)).toBe(2);
      expect(lines[0]).toMatch(/--inspect gives each consumer a debugger port of its own.*drop --function-processes shared/);
      lines.length = 0;
      expect(await runCli(program, ['--function-processes', 'both'], io)).toBe(2);
      expect(lines[0]).toContain('"both"');
    }
  });

  it('runs every function in this process: no child process per function', async () => {
    expect(runtime.functions!.processes).toBe('shared');
    // On a machine busy enough (readme-steps' nested run at a load of ~30 on 2 cores), an init can
    // pass its 10 s limit: that function is then retried after restartDelayMs, and has no process
    // until it runs again (its pid was undefined here, once). Whichever way it came up, it runs here.
    await waitFor('every function running', () => runtime.functions!.functions.every((f) => f.pid !== undefined), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; the runtime said:\n${events.join('\n')}`);
    });
    for (const f of runtime.functions!.functions) {
      expect(f.pid).toBe(process.pid);
      expect(runtime.functions!.processOf(f.operationId)).toBeUndefined();
    }
  });

  it('reloads a function when its handler changes: the next batch runs the new code in fresh instances', async () => {
    await publish('ord-shared-1');
    await waitFor('the first order', () => stored('ord-shared-1'), 20_000);
    const reloadsBefore = events.filter((e) => /reloading/.test(e)).length;
    copy.replace(HANDLER, '  context.annotate({ orderId: order.orderId });', "  context.annotate({ orderId: order.orderId });\n  if (order.orderId.startsWith('ord-shared-')) throw new Error('edited while running');");
    // Its own ready after its reload: another consumer's line (the README's consumers in readme-steps' copy) may come last.
    await waitFor('the reload', () => reloadedAndReady(events, reloadsBefore), 30_000);
    await publish('ord-shared-2');
    const batch = await waitFor('the batch with the second order', () => batchOf('ord-shared-2'), 20_000);
    expect(batch.failed).toHaveLength(1);
  }, 60_000);

  it('reports a function whose init fails and retries it, while the other functions keep running; fixed, it runs again', async () => {
    // The topic's triage function (the framework's), whatever other consumers the application has.
    const triage = runtime.functions!.functions.find((f) => f.operationId === 'triageOrderTopic')!;
    expect(triage, runtime.functions!.functions.map((f) => f.operationId).join(', ')).toBeDefined();
    const triageBatches = () => runtime.functions!.functions.find((f) => f.operationId === triage.operationId)!.batches;
    // A throw at the module's top level: its init fails.
    copy.replace(HANDLER, 'export const handler = ', "throw new Error('broken at init');\nexport const handler = ");
    await waitFor('the init failure', () => events.some((e) => /consumeOrderPlaced: init failed: .*broken at init/.test(e)), 30_000);
    // Where it threw, the file relative to the project and its line (the message alone named no file).
    const line = copy.read(HANDLER).split('\n').indexOf("throw new Error('broken at init');") + 1;
    expect(events.find((e) => /consumeOrderPlaced: init failed: .*broken at init/.test(e))).toContain(`broken at init (thrown at ${HANDLER}:${line}:7)`);
    await waitFor('the retry announced', () => events.some((e) => /consumeOrderPlaced: starting it again in \d+ s/.test(e)), 30_000);
    expect(runtime.functions!.functions.find((f) => f.operationId === triage.operationId)!.pid).toBe(process.pid);
    // The triage function still runs: a publish with no routing attribute reaches it.
    const before = triageBatches();
    const sns = new SNSClient(runtime.clientConfig);
    try {
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await sns.send(new PublishCommand({ TopicArn: runtime.resources.topics.OrderTopic!.arn, Message: JSON.stringify(order('ord-shared-3')) }));
    } finally {
      sns.destroy();
    }
    await waitFor('the triage batch', () => triageBatches() > before, 20_000);
    copy.replace(HANDLER, "throw new Error('broken at init');\nexport", 'export');
    copy.replace(HANDLER, "\n  if (order.orderId.startsWith('ord-shared-')) throw new Error('edited while running');", '');
    await publish('ord-shared-4');
    await waitFor('the order stored once fixed', () => stored('ord-shared-4'), 40_000);
  }, 90_000);

  it('says, when the settings change, that the code reloads and the functions\' settings apply after a restart (a new timeout seemed applied)', async () => {
    const settings = 'packages/orders/src/settings.ts';
    copy.replace(settings, 'export const settings', '// edited while running\nexport const settings');
    await waitFor('the reload', () => reloadedAndReady(events, 0, settings), 30_000);
    expect(events.filter((e) => e.includes(`${settings} changed`))).toContainEqual(
      `consumeOrderPlaced: ${settings} changed (the code reloads now; its timeout, memory, batch size, concurrency and tables apply after a restart, which creates a new table: they were read at the start): reloading (batches in flight finish first)`,
    );
    // The framework's triage reads no application setting: not reloaded for it.
    expect(events.filter((e) => e.startsWith('triageOrderTopic:') && e.includes(settings))).toEqual([]);
  }, 60_000);
});
