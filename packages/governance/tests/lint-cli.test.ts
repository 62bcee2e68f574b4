/**
 * `npm run contract:lint` on a valid contract: the AsyncAPI CLI's verdict, exit 0, and nothing
 * else on the terminal (its configuration loader used to print four WARNING lines about a
 * config/ folder no project has); on a contract with a remote `$ref`, a refusal naming it, and
 * nothing fetched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { lintProgram } from '@sluice/governance';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const contract = path.join(root, 'packages/create/tests/fixtures/tiny/asyncapi.yaml');

describe('contract:lint', () => {
  it('validates a contract with the AsyncAPI CLI, exit 0, without the CLI loader warnings', { timeout: 60_000 }, () => {
    // A folder of its own (the command keeps the CLI's caches under node_modules/.cache there), not a project's.
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-'));
    const lint = spawnSync(process.execPath, [path.join(root, 'packages/governance/src/lint-cli.ts'), contract], { cwd, encoding: 'utf8', timeout: 55_000 });
    rmSync(cwd, { recursive: true, force: true });
    const output = lint.stdout + lint.stderr;
    expect(lint.status, output).toBe(0);
    expect(output).toMatch(/is valid/);
    expect(output).not.toMatch(/WARNING/);
  });

  it('refuses a contract with a remote $ref, naming where it is written, and fetches nothing', { timeout: 60_000 }, async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-remote-'));
    try {
      const remote = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping.json`;
      // The fixture's contract with its payload's schema moved to a remote file.
      const text = readFileSync(contract, 'utf8');
      const edited = text.replace(/payload:\n(\s+)\$ref: .*/, (_all, indent: string) => `payload:\n${indent}$ref: '${remote}'`);
      expect(edited, 'the fixture has a payload $ref to replace').not.toBe(text);
      writeFileSync(path.join(cwd, 'asyncapi.yaml'), edited);
      const lint = spawn(process.execPath, [path.join(root, 'packages/governance/src/lint-cli.ts'), 'asyncapi.yaml'], { cwd });
      let output = '';
      lint.stdout.on('data', (d) => (output += d));
      lint.stderr.on('data', (d) => (output += d));
      const status = await new Promise<number | null>((resolve) => lint.on('close', resolve));
      expect(status, output).toBe(2); // nothing was validated: could not run (1 is a document with errors)
      expect(output).toMatch(new RegExp(`^asyncapi\\.yaml#/components/messages/\\w+/payload/\\$ref: \\$ref ${remote.replace(/[.]/g, '\\.')} is remote: the framework works offline and does not fetch it`, 'm'));
      expect(output).toMatch(/1 \$ref\(s\) above cannot be read offline \(1 remote \(the AsyncAPI CLI would fetch it from the network\)\): nothing was validated\nDownload each remote file beside the contract/);
      expect(requests, 'requests the command made to the remote $ref').toEqual([]);
    } finally {
      server.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('says of a $ref to a file that does not exist what it is, and how to fix it (it said to download a remote file); takes --spec as the other contract commands do', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-missing-'));
    try {
      const text = readFileSync(contract, 'utf8');
      writeFileSync(path.join(cwd, 'asyncapi.yaml'), text.replace(/payload:\n(\s+)\$ref: .*/, (_all, indent: string) => `payload:\n${indent}$ref: './schemas/gone.json'`));
      const lint = spawnSync(process.execPath, [path.join(root, 'packages/governance/src/lint-cli.ts'), '--spec', 'asyncapi.yaml'], { cwd, encoding: 'utf8', timeout: 30_000 });
      expect(lint.status, lint.stderr).toBe(2);
      expect(lint.stderr).toMatch(/asyncapi\.yaml#\S+: \$ref \.\/schemas\/gone\.json: schemas\/gone\.json does not exist/);
      expect(lint.stderr).toContain('contract:lint: 1 $ref(s) above cannot be read offline (1 to a file that does not exist): nothing was validated\nCorrect the path of each missing file, or write the file, then run contract:lint again.');
      expect(lint.stderr).not.toMatch(/remote/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("relays the AsyncAPI CLI's report through the I/O it is given, terminal-safe (it went to the process's terminal raw, past it)", { timeout: 60_000 }, async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-report-'));
    try {
      // A top-level key holding an escape sequence and a right-to-left override: the CLI quotes it in its error.
      const spec = path.join(cwd, 'asyncapi.yaml');
      const text = readFileSync(contract, 'utf8').replace(/^asyncapi: (.*)$/m, 'asyncapi: $1\n"Evil\\u001b[31mRed\\u202e": 1');
      writeFileSync(spec, text);
      cpSync(path.join(path.dirname(contract), 'schemas'), path.join(cwd, 'schemas'), { recursive: true });
      const io = captureIO();
      expect(await runCli(lintProgram, [spec], io), io.stdout() + io.stderr()).toBe(1);
      expect(io.stdout()).toContain('Property "Evil\\x1b[31mRed\\u202e" is not expected to be here');
      expect(io.stdout() + io.stderr()).not.toMatch(/[\u001b\u202e]/);
      expect(io.stderr()).toContain('have governance issues');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('names each unreadable $ref through the I/O it is given, as every line it says (they went to the process stderr, past it)', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'contract-lint-io-'));
    try {
      const spec = path.join(cwd, 'asyncapi.yaml');
      writeFileSync(spec, readFileSync(contract, 'utf8').replace(/payload:\n(\s+)\$ref: .*/, (_all, indent: string) => `payload:\n${indent}$ref: './schemas/gone.json'`));
      const io = captureIO();
      expect(await runCli(lintProgram, [spec], io), io.stderr()).toBe(2);
      expect(io.stderr()).toMatch(/^\S*asyncapi\.yaml#\S+: \$ref \.\/schemas\/gone\.json: \S*schemas\/gone\.json does not exist\ncontract:lint: 1 \$ref\(s\) above cannot be read offline/);
      expect(io.stdout()).toBe('');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
