/**
 * `npm run contract:lint` on a valid contract: the AsyncAPI CLI's verdict, exit 0, and nothing
 * else on the terminal (its configuration loader used to print four WARNING lines about a
 * config/ folder no project has).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const contract = path.join(root, 'packages/create/tests/fixtures/tiny/asyncapi.yaml');

describe('contract:lint', () => {
  it('validates a contract with the AsyncAPI CLI, exit 0, without the CLI loader warnings', { timeout: 60_000 }, () => {
    // A folder of its own (the command keeps the CLI's caches under node_modules/.cache there), not a project's.
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-'));
    const lint = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'packages/governance/src/lint-cli.ts'), contract], { cwd, encoding: 'utf8', timeout: 55_000 });
    rmSync(cwd, { recursive: true, force: true });
    const output = lint.stdout + lint.stderr;
    expect(lint.status, output).toBe(0);
    expect(output).toMatch(/is valid/);
    expect(output).not.toMatch(/WARNING/);
  });
});
