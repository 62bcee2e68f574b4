import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startNode } from '../../../tests/helpers/start-node.ts';
import { comparePrecedence, semver } from '../src/semver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const pair = (name: string, side: 'released' | 'working') => path.join(here, 'pairs', name, `${side}.yaml`);

/**
 * Runs one of the contract commands the way npm does, in this test's folder: every input is given
 * (--spec, --released, --out), so no project's defaults are read, the application's included.
 * Without blocking: the tests of a describe block run side by side (each command is a process of
 * about a second, each test's files in folders of its own), two commands at a time, the commands of
 * one test one after another.
 */
async function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // At most two at once: more would take the machine's cores from the test files running beside this one.
  while (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await runNow(script, args);
  } finally {
    running--;
    waiting.shift()?.();
  }
}
const MAX_RUNNING = 2;
let running = 0;
const waiting: (() => void)[] = [];
/**
 * Each test's time limit. Its time includes the commands of the other tests of its block queued
 * before its own (two at a time), not only its own: on a busy machine (six test files at once on 2
 * cores) the escapes test of contract:diff ran out of its 60 s in three runs out of three, and the
 * first contract:release test took 74 s of its 120; run one after another, under that load, the
 * longest test took 17.6 s.
 */
const SIDE_BY_SIDE_TIMEOUT_MS = 240_000;

function runNow(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startNode([path.join(repoRoot, 'packages/governance/src', script), ...args], { cwd: here }).then(({ status, stdout, stderr }) => ({ code: status, stdout, stderr }));
}

/**
 * A folder holding what `contract:release` of the enum-value-added pair's released side wrote
 * (exit 0 required), released once for the tests that start from it: each gets a copy of its own.
 */
let enumReleased: Promise<string> | undefined;
async function releasedEnumPair(): Promise<string> {
  enumReleased ??= (async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    const released = await run('release-cli.ts', ['--spec', pair('enum-value-added', 'released'), '--out', out]);
    if (released.code !== 0) throw new Error(`contract:release of the enum-value-added pair's released side exited ${released.code}:\n${released.stderr}`);
    return out;
  })();
  const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
  cpSync(await enumReleased, out, { recursive: true });
  return out;
}

