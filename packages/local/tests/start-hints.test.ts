/**
 * What `npm start` suggests trying comes from the application (`eventContract.startHints` in its
 * package.json): the framework prints those lines, then the AWS CLI against the local endpoint.
 * On a stack the operator commands would not find by themselves (`--port`, `--port 0`), the lines
 * start with `export SLUICE_ENDPOINT=<the endpoint>`, and the banner's own commands carry it: run
 * as printed, they reach that stack (the real `npm start` and `npx orders`, on the order
 * application in a copy of the project, no consumer running).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '@sluice/model';
import { eventLine, tryLines } from '../src/bin/start.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const aws = 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url http://127.0.0.1:4566 --region us-east-1 sqs list-queues';

describe("npm start's Try: lines", () => {
  it("are this application's own, as its package.json declares them, word for word", () => {
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1')).toEqual([
      'Try:  npx orders publish --item-name "Desk lamp" --quantity 2',
      '      npx orders list    npx orders status    npx orders dlq list',
      `      ${aws}`,
    ]);
  });

  it('are only the AWS CLI line for an application that declares no hints', () => {
    expect(tryLines({ startHints: [] }, 'http://127.0.0.1:4566', 'us-east-1')).toEqual([`Try:  ${aws}`]);
  });

  it('start with `export SLUICE_ENDPOINT=…` on another port, which the operator commands read; not on 4566 where they look by default', () => {
    const other = 'http://127.0.0.1:4610';
    expect(tryLines(loadProject(root), other, 'us-east-1', {})).toEqual([
      `Try:  export SLUICE_ENDPOINT=${other}`,
      '      npx orders publish --item-name "Desk lamp" --quantity 2',
      '      npx orders list    npx orders status    npx orders dlq list',
      `      ${aws.replace('http://127.0.0.1:4566', other)}`,
    ]);
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1', {})[0]).toBe('Try:  npx orders publish --item-name "Desk lamp" --quantity 2');
    // On 4566, but in a shell whose SLUICE_ENDPOINT points elsewhere: the commands would go there.
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1', { SLUICE_ENDPOINT: other })[0]).toBe('Try:  export SLUICE_ENDPOINT=http://127.0.0.1:4566');
  });
});

describe('npm start -- --port 0: the commands it prints reach the stack it started', () => {
  let child: ChildProcess | undefined;
  let copy: ProjectCopy | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    copy?.dispose();
  });

  it('the Try: lines export its endpoint (the port bound), the unrouted queue\'s note names it, and `npx orders status` run as printed answers from it', async () => {
    // No SLUICE_ENDPOINT of the test's own environment: the commands look where a fresh shell's would.
    const { SLUICE_ENDPOINT: _own, ...env } = process.env;
    // A copy, its generated/ written from its contract: the stack starts whatever the tree's state.
    copy = copyProject();
    const codegen = copy.run('packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/bin/start.ts', '--port', '0', '--in-memory', '--no-consumers'], { cwd: copy.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('the banner', () => output.includes('Ctrl-C to stop') || child!.exitCode !== null, 90_000);
    const endpoint = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(endpoint, output).toBeDefined();
    expect(endpoint).not.toBe('http://127.0.0.1:4566');
    const lines = output.split('\n');
    const tryAt = lines.findIndex((l) => l.startsWith('Try:'));
    expect(lines[tryAt]).toBe(`Try:  export SLUICE_ENDPOINT=${endpoint}`);
    expect(lines[tryAt + 1]).toBe('      npx orders publish --item-name "Desk lamp" --quantity 2');
    // The unrouted queue's note: its command alone, to copy, carries the endpoint too.
    expect(output).toContain(`\`SLUICE_ENDPOINT=${endpoint} npx orders dlq list --queue OrderTopicUnrouted\` says why)`);

    // Run as printed, in a shell: the export line, then a command of the next lines.
    const status = lines[tryAt + 2]!.trim().split(/\s{2,}/).find((c) => c.endsWith(' status'))!;
    expect(status).toBe('npx orders status');
    const run = await promisify(execFile)('sh', ['-c', `${lines[tryAt]!.slice(6)}; ${status}`], { cwd: copy.dir, env, timeout: 60_000 });
    expect(run.stdout).toContain(`local stack at ${endpoint}, contract`);
  }, 180_000);
});

describe('npm start -- --watch: an event of several lines', () => {
  it('prints a handler that fails to compile as real lines, indented under the event, each terminal-safe', () => {
    const event = 'consumeOrderPlaced: init failed: Transform failed with 1 error:\n/tmp/h.ts:3:7: ERROR: Expected ";" but found "\u001b[2J"\n (fix the code: it reloads on save)';
    expect(eventLine('10:00:00.000', event).split('\n')).toEqual([
      '10:00:00.000 consumeOrderPlaced: init failed: Transform failed with 1 error:',
      '               /tmp/h.ts:3:7: ERROR: Expected ";" but found "\\x1b[2J"',
      '                (fix the code: it reloads on save)',
    ]);
    expect(eventLine('10:00:00.000', 'consumeOrderPlaced: ready')).toBe('10:00:00.000 consumeOrderPlaced: ready');
    // A carriage return inside a line still cannot rewrite it.
    expect(eventLine('10:00:00.000', 'a\rb\r\nc')).toBe('10:00:00.000 a\\rb\n               c');
  });
});
