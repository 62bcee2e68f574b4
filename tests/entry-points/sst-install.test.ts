/**
 * `npm run sst:install` (`sluice-sst-install` in a created project) is a shell script, not a
 * program of the CLI kit, and follows the same convention: `--help` shows its usage and exits 0
 * without installing anything, `--version` prints its package's version; an unknown option is one
 * line naming it, a pointer to `--help`, exit 2, nothing on stdout (it used to ignore both and
 * start a minute-long install).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const script = path.join(root, 'packages/infra/sst-install.sh');
const run = (args: string[]) => spawnSync('bash', [script, ...args], { cwd: root, encoding: 'utf8' });

describe('sst:install', () => {
  it('--help shows the usage and its one option, and installs nothing', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run sst:install -- \[--force\]/);
    expect(r.stdout).toContain('--force');
    expect(r.stdout).not.toMatch(/already installed|installed in/);
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown option in one line and points to --help, exit 2', () => {
    const r = run(['--froce']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    // In the words of every other entry point (tests/entry-points/entry-points.test.ts), which it
    // once did not use: `unknown option '--froce' (only --force)`, then `Try: npm run sst:install -- --help`.
    expect(r.stderr).toBe('sst:install: unknown option --froce: it takes --force, --help and --version\nRun `npm run sst:install -- --help` for usage.\n');
  });

  it('echoes a value it cannot take as JSON quotes it, and an argument it takes none of', () => {
    expect(run(['--force=y"s']).stderr.split('\n')[0]).toBe('sst:install: --force takes no value, got "y\\"s": give --force alone');
    const r = run(['my app']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('sst:install: unexpected argument "my app": it installs for the project it runs in, no name; it takes --force, --help and --version');
  });

  it('--version through a bin link (node_modules/.bin/sluice-sst-install in a created project) prints the version of the package the link points into', () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'sst-install-bin-'));
    symlinkSync(script, path.join(bin, 'sluice-sst-install'));
    const r = spawnSync('bash', [path.join(bin, 'sluice-sst-install'), '--version'], { cwd: bin, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(path.join(root, 'packages/infra/package.json'), 'utf8')).version}\n`);
    expect(r.status).toBe(0);
  });

  it("--version prints @sluice/infra's version, the package that holds it, from any folder, and installs nothing", () => {
    const r = spawnSync('bash', [script, '--version'], { cwd: path.join(root, 'packages'), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(path.join(root, 'packages/infra/package.json'), 'utf8')).version}\n`);
    expect(r.stderr).toBe('');
  });
});