describe.concurrent('npm run contract:diff', () => {
  it('prints a table of the breaking changes with their paths and fails, saying what to do', async ({ expect }) => {
    const { code, stdout, stderr } = await run('diff-cli.ts', ['--released', pair('field-renamed', 'released'), '--spec', pair('field-renamed', 'working')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^CLASSIFICATION +CHANGE +PATH +DETAIL$/m);
    expect(stdout).toMatch(/^breaking +removed +messages\.OrderPlaced\.payload\.properties\.quantity +field removed \(renamed to "count"\?\)/m);
    expect(stdout).toContain('2 breaking, 1 non-breaking (compatibility mode: backward, the default: no info.x-compatibility)'); // the pair declares no mode
    expect(stderr).toContain('side by side');
    expect(stderr).toContain('--accept-breaking');
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('refuses a contract whose x-compatibility is no mode as its problem, saying what to write, not as a crash (it said to run again with --debug)', async ({ expect }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-diff-mode-'));
    const working = path.join(dir, 'working.yaml');
    writeFileSync(working, readFileSync(pair('optional-field-added', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.1.0\n  x-compatibility: fulll\n'));
    const { code, stderr } = await run('diff-cli.ts', ['--released', pair('optional-field-added', 'released'), '--spec', working]);
    expect(code).toBe(2); // could not run: not 1, which says the change is breaking
    expect(stderr).toContain('info.x-compatibility is "fulll", which is no compatibility mode: write one of backward, forward, full, or leave it out (backward)');
    expect(stderr).toContain(`Fix it in ${working}`);
    expect(stderr).not.toContain('--debug');
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('names the released snapshot when its x-compatibility is the one that is no mode, and what replaces it (it told to fix the working contract, which cannot help)', async ({ expect }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-diff-mode-'));
    const released = path.join(dir, 'released.yaml');
    writeFileSync(released, readFileSync(pair('optional-field-added', 'released'), 'utf8').replace('  version: 1.0.0\n', '  version: 1.0.0\n  x-compatibility: fulll\n'));
    const { code, stderr } = await run('diff-cli.ts', ['--released', released, '--spec', pair('optional-field-added', 'working')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${released}: info.x-compatibility is "fulll", which is no compatibility mode`);
    expect(stderr).toContain('release it (npm run contract:release)');
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("shows what the contracts' files hold as escapes, never as codes the terminal obeys: names, versions and keys in the heading, the rows, the notes and what to do next, in every format", async ({ expect }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-diff-escapes-'));
    // A title-setting OSC (ESC ] … BEL), a C1 CSI that clears the screen, a right-to-left override.
    const [version, name, field] = ['1.0.0\u001b]0;x\u0007', 'OrderPlaced\u009b2J', 'currency\u202e'];
    const write = (side: 'released' | 'working') => {
      const file = path.join(dir, `${side}.yaml`);
      const text = readFileSync(pair('required-field-added', side), 'utf8')
        .replace(/ {2}version: 1\.[01]\.0\n/, `  version: ${JSON.stringify(version)}\n`)
        .replace('      name: OrderPlaced\n', `      name: ${JSON.stringify(name)}\n`)
        .replaceAll('currency', JSON.stringify(field));
      writeFileSync(file, text);
      return file;
    };
    const args = ['--released', write('released'), '--spec', write('working')];
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
    const table = await run('diff-cli.ts', args);
    expect(table.code, table.stderr).toBe(1);
    expect(table.stdout).toContain('released 1.0.0\\x1b]0;x\\x07 (');
    expect(table.stdout).toMatch(/^breaking +added +messages\.OrderPlaced\\x9b2J\.payload\.properties\.currency\\u202e +/m);
    expect(table.stdout).toContain('note: info.version is still 1.0.0\\x1b]0;x\\x07;');
    expect(table.stderr).toContain('OrderPlaced\\x9b2J: copy its payload schema');
    for (const text of [table.stdout, table.stderr]) expect(text).not.toMatch(raw);
    const markdown = await run('diff-cli.ts', [...args, '--format', 'markdown']);
    expect(markdown.stdout).toContain('`messages.OrderPlaced\\x9b2J.payload.properties.currency\\u202e`');
    expect(markdown.stdout).not.toMatch(raw);
    // JSON keeps the values (JSON.parse gives them back), written as \u escapes.
    const json = await run('diff-cli.ts', [...args, '--format', 'json']);
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.parse(json.stdout).changes.map((c: { path: string }) => c.path)).toContain(`messages.${name}.payload.properties.${field}`);
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  // The clean-tree case is `npm test` itself: it runs `npm run contract:diff` on the real contract.

  it('explains its options with --help', async ({ expect }) => {
    const { code, stdout } = await run('diff-cli.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--released <file>');
  }, SIDE_BY_SIDE_TIMEOUT_MS);
});

describe.concurrent('npm run contract:release', () => {
  it('releases a compatible change, refuses a breaking one, and records a deliberate break', async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect((await run('release-cli.ts', ['--spec', pair('required-field-added', 'released'), '--out', out])).code).toBe(0);

    const refused = await run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused');

    const accepted = await run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out, '--accept-breaking', 'no consumer yet']);
    expect(accepted.code).toBe(0);
    // OrderPlaced broke but kept x-schema-version 1.0.0: released on purpose, but said loudly, and recorded.
    expect(accepted.stdout).toContain('OrderPlaced: its own changes are breaking but x-schema-version is still 1.0.0');
    expect(accepted.stdout).not.toContain('bump the minor');
    expect(accepted.stderr).toMatch(/contract:release: WARNING: OrderPlaced changes in a breaking way but keeps major 1 \(x-schema-version still 1\.0\.0\)\. Its old-shape messages .* consumers that expect the new shape refuse them/);
    expect(accepted.stderr).toContain('contract:release: WARNING: OrderPlaced broke without a new major version');
    // info.version too: a break released as a minor is said.
    expect(accepted.stderr).toContain('contract:release: WARNING: breaking changes released as 1.1.0, the same major as 1.0.0: readers of the contract\'s version take it for compatible. A break is a new major (2.0.0).');
    const record = JSON.parse(readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(record).toMatchObject({ version: '1.1.0', acceptedBreaking: { reason: 'no consumer yet' } });
    expect(record.acceptedBreaking.inPlace).toEqual([{ message: 'OrderPlaced', released: '1.0.0', working: '1.0.0', warning: expect.stringContaining('still pass the subscriptions\' "1." filter') }]);
    expect(JSON.parse(readFileSync(path.join(out, 'asyncapi.json'), 'utf8')).components.messages.OrderPlaced.payload.required).toContain('currency');

    const again = await run('release-cli.ts', ['--spec', pair('required-field-added', 'working'), '--out', out]);
    expect(again.stdout).toContain('nothing to release');

    // A documentation-only edit released under the same version keeps the record of the break 1.1.0 made (it was dropped).
    const reworded = path.join(out, 'reworded.yaml');
    writeFileSync(reworded, readFileSync(pair('required-field-added', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.1.0\n  description: Now with a description.\n'));
    const docs = await run('release-cli.ts', ['--spec', reworded, '--out', out]);
    expect(docs.code, docs.stderr).toBe(0);
    expect(docs.stdout).toContain('released 1.1.0 (documentation only, the same version)');
    expect(docs.stderr).not.toContain('WARNING'); // recorded, not said again: nothing broke in this release
    expect(JSON.parse(readFileSync(path.join(out, 'release.json'), 'utf8')).acceptedBreaking).toEqual(record.acceptedBreaking);
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('refuses --accept-breaking where nothing breaking was found, writing nothing (the reason was dropped, or an earlier one kept in its stead)', async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    const record = () => readFileSync(path.join(out, 'release.json'), 'utf8');
    const next = 'Run npm run contract:release again without --accept-breaking: it records a reason only with the breaking changes it accepts.';
    // A first release: no released contract, so nothing to break.
    const first = await run('release-cli.ts', ['--spec', pair('description-only', 'released'), '--out', out, '--accept-breaking', 'first one']);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).toContain(`contract:release: --accept-breaking "first one" was given, but nothing breaking was found (there is no released contract yet (${path.join(out, 'asyncapi.json')}), so nothing to break): there is no break to accept, and the reason would be recorded nowhere\n${next}`);
    expect(() => record()).toThrow(/ENOENT/);
    expect((await run('release-cli.ts', ['--spec', pair('description-only', 'released'), '--out', out])).code).toBe(0);
    const released = record();
    // Nothing changed since.
    const same = await run('release-cli.ts', ['--spec', pair('description-only', 'released'), '--out', out, '--accept-breaking', 'why not']);
    expect(same.code, same.stderr).toBe(2);
    expect(same.stderr).toContain('--accept-breaking "why not" was given, but nothing breaking was found (nothing changed since the release:');
    // A documentation-only edit under the same version.
    const docs = path.join(out, 'docs-only.yaml');
    writeFileSync(docs, readFileSync(pair('description-only', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.0.0\n'));
    const reworded = await run('release-cli.ts', ['--spec', docs, '--out', out, '--accept-breaking', 'reworded']);
    expect(reworded.code, reworded.stderr).toBe(2);
    expect(reworded.stderr).toContain(`contract:release: --accept-breaking "reworded" was given, but nothing breaking was found (only documentation changed): there is no break to accept, and the reason would be recorded nowhere\n${next}`);
    expect(reworded.stdout).not.toContain('released 1.0.0');
    expect(record()).toBe(released);
    // The same edit with its version bumped: refused alike.
    const bumpedDocs = await run('release-cli.ts', ['--spec', pair('description-only', 'working'), '--out', out, '--accept-breaking', 'reworded']);
    expect(bumpedDocs.code, bumpedDocs.stderr).toBe(2);
    // A non-breaking change, version not bumped: both said.
    const optional = path.join(out, 'optional.yaml');
    writeFileSync(optional, readFileSync(pair('description-only', 'released'), 'utf8').replace(/( +)orderId:/, '$1note: {type: string}\n$1orderId:'));
    const notBumped = await run('release-cli.ts', ['--spec', optional, '--out', out, '--accept-breaking', 'an addition']);
    expect(notBumped.code, notBumped.stderr).toBe(1);
    expect(notBumped.stderr).toContain('contract:release: info.version is still 1.0.0\n--accept-breaking "an addition" was given, but nothing breaking was found (every change is non-breaking)');
    expect(notBumped.stderr).toContain(`documentation alone needs none), then release again. ${next}`);
    expect(record()).toBe(released);
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("says the contract's version and names as escapes where they hold controls: released, nothing to release, the warnings (they reached the terminal raw)", async ({ expect }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-release-escapes-'));
    const out = path.join(dir, 'released');
    const file = path.join(dir, 'asyncapi.yaml');
    writeFileSync(file, readFileSync(pair('required-field-added', 'released'), 'utf8').replace(/ {2}version: 1\.0\.0\n/, `  version: ${JSON.stringify('1.0.0\u001b]0;x\u0007')}\n`));
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
    // Such a version is no MAJOR.MINOR.PATCH: refused, as it quotes it.
    const first = await run('release-cli.ts', ['--spec', file, '--out', out]);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain('info.version "1.0.0\\x1b]0;x\\x07" is not a version MAJOR.MINOR.PATCH');
    // A snapshot released with it before versions were checked.
    const valid = path.join(dir, 'valid.yaml');
    writeFileSync(valid, readFileSync(pair('required-field-added', 'released'), 'utf8'));
    expect((await run('release-cli.ts', ['--spec', valid, '--out', out])).code).toBe(0);
    const snapshot = JSON.parse(readFileSync(path.join(out, 'asyncapi.json'), 'utf8'));
    snapshot.info.version = '1.0.0\u001b]0;x\u0007';
    writeFileSync(path.join(out, 'asyncapi.json'), JSON.stringify(snapshot, null, 2));
    const again = await run('release-cli.ts', ['--spec', file, '--out', out]);
    expect(again.stdout).toContain('already holds version 1.0.0\\x1b]0;x\\x07');
    // Replaced by a release of a version of the form: the warning quotes the released one.
    writeFileSync(valid, readFileSync(pair('required-field-added', 'working'), 'utf8'));
    const replaced = await run('release-cli.ts', ['--spec', valid, '--out', out, '--accept-breaking', 'no consumer yet']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toContain('the released info.version "1.0.0\\x1b]0;x\\x07" is not MAJOR.MINOR.PATCH');
    for (const text of [first.stdout, first.stderr, again.stdout, again.stderr, replaced.stdout, replaced.stderr]) expect(text).not.toMatch(raw);
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("records the x-schema-version of every message, those written under a channel too, and 1.0.0 (what is sent) for one that declares none (it recorded components.messages' only, and dropped one without)", async ({ expect }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    const spec = path.join(dir, 'asyncapi.yaml');
    const payload = '        payload:\n          type: object\n          properties:\n            orderId: {type: string}\n';
    writeFileSync(
      spec,
      readFileSync(pair('optional-field-added', 'released'), 'utf8')
        // OrderNoted written under the channel, OrderShipped under components.messages without x-schema-version.
        .replace('        $ref: "#/components/messages/OrderPlaced"\n', `        $ref: "#/components/messages/OrderPlaced"\n      orderNoted:\n        name: OrderNoted\n        x-schema-version: 1.2.0\n${payload}      orderShipped:\n        $ref: "#/components/messages/OrderShipped"\n`)
        .replace('  messages:\n    OrderPlaced:\n', `  messages:\n    OrderShipped:\n      name: OrderShipped\n${payload.replace(/^ {2}/gm, '')}    OrderPlaced:\n`)
        .replace('      - $ref: "#/channels/orders/messages/orderPlaced"\n', '      - $ref: "#/channels/orders/messages/orderPlaced"\n      - $ref: "#/channels/orders/messages/orderNoted"\n      - $ref: "#/channels/orders/messages/orderShipped"\n'),
    );
    const released = await run('release-cli.ts', ['--spec', spec, '--out', path.join(dir, 'released')]);
    expect(released.code, released.stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(dir, 'released', 'release.json'), 'utf8'));
    expect(record.messages).toEqual({ OrderNoted: '1.2.0', OrderPlaced: '1.0.0', OrderShipped: '1.0.0' });
    expect(Object.keys(record.messages)).toEqual(Object.keys(record.topology.messages));
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('releases a documentation-only edit under the same version, saying so (it refused: "info.version is still 1.0.0")', async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect((await run('release-cli.ts', ['--spec', pair('description-only', 'released'), '--out', out])).code).toBe(0);
    const docs = path.join(out, 'docs-only.yaml');
    writeFileSync(docs, readFileSync(pair('description-only', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.0.0\n'));
    const released = await run('release-cli.ts', ['--spec', docs, '--out', out]);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain('only documentation changed');
    expect(released.stdout).toContain('contract:release: released 1.0.0 (documentation only, the same version) to');
    expect(JSON.parse(readFileSync(path.join(out, 'asyncapi.json'), 'utf8')).info.description).toBe('Now with a description.');
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("judges a release whose released snapshot's x-compatibility is no mode under the working contract's, said as that contract's or the default, never as a --mode it has no option for, nor as the contracts' (plural) or neither's (it said \"given with --mode\", then \"of the contracts\" and \"neither contract declares\")", async ({ expect }) => {
    for (const declared of [undefined, 'backward'] as const) {
      const out = await releasedEnumPair();
      // A snapshot released before x-compatibility was checked.
      const snapshot = path.join(out, 'asyncapi.json');
      const released = JSON.parse(readFileSync(snapshot, 'utf8'));
      released.info['x-compatibility'] = 'fulll';
      writeFileSync(snapshot, JSON.stringify(released, null, 2));
      const working = path.join(out, 'working.yaml');
      const text = readFileSync(pair('enum-value-added', 'working'), 'utf8');
      writeFileSync(working, declared ? text.replace('  version: 1.1.0\n', `  version: 1.1.0\n  x-compatibility: ${declared}\n`) : text);

      const result = await run('release-cli.ts', ['--spec', working, '--out', out]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toContain('--mode');
      expect(result.stdout).not.toContain('of the contracts');
      expect(result.stdout).not.toContain('neither');
      expect(result.stdout).toMatch(/^non-breaking +\S+ +info\.x-compatibility +"fulll" → \S+: changes were classified under backward \(the working contract's mode alone: the released "fulll" is no mode\)$/m);
      if (declared) {
        expect(result.stderr).toContain(`contract:release: warning: ${snapshot}: info.x-compatibility is "fulll", which is no compatibility mode. Only ${working}'s mode counts: backward, its info.x-compatibility. This release replaces the snapshot, and its mode with ${working}'s.`);
        expect(result.stdout).toContain("(compatibility mode: backward, from the working contract's info.x-compatibility: the released snapshot's is no mode)");
        expect(result.stdout).toMatch(/allowed under x-compatibility backward \(the working contract's info\.x-compatibility; the released snapshot's is no mode\), .* \(or declare full\)/);
      } else {
        expect(result.stderr).toContain(`contract:release: warning: ${snapshot}: info.x-compatibility is "fulll", which is no compatibility mode. Only ${working}'s mode counts: backward, the default, as it declares no info.x-compatibility (declare one there to judge under another). This release replaces the snapshot, and its mode with ${working}'s.`);
        expect(result.stdout).toContain("(compatibility mode: backward, the default: the working contract declares no info.x-compatibility, the released snapshot's is no mode)");
        expect(result.stdout).toMatch(/allowed under backward, the default mode \(the working contract declares no info\.x-compatibility; the released snapshot's is no mode\), .* \(or declare x-compatibility: full\)/);
      }
    }
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("names each contract whose x-compatibility is no mode when both are, the working one as the one to fix (it said neither file), with the snapshot's value whole, a colon in it too (it was cut there)", async ({ expect }) => {
    const out = await releasedEnumPair();
    const snapshot = path.join(out, 'asyncapi.json');
    const released = JSON.parse(readFileSync(snapshot, 'utf8'));
    released.info['x-compatibility'] = 'full: strict';
    writeFileSync(snapshot, JSON.stringify(released, null, 2));
    const working = path.join(out, 'working.yaml');
    writeFileSync(working, readFileSync(pair('enum-value-added', 'working'), 'utf8').replace('  version: 1.1.0\n', '  version: 1.1.0\n  x-compatibility: bakward\n'));

    const result = await run('release-cli.ts', ['--spec', working, '--out', out]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`contract:release: ${working}: info.x-compatibility is "bakward", which is no compatibility mode: write one of backward, forward, full, or leave it out (backward)`);
    expect(result.stderr).toContain(`${snapshot}: info.x-compatibility is "full: strict", which is no compatibility mode either: the release replaces it with ${working}'s.`);
    expect(result.stderr).toContain(`Fix it in ${working}, then run npm run contract:release again.`);
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('refuses an info.version that is no semver version, or is not above the released one by semver precedence (v1.1.0, "1.0" and 1.0.0-rc.1 were released over 1.0.0)', async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect((await run('release-cli.ts', ['--spec', pair('optional-field-added', 'released'), '--out', out])).code).toBe(0);
    // The released 1.0.0 plus an optional field, under the version given.
    const as = (version: string) => {
      const file = path.join(out, `working-${version}.yaml`);
      writeFileSync(file, readFileSync(pair('optional-field-added', 'working'), 'utf8').replace('  version: 1.1.0\n', `  version: ${JSON.stringify(version)}\n`));
      return run('release-cli.ts', ['--spec', file, '--out', out]);
    };
    for (const version of ['v1.1.0', '1.0', '01.1.0']) {
      const refused = await as(version);
      expect(refused.code, `${version}: ${refused.stderr}`).toBe(1);
      expect(refused.stderr).toContain(`contract:release: info.version "${version}" is not a version MAJOR.MINOR.PATCH`);
      expect(refused.stderr).toContain('three numbers without a leading v: 1.2.0 (a pre-release 1.2.0-rc.1 and build metadata 1.2.0+build.5 are allowed)');
    }
    const preRelease = await as('1.0.0-rc.1');
    expect(preRelease.code, preRelease.stderr).toBe(1);
    expect(preRelease.stderr).toContain('info.version 1.0.0-rc.1 is lower than the released 1.0.0 (a pre-release comes before its version: 1.0.0-rc.1 < 1.0.0)');
    const build = await as('1.0.0+build.7');
    expect(build.code, build.stderr).toBe(1);
    expect(build.stderr).toContain('info.version 1.0.0+build.7 is the same version as the released 1.0.0 (build metadata, after +, does not count)');
    // A pre-release of the next version is above it, and releases; one of its pre-releases lower by precedence is refused.
    const rc = await as('1.1.0-rc.10');
    expect(rc.code, rc.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'release.json'), 'utf8')).version).toBe('1.1.0-rc.10');
    const lower = await as('1.1.0-rc.9');
    expect(lower.code, lower.stderr).toBe(1);
    expect(lower.stderr).toContain('info.version 1.1.0-rc.9 is lower than the released 1.1.0-rc.10\n');
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it("says in its table where each breaking change is written, as contract:diff does (it showed no file nor line)", async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect((await run('release-cli.ts', ['--spec', pair('payload-file-narrowed', 'released'), '--out', out])).code).toBe(0);
    const refused = await run('release-cli.ts', ['--spec', pair('payload-file-narrowed', 'working'), '--out', out]);
    expect(refused.code, refused.stderr).toBe(1);
    const line = readFileSync(path.join(here, 'pairs/payload-file-narrowed/working-payload.json'), 'utf8').split('\n').findIndex((l) => l.includes('"maxLength": 32')) + 1;
    expect(refused.stdout).toMatch(new RegExp(`^breaking +changed +messages\\.OrderPlaced\\.payload\\.properties\\.orderId\\.maxLength +64 → 32: .* \\(at pairs/payload-file-narrowed/working-payload\\.json line ${line}\\)$`, 'm'));
  }, SIDE_BY_SIDE_TIMEOUT_MS);

  it('refuses a version lower than the released one, and a contract npm run codegen refuses (both were released)', async ({ expect }) => {
    const out = mkdtempSync(path.join(tmpdir(), 'contract-release-'));
    expect((await run('release-cli.ts', ['--spec', pair('optional-field-added', 'working'), '--out', out])).code).toBe(0);
    const lower = await run('release-cli.ts', ['--spec', pair('optional-field-added', 'released'), '--out', out, '--accept-breaking', 'going back']);
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain('info.version 1.0.0 is lower than the released 1.1.0');

    // An example its own schema refuses: codegen refuses the contract, so no release either.
    const broken = path.join(out, 'broken.yaml');
    writeFileSync(broken, readFileSync(pair('optional-field-added', 'working'), 'utf8').replace('version: 1.1.0', 'version: 1.2.0').replace('      x-schema-version: 1.0.0\n', '      x-schema-version: 1.0.0\n      examples:\n        - payload: {orderId: "", quantity: 0, status: LOST}\n'));
    const refused = await run('release-cli.ts', ['--spec', broken, '--out', out]);
    expect(refused.code, refused.stderr).toBe(1); // a finding about what it would release, as a breaking change is (it exited 2, "could not run")
    expect(refused.stderr).toMatch(/refused: npm run codegen refuses this contract, so nothing could be built from the release:\n.*1 problem\(s\)/);
    expect(JSON.parse(readFileSync(path.join(out, 'release.json'), 'utf8')).version).toBe('1.1.0');
    // --help says so under 1, not under 2.
    const help = (await run('release-cli.ts', ['--help'])).stdout;
    expect(help).toMatch(/^ {2}1 {2}.*a contract npm run codegen refuses/m);
    expect(help).not.toMatch(/^ {2}2 {2}.*codegen refuses/m);
  }, SIDE_BY_SIDE_TIMEOUT_MS);
});

describe("contract:release's info.version: semver.org's form and precedence", () => {
  it('reads x.y.z with a pre-release and build metadata, nothing else (no leading v, no leading zeros)', () => {
    expect(semver('1.2.3-rc.1+build.5')).toEqual({ core: ['1', '2', '3'], pre: ['rc', '1'] });
    for (const version of ['v1.2.3', '1.2', '1', '01.2.3', '1.2.3-rc.01', '1.2.3-', '1.2.3+', '1.2.3-rc..1', ' 1.2.3', 1.2]) expect(semver(version), String(version)).toBeUndefined();
  });

  it("orders versions as semver.org's precedence does, build metadata ignored", () => {
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.9.0', '1.10.0', '2.0.0', '2.1.1', '12345678901234567890.0.0'];
    for (let i = 0; i < order.length - 1; i++) {
      const [a, b] = [semver(order[i])!, semver(order[i + 1])!];
      expect(comparePrecedence(a, b), `${order[i]} < ${order[i + 1]}`).toBeLessThan(0);
      expect(comparePrecedence(b, a), `${order[i + 1]} > ${order[i]}`).toBeGreaterThan(0);
    }
    expect(comparePrecedence(semver('1.0.0+build.7')!, semver('1.0.0')!)).toBe(0);
    expect(comparePrecedence(semver('1.0.0-rc.1+a')!, semver('1.0.0-rc.1+b')!)).toBe(0);
  });
});
