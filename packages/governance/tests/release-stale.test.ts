/**
 * `npm run contract:release` after a contract change says what the change left stale beside the
 * release, with the command for each: `generated/` (the contract's version is in it) and the
 * topology picture. It said only "Commit it with the contract change", and the commit then failed
 * `npm test`'s codegen:check and `diagram --check` (found by a newcomer's review of the README).
 * In a copy of the project.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';

let copy: ProjectCopy | undefined;
afterAll(() => copy?.dispose());

describe('npm run contract:release after a version bump', () => {
  it('names generated/ and the picture as stale, with what to run each', () => {
    copy = copyProject();
    const spec = copy.read('asyncapi.yaml');
    const version = /^ {2}version: '?(\d+)\.(\d+)\.(\d+)'?$/m.exec(spec)!;
    const next = `${version[1]}.${Number(version[2]) + 1}.0`;
    copy.write('asyncapi.yaml', spec.replace(version[0], `  version: '${next}'`));
    const release = copy.run('packages/governance/src/release-cli.ts');
    expect(release.status, release.stderr).toBe(0);
    expect(release.stdout).toContain(`contract:release: released ${next} to released/. Before you commit it with the contract change: generated/ is stale (npm run codegen); docs/topology.svg is stale (npm run diagram).`);
    // What it names is what npm test checks: run, they are current.
    expect(copy.run('packages/codegen/src/cli.ts').status).toBe(0);
    expect(copy.run('packages/governance/src/topology-picture.ts').status).toBe(0);
    expect(copy.run('packages/codegen/src/cli.ts', ['--check']).status).toBe(0);
    expect(copy.run('packages/governance/src/topology-picture.ts', ['--check']).status).toBe(0);
  }, 120_000);
});
