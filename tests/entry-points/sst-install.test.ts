/**
 * `npm run sst:install` (`sluice-sst-install` in a created project) is a shell script, not a
 * program of the CLI kit, and follows the same convention: `--help` shows its usage and exits 0
 * without installing anything; an unknown option is one line naming it, a pointer to `--help`,
 * exit 2, nothing on stdout (it used to ignore both and start a minute-long install).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const script = path.join(root, 'packages/infra/sst-install.sh');
const run = (args: string[]) => spawnSync('bash', [script, ...args], { cwd: root, encoding: 'utf8' });

describe('sst:install', () => {
  it('--help shows the usage and its one option, and installs nothing', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run sst:install \[-- --force\]/);
    expect(r.stdout).toContain('--force');
    expect(r.stdout).not.toMatch(/already installed|installed in/);
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown option in one line and points to --help, exit 2', () => {
    const r = run(['--froce']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("sst:install: unknown option '--froce' (only --force)\nTry: npm run sst:install -- --help\n");
  });
});
