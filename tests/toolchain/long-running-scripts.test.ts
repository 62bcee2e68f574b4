/**
 * The npm scripts that run until interrupted (`npm start`, `npm run subscriber`, `demo`, `bench`)
 * start the program itself on Node (`node --import ./scripts/require-node-24.mjs <file>`: Node's own
 * type stripping, or tsx's loader for the hosts of functions, behind the version check), not
 * through the `tsx` command, as they once did.
 * That command runs the program as a child and relays a Ctrl-C to it: when the child does not
 * acknowledge the signal within 30 ms it kills it, then SIGKILLs it after another 30 ms. On a busy
 * machine that cut the local stack's graceful stop short (seen as a flaky signals test: "ready"
 * printed, never "stopping"/"stopped"): no leftovers line, the data folder not closed cleanly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const LONG_RUNNING = ['start', 'subscriber', 'demo', 'bench'];

describe('the long-running npm scripts', () => {
  it.each(LONG_RUNNING)('%s starts the program on node directly, behind the version check, no relay process', (name) => {
    const command = scripts[name];
    expect(command, `package.json has no "${name}" script`).toBeDefined();
    // The hosts of functions (start, subscriber, demo) load TypeScript through tsx, as their functions do (HOST_TYPESCRIPT_LOADER).
    expect(command).toMatch(/^node (--[\w-]+(=\S+)? )*--import \.\/scripts\/require-node-24\.mjs (--import tsx )?\S+\.ts\b/);
  });

  it('so a Ctrl-C reaches the program: the process npm would start is the one that prints and stops', async () => {
    // The command of the start script, run on a fixture that stops gracefully on SIGINT.
    const [node, ...args] = scripts.start!.split(' ');
    const fixture = path.join(root, 'packages/cli/tests/fixtures/interruptible.ts');
    const program = args.slice(0, -1).concat(fixture);
    expect(node).toBe('node');
    const child = spawn(process.execPath, program, { cwd: root, env: { ...process.env, STOP_MS: '100' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout === 'ready\n') child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stdout).toBe('ready\nstopping\nstopped\n');
    expect(code).toBe(0);
  }, 20_000);
});
