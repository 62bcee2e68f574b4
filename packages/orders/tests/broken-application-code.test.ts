/**
 * While the application's code does not compile (a syntax error in
 * packages/orders/src/order-store.ts, as a developer leaves it mid-edit), the `orders` command keeps
 * working for what does not read orders: `--help`, `status`, `dlq list`, `publish-message`. `list`,
 * which needs the store, fails with one line naming the file, the line and the error, then what to
 * do; the stack only with `--debug`. Should the CLI's own code not load, the same holds for every
 * command. The real `bin/orders.js`, in a copy of the project (the real tree is never broken),
 * against a local stack of the copy's application; no consumer runs.
 */
import { execFile } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApplication, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';

const STORE = 'packages/orders/src/order-store.ts';
let copy: ProjectCopy;
let runtime: LocalRuntime;
/** The line of order-store.ts the syntax error is on (1-based). */
let brokenLine: number;

beforeAll(async () => {
  copy = copyProject();
  const anchor = "import { createHash } from 'node:crypto';";
  copy.replace(STORE, anchor, `${anchor}\n{ const x = ; }`);
  brokenLine = copy.read(STORE).split('\n').indexOf('{ const x = ; }') + 1;
  // The stack of the copy's application: its settings load, its consumers do not run.
  runtime = await startLocalRuntime({ application: await loadApplication(copy.dir), port: 0, consumers: false, logLevel: 'SILENT' });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  copy?.dispose();
});

/** `orders <args>` as a user runs it in the copy: exit code, stdout, stderr. */
async function orders(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['packages/orders/bin/orders.js', ...args], { cwd: copy.dir, timeout: 60_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout, err: e.stderr };
  }
}

const order = { orderId: 'ord-broken-1', userId: 'usr-1', itemName: 'Desk lamp', quantity: 2, status: 'PENDING', timestamp: '2026-01-01T09:00:00Z' };

describe('orders, while packages/orders/src/order-store.ts has a syntax error', () => {
  it('--help, status, dlq list and publish-message work (exit 0)', async () => {
    const endpoint = ['--endpoint', runtime.endpoint];
    const help = await orders(['--help']);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toMatch(/^Usage: npx orders <command> \[options\]/);
    const status = await orders(['status', ...endpoint]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/^OrderDLQ\s/m);
    const dlq = await orders(['dlq', 'list', ...endpoint]);
    expect(dlq.code, dlq.err).toBe(0);
    expect(dlq.out).toContain('OrderDLQ (dead letters of OrderQueue): empty.');
    const publish = await orders(['publish-message', 'publishOrderPlaced', '--payload', JSON.stringify(order), ...endpoint]);
    expect(publish.code, publish.err).toBe(0);
    expect(publish.out).toMatch(/^published OrderPlaced \(publishOrderPlaced\) to OrderTopic as SNS message \S+$/m);
  }, 120_000);

  it('list, which needs the store, fails (exit 1) with one line naming the file, line and error, then what to do; the stack only with --debug', async () => {
    const list = await orders(['list', '--endpoint', runtime.endpoint]);
    expect(list.code).toBe(1);
    expect(list.out).toBe('');
    expect(list.err.trimEnd().split('\n')).toEqual([
      // The column counts from 1, as editors count it: the `;` of `{ const x = ; }` is its 13th character.
      `orders list: code it imports does not load: ${STORE}:${brokenLine}:13: Unexpected ";"`,
      `Fix ${STORE}, then run the command again (status, dlq, publish and publish-message do not need that code and work meanwhile); --debug shows the stack.`,
    ]);
    const debug = await orders(['list', '--endpoint', runtime.endpoint, '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.err).toContain('Transform failed with 1 error');
    expect(debug.err).toMatch(/\n\s+at /);
  }, 120_000);

  it('without generated/ (codegen never ran, or it was removed), --help works and publish says to run codegen (every command said to fix publish-command.ts)', async () => {
    const generated = path.join(copy.dir, 'generated');
    renameSync(generated, `${generated}.away`);
    try {
      const help = await orders(['--help']);
      expect(help.code, help.err).toBe(0);
      expect(help.out).toMatch(/^Usage: npx orders <command> \[options\]/);
      const publish = await orders(['publish', '--endpoint', runtime.endpoint]);
      expect(publish.code).toBe(1);
      expect(publish.err.trimEnd().split('\n')).toEqual([
        'orders publish: generated/index.js is missing: the project\'s generated contract, which these commands read, is written by `npm run codegen`',
        'Run `npm run codegen`, then try again.',
      ]);
    } finally {
      renameSync(`${generated}.away`, generated);
    }
  }, 120_000);

  it("and when the CLI's own code does not load, every command says so in one line (exit 1), the stack only with --debug", async () => {
    const cli = 'packages/orders/src/cli/publish-command.ts';
    const anchor = "import { randomUUID } from 'node:crypto';";
    copy.replace(cli, anchor, `${anchor}\nconst = 1;`);
    try {
      const line = copy.read(cli).split('\n').indexOf('const = 1;') + 1;
      const help = await orders(['--help']);
      expect(help.code).toBe(1);
      expect(help.out).toBe('');
      const [first, next, hint, ...rest] = help.err.trimEnd().split('\n');
      expect(first).toMatch(new RegExp(`^orders: code it imports does not load: ${cli}:${line}:\\d+: `));
      expect(next).toBe(`Fix ${cli}, then run the command again; --debug shows the stack.`);
      expect(hint).toBe('(run again with --debug for the stack trace)');
      expect(rest).toEqual([]);
      const debug = await orders(['--help', '--debug']);
      expect(debug.err).toMatch(/\n\s+at /);
    } finally {
      copy.replace(cli, `${anchor}\nconst = 1;`, anchor);
    }
  }, 120_000);
});
