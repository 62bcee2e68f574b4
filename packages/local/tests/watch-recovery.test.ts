/**
 * `--watch` after a function fails to start: a syntax error in a file the handler imports, a
 * handler moved away and back, an import of a file (in a folder) that does not exist yet. Saving
 * the fix, or creating the file or its folder, reloads the function at once (not on the retry timer), and once it runs again every file its handler
 * imports is watched again, however it came back (a reload or the retry timer). Both process
 * models: the functions in the host's process (the default) and one process per function.
 *
 * A function host of its own, on a handler in a folder of its own and a queue of the emulators:
 * each handler module says which version of it was loaded, in its init.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { INSTANCE_IDLE_ENV, type FunctionHost, type FunctionHostOptions, type FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts, type WatchedProject } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();
let host: FunctionHost | undefined;

describe.each<FunctionProcesses>(['shared', 'separate'])('--watch after a failed start (functionProcesses %s)', (functionProcesses) => {
  const events: string[] = [];
  const logs: string[] = [];
  const count = (pattern: RegExp, lines: string[] = events) => lines.filter((l) => pattern.test(l)).length;
  /** Waits until a change to `file` would reload the function (the watch is set up after each load). */
  const watching = (root: string, file: string) => waitFor(`${file} watched`, () => host!.watchedFiles('consumeThings').includes(path.join(root, file)), 10_000);

  async function startHost(restartDelayMs: number, outOfContract?: (operationId: string) => string | undefined) {
    events.length = 0;
    logs.length = 0;
    const p = env.project('watch-recovery');
    const q = await thingsQueue(env.sqs());
    host = env.host({
      functions: [thingsSpec(env.emulators(), p.root, q)],
      functionProcesses,
      watch: true,
      root: p.root,
      restartDelayMs,
      onEvent: (line) => events.push(line),
      onLog: (_op, line) => logs.push(line),
      ...(outOfContract ? { outOfContract } : {}),
    });
    await host.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);
    await watching(p.root, 'src/store.ts');
    return { ...p, queue: q };
  }

  it('reloads at once when the syntax error in an imported file is fixed, and keeps watching every import after', { timeout: 60_000 }, async () => {
    // The retry timer is far off: only the watch can bring the function back within the test.
    const p = await startHost(60_000);
    p.write('src/store.ts', "{ const x = ;\nexport const version = () => 'broken';\n");
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > 0, 20_000);
    await waitFor('the watch on the files named', () => count(/consumeThings: watching /) > 0, 20_000);
    // esbuild's error itself, where and what, on one line: the file relative to the project, the
    // column from 1 (the `;` is the 13th character of `{ const x = ;`), not tsx's "Transform
    // failed with 1 error:" then the absolute path and esbuild's column from 0 on a line of its own.
    expect(events.find((e) => /init failed/.test(e))).toBe('consumeThings: init failed: src/store.ts:1:13: Unexpected ";" (fix the code: it reloads on save)');
    // What the watch follows now, without saying the same error a second time.
    expect(events.find((e) => /: watching /.test(e))).toBe('consumeThings: watching consumers/consumeThings.ts, src/store.ts and the files it imported before: saving the fix reloads it');
    expect(count(/Unexpected/)).toBe(1);
    const reloads = count(/src\/store\.ts changed: reloading/);
    p.write('src/store.ts', p.store('v2'));
    await waitFor('a reload for the fixed store', () => count(/src\/store\.ts changed: reloading/) > reloads, 10_000);
    await waitFor('the fixed code loaded', () => logs.includes('loaded v2'), 20_000);
    await watching(p.root, 'src/store.ts');
    // Running again: a later edit of the store reloads it too, and the new code handles the next message.
    p.write('src/store.ts', p.store('v3'));
    await waitFor('the edited code loaded', () => logs.includes('loaded v3'), 20_000);
    await env.sqs().send(new SendMessageCommand({ QueueUrl: p.queue.url, MessageBody: '{}' }));
    await waitFor('a message handled by the edited code', () => logs.includes('handled 1 by v3'), 20_000);
    // The same error again after it ran: said in full again, not as "the same error" of a failure long scrolled away.
    const before = events.length;
    p.write('src/store.ts', "{ const x = ;\nexport const version = () => 'broken';\n");
    await waitFor('the init failure, once more', () => count(/consumeThings: init failed/, events.slice(before)) > 0, 20_000);
    expect(events.slice(before).find((e) => /init failed/.test(e))).toBe('consumeThings: init failed: src/store.ts:1:13: Unexpected ";" (fix the code: it reloads on save)');
  });

  it('says the error and what it watches once, not again at each retry of the same failure', { timeout: 60_000 }, async () => {
    const p = await startHost(100);
    p.write('src/store.ts', "{ const x = ;\nexport const version = () => 'broken';\n");
    await waitFor('three failed starts', () => count(/consumeThings: init failed/) >= 3, 30_000);
    // On a loaded machine the watch may see the save half written (the file emptied first: another
    // error, a missing export), which is a different failure, said as such. What must not happen
    // is the same one said twice: each error in full once, each retry of it in a few words.
    const failures = events.filter((e) => /consumeThings: init failed/.test(e));
    const full = failures.filter((e) => !/init failed again/.test(e));
    expect(new Set(full).size).toBe(full.length);
    expect(failures.filter((e) => e === 'consumeThings: init failed again, the same error (fix the code: it reloads on save)').length).toBe(failures.length - full.length);
    expect(failures.length - full.length).toBeGreaterThanOrEqual(1);
    const notes = events.filter((e) => /consumeThings: (cannot read its imports|watching )/.test(e));
    expect(notes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(notes).size).toBe(notes.length);
    expect(count(/Unexpected ";"/)).toBe(1);
  });

  it('says and starts nothing after it is stopped, even with a reload under way and its project gone', { timeout: 60_000 }, async () => {
    // As at the end of a test (or Ctrl-C, then the project removed): a reload begun just before the
    // stop must not start the function again after it, nor say what it watches of a project gone
    // (a line that landed in the next test's output, twice failing its "said once").
    const p = await startHost(60_000);
    const reloading = host!.reload('consumeThings', 'a test');
    const said = events.length;
    const stopped = host!.stop();
    rmSync(p.root, { recursive: true, force: true });
    await Promise.all([stopped, reloading]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events.slice(said)).toEqual([]);
    // No function's process left running ('separate'): none forked after the stop.
    const child = host!.processOf('consumeThings');
    expect(child === undefined || child.exitCode !== null || child.signalCode !== null).toBe(true);
  });

  it('reloads when the handler moved away comes back, keeps watching after, and stops consuming once it is gone', { timeout: 60_000 }, async () => {
    const p = await startHost(60_000);
    const handler = path.join(p.root, 'consumers/consumeThings.ts');
    const away = path.join(p.root, 'consumeThings.ts.moved');
    renameSync(handler, away);
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > 0, 20_000);
    // Said as what it is, not as Node's "Cannot find module … imported from" the framework's loader, with advice to fix code that is not there.
    expect(events.find((e) => /consumeThings: init failed/.test(e))).toBe(
      "consumeThings: init failed: its handler consumers/consumeThings.ts does not exist (deleted, moved or renamed?): the handler of consumeThings is read from that path, the project's consumers folder and the operation's id; put it back there (it reloads once the file is there)",
    );
    await waitFor('the function stopped', () => host!.functions[0]!.pid === undefined, 10_000);
    const reloads = count(/reloading/);
    renameSync(away, handler);
    await waitFor('a reload for the handler back', () => count(/consumers\/consumeThings\.ts changed: reloading/) > 0 && count(/reloading/) > reloads, 10_000);
    await waitFor('the handler loaded again', () => count(/loaded v1/, logs) >= 2, 20_000);
    await watching(p.root, 'src/store.ts');
    p.write('src/store.ts', p.store('v2'));
    await waitFor('the edited store loaded', () => logs.includes('loaded v2'), 20_000);
    await watching(p.root, 'consumers/consumeThings.ts');
    // Deleted for good: the function stops (its init fails again), it no longer runs the old code.
    const failures = count(/consumeThings: init failed/);
    rmSync(handler);
    await waitFor('the init failure once deleted', () => count(/consumeThings: init failed/) > failures, 20_000);
    await waitFor('the function stopped', () => host!.functions[0]!.pid === undefined, 10_000);
  });

  // The watch is the host's, the same in both process models: run in one, to keep the suite short.
  it.runIf(functionProcesses === 'shared')('reloads at once when an import that does not exist yet is created, or the folder it would be in', { timeout: 60_000 }, async () => {
    // The retry timer is far off: only the watch can bring the function back within the test.
    const p = await startHost(60_000);
    const importing = (specifier: string) => `import { version } from '${specifier}';\nconsole.log(\`loaded \${version()}\`);\nexport const handler = async () => ({ batchItemFailures: [] });\n`;
    // In a folder that does not exist yet either.
    p.write('consumers/consumeThings.ts', importing('../src/lib/helper.ts'));
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > 0, 20_000);
    // Node's "Cannot find module '…' imported from …" with the project's files relative to it, as every other line names them.
    expect(events.find((e) => /init failed/.test(e))).toMatch(/^consumeThings: init failed: .*src\/lib\/helper\.ts/);
    expect(events.filter((e) => e.includes(p.root))).toEqual([]);
    await watching(p.root, 'src/lib/helper.ts');
    // The scan after the handler was written (one before it, of the handler file itself, may come first on a busy machine).
    await waitFor('the scan naming the missing import', () => events.some((e) => /cannot read its imports/.test(e) && e.includes('src/lib/helper.ts')), 20_000);
    const scan = events.find((e) => /cannot read its imports/.test(e) && e.includes('src/lib/helper.ts'))!;
    expect(scan).toContain('watching consumers/consumeThings.ts, src/lib/helper.ts');
    // The folder first: it reloads (and fails again: the file is not there yet)…
    mkdirSync(path.join(p.root, 'src/lib'));
    await waitFor('a reload for the new folder', () => count(/src\/lib changed: reloading/) > 0, 10_000);
    // …then the file: it reloads, however soon after the folder it comes.
    p.write('src/lib/helper.ts', p.store('helper-1'));
    await waitFor('the new import loaded', () => logs.includes('loaded helper-1'), 20_000);
    await watching(p.root, 'src/lib/helper.ts');
    // Imported as './next.js', written as next.ts (TypeScript's own way to name it): that too.
    const failures = count(/consumeThings: init failed/);
    p.write('consumers/consumeThings.ts', importing('../src/lib/next.js'));
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > failures, 20_000);
    await watching(p.root, 'src/lib/next.js');
    p.write('src/lib/next.ts', p.store('next-1'));
    await waitFor('the .ts file loaded', () => logs.includes('loaded next-1'), 20_000);
  });

  it.runIf(functionProcesses === 'shared')('says an error of a second file the watch finds once: tsx stops at the first, the watch reads them all', { timeout: 60_000 }, async () => {
    const p = await startHost(60_000);
    p.write('src/other.ts', 'export const other = 1;\n');
    p.write('consumers/consumeThings.ts', `import { version } from '../src/store.ts';\nimport { other } from '../src/other.ts';\nconsole.log(\`loaded \${version()} \${other}\`);\nexport const handler = async () => ({ batchItemFailures: [] });\n`);
    await waitFor('the two imports loaded', () => logs.includes('loaded v1 1'), 20_000);
    await watching(p.root, 'src/other.ts');
    const before = events.length;
    p.write('src/other.ts', 'export const other = ;\n');
    p.write('src/store.ts', "{ const x = ;\nexport const version = () => 'broken';\n");
    await waitFor('the init failure', () => count(/consumeThings: init failed/, events.slice(before)) > 0, 20_000);
    await waitFor('the watch', () => count(/consumeThings: (cannot read its imports|watching )/, events.slice(before)) > 0, 20_000);
    const said = events.slice(before).filter((e) => /Unexpected ";"/.test(e));
    // Each file's error once, over the two lines (which file tsx meets first is its business).
    expect(said.join('\n').match(/src\/store\.ts:1:13: Unexpected ";"/g)).toHaveLength(1);
    expect(said.join('\n').match(/src\/other\.ts:1:22: Unexpected ";"/g)).toHaveLength(1);
  });

  // The same in both process models (checked by hand in 'separate', 4 s more): run in one, to keep the suite short.
  it.runIf(functionProcesses === 'shared')('does not retry, nor advise to fix the code, a function whose operation left the contract (npm run codegen removed it), and reloads it on save', { timeout: 60_000 }, async () => {
    let gone = false;
    const reason = 'its operation is no longer in the contract: the running stack keeps the topology it started with until you restart npm start';
    const p = await startHost(300, () => (gone ? reason : undefined));
    // What a handler of a removed operation meets: its operation is undefined in the generated contract.
    const failing = "throw new Error('defineConsumer needs a receive operation of the contract, got undefined');\nexport const handler = async () => ({ batchItemFailures: [] });\n";
    p.write('consumers/consumeThings.ts', failing);
    // The failure read before the contract changed: retried, as a fault of the code…
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > 0, 20_000);
    // Where it threw: a top-level throw's message names no file.
    expect(events.find((e) => /init failed/.test(e))).toMatch(/got undefined \(thrown at consumers\/consumeThings\.ts:1:7\) \(fix the code: it reloads on save\)$/);
    // …until the contract says the operation is gone: said once, and the retries stop.
    gone = true;
    host!.contractChanged();
    const held = await waitFor('the function held', () => events.find((e) => e.startsWith('consumeThings: not started again')), 10_000);
    expect(held).toBe(`consumeThings: not started again: ${reason} (a save of its code reloads it, should the contract bring it back)`);
    // Its code saved again while out of the contract (another codegen): reloads, fails once, says why, not retried.
    const failures = count(/consumeThings: init failed/);
    p.write('consumers/consumeThings.ts', `${failing}// saved again\n`);
    await waitFor('the init failure out of the contract', () => count(/consumeThings: init failed/) > failures, 20_000);
    // Longer than the first retry would have taken (0.3 s): none came.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const after = events.slice(events.indexOf(held));
    expect(after.filter((e) => /init failed/.test(e))).toEqual([
      `consumeThings: init failed: defineConsumer needs a receive operation of the contract, got undefined (thrown at consumers/consumeThings.ts:1:7): ${reason}; not started again (a save of its code reloads it, should the contract bring it back)`,
    ]);
    expect(after.filter((e) => /starting it again|fix the code/.test(e))).toEqual([]);
    // The operation back in the contract and the handler fixed: a save reloads it.
    gone = false;
    p.write('consumers/consumeThings.ts', "console.log('loaded back');\nexport const handler = async () => ({ batchItemFailures: [] });\n");
    await waitFor('the function back', () => logs.includes('loaded back'), 20_000);
    // Removed from the contract again while it runs, its handler moved away as a removed consumer's
    // is: stopped, then said as gone, not "put it back there" beside "no longer in the contract".
    gone = true;
    host!.contractChanged();
    await waitFor('the running function stopped', () => events.some((e) => e.startsWith(`consumeThings: stopped: ${reason}`)), 10_000);
    const beforeMove = events.length;
    renameSync(path.join(p.root, 'consumers/consumeThings.ts'), path.join(p.root, 'consumeThings.ts.moved'));
    const moved = await waitFor('the init failure of the moved handler', () => events.slice(beforeMove).find((e) => /init failed/.test(e)), 20_000);
    expect(moved).toBe(`consumeThings: init failed: its handler consumers/consumeThings.ts is gone: ${reason}; not started again (a save of its code reloads it, should the contract bring it back)`);
  });

  it('watches every import again once the retry timer brings a function back', { timeout: 60_000 }, async () => {
    const p = await startHost(300);
    // An import, through the package's imports map, of a file that does not exist yet: the import
    // scan leaves it to Node (as any package it cannot find), and the init fails.
    p.write('package.json', '{ "type": "module", "imports": { "#later": "./src/later.ts" } }\n');
    p.write('consumers/consumeThings.ts', "import { version } from '#later';\nconsole.log(`loaded ${version()}`);\nexport const handler = async () => ({ batchItemFailures: [] });\n");
    await waitFor('the init failure', () => count(/consumeThings: init failed/) > 0, 20_000);
    // Written where nothing watches: the retry timer brings the function back.
    expect(host!.watchedFiles('consumeThings')).not.toContain(path.join(p.root, 'src/later.ts'));
    p.write('src/later.ts', p.store('later-1'));
    await waitFor('the function back on the retry timer', () => logs.includes('loaded later-1'), 20_000);
    await watching(p.root, 'src/later.ts');
    p.write('src/later.ts', p.store('later-2'));
    await waitFor('a reload for the new import', () => count(/src\/later\.ts changed: reloading/) > 0, 10_000);
    await waitFor('the edited import loaded', () => logs.includes('loaded later-2'), 20_000);
  });
});

