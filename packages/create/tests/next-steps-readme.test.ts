/**
 * What `create` prints as the next steps without `--framework` (pack the framework, then create
 * the project from the tarballs) are the commands of README.md's "Start a project of your own",
 * in the same order. They once differed: create left out `npm run sst:install`, which
 * build:packages needs, and `SLUICE_PACKAGES_BUILT=1`, so every package was built twice. And the
 * README's commands run as written in the repository's root: the contract they name is there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { unpublishedFrameworkSteps } from '../src/cli.ts';
import { createProject } from '../src/create.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The README's block of commands that packs the framework and creates a project from it, one command per line. */
function readmeCommands(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Start a project of your own'));
  const block = /```sh\n(npm run sst:install[\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```sh block starting with npm run sst:install under "Start a project of your own"');
  return block[1]!
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** The folder and the contract of the README's `npm run create -- <folder> --contract <file> --framework <dir>`. */
function readmeCreate(): { directory: string; contract: string; framework: string } {
  const line = readmeCommands().find((c) => c.startsWith('npm run create -- '));
  if (!line) throw new Error('README.md: no npm run create line under "Start a project of your own"');
  const { values, positionals } = parseArgs({ args: line.slice('npm run create -- '.length).split(/\s+/), allowPositionals: true, options: { contract: { type: 'string' }, framework: { type: 'string' } } });
  return { directory: positionals[0]!, contract: values.contract!, framework: values.framework! };
}

describe("create's next steps without --framework", () => {
  it("are the README's commands, in its order", () => {
    const { directory, contract } = readmeCreate();
    const commands = unpublishedFrameworkSteps(directory, contract)
      .filter((line) => /^ {4}\S/.test(line))
      .map((line) => line.trim());
    // create prints the steps up to codegen; the README goes on to npm start.
    expect(commands).toEqual(readmeCommands().map((c) => c.replace(/^(cd \S+ && npm install && npm run codegen) && npm start$/, '$1')));
  });
});

describe("README's commands, run top to bottom in the repository's root by a newcomer", () => {
  it('create a project from a contract the repository has (it named payments.yaml, which it has not), which create accepts', async () => {
    const { contract } = readmeCreate();
    expect(existsSync(path.join(root, contract)), `README.md: npm run create names --contract ${contract}, which the repository does not have`).toBe(true);
    const parent = mkdtempSync(path.join(tmpdir(), 'sluice-readme-create-'));
    try {
      const created = await createProject({ directory: path.join(parent, 'app'), contract: path.join(root, contract) });
      expect(created.consumers.length).toBeGreaterThan(0);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe("create's next steps for a folder or contract whose path a shell splits", () => {
  it('write each path as one shell word, so that each line runs as printed', () => {
    // Before: `cd /tmp/Mein Projekt ü && …`, which cd reads as three words.
    const lines = unpublishedFrameworkSteps('/tmp/Mein Projekt ü', "Bob's contract.yaml");
    expect(lines).toContain("    npm run create -- '/tmp/Mein Projekt ü' --contract 'Bob'\\''s contract.yaml' --framework ../tarballs");
    expect(lines).toContain("    cd '/tmp/Mein Projekt ü' && npm install && npm run codegen");
  });
});
