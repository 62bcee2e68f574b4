/**
 * The operator commands read the project's generated contract: without it (codegen never ran)
 * they refuse, naming the command to run, instead of Node's "Cannot find module …/generated/
 * index.js"; with a generated/ older than the contract (edited, codegen not run again) they say
 * so once, since what they check and name is the previous contract (a payload the edited
 * contract allows was refused against the old enum, with nothing saying why).
 */
import { appendFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { staleGeneratedReason } from '@sluice/codegen/freshness';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';

let fixture: FixtureProject;
beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
}, 60_000);
afterAll(() => fixture?.dispose());

/** Nothing listens there: each command fails after its contract is read, or before. */
const nowhere = ['--endpoint', 'http://127.0.0.1:9'];

describe('the operator commands, on a generated/ that does not match the contract', () => {
  it('start fresh: nothing is said', async () => {
    expect(staleGeneratedReason(fixture.project)).toBeUndefined();
    const io = captureIO();
    await fixture.within(() => runCli(fixtureProgram, ['status', ...nowhere], io));
    expect(io.stderr()).not.toContain('stale');
  });

  it('say once that generated/ is stale, and that they work from the previous contract', async () => {
    appendFileSync(fixture.project.spec, '\n# edited after codegen\n');
    const io = captureIO();
    const code = await fixture.within(() => runCli(fixtureProgram, ['publish-message', 'publishOrderPlaced', '--payload', '{"orderId":1}', ...nowhere], io));
    expect(code).toBe(1);
    const warnings = io.stderr().split('\n').filter((line) => line.includes('is stale'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: generated\/ is stale: it does not match asyncapi\.yaml.*Run `npm run codegen`, then try again\. Until then this command works from the contract generated\/ holds \(the previous one\)\.$/);
  });

  it('refuse to run without generated/index.js, naming npm run codegen', async () => {
    const index = path.join(fixture.project.generated, 'index.js');
    renameSync(index, `${index}.away`);
    try {
      for (const args of [['status'], ['dlq', 'list'], ['publish-message', 'publishOrderPlaced', '--payload', '{}']]) {
        const io = captureIO();
        expect(await fixture.within(() => runCli(fixtureProgram, [...args, ...nowhere], io)), args.join(' ')).toBe(1);
        expect(io.stderr(), args.join(' ')).toMatch(/generated\/index\.js is missing: the project's generated contract, which these commands read, is written by `npm run codegen`\nRun `npm run codegen`, then try again\./);
        expect(io.stderr(), args.join(' ')).not.toContain('Cannot find module');
      }
    } finally {
      renameSync(`${index}.away`, index);
    }
  });
});
