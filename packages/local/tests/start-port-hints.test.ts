/**
 * On a stack the operator commands would not find by themselves (`npm start -- --port 0`), the
 * Try: lines start with `export SLUICE_ENDPOINT=<the endpoint>`, and the banner's own commands
 * carry it: run as printed, they reach that stack (the real `npm start` and `npx orders`, on the
 * order application in a copy of the project, no consumer running).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';
import { killAndWait } from '../../../tests/helpers/kill-child.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

describe('npm start -- --port 0: the commands it prints reach the stack it started', () => {
  let child: ChildProcess | undefined;
  let copy: ProjectCopy | undefined;
  afterAll(async () => {
    await killAndWait(child);
    copy?.dispose();
  });

  it('the Try: lines export its endpoint (the port bound), the unrouted queue\'s note names it, and `npx orders status` run as printed answers from it', async () => {
    // No SLUICE_ENDPOINT of the test's own environment: the commands look where a fresh shell's would.
    const { SLUICE_ENDPOINT: _own, ...env } = process.env;
    // A copy, its generated/ written from its contract: the stack starts whatever the tree's state.
    copy = copyProject();
    const codegen = copy.run('packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    child = spawn(process.execPath, ['packages/local/src/bin/start.ts', '--port', '0', '--in-memory', '--no-consumers'], { cwd: copy.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

