/**
 * The governance commands' exit codes: 1 only when the check ran and found problems (a breaking
 * change, an invalid payload, a stale picture, a release refused for what it would release), 2 when
 * the command could not check anything (a usage error, a contract that does not load, no released
 * contract, the generated validators missing, anything it did not expect). Before, both were 1,
 * and a CI script could not tell "your change is breaking" from "the command could not run".
 *
 * Each command runs in this process (`runCli`), in a scratch folder of its own as its project.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProgramSpec, runCli } from '@sluice/cli';
import { diagramProgram, diffProgram, docsProgram, lintProgram, releaseProgram, validateProgram } from '@sluice/governance';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

const pairs = path.join(import.meta.dirname, 'pairs');
const pair = (name: string, side: 'released' | 'working') => path.join(pairs, name, `${side}.yaml`);

const PROGRAMS: [string, ProgramSpec][] = [
  ['contract:diff', diffProgram],
  ['contract:release', releaseProgram],
  ['contract:lint', lintProgram],
  ['contract:validate', validateProgram],
  ['docs', docsProgram],
  ['diagram', diagramProgram],
];

let cwd: string;
let scratch: string;
beforeEach(() => {
  cwd = process.cwd();
  scratch = mkdtempSync(path.join(tmpdir(), 'governance-exit-'));
  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'p', eventContract: { spec: 'asyncapi.yaml', released: 'released', generated: 'generated' } }));
  process.chdir(scratch);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(scratch, { recursive: true, force: true });
});

async function run(program: ProgramSpec, args: string[]) {
  const io = captureIO();
  const code = await runCli(program, args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** A file that is no AsyncAPI document: what every contract command must refuse as input, not as a finding. */
function notAContract(): string {
  const file = path.join(scratch, 'not-a-contract.yaml');
  writeFileSync(file, 'asyncapi: 3.0.0\ninfo: {title: t}\nchannels: [\n');
  return file;
}

describe('the exit codes of the governance commands', () => {
  it.each(PROGRAMS)('%s --help says what 0, 1 and 2 mean', async (_name, program) => {
    const { code, stdout } = await run(program, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\nExit codes:\n {2}0 {2}\S.*\n {2}1 {2}\S.*\n {2}2 {2}could not run: \S/);
  });

  it('contract:diff: 1 for a breaking change, 2 for a working contract that does not load, for one whose x-compatibility is no mode, and with no released contract', async () => {
    expect((await run(diffProgram, ['--released', pair('field-renamed', 'released'), '--spec', pair('field-renamed', 'working')])).code).toBe(1);
    const unreadable = await run(diffProgram, ['--released', pair('field-renamed', 'released'), '--spec', notAContract()]);
    expect(unreadable.code, unreadable.stderr).toBe(2);
    const badMode = path.join(scratch, 'bad-mode.yaml');
    writeFileSync(badMode, readFileSync(pair('optional-field-added', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.1.0\n  x-compatibility: fulll\n'));
    const mode = await run(diffProgram, ['--released', pair('optional-field-added', 'released'), '--spec', badMode]);
    expect(mode.code, mode.stderr).toBe(2);
    const none = await run(diffProgram, []);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain('no released contract at released/asyncapi.json');
  });

  it('contract:diff: 2, not 1, for a failure it did not expect (a package.json that is not JSON), with the --debug hint', async () => {
    writeFileSync(path.join(scratch, 'package.json'), '{ not json');
    const broken = await run(diffProgram, ['--released', pair('field-renamed', 'released'), '--spec', pair('field-renamed', 'working')]);
    expect(broken.code, broken.stderr).toBe(2);
    expect(broken.stderr).toContain('--debug');
  });

  it('contract:release: 1 when it refuses a breaking change, 2 for a contract that does not load', async () => {
    const out = path.join(scratch, 'released');
    expect((await run(releaseProgram, ['--spec', pair('required-field-added', 'released'), '--out', out])).code).toBe(0);
    const refused = await run(releaseProgram, ['--spec', pair('required-field-added', 'working'), '--out', out]);
    expect(refused.code, refused.stderr).toBe(1);
    const unreadable = await run(releaseProgram, ['--spec', notAContract(), '--out', out]);
    expect(unreadable.code, unreadable.stderr).toBe(2);
  }, 60_000);

  it('contract:validate: 2 when the generated validators cannot be loaded', async () => {
    mkdirSync(path.join(scratch, 'samples'));
    writeFileSync(path.join(scratch, 'samples', 'a.json'), '{}');
    const missing = await run(validateProgram, ['samples']);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('npm run codegen');
  });

  it('contract:lint: 2 when a $ref cannot be read offline (nothing was validated)', async () => {
    const spec = path.join(scratch, 'asyncapi.yaml');
    writeFileSync(spec, readFileSync(pair('optional-field-added', 'working'), 'utf8').replace('      payload:\n', "      payload:\n        $ref: './schemas/gone.json'\n"));
    const lint = await run(lintProgram, [spec]);
    expect(lint.code, lint.stderr).toBe(2);
    expect(lint.stderr).toContain('nothing was validated');
  });

  it('docs: 2 for a contract that does not load', async () => {
    const docs = await run(docsProgram, ['--spec', notAContract(), '--out', path.join(scratch, 'out')]);
    expect(docs.code, docs.stderr).toBe(2);
  }, 60_000);

  it.each([['docs', docsProgram], ['diagram', diagramProgram]] as [string, ProgramSpec][])('%s: 2, a usage error naming the path, for a --settings file that does not exist (it drew with the defaults, said "drawn with the settings of /tmp/nope.ts (--settings)" and exited 0)', async (_name, program) => {
    const out = path.join(scratch, 'out.svg');
    const nope = path.join(scratch, 'nope.ts');
    const drawn = await run(program, ['--spec', pair('optional-field-added', 'working'), '--settings', nope, '--out', out]);
    expect(drawn.code, drawn.stderr).toBe(2);
    expect(drawn.stderr).toContain(`--settings ${JSON.stringify(nope)}: no such file or folder; give an existing path`);
    expect(drawn.stderr).toContain('--help');
    expect(drawn.stdout).not.toContain('drawn with');
  });

  it('diagram: 1 when --check finds the picture stale, 2 for a contract that does not load', async () => {
    const stale = path.join(scratch, 'stale.svg');
    writeFileSync(stale, '<svg/>');
    const check = await run(diagramProgram, ['--spec', pair('optional-field-added', 'working'), '--check', '--out', stale]);
    expect(check.code, check.stderr).toBe(1);
    const unreadable = await run(diagramProgram, ['--spec', notAContract(), '--out', path.join(scratch, 'x.svg')]);
    expect(unreadable.code, unreadable.stderr).toBe(2);
  }, 60_000);
});
