/**
 * A framework package as a created project gets it: `npm pack` of @sluice/cli (its prepack builds
 * dist/ and packs a manifest pointing at it, scripts/pack-manifest.mjs), the tarball unpacked into
 * a temp node_modules, then imported there by plain Node (no tsx: Node does not strip types under
 * node_modules) and type-checked through its `.d.ts` by tsc without skipLibCheck. The workspace's
 * package.json is the same after the pack. (The whole path, every package, npm install and the
 * project's commands, is scripts/try-create.sh.) One pack (about 2 CPU-s: its prepack builds
 * dist/), into a folder that does not exist yet, serves every test: the README's first
 * `--pack-destination ../tarballs` is such a folder, and a destination that exists already is
 * packages/infra/tests/sst-config.test.ts's (which checks the manifest put back there too) and
 * scripts/try-create.sh's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the build, without declarations
import { launcherOf, PACKAGES } from '../../../scripts/build-packages.mjs';
import { packInCopy, type PackedCopy } from '../../../tests/helpers/pack-in-copy.ts';
import { NODE_MAJOR } from '@sluice/cli';

const root = path.resolve(import.meta.dirname, '../../..');
const cliPackage = path.join(root, 'packages', 'cli');

describe('a packed framework package, installed', () => {
  let dir: string;
  let destination: string;
  let destinationExistedBefore: boolean;
  let manifestBefore: string;
  let packed: PackedCopy;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-packed-'));
    manifestBefore = readFileSync(path.join(cliPackage, 'package.json'), 'utf8');
    // Not there yet, and not its parent either (the README's ../tarballs on a first run).
    destination = path.join(dir, 'not-yet', 'tarballs');
    destinationExistedBefore = existsSync(path.join(dir, 'not-yet'));
    // In a copy: a pack in the workspace rewrites the package's manifest and dist/ under the tests running beside it.
    packed = packInCopy('cli', destination);
    const scope = path.join(dir, 'node_modules', '@sluice');
    mkdirSync(scope, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', path.join(destination, packed.filename), '-C', scope], { encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    renameSync(path.join(scope, 'package'), path.join(scope, 'cli'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('carries dist/ (JavaScript and .d.ts), not the sources, and leaves the workspace manifest as it was', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('package.json');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('tests/'))).toEqual([]);
    // postpack puts the manifest back (in the copy packed), and the workspace's was never touched.
    expect(packed.manifestAfter).toBe(packed.manifestBefore);
    expect(packed.savedManifestLeft).toBe(false);
    expect(readFileSync(path.join(cliPackage, 'package.json'), 'utf8')).toBe(manifestBefore);
    expect(existsSync(path.join(cliPackage, 'package.json.workspace'))).toBe(false);
    const installed = JSON.parse(readFileSync(path.join(dir, 'node_modules/@sluice/cli/package.json'), 'utf8'));
    expect(installed.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(installed.scripts).toBeUndefined();
    // npm warns at install on an older Node.
    expect(installed.engines).toEqual({ node: `>=${NODE_MAJOR}` });
  });

  it("packs into a --pack-destination that does not exist yet (the README's ../tarballs on a first run), and puts the manifest back", () => {
    // npm itself does not create it: the pack failed with ENOENT after prepack, postpack never ran,
    // and the package's package.json stayed packed (exports to dist/, no scripts to repair it).
    // (The pack of beforeAll, which packed into such a folder.)
    expect(destinationExistedBefore).toBe(false);
    expect(existsSync(path.join(destination, packed.filename))).toBe(true);
    expect(packed.manifestAfter).toBe(packed.manifestBefore);
    expect(packed.savedManifestLeft).toBe(false);
  });

  it('declares the Node.js it runs on in every framework package (engines)', () => {
    for (const name of Object.keys(PACKAGES as object)) {
      const manifest = JSON.parse(readFileSync(path.join(root, 'packages', name, 'package.json'), 'utf8')) as { engines?: unknown };
      expect(manifest.engines, name).toEqual({ node: `>=${NODE_MAJOR}` });
    }
  });

  it('resolves to its built JavaScript and runs with plain Node, parameter properties included', () => {
    const script = [
      "const url = import.meta.resolve('@sluice/cli');",
      "const cli = await import('@sluice/cli');",
      // CliError's options are a parameter property, which Node's type stripping refuses.
      "const error = new cli.CliError('bad option', { exitCode: 3 });",
      "console.log(JSON.stringify({ url, table: cli.formatTable(['a', 'b'], [['1', '2']]), exitCode: error.options.exitCode, message: error.message }));",
    ].join('\n');
    // No --import tsx, no loader: what `node` does in a project that installed the package.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.url).toBe(`file://${path.join(dir, 'node_modules/@sluice/cli/dist/index.js')}`);
    expect(out.table).toBe('a  b\n-  -\n1  2');
    expect(out).toMatchObject({ exitCode: 3, message: 'bad option' });
  });

  // With TypeScript 7, which a created project installs, and 5.9, which a project of before may have.
  it.each(['typescript-7', 'typescript'])('type-checks through its .d.ts (without skipLibCheck), with %s', (typescript) => {
    writeFileSync(
      path.join(dir, 'use.ts'),
      ["import { CliError, formatTable, type ProgramSpec } from '@sluice/cli';", "const table: string = formatTable(['a'], [['1']]);", "const spec: ProgramSpec['name'] = 'x';", 'export const all = [table, spec, new CliError(table, { exitCode: 3 }).options.exitCode];', ''].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2024', lib: ['ES2024'], module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')] },
        files: ['use.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', typescript, 'bin', 'tsc'), '-p', 'tsconfig.json', '--traceResolution'], { cwd: dir, encoding: 'utf8' });
    expect(tsc.status, tsc.stdout.split('\n').filter((l) => l.includes('error TS')).join('\n')).toBe(0);
    // The declarations tsc used are the package's dist/.
    expect(tsc.stdout).toContain(`'@sluice/cli' was successfully resolved to '${path.join(dir, 'node_modules/@sluice/cli/dist/index.d.ts')}'`);
    // TypeScript 5.9's check, @types/node included (no skipLibCheck), is about 3 CPU-s: with the
    // machine busy (load 15 on 2 cores) it took 28 s of the default 30, and failed at it once.
  }, 120_000);

  // A bin launcher (scripts/build-packages.mjs) of a command whose module needs Node 24 at load
  // (node:sqlite, as sluice-start's local stack does), installed next to the packed CLI kit.
  const launched = (node: string) => {
    const pkg = path.join(dir, 'node_modules', '@sluice', 'needs-sqlite');
    mkdirSync(path.join(pkg, 'dist', 'bin'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@sluice/needs-sqlite', type: 'module' }));
    writeFileSync(
      path.join(pkg, 'dist', 'command.js'),
      "import { DatabaseSync } from 'node:sqlite';\nexport const program = { name: 'needs-sqlite', invocation: 'npx needs-sqlite', summary: 'opens a database', run: ({ io }) => { io.out(typeof DatabaseSync); } };\n",
    );
    writeFileSync(path.join(pkg, 'dist', 'bin', 'needs-sqlite.js'), launcherOf('needs-sqlite', { module: 'command.js', program: 'program' }));
    return spawnSync(node, [path.join(pkg, 'dist', 'bin', 'needs-sqlite.js')], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  };

  it('runs an installed bin on Node 24', () => {
    const run = launched(process.execPath);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('function\n');
    expect(run.status).toBe(0);
  });

  const older = olderNode();
  it.runIf(older !== undefined)(`refuses an installed bin on this machine's older Node (${older ?? 'none on the PATH'}) as the source entry points do, not with ERR_UNKNOWN_BUILTIN_MODULE`, () => {
    const run = launched(older!);
    expect(run.stderr).not.toContain('ERR_UNKNOWN_BUILTIN_MODULE');
    expect(run.stderr).toMatch(/^needs-sqlite: runs on Node\.js 24 or later; this is v\d+\.\d+\.\d+ \(.*\)\. Run it through npm .*run `npm rebuild node`\n$/);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });
});

/** A Node.js older than this one on the PATH outside node_modules (the system's), if there is one. */
function olderNode(): string | undefined {
  const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!folder || folder.includes('node_modules')) continue;
    const candidate = path.join(folder, 'node');
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version && major(version) < major(process.version)) return candidate;
  }
  return undefined;
}
