import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const pair = (name: string, side: 'released' | 'working') => path.join(here, 'pairs', name, `${side}.yaml`);

/**
 * Runs one of the contract commands the way npm does, in this test's folder: every input is given
 * (--spec, --released, --out), so no project's defaults are read, the application's included.
 */
function run(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'packages/governance/src', script), ...args], { cwd: here, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run contract:diff', () => {
  it('prints a table of the breaking changes with their paths and fails, saying what to do', () => {
    const { code, stdout, stderr } = run('diff-cli.ts', ['--released', pair('field-renamed', 'released'), '--spec', pair('field-renamed', 'working')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^CLASSIFICATION +CHANGE +PATH +DETAIL$/m);
    expect(stdout).toMatch(/^breaking +removed +messages\.OrderPlaced\.payload\.properties\.quantity +field removed \(renamed to "count"\?\)/m);
    expect(stdout).toContain('2 breaking, 1 non-breaking (compatibility mode: backward)'); // the pair declares no mode
    expect(stderr).toContain('side by side');
    expect(stderr).toContain('--accept-breaking');
  }, 60_000);

  // The clean-tree case is `npm test` itself: it runs `npm run contract:diff` on the real contract.

  it('explains its options with --help', () => {
    const { code, stdout } = run('diff-cli.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--released <file>');
  }, 60_000);
});

describe('npm run contract:release', () => {
  it('releases a compatible change, refuses a breaking one, and records a deliberate break', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect(run('release-cli.ts', ['--spec', pair('required-field-added', 'released'), '--out', out]).code).toBe(0);

    const refused = run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused');

    const accepted = run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out, '--accept-breaking', 'no consumer yet']);
    expect(accepted.code).toBe(0);
    // OrderPlaced broke but kept x-schema-version 1.0.0: released on purpose, but said loudly, and recorded.
    expect(accepted.stdout).toContain('OrderPlaced: its own changes are breaking but x-schema-version is still 1.0.0');
    expect(accepted.stdout).not.toContain('bump the minor');
    expect(accepted.stderr).toMatch(/contract:release: WARNING: OrderPlaced changes in a breaking way but keeps major 1 \(x-schema-version still 1\.0\.0\)\. Its old-shape messages .* consumers that expect the new shape refuse them/);
    expect(accepted.stderr).toContain('contract:release: WARNING: OrderPlaced broke without a new major version');
    const record = JSON.parse(readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(record).toMatchObject({ version: '1.1.0', acceptedBreaking: { reason: 'no consumer yet' } });
    expect(record.acceptedBreaking.inPlace).toEqual([{ message: 'OrderPlaced', released: '1.0.0', working: '1.0.0', warning: expect.stringContaining('still pass the subscriptions\' "1." filter') }]);
    expect(JSON.parse(readFileSync(path.join(out, 'asyncapi.json'), 'utf8')).components.messages.OrderPlaced.payload.required).toContain('currency');

    const again = run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out]);
    expect(again.stdout).toContain('nothing to release');
  }, 120_000);
});
