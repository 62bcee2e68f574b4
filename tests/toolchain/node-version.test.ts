/**
 * The project runs on the Node.js major version the deployed Lambda functions run on: the `node`
 * devDependency puts that binary first on the PATH of every npm script, whatever the system Node is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isEntry, nodeVersionProblem } from '@sluice/cli';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; allowScripts: Record<string, boolean> };
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('the toolchain', () => {
  it('runs the tests on the Node.js major of the deployed Lambda runtime', () => {
    const deployer = readFileSync(path.join(root, 'packages/infra/src/sst/functions.ts'), 'utf8');
    const lambdaRuntime = /LAMBDA_RUNTIME = 'nodejs(\d+)\.x'/.exec(deployer)?.[1];
    expect(lambdaRuntime, 'the deployer names a nodejsNN.x runtime').toBeDefined();
    expect(major(process.version)).toBe(Number(lambdaRuntime));
  });

  it('pins that Node.js exactly, and .nvmrc names the same major', () => {
    const pinned = pkg.devDependencies.node;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.version).toBe(`v${pinned}`);
    expect(readFileSync(path.join(root, '.nvmrc'), 'utf8').trim()).toBe(String(major(pinned!)));
  });

  it('lets the node package run its install script, and records that package exactly in the lockfile', { timeout: 150_000 }, () => {
    // The install script fetches the binary (node-<platform>-<arch>) for the node package's own
    // version, which the devDependency and the lockfile pin (version and integrity). npm 11.19 can
    // pin an allowScripts entry to a version only from a lockfile entry with a "resolved" URL,
    // which this registry's lockfiles do not record: a "node@x.y.z" key is then NOT honoured
    // (npm reports the script as not covered), so the entry is by name, and npm must agree it
    // covers the script.
    const pinned = pkg.devDependencies.node!;
    const nodeKeys = Object.keys(pkg.allowScripts).filter((key) => key === 'node' || key.startsWith('node@'));
    expect(nodeKeys).toEqual(['node']);
    expect(pkg.allowScripts.node).toBe(true);
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
    expect(lock.packages['node_modules/node']).toMatchObject({ version: pinned, integrity: expect.stringMatching(/^sha512-/) });
    // npm lists the install scripts allowScripts does not cover: node's must not be among them.
    // (Only node's: in a copy of the project whose node_modules are links, npm also lists the
    // linked packages' prepare scripts.)
    // `npm install-scripts ls` reads the whole installed tree: 4 s alone, while in a full run on 2
    // cores this file took 25.6 s, against the 25 s limit this call had (a timed-out npm is killed
    // and the test fails on a null status). The limit only keeps a hung npm from holding the run.
    const npm = spawnSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(npm.error, 'npm install-scripts ls did not finish').toBeUndefined();
    expect(npm.status, npm.stderr).toBe(0);
    expect(npm.stdout).not.toMatch(/^\s*node@/m);
  });
});

/** A Node.js older than the pinned major on this machine's PATH (the system's, outside node_modules), if there is one. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version && major(version) < major(process.version)) return candidate;
  }
  return undefined;
}

describe('an entry point started by an older Node.js', () => {
  const codegen = path.join(root, 'packages/codegen/src/cli.ts');
  const refusal = /^codegen: runs on Node\.js 24 or later; this is v\d+\.\d+\.\d+ \(.*\)\. Run it through npm .*If node_modules\/\.bin\/node is missing \(an install with --ignore-scripts\), run `npm rebuild node`$/m;

  it('is told apart without import.meta.main (Node before 24.2): by the script Node was started with', () => {
    expect(isEntry({ url: pathToFileURL(process.argv[1]!).href } as ImportMeta)).toBe(true);
    expect(isEntry({ url: pathToFileURL(codegen).href } as ImportMeta)).toBe(false);
    expect(isEntry({ url: 'data:text/javascript,', main: undefined } as unknown as ImportMeta)).toBe(false);
    expect(isEntry({ url: pathToFileURL(codegen).href, main: true } as ImportMeta)).toBe(true);
    expect(nodeVersionProblem('v24.0.0')).toBeUndefined();
    expect(nodeVersionProblem('v25.1.0')).toBeUndefined();
    expect(nodeVersionProblem('v22.11.0', '/usr/local/bin/node')).toMatch(/^runs on Node\.js 24 or later; this is v22\.11\.0 \(\/usr\/local\/bin\/node\)/);
  });

  it('refuses, exit 1, saying to run it through npm (it did nothing and exited 0): a Node reporting an older version', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'old-node-'));
    const preload = path.join(dir, 'old-version.mjs');
    writeFileSync(preload, "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, '--import', 'tsx', codegen, '--help'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(refusal);
  });

  const older = olderNode();
  it.runIf(older !== undefined)(`refuses the same on this machine's own older Node (${older ?? 'none on the PATH'}), which has no import.meta.main`, () => {
    const run = spawnSync(older!, ['--import', 'tsx', codegen, '--help'], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toMatch(refusal);
    expect(run.status).toBe(1);
    // npm start's entry point, whose static imports once reached node:sqlite (Node 22.5+) before the check: ERR_UNKNOWN_BUILTIN_MODULE.
    const start = spawnSync(older!, ['--import', 'tsx', 'packages/local/src/bin/start.ts', '--help'], { cwd: root, encoding: 'utf8' });
    expect(start.stderr).toMatch(/^start: runs on Node\.js 24 or later; this is v\d+/m);
    expect(start.stderr).not.toContain('ERR_UNKNOWN_BUILTIN_MODULE');
    expect(start.status).toBe(1);
  });
});

describe("the npm scripts that run TypeScript sources (on Node's type stripping)", () => {
  const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const preload = './scripts/require-node-24.mjs';
  const refusal = /^codegen: runs on Node\.js 24 or later; this is v\d+\.\d+\.\d+ \(.*\)\. Run it through npm .*If node_modules\/\.bin\/node is missing \(an install with --ignore-scripts\), run `npm rebuild node`$/m;

  it('each start Node with the version check first: an older Node cannot even load a .ts entry point, so its own check would never run', () => {
    // Every command whose program (the first word after the options of node or tsx) is a .ts file.
    const running = Object.entries(scripts)
      .flatMap(([name, line]) => line.split('&&').map((command) => [name, command.trim()] as const))
      .filter(([, command]) => /^(?:node|tsx)\b/.test(command) && /\.ts$/.test(command.split(/\s+/).slice(1).filter((word, i, words) => !word.startsWith('-') && words[i - 1] !== '--import')[0] ?? ''));
    expect(running.map(([name]) => name)).toEqual(expect.arrayContaining(['start', 'codegen', 'codegen:check', 'contract:diff', 'typecheck', 'infra:plan', 'bench']));
    // (Then tsx, for the hosts of functions: HOST_TYPESCRIPT_LOADER.)
    for (const [name, command] of running) expect(command, name).toMatch(new RegExp(`^node (?:--[\\w-]+=?\\S* )*--import ${preload.replace(/[./]/g, '\\$&')} (?:--import tsx )?\\S+\\.ts\\b`));
  });

  it('refuse, exit 1, naming the script and what to do, before loading the entry point: a Node reporting an older version', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'old-node-'));
    const older = path.join(dir, 'old-versions.mjs');
    writeFileSync(older, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } }); Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(older).href, '--import', preload, 'packages/codegen/src/not-loaded.ts', '--help'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_lifecycle_event: 'codegen' } });
    // A file that does not exist: only the check before it can answer.
    expect(run.stderr).toMatch(refusal);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });

  const older = olderNode();
  it.runIf(older !== undefined && major(spawnSync(older, ['--version'], { encoding: 'utf8' }).stdout) < 22)(`refuse the same on this machine's own older Node (${older ?? 'none on the PATH'}), which cannot load .ts files`, () => {
    const run = spawnSync(older!, ['--import', preload, 'packages/codegen/src/cli.ts', '--help'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_lifecycle_event: 'codegen' } });
    expect(run.stderr).toMatch(refusal);
    expect(run.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    expect(run.status).toBe(1);
  });
});
