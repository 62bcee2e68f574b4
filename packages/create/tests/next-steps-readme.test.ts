/**
 * What `create` prints as the next steps without `--framework` (pack the framework, then create
 * the project from the tarballs) are the commands of README.md's "Start a project of your own",
 * in the same order. They once differed: create left out `npm run sst:install`, which
 * build:packages needs, and `SLUICE_PACKAGES_BUILT=1`, so every package was built twice.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpublishedFrameworkSteps } from '../src/cli.ts';

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

describe("create's next steps without --framework", () => {
  it("are the README's commands, in its order", () => {
    const commands = unpublishedFrameworkSteps('../payments', 'payments.yaml')
      .filter((line) => /^ {4}\S/.test(line))
      .map((line) => line.trim());
    expect(commands).toEqual(readmeCommands().map((c) => c.replace(/^cd \.\.\/payments && npm install && npm run codegen && npm start$/, 'cd ../payments && npm install && npm run codegen')));
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