describe.each<FunctionProcesses>(['shared', 'separate'])('a reload (functionProcesses %s)', (functionProcesses) => {
  /** A `--watch` host of consumeThings in `p`, on `queue`, its lines kept in `logs`; no restart within a test. */
  const watchingHost = (p: WatchedProject, queue: { url: string; arn: string }, logs: string[], options: Partial<FunctionHostOptions> = {}) =>
    env.host({ functions: [thingsSpec(env.emulators(), p.root, queue)], functionProcesses, watch: true, root: p.root, restartDelayMs: 120_000, onLog: (_op, line) => logs.push(line), ...options });

  it("ends its queue's long poll instead of waiting it out, and the reloaded code takes the next message", { timeout: 60_000 }, async () => {
    const p = env.project('watch-reload-poll');
    const q = await thingsQueue(env.sqs());
    const queueName = q.url.split('/').pop()!;
    const ended: string[] = [];
    const logs: string[] = [];
    const reloading = watchingHost(p, q, logs, {
      endLongPolls: (queue) => {
        ended.push(queue);
        env.emulators().endLongPollsOn(queue);
      },
    });
    await reloading.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);
    // Polling an empty queue: its receive in flight waits out its long poll (1 s) unless ended.
    expect(ended).toEqual([]);
    p.write('src/store.ts', p.store('v2'));
    await waitFor('the reload', () => logs.includes('loaded v2'), 20_000);
    expect(ended.length).toBeGreaterThan(0);
    expect(new Set(ended)).toEqual(new Set([queueName]));
    // Nothing was lost to the poll ended early: the next message is handled, by the new code.
    await env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    await waitFor('the message handled', () => logs.includes('handled 1 by v2'), 20_000);
  });

  it('goes on, and says so once, when its queue\'s long polls cannot be ended (the stack gone, a throwing callback)', { timeout: 60_000 }, async () => {
    const p = env.project('watch-reload-unended');
    const q = await thingsQueue(env.sqs());
    const logs: string[] = [];
    const events: string[] = [];
    let asked = 0;
    const reloading = watchingHost(p, q, logs, {
      onEvent: (line) => events.push(line),
      endLongPolls: () => {
        asked++;
        throw new Error('the stack is gone');
      },
    });
    await reloading.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);
    p.write('src/store.ts', p.store('v2'));
    await waitFor('the reload', () => logs.includes('loaded v2'), 20_000);
    // Tried once, said once: the stop waited its receive out instead.
    expect(asked).toBe(1);
    expect(events.filter((e) => /could not end/.test(e))).toEqual([
      "consumeThings: could not end the long polls of its queue (the stack is gone); its stop waits out each receive in flight (a second at most)",
    ]);
    await reloading.stop();
    expect(asked).toBe(2);
  });

  it('when the host is stopped during it, the stop waits for the batch the old code is handling', { timeout: 60_000 }, async () => {
    const p = env.project('watch-reload-stop');
    // A batch that takes a while: under way when the reload and then the host's stop come.
    p.write(
      'consumers/consumeThings.ts',
      `import { version } from '../src/store.ts';
console.log(\`loaded \${version()}\`);
export const handler = async (event: { Records: unknown[] }) => {
  console.log(\`started \${event.Records.length} by \${version()}\`);
  await new Promise((r) => setTimeout(r, 1500));
  console.log(\`handled \${event.Records.length} by \${version()}\`);
  return { batchItemFailures: [] };
};
`,
    );
    const q = await thingsQueue(env.sqs());
    const logs: string[] = [];
    const events: string[] = [];
    const reloading = watchingHost(p, q, logs, { onEvent: (line) => events.push(line) });
    await reloading.start();
    await waitFor('the first load', () => logs.includes('loaded v1'), 20_000);
    await env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    await waitFor('the batch under way', () => logs.includes('started 1 by v1'), 20_000);
    p.write('src/store.ts', p.store('v2'));
    await waitFor('the reload under way', () => events.some((e) => /reloading \(batches in flight finish first\)/.test(e)), 20_000);
    await reloading.stop();
    // The batch ended before the stop did (a stack would close its emulators next), and its message is deleted.
    expect(logs).toContain('handled 1 by v1');
    const { Attributes } = await env.sqs().send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });
});

