/**
 * A stale manifest is refused (issue 18, item 5): after the contract changes and before
 * `npm run codegen` runs again, `infra:plan`, `npm start` and `sst.config.ts` (the
 * `SluiceTopology` component) would plan, run or deploy the previous contract. Each refuses,
 * naming `npm run codegen`; the check is codegen's own inputs hash (`@sluice/codegen/freshness`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '@sluice/infra/plan';
import { inputsHashOf, recordedInputsHash, staleGeneratedReason } from '@sluice/codegen/freshness';
import { loadProject } from '@sluice/model';
import { copyProject, type ProjectCopy } from '../helpers/project-copy.ts';

describe('a generated/ that does not match the contract is refused', () => {
  let copy: ProjectCopy;
  beforeAll(() => {
    copy = copyProject();
    // The working tree's generator may be ahead of the committed generated/ (shared tree): start fresh.
    const generated = copy.run('packages/codegen/src/cli.ts');
    if (generated.status !== 0) throw new Error(`npm run codegen failed in the copy:\n${generated.stderr}`);
  }, 120_000);
  afterAll(() => copy.dispose());

  it('is fresh after codegen: the recorded hash is the one codegen computes now', () => {
    const project = loadProject(copy.dir);
    expect(staleGeneratedReason(project)).toBeUndefined();
    expect(recordedInputsHash(copy.read('generated/topology.json'))).toBe(inputsHashOf(project.spec).hash);
  });

  describe('after a schema the contract $refs changed, without codegen', () => {
    beforeAll(() => {
      // A schema file (not the spec itself): the hash covers every local file the spec references.
      const schema = 'schemas/order-placed.v1.json';
      const text = copy.read(schema);
      copy.write(schema, text.replace(/\}\s*$/, ',\n  "$comment": "changed after codegen"\n}\n'));
    });

    it('the check names the folder and the command', () => {
      const reason = staleGeneratedReason(loadProject(copy.dir));
      expect(reason).toMatch(/^generated\/ is stale: it does not match asyncapi\.yaml, schemas\/order-placed\.v1\.json/);
      expect(reason).toContain('Run `npm run codegen`');
    });

    it('infra:plan refuses, exit 1, naming npm run codegen, and prints no plan', () => {
      const planned = copy.run('packages/infra/src/plan/cli.ts', ['--json']);
      expect(planned.status).toBe(1);
      expect(planned.stdout).toBe('');
      // Named once, by the CLI kit: `infra:plan: generated/ is stale…`, not `infra:plan: infra:plan: …`.
      expect(planned.stderr).toMatch(/^infra:plan: generated\/ is stale/);
      // Said once: the reason ends with what to run, and no line after it says it again.
      expect(planned.stderr.match(/npm run codegen/g)).toHaveLength(1);
    });

    it('npm start refuses, exit 1, naming npm run codegen, before starting anything', () => {
      const started = copy.run('packages/local/src/bin/start.ts', ['--in-memory', '--port', '0'], { timeoutMs: 60_000 });
      expect(started.status).toBe(1);
      expect(started.stderr).toMatch(/^start: generated\/ is stale/m);
      expect(started.stderr).not.toContain('start: start:');
      expect(started.stderr.match(/npm run codegen/g)).toHaveLength(1);
      expect(started.stdout).not.toContain('Try:');
    });

    it('sst.config.ts refuses: SluiceTopology throws naming npm run codegen', async () => {
      await expect(synthesize({ stage: 'dev', root: copy.dir })).rejects.toThrow(/generated\/ is stale[^\n]*Run `npm run codegen`/);
    }, 120_000);

    it('after npm run codegen, infra:plan plans again', () => {
      const generated = copy.run('packages/codegen/src/cli.ts');
      expect(generated.status, generated.stderr).toBe(0);
      expect(staleGeneratedReason(loadProject(copy.dir))).toBeUndefined();
      // As a user reads it in a terminal (stdout and stderr together): the plan, its warnings each once.
      const planned = copy.run('packages/infra/src/plan/cli.ts');
      expect(planned.status, planned.stderr).toBe(0);
      expect(planned.stdout).toMatch(/^infra:plan: synthesized offline in [\d.]+ s; nothing was deployed/m);
      const said = `${planned.stdout}\n${planned.stderr}`;
      const warnings = said.split('\n').filter((line) => /maxReceiveCount \d+ is under 5/.test(line));
      // The order queue's maxReceiveCount 3 (the design card's) is under AWS's guidance (as any a
      // consumer added since may be): each said once, in the plan's Warnings, not a second time on
      // stderr above it.
      expect(warnings.filter((line) => line.includes('queue OrderQueue:'))).toHaveLength(1);
      expect(new Set(warnings).size).toBe(warnings.length);
      expect(planned.stderr).toBe('');
    }, 180_000);
  });

  it('a missing manifest is refused the same way', () => {
    const other = copyProject();
    try {
      other.remove('generated/topology.json');
      const planned = other.run('packages/infra/src/plan/cli.ts', []);
      expect(planned.status).toBe(1);
      expect(planned.stderr).toContain('generated/topology.json is missing: run `npm run codegen`');
    } finally {
      other.dispose();
    }
  }, 60_000);
});
