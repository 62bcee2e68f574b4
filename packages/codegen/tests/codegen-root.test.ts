/**
 * codegen on this project's own contract, in the repository root: `npm run codegen:check` on the
 * committed generated/ (and a stale copy of it), its usage as npm runs it there, `npm run codegen`
 * rewriting only what differs, the application's generated package without ajv-formats, and the
 * inputs hash of the application's contract. Split from codegen.test.ts (whose tests are on
 * contracts of their own): these read the application, so they run again in the edited copy of
 * tests/framework/readme-steps.test.ts.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { inputsHashOf } from '@sluice/codegen/freshness';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
/** Run by Node itself (its type stripping), as the codegen and codegen:check scripts run it: not through tsx, a second process. */
const cli = path.join(root, 'packages', 'codegen', 'src', 'cli.ts');

describe('npm run codegen:check', () => {
  it('passes on the committed generated/ and names the stale file otherwise', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'generated-'));
    cpSync(path.join(root, 'generated'), out, { recursive: true });
    writeFileSync(path.join(out, 'types.d.ts'), readFileSync(path.join(out, 'types.d.ts'), 'utf8').replace("'quantity': number;", "'quantity': string;"));
    writeFileSync(path.join(out, 'leftover.js'), '');
    // Two independent runs (the real generated/ and a stale copy elsewhere), side by side.
    const [ok, stale] = await Promise.all([
      run(process.execPath, [cli, '--check'], { cwd: root }),
      run(process.execPath, [cli, '--check', '--out', out], { cwd: root }).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(ok.stdout).toMatch(/is up to date/);
    expect(stale).toMatchObject({ code: 1 });
    const stderr = (stale as { stderr: string }).stderr;
    expect(stderr).toContain(`${path.join(out, 'types.d.ts')}`);
    expect(stderr).toContain('leftover.js (not generated any more)');
    expect(stderr).not.toContain('index.js\n');
    expect(stderr).toContain('Run `npm run codegen`');
  });

  it('prints usage with --help', async () => {
    const { stdout } = await run(process.execPath, [cli, '--help'], { cwd: root });
    expect(stdout).toMatch(/^Usage: npm run codegen/);
  });

  it('run by `npm run codegen:check -- …`, names itself so in its usage line and its messages', async () => {
    // What npm does for `npm run codegen:check -- --help`: the script's own --check, then the user's arguments.
    const env = { ...process.env, npm_lifecycle_event: 'codegen:check' };
    const { stdout } = await run(process.execPath, [cli, '--check', '--help'], { cwd: root, env });
    expect(stdout.split('\n')[0]).toBe('Usage: npm run codegen:check -- [options]');
    expect(stdout).toMatch(/^ {2}--check {2,}write nothing; exit 1 naming stale files/m);
    const refused = await run(process.execPath, [cli, '--check', '--frobnicate'], { cwd: root, env }).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(2);
    expect((refused as { stderr: string }).stderr).toMatch(/^codegen:check: unknown option --frobnicate: .*\nRun `npm run codegen:check -- --help` for usage\.\n$/);
  });
});

describe('npm run codegen', () => {
  it('writes only the files that differ: one it would write the same keeps its time (a watching npm start reloads nothing)', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'generated-'));
    cpSync(path.join(root, 'generated'), out, { recursive: true });
    writeFileSync(path.join(out, 'types.d.ts'), readFileSync(path.join(out, 'types.d.ts'), 'utf8').replace("'quantity': number;", "'quantity': string;"));
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(out, path.join(e.parentPath, e.name)));
    const then = new Date('2001-01-01T00:00:00Z');
    for (const f of files) utimesSync(path.join(out, f), then, then);
    const { stdout } = await run(process.execPath, [cli, '--out', out], { cwd: root });
    expect(stdout).toContain(`codegen: updated ${path.join(out, 'types.d.ts')} (`);
    const rewritten = files.filter((f) => statSync(path.join(out, f)).mtimeMs !== then.getTime());
    expect(rewritten).toEqual(['types.d.ts']);
    expect(readFileSync(path.join(out, 'types.d.ts'), 'utf8')).toBe(readFileSync(path.join(root, 'generated', 'types.d.ts'), 'utf8'));
  });
});

describe('the formats bundled with the validators', () => {
  it("leave ajv-formats out of this application's generated package, whose only format is date-time, which it still checks", async () => {
    const js = readFileSync(path.join(root, 'generated', 'index.js'), 'utf8');
    expect(js).not.toContain('ajv-formats');
    const { messages } = await import(pathToFileURL(path.join(root, 'generated', 'index.js')).href);
    const order = { orderId: 'o-1', userId: 'u-1', itemName: 'Desk lamp', quantity: 1, status: 'PAID', timestamp: '2026-01-01T10:00:00Z' };
    expect(messages.OrderPlaced.validate(order)).toBe(true);
    expect(messages.OrderPlaced.validate({ ...order, timestamp: '2026-01-01T10:00:00' })).toBe(false);
  });
});

describe('the inputs hash (what codegen:check compares)', () => {
  it('changes when a generator file whose code ends up in generated/ changes: the formats bundled, the length shortcuts', () => {
    // An installed copy of the generator, beside the real framework packages it reads.
    const dir = mkdtempSync(path.join(tmpdir(), 'generator-'));
    const codegen = path.join(dir, 'node_modules', '@sluice', 'codegen');
    cpSync(path.join(root, 'packages', 'codegen', 'src'), path.join(codegen, 'src'), { recursive: true });
    cpSync(path.join(root, 'packages', 'codegen', 'package.json'), path.join(codegen, 'package.json'));
    for (const name of ['model', 'runtime']) symlinkSync(path.join(root, 'packages', name), path.join(dir, 'node_modules', '@sluice', name));
    mkdirSync(path.join(dir, 'node_modules', '@asyncapi'));
    for (const name of ['ajv', 'esbuild', '@asyncapi/modelina']) symlinkSync(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name));
    const spec = path.join(root, 'asyncapi.yaml');
    let hash = inputsHashOf(spec, dir).hash;
    for (const file of ['date-time-format.ts', 'length-shortcuts.ts', 'formats.ts']) {
      appendFileSync(path.join(codegen, 'src', file), '\n// edited\n');
      const edited = inputsHashOf(spec, dir).hash;
      expect(edited, file).not.toBe(hash);
      hash = edited;
    }
  });
});