describe.each<FunctionProcesses>(['shared', 'separate'])('without --watch (functionProcesses %s)', (functionProcesses) => {
  // Every instance retired as soon as it is idle: each message starts one, as after 30 s at rest.
  const idleBefore = process.env[INSTANCE_IDLE_ENV];
  beforeAll(() => {
    process.env[INSTANCE_IDLE_ENV] = '0';
  });
  afterAll(() => {
    if (idleBefore === undefined) delete process.env[INSTANCE_IDLE_ENV];
    else process.env[INSTANCE_IDLE_ENV] = idleBefore;
  });

  it('says, once, that an instance started after an edit runs the edited code', { timeout: 60_000 }, async () => {
    const events: string[] = [];
    const logs: string[] = [];
    const p = env.project('watch-recovery');
    const q = await thingsQueue(env.sqs());
    host = env.host({ functions: [thingsSpec(env.emulators(), p.root, q)], functionProcesses, root: p.root, onEvent: (line) => events.push(line), onLog: (_op, line) => logs.push(line) });
    await host.start();
    const handled = async (version: string) => {
      const before = logs.filter((l) => l === `handled 1 by ${version}`).length;
      await env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
      await waitFor(`a message handled by ${version}`, () => logs.filter((l) => l === `handled 1 by ${version}`).length > before, 20_000);
    };
    await handled('v1');
    const said = () => events.filter((e) => / changed since /.test(e));
    expect(said()).toEqual([]);
    p.write('src/store.ts', p.store('v2'));
    await handled('v2');
    expect(said()).toEqual([
      'consumeThings: src/store.ts changed since its instances loaded it: new instances run the changed code, started once those on the old code have finished their batches in flight (--watch reloads at every save)',
    ]);
    // The next instance, on the same code: nothing more to say.
    await handled('v2');
    expect(said()).toHaveLength(1);
  });

  it('says a handler moved away is missing, and what to do, not that it changed; put back, the next instance loads it', { timeout: 60_000 }, async () => {
    const events: string[] = [];
    const logs: string[] = [];
    const failed: string[] = [];
    const p = env.project('watch-recovery');
    const q = await thingsQueue(env.sqs());
    host = env.host({
      functions: [thingsSpec(env.emulators(), p.root, q)],
      functionProcesses,
      root: p.root,
      onEvent: (line) => events.push(line),
      onLog: (_op, line) => logs.push(line),
      onBatch: (_op, report) => failed.push(...report.failed),
    });
    await host.start();
    const send = () => env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    const handledCount = () => logs.filter((l) => l === 'handled 1 by v1').length;
    await send();
    await waitFor('a message handled', () => handledCount() === 1, 20_000);
    const handler = path.join(p.root, 'consumers/consumeThings.ts');
    const away = path.join(p.root, 'consumeThings.ts.moved');
    renameSync(handler, away);
    // The next message starts an instance, which finds the handler gone (and fails to load it).
    await send();
    await waitFor('the message its new instance could not take', () => failed.length > 0, 20_000);
    expect(events.filter((e) => e.includes('consumers/consumeThings.ts'))).toEqual([
      "consumeThings: its handler consumers/consumeThings.ts is missing (moved, renamed or deleted since its instances loaded it): new instances cannot load it, and the messages they take fail (each failure a receive towards the dead-letter queue); " +
        "put it back there (the handler of consumeThings is read from that path: the project's consumers folder and the operation's id): the next instance loads it",
    ]);
    renameSync(away, handler);
    await send();
    await waitFor('a message handled once the handler is back', () => handledCount() === 2, 20_000);
  });

  // The line is the host's, the same in both process models: run in one, to keep the suite short.
  it.runIf(functionProcesses === 'shared')('says a file the handler imports moved away is missing, not that it changed', { timeout: 60_000 }, async () => {
    const events: string[] = [];
    const logs: string[] = [];
    const p = env.project('watch-recovery');
    const q = await thingsQueue(env.sqs());
    host = env.host({ functions: [thingsSpec(env.emulators(), p.root, q)], functionProcesses, root: p.root, onEvent: (line) => events.push(line), onLog: (_op, line) => logs.push(line) });
    await host.start();
    await env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    await waitFor('a message handled', () => logs.includes('handled 1 by v1'), 20_000);
    renameSync(path.join(p.root, 'src/store.ts'), path.join(p.root, 'store.ts.moved'));
    await env.sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    const said = await waitFor('the store found gone', () => events.find((e) => e.includes('src/store.ts')), 20_000);
    expect(said).toBe(
      'consumeThings: src/store.ts is missing (moved, renamed or deleted?) since its instances loaded it: new instances run the code as it is now (where it still imports a missing file, they cannot load it), started once those on the old code have finished their batches in flight (--watch reloads at every save)',
    );
  });
});
