/**
 * `create` from a small fixture contract (not the order contract) into a temp folder: the files it
 * writes, then the project's own commands against this workspace's framework packages (linked as
 * node_modules, the way tests/helpers/project-copy.ts does): codegen, typecheck, the generated
 * contract test over the examples, and infra:plan --json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, createProject, CreateError, FRAMEWORK_PACKAGES, OPERATOR_COMMAND, PROJECT_SCRIPTS, type CreatedProject } from '@sluice/create';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runCli } from '@sluice/cli';
import { codegenProgram, readContract } from '@sluice/codegen';
import { checkSettings } from '@sluice/model';
import type { AppSettings } from '@sluice/runtime/settings';
// @ts-expect-error: a plain JavaScript module of the build, without declarations
import { PACKAGES } from '../../../scripts/build-packages.mjs';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'tiny', 'asyncapi.yaml');

/** What a command run by {@link run} did: as spawnSync says it (status null when killed). */
interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end, as spawnSync does (killed after `timeout` ms), but without holding
 * the test's process: commands that read the same project run side by side.
 */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeout ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** Runs a framework CLI (its TypeScript source, on Node's type stripping) in `cwd`. */
function framework(cwd: string, source: string, args: string[] = []): Promise<Ran> {
  return run(process.execPath, [path.join(root, source), ...args], { cwd });
}

/** node_modules of the created project: links to this workspace's, its contract package to its own generated/. */
function linkNodeModules(dir: string, contractPackage: string): void {
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (entry === '@orders' || entry === '.cache' || entry === '.bin' || entry === 'typescript') continue;
    symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  // The TypeScript a created project installs, 7 (this workspace's `typescript` is 5.9, for the
  // tools that use its API), and its tsc among the workspace's bins.
  symlinkSync(path.join(root, 'node_modules', 'typescript-7'), path.join(modules, 'typescript'));
  mkdirSync(path.join(modules, '.bin'));
  for (const bin of readdirSync(path.join(root, 'node_modules', '.bin'))) {
    if (bin === 'tsc' || bin === 'tsserver') continue;
    symlinkSync(path.join(root, 'node_modules', '.bin', bin), path.join(modules, '.bin', bin));
  }
  symlinkSync(path.join(modules, 'typescript', 'bin', 'tsc'), path.join(modules, '.bin', 'tsc'));
  symlinkSync(path.join(dir, 'generated'), path.join(modules, contractPackage));
  // A folder of the project's own, as sst:install makes it (git ignores .sst/ as a folder, not a
  // link), with this workspace's platform in it.
  mkdirSync(path.join(dir, '.sst'));
  symlinkSync(path.join(root, '.sst', 'platform'), path.join(dir, '.sst', 'platform'));
}

/**
 * A folder of the framework's bins as this workspace runs them (from their TypeScript sources,
 * on Node's type stripping), for PATH: npm puts the project's node_modules/.bin first, where an installed
 * framework's bins are, but the linked one has none (its package.json declares no bin: `bin` is
 * written when a package is packed). So `npm run ops -- status` runs the project's script as it is.
 */
function linkedBins(parent: string): string {
  const bin = path.join(parent, 'bin');
  mkdirSync(bin, { recursive: true });
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  for (const [name, bins] of Object.entries(PACKAGES as Record<string, Record<string, { module?: string; script?: string; v8?: string[] }>>)) {
    for (const [command, target] of Object.entries(bins)) {
      const run = target.script
        ? `exec bash ${quote(path.join(root, 'packages', name, target.script))} "$@"`
        : `exec ${quote(process.execPath)} ${(target.v8 ?? []).join(' ')} ${quote(path.join(root, 'packages', name, 'src', target.module!.replace(/\.js$/, '.ts')))} "$@"`;
      writeFileSync(path.join(bin, command), `#!/bin/sh\n${run}\n`);
      chmodSync(path.join(bin, command), 0o755);
    }
  }
  return bin;
}

/** `npm run <args>` in the created project `dir`, its framework's bins from `bins`, against the local stack at `endpoint`. */
function npmRun(dir: string, bins: string, endpoint: string, args: string[]): Promise<Ran> {
  return run('npm', ['run', ...args], { cwd: dir, env: { ...process.env, PATH: `${bins}${path.delimiter}${process.env.PATH}`, SLUICE_ENDPOINT: endpoint } });
}

/**
 * `npm start` (the sluice-start program, from its source) in `cwd` on free ports until its banner
 * is printed; returns the banner and a `stop` that sends Ctrl-C (SIGINT) and waits for the exit.
 */
async function startStack(cwd: string, args: string[] = []): Promise<{ banner: string; stop: () => Promise<{ code: number | null; output: string }> }> {
  const child = spawn(process.execPath, [path.join(root, 'packages/local/src/bin/start.ts'), '--port', '0', '--console-port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Until the banner's last line is printed, the program exits, or 90 s have passed (looked at as
  // the output comes, not every 200 ms).
  await new Promise<void>((resolve) => {
    const check = () => {
      if (output.includes('Ctrl-C to stop')) done();
    };
    const done = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', done);
      resolve();
    };
    const timer = setTimeout(done, 90_000);
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', done);
    check();
  });
  if (!output.includes('Ctrl-C to stop')) {
    child.kill('SIGKILL');
    throw new Error(`npm start printed no banner (exit ${child.exitCode}):\n${output}`);
  }
  return {
    banner: output,
    stop: async () => {
      child.kill('SIGINT');
      // A stack that hangs on Ctrl-C is killed after 20 s (and says so in the output), rather than
      // holding the test to its own timeout.
      const hung = setTimeout(() => {
        output += '\n[test] no exit 20 s after Ctrl-C: SIGKILL\n';
        child.kill('SIGKILL');
      }, 20_000);
      try {
        return { code: await exited, output };
      } finally {
        clearTimeout(hung);
      }
    },
  };
}

/**
 * The project of the test "checks every example, of a message in a file a $ref names too" (last in
 * this file): the tiny fixture with its message moved to a file of its own, with a second example;
 * created, generated and its contract test run from the file's start, beside the other tests,
 * which share nothing with it (a temp folder and a project of its own). Its test reads the outcome.
 */
async function examplesProject(parent: string): Promise<{ codegen: Ran; test?: Ran }> {
  const source = path.join(parent, 'contract');
  cpSync(path.dirname(fixture), source, { recursive: true });
  const spec = path.join(source, 'asyncapi.yaml');
  const text = readFileSync(spec, 'utf8');
  const start = text.indexOf('    Pinged:\n');
  const end = text.indexOf('  schemas:\n');
  writeFileSync(spec, `${text.slice(0, start)}    Pinged:\n      $ref: './messages/pinged.yaml'\n${text.slice(end)}`);
  mkdirSync(path.join(source, 'messages'));
  writeFileSync(
    path.join(source, 'messages', 'pinged.yaml'),
    [
      'name: Pinged',
      'x-schema-version: 1.0.0',
      'payload:',
      "  $ref: '../schemas/pinged.json'",
      'examples:',
      '  - name: pinged',
      "    payload: { pingId: p-1, sentAt: '2026-01-01T09:00:00Z' }",
      '  - name: repinged',
      "    payload: { pingId: p-2, sentAt: '2026-01-01T09:05:00Z' }",
      '',
    ].join('\n'),
  );
  const created = await createProject({ directory: path.join(parent, 'app'), contract: spec });
  linkNodeModules(created.directory, 'app-contract');
  const codegen = await framework(created.directory, 'packages/codegen/src/cli.ts');
  if (codegen.status !== 0) return { codegen };
  return { codegen, test: await run(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'tests/contract.test.ts'], { cwd: created.directory }) };
}

let examplesParent: string | undefined;
let examples: Promise<{ codegen: Ran; test?: Ran }> | undefined;
beforeAll(() => {
  examplesParent = mkdtempSync(path.join(tmpdir(), 'sluice-create-examples-'));
  examples = examplesProject(examplesParent);
  examples.catch(() => {}); // its test says it
});
afterAll(async () => {
  await examples?.catch(() => {});
  if (examplesParent) rmSync(examplesParent, { recursive: true, force: true });
}, 180_000);

describe('create: a new project from a small contract', () => {
  let parent: string;
  let created: CreatedProject;
  beforeAll(async () => {
    parent = mkdtempSync(path.join(tmpdir(), 'sluice-create-'));
    created = await createProject({ directory: path.join(parent, 'tiny-app'), contract: fixture });
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('writes the contract with its $ref-ed files in the same layout, and the project around it', () => {
    expect(created.files).toEqual([
      '.gitignore',
      'README.md',
      'asyncapi.yaml',
      'consumers/consumePings.ts',
      'generated/package.json',
      'package.json',
      'schemas/pinged.json',
      'src/settings.ts',
      'sst.config.ts',
      'tests/contract.test.ts',
      'tsconfig.json',
    ]);
    expect(readFileSync(path.join(created.directory, 'schemas/pinged.json'), 'utf8')).toBe(readFileSync(path.join(path.dirname(fixture), 'schemas/pinged.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(created.directory, 'package.json'), 'utf8'));
    expect(pkg.eventContract).toMatchObject({ spec: 'asyncapi.yaml', contractPackage: 'tiny-app-contract', consumers: 'consumers', settings: 'src/settings.ts' });
    // The operator commands: @sluice/ops's sluice-ops through the project's ops script, which the
    // banner, npm start's notes and the alarm descriptions name.
    expect(pkg.eventContract.operatorCommand).toBe('npm run ops --');
    expect(OPERATOR_COMMAND).toBe('npm run ops --');
    expect(pkg.scripts.ops).toBe('sluice-ops');
    expect(pkg.eventContract.startHints).toContain('npm run ops -- status    npm run ops -- dlq list');
    for (const script of ['codegen', 'codegen:check', 'typecheck', 'test', 'start', 'infra:plan', 'dev', 'deploy', 'deploy:prod', 'contract:lint', 'contract:diff', 'contract:release', 'contract:validate', 'docs', 'diagram']) {
      expect(pkg.scripts[script], script).toBe(PROJECT_SCRIPTS[script]);
    }
    // npm test checks what this repository's does for an application, in order, stopping at the first failure.
    expect(pkg.scripts.test).toBe('npm run codegen:check && npm run contract:diff -- --if-released && npm run typecheck && vitest run');
    const readme = readFileSync(path.join(created.directory, 'README.md'), 'utf8');
    expect(readme).toMatch(/`npm test` runs, stopping at the first failure: `npm run codegen:check` .*`npm run contract:diff` .*`npm run typecheck`, then the tests/);
    expect(readme.split('\n').slice(2, 5)).toEqual(['```sh', 'npm install && npm run codegen', 'npm start']);
    // infra:plan's first run prepares SST's platform (about a minute): said, with the script that does it ahead of time.
    expect(readme).toMatch(/`npm run infra:plan` \(.*its first run prepares SST's platform.*`npm run sst:install` does ahead of time\)/);
    for (const command of ['npm run ops -- status', 'npm run ops -- dlq list', 'dlq redrive', 'dlq purge', 'npm run ops -- publish-message', '--aws', 'npm start -- --watch', '--inspect']) expect(readme).toContain(command);
    expect(readFileSync(path.join(created.directory, 'sst.config.ts'), 'utf8')).toContain("new SluiceTopology('Pipeline'");
  });

  it('has a script for every bin the framework installs, and for every npm run command its README and start hints name', () => {
    const pkg = JSON.parse(readFileSync(path.join(created.directory, 'package.json'), 'utf8'));
    // A bin by its name, or its packed launcher run by node (`node <options> node_modules/@sluice/local/dist/bin/sluice-start.js`).
    const called = Object.values<string>(pkg.scripts).map((script) => {
      const words = script.split(' ');
      return words[0] === 'node' ? /dist\/bin\/([\w-]+)\.js$/.exec(words[words.length - 1]!)?.[1] : words[0];
    });
    // Every bin of the packages the project depends on (create-sluice makes projects; it is not one of them).
    const bins = Object.entries(PACKAGES as Record<string, Record<string, unknown>>).filter(([name]) => FRAMEWORK_PACKAGES.includes(`@sluice/${name}` as never)).flatMap(([, packageBins]) => Object.keys(packageBins));
    expect(bins).toContain('sluice-diagram');
    expect(bins.filter((bin) => !called.includes(bin))).toEqual([]);
    expect(pkg.scripts.diagram).toBe('sluice-diagram');
    const readme = readFileSync(path.join(created.directory, 'README.md'), 'utf8');
    const named = [readme, ...pkg.eventContract.startHints].flatMap((text: string) => [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    expect(named).toContain('diagram');
    expect(named.filter((script) => !(script in pkg.scripts))).toEqual([]);
  });

  it("depends on the framework's packages at their exact versions, never on whatever the registry holds", () => {
    const pkg = JSON.parse(readFileSync(path.join(created.directory, 'package.json'), 'utf8'));
    for (const name of FRAMEWORK_PACKAGES) {
      const { version } = JSON.parse(readFileSync(path.join(root, 'packages', name.slice('@sluice/'.length), 'package.json'), 'utf8'));
      expect(pkg.dependencies[name], name).toBe(version);
    }
    // …which the npm registry does not have: the README says so, and what to do instead.
    expect(readFileSync(path.join(created.directory, 'README.md'), 'utf8')).toMatch(/not on the npm registry yet.*--framework <folder of tarballs>/);
  });

  it('refuses a folder that is not empty, and a contract that refers outside its folder', async () => {
    await expect(createProject({ directory: created.directory, contract: fixture })).rejects.toThrow(CreateError);
    const outside = mkdtempSync(path.join(tmpdir(), 'sluice-create-outside-'));
    try {
      mkdirSync(path.join(outside, 'spec'));
      writeFileSync(path.join(outside, 'spec', 'asyncapi.yaml'), readFileSync(fixture, 'utf8').replace("'./schemas/pinged.json'", "'../pinged.json'"));
      writeFileSync(path.join(outside, 'pinged.json'), readFileSync(path.join(path.dirname(fixture), 'schemas/pinged.json')));
      await expect(createProject({ directory: path.join(outside, 'app'), contract: path.join(outside, 'spec', 'asyncapi.yaml') })).rejects.toThrow(/outside its folder/);
      // Not AsyncAPI 3: said plainly (it read "asyncapi: undefined"), with the command that converts a 2.x document.
      writeFileSync(path.join(outside, 'old.yaml'), 'asyncapi: 2.6.0\ninfo: { title: Old, version: 1.0.0 }\nchannels: {}\n');
      await expect(createProject({ directory: path.join(outside, 'app-old'), contract: path.join(outside, 'old.yaml') })).rejects.toThrow(
        /old\.yaml is not an AsyncAPI 3 document \(asyncapi: "2\.6\.0"\): create needs one\. Convert it first: npx asyncapi convert \S+old\.yaml --target-version 3\.0\.0 --output <new file>\./,
      );
      writeFileSync(path.join(outside, 'none.yaml'), 'info: { title: None, version: 1.0.0 }\n');
      await expect(createProject({ directory: path.join(outside, 'app-none'), contract: path.join(outside, 'none.yaml') })).rejects.toThrow(/none\.yaml is not an AsyncAPI 3 document \(it has no asyncapi field\): create needs one\.$/);
      // A contract codegen refuses is refused with every problem, and with the warnings codegen would say too (after them, not blocking).
      writeFileSync(
        path.join(outside, 'spec', 'asyncapi.yaml'),
        readFileSync(fixture, 'utf8').replace('defaultContentType: application/json', 'defaultContentType: text/plain').replace('      x-schema-version: 1.0.0\n', ''),
      );
      cpSync(path.join(path.dirname(fixture), 'schemas'), path.join(outside, 'spec', 'schemas'), { recursive: true });
      await expect(createProject({ directory: path.join(outside, 'app2'), contract: path.join(outside, 'spec', 'asyncapi.yaml') })).rejects.toThrow(
        /1 problem\(s\).*\n {2}- .*#\/defaultContentType \(line \d+\): defaultContentType text\/plain.*\nand 1 warning\(s\), which do not block generation .*\n {2}- warning: \S+asyncapi\.yaml \(line \d+\): Pinged has no x-schema-version.*\nnpm run codegen would refuse the contract/,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('codegen, its npm test (codegen:check, contract:diff, typecheck, the contract test) and infra:plan --json work in it; npm test fails on a missing handler, and on one that does not parse', async () => {
    const dir = created.directory;
    linkNodeModules(dir, 'tiny-app-contract');
    const codegen = await framework(dir, 'packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'generated', 'topology.json'))).toBe(true);
    expect(codegen.stderr).not.toContain('make the consumers match the contract');

    // The project's own npm test: codegen:check, contract:diff (skipped, saying so: nothing is
    // released yet, and a new project must pass), typecheck, then its tests.
    const bins = linkedBins(parent);
    const npmTest = () => run('npm', ['test'], { cwd: dir, env: { ...process.env, PATH: `${bins}${path.delimiter}${process.env.PATH}` } });
    // infra:plan --json of the project as created beside it: both only read the project (the
    // changes below come after both).
    const [test, plan] = await Promise.all([npmTest(), framework(dir, 'packages/infra/src/plan/cli.ts', ['--json'])]);
    const output = (test.stdout + test.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    expect(test.status, output).toBe(0);
    expect(output).toContain('codegen:check: every receive operation has its handler in consumers/.');
    expect(output).toMatch(/^contract:diff: skipped, no released contract yet \(released\/asyncapi\.json\): npm run contract:release records one/m);
    expect(output).toContain('> tsc -p tsconfig.json --noEmit');
    // The TypeScript the project pins is the one this workspace checks with (its `typescript-7`
    // alias), so that the linked projects here run the compiler a created project installs.
    const workspaceTypescript = /^npm:typescript@(\S+)$/.exec((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['typescript-7'] ?? '')?.[1];
    expect(workspaceTypescript).toMatch(/^7\./);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).devDependencies.typescript).toBe(workspaceTypescript);
    expect(spawnSync(path.join(dir, 'node_modules', '.bin', 'tsc'), ['--version'], { encoding: 'utf8' }).stdout).toBe(`Version ${workspaceTypescript}\n`);
    // The fixture's one example.
    expect(output).toMatch(/Tests\s+1 passed \(1\)/);

    // A receive operation without its handler (as after adding one to the contract and running
    // codegen, which says npm test fails until it is written): npm test fails at codegen:check,
    // before anything else runs.
    const handler = path.join(dir, 'consumers', 'consumePings.ts');
    const source = readFileSync(handler, 'utf8');
    rmSync(handler);
    try {
      const failed = await npmTest();
      const said = (failed.stdout + failed.stderr).replace(/\u001b\[[0-9;]*m/g, '');
      expect(failed.status, said).not.toBe(0);
      expect(said).toMatch(/codegen:check: the consumers in consumers\/ do not match the contract's receive operations:\n {2}- .*consumePings/);
      expect(said).not.toMatch(/^contract:diff: skipped/m);
      expect(said).not.toMatch(/Tests\s+\d/);
    } finally {
      writeFileSync(handler, source);
    }
    // A handler that does not parse: npm test fails at codegen:check too (with the project's own
    // dependencies: esbuild is @sluice/codegen's), at the file's line and column, not later at typecheck.
    writeFileSync(handler, source.replace('export const handler', 'export const handler = ;\nexport const handler2'));
    try {
      const failed = await npmTest();
      const said = (failed.stdout + failed.stderr).replace(/\u001b\[[0-9;]*m/g, '');
      expect(failed.status, said).not.toBe(0);
      const line = source.slice(0, source.indexOf('export const handler')).split('\n').length;
      expect(said).toContain(`codegen:check: a handler does not parse:\n  - consumers/consumePings.ts:${line}:24: Unexpected ";": the handler of consumePings does not parse; fix it there`);
      expect(said).not.toContain('> tsc');
    } finally {
      writeFileSync(handler, source);
    }
    // A handler that exports no `handler` (renamed): deployed, its function would fail on every
    // message. infra:plan refuses it as codegen:check does, before the synthesis (it planned it).
    // Beside it, once a contract is released, `--if-released` no longer skips: contract:diff
    // compares (its failure on a breaking change is packages/governance's tests; here, a snapshot
    // it cannot read: exit 2, it could not compare, not 1, a breaking change found). Neither reads
    // what the other changed (contract:diff the contract and released/, infra:plan's refusal the
    // handlers).
    expect(source).toContain('export const handler');
    writeFileSync(handler, source.replace('export const handler', 'export const handle'));
    mkdirSync(path.join(dir, 'released'));
    writeFileSync(path.join(dir, 'released', 'asyncapi.json'), '{}');
    try {
      const [refused, once] = await Promise.all([framework(dir, 'packages/infra/src/plan/cli.ts', ['--json']), framework(dir, 'packages/governance/src/diff-cli.ts', ['--if-released'])]);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/consumers\/ do not match the contract's receive operations \(deployed, such a function fails on every message\):\n {2}- consumers\/consumePings\.ts exports no `handler`/);
      expect(once.status, once.stdout).toBe(2);
      expect(once.stdout + once.stderr).not.toMatch(/skipped/);
    } finally {
      writeFileSync(handler, source);
      rmSync(path.join(dir, 'released'), { recursive: true, force: true });
    }

    // The plan run beside npm test, of the project as created.
    expect(plan.status, plan.stderr).toBe(0);
    const names = (JSON.parse(plan.stdout).resources as { type: string; name: string }[]).map((r) => `${r.type} ${r.name}`);
    // The fixture's topic, queue, DLQ, subscription and consumer (SST's resource names).
    expect(names).toEqual(
      expect.arrayContaining([
        'aws:sns/topic:Topic PingsTopic',
        'aws:sqs/queue:Queue PingQueueQueue',
        'aws:sqs/queue:Queue PingDLQQueue',
        'aws:sns/topicSubscription:TopicSubscription PingsToPingQueueSubscription',
        'aws:lambda/function:Function ConsumePingsFunction',
      ]),
    );
    // The alarms tell the on-call engineer a command the project has (its operatorCommand).
    const descriptions = (JSON.parse(plan.stdout).resources as { type: string; properties?: { description?: string } }[]).flatMap((r) => (r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm' && r.properties?.description ? [r.properties.description] : []));
    expect(descriptions).toContain('Messages failed PingQueue and wait in PingDLQ: see `npm run ops -- dlq list --aws`');
    expect(descriptions.filter((d) => d.includes('dlq ') && !d.includes('`npm run ops -- dlq '))).toEqual([]);
  }, 180_000);

  it("npm start's banner names the project's operator commands, and they run: npm run ops -- status, and the banner's dlq list shows an unrouted publish and why", async () => {
    const dir = created.directory;
    const bins = linkedBins(parent);
    // The README's plain npm start, its data in .sluice-data: the one start of this test and the
    // next, which checks that git ignores the folder it leaves (a start is 1.2-1.6 CPU-s; the
    // --in-memory stack's banner and commands are packages/local's tests').
    const stack = await startStack(dir);
    let stopped: { code: number | null; output: string } | undefined;
    try {
      const lines = stack.banner.split('\n');
      const endpoint = stack.banner.match(/endpoint +(\S+)/)![1]!;
      const at = lines.findIndex((l) => l.includes('(unrouted publishes of Pings'));
      expect(at, stack.banner).toBeGreaterThan(-1);
      // The whole command, the project's own (eventContract.operatorCommand), not the AWS CLI, at
      // this stack's endpoint (--port 0: not the default the command would look at).
      expect(lines[at]).toContain(`kept 14 days; \`SLUICE_ENDPOINT=${endpoint} npm run ops -- dlq list --queue PingsUnrouted\` says why)`);
      expect(lines[at + 1]).not.toContain('receive-message');
      expect(stack.banner).toMatch(new RegExp(`Try: +export SLUICE_ENDPOINT=${endpoint.replace(/[.]/g, '[.]')}\\n +npm run ops -- status    npm run ops -- dlq list`));

      // Beside the publish and the listings below: status reads the queues' attributes only, no message.
      const statusRun = npmRun(dir, bins, endpoint, ['ops', '--', 'status']);
      statusRun.catch(() => {}); // awaited below

      const topicArn = stack.banner.match(/topic +(\S+:Pings)\n/)![1]!;
      const sns = new SNSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"pingId":"p-unrouted"}', MessageAttributes: { eventType: { DataType: 'String', StringValue: 'Ponged' }, schemaVersion: { DataType: 'String', StringValue: '1.0.0' } } }));
      } finally {
        sns.destroy();
      }
      // The banner's command, run as printed (npm run …).
      const printed = lines[at]!.match(/`SLUICE_ENDPOINT=\S+ npm run (ops -- dlq list --queue PingsUnrouted)`/)![1]!.split(' ');
      // SQS messageId, SNS messageId (the publisher's), published, eventType, schemaVersion, why.
      const why = /^\S+ +\S+ +\S+ +Ponged +1\.0\.0 +no consumer declares Ponged$/m;
      let listed = await npmRun(dir, bins, endpoint, printed);
      for (let i = 0; i < 10 && listed.status === 0 && !why.test(listed.stdout); i++) {
        await new Promise((r) => setTimeout(r, 250));
        listed = await npmRun(dir, bins, endpoint, printed);
      }
      expect(listed.status, listed.stdout + listed.stderr).toBe(0);
      expect(listed.stdout).toContain('PingsUnrouted (unrouted publishes of Pings):');
      expect(listed.stdout).toMatch(why);
      // The whole listing too (every dead-letter queue, the triage function's, the unrouted one), in JSON.
      const all = await npmRun(dir, bins, endpoint, ['--silent', 'ops', '--', 'dlq', 'list', '--json']);
      expect(all.status, all.stdout + all.stderr).toBe(0);
      // One object keyed by queue name (the same shape as with --queue): each queue's kind, source, messages and what it could not show.
      const listing = JSON.parse(all.stdout) as Record<string, { kind: string; source: string | null; messages: { body: string; unrouted?: string | null }[]; notShown: unknown }>;
      expect(Object.keys(listing).sort()).toEqual(['PingDLQ', 'PingsTriageDLQ', 'PingsUnrouted']);
      expect(listing.PingDLQ).toMatchObject({ kind: 'deadLetter', messages: [], notShown: null });
      expect(listing.PingsUnrouted).toMatchObject({ kind: 'unrouted', source: 'Pings', messages: [expect.objectContaining({ unrouted: 'no consumer declares Ponged' })] });
      // The SNS envelope (the unrouted queue's subscription is not raw), the payload as published in it.
      expect(JSON.parse(listing.PingsUnrouted!.messages[0]!.body).Message).toBe('{"pingId":"p-unrouted"}');

      const status = await statusRun;
      expect(status.status, status.stdout + status.stderr).toBe(0);
      for (const queue of ['PingQueue', 'PingDLQ', 'PingsUnrouted']) expect(status.stdout).toContain(queue);
    } finally {
      stopped = await stack.stop();
    }
    // Ctrl-C ends it cleanly, leaving its data folder.
    expect(stopped.code, stopped.output).toBe(0);
    expect(existsSync(path.join(dir, '.sluice-data'))).toBe(true);
  }, 180_000);

  it("ignores in git what its own commands write (docs, start's data folder, SST's folder), and leaves what they write to commit (generated/, the topology picture)", async () => {
    const dir = created.directory;
    // Side by side: each writes a folder of its own, and neither reads what the other writes.
    const [docs, diagram] = await Promise.all([framework(dir, 'packages/governance/src/docs-cli.ts'), framework(dir, 'packages/governance/src/topology-picture.ts')]);
    expect(docs.status, docs.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'docs-out', 'index.html'))).toBe(true);
    expect(diagram.status, diagram.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'docs', 'topology.svg'))).toBe(true);
    // npm start's data folder, from its run in the test before (stopped with Ctrl-C, exit 0).
    expect(existsSync(path.join(dir, '.sluice-data'))).toBe(true);

    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    expect(git('init', '-q').status).toBe(0);
    const status = git('status', '--porcelain', '--untracked-files=all', '--ignored=matching');
    expect(status.status, status.stderr).toBe(0);
    const lines = status.stdout.split('\n').filter(Boolean);
    const untracked = lines.filter((l) => l.startsWith('?? ')).map((l) => l.slice(3));
    const ignored = lines.filter((l) => l.startsWith('!! ')).map((l) => l.slice(3));
    // To commit: what create wrote, what codegen writes, the picture (diagram -- --check compares it).
    expect(untracked.filter((f) => !created.files.includes(f) && !f.startsWith('generated/') && f !== 'docs/topology.svg')).toEqual([]);
    expect(untracked).toContain('docs/topology.svg');
    expect(untracked).toContain('generated/topology.json');
    expect(ignored).toEqual(expect.arrayContaining(['docs-out/', '.sluice-data/', '.sst/', 'node_modules/']));
  }, 180_000);
});

describe("create's command: what to do next", () => {
  let parent: string;
  beforeAll(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'sluice-create-cli-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('says, without --framework, that the @sluice packages are not on the npm registry, and how to install them as tarballs', async () => {
    const io = captureIO();
    const app = path.join(parent, 'app');
    expect(await runCli(createProgram, [app, '--contract', fixture], io), io.stderr()).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/@sluice packages are not on the npm registry/);
    expect(out).toContain('npm run build:packages');
    expect(out).toContain(`SLUICE_PACKAGES_BUILT=1 npm pack ${FRAMEWORK_PACKAGES.map((name) => `-w packages/${name.slice('@sluice/'.length)}`).join(' ')} --pack-destination ../tarballs`);
    // (The same commands as README.md's: packages/create/tests/next-steps-readme.test.ts.)
    expect(out).toContain(`--framework ../tarballs`);
    // No bare `npm install` offered as the next step: it would fail (nothing @sluice is published).
    expect(out).not.toMatch(/^ {2}cd \S+ && npm install/m);
    expect(out.indexOf('--framework ../tarballs')).toBeLessThan(out.indexOf(`cd ${app} && npm install`));
    // A folder outside the working directory is named as given, not as ../../tmp/….
    expect(out).toContain(`create: ${app}/ written (`);
  });

  it('says where a contract does not read as YAML as codegen does: the line and column of the mis-indented key, the line as written, no dangling colon', async () => {
    // Line 23, `bindings:` of the queue's channel, one space too far in.
    const misindented = path.join(import.meta.dirname, 'fixtures', 'misindented', 'asyncapi.yaml');
    const io = captureIO();
    expect(await runCli(createProgram, [path.join(parent, 'app-misindented'), '--contract', misindented], io)).toBe(1);
    const said = io.stderr();
    // It said "(All mapping items must start at the same column at line 23, column 1:)": the column of the indentation, the code frame cut at the colon.
    const problem = /\S+asyncapi\.yaml \(line 23, column 6\): All mapping items must start at the same column\n {6}22 \| {9}\$ref: '#\/components\/messages\/Pinged'\n {6}23 \| {6}bindings:\n {6} {2} \| {6}\^\n {6}24 \| {7}sqs:\n/;
    expect(said).toMatch(problem);
    expect(said).not.toMatch(/column 1|:\)/);
    expect(existsSync(path.join(parent, 'app-misindented'))).toBe(false);
    // codegen says it in the same words.
    const codegen = captureIO();
    expect(await runCli(codegenProgram, ['--spec', misindented, '--out', path.join(parent, 'misindented-generated')], codegen)).toBe(1);
    expect(codegen.stderr().match(problem)?.[0]).toBe(said.match(problem)?.[0]);
  });

  it("says codegen's warnings on success too (they were said only when create refused the contract)", async () => {
    const io = captureIO();
    // The fixture's folder (its $ref-ed schemas) copied, its examples removed.
    cpSync(path.dirname(fixture), path.join(parent, 'no-examples'), { recursive: true });
    const bare = path.join(parent, 'no-examples', 'asyncapi.yaml');
    writeFileSync(bare, readFileSync(fixture, 'utf8').replace(/\n {6}examples:\n(?: {8,}.*\n)+/, '\n'));
    expect(readFileSync(bare, 'utf8')).not.toContain('examples:');
    // Both streams in the order printed, as a terminal shows them.
    let both = '';
    const app = path.join(parent, 'app-warned');
    const ordered = { ...io, out: (t: string) => (io.out(t), void (both += `${t}\n`)), err: (t: string) => (io.err(t), void (both += `${t}\n`)) };
    expect(await runCli(createProgram, [app, '--contract', bare], ordered), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/^create: warning: \S+\.yaml \(line \d+\): \S+ has no examples: the contract test has nothing to check/m);
    // The warnings come after what was written and before the next steps, which they do not split.
    expect(both).toMatch(/^create: \S+ written \(.*\)\.\ncreate: warning: [^]*\nNext:\n {2}The @sluice packages are not on the npm registry/);
    expect(both.slice(both.indexOf('\nNext:\n'))).not.toContain('create: warning');
    expect(both.trimEnd().endsWith(`cd ${app} && npm install && npm run codegen`)).toBe(true);
  });

  it('names the operation it writes no handler for with where it is written, as a warning is', async () => {
    const io = captureIO();
    cpSync(path.dirname(fixture), path.join(parent, 'outside-op'), { recursive: true });
    const contract = path.join(parent, 'outside-op', 'asyncapi.yaml');
    // A channel without bindings and an operation receiving from it: outside the AWS topology.
    const text = readFileSync(fixture, 'utf8')
      .replace('\noperations:\n', "  elsewhere:\n    address: elsewhere\n    messages:\n      pinged:\n        $ref: '#/components/messages/Pinged'\n\noperations:\n")
      .replace('\ncomponents:', "  listenElsewhere:\n    action: receive\n    channel:\n      $ref: '#/channels/elsewhere'\n\ncomponents:");
    writeFileSync(contract, text);
    expect(await runCli(createProgram, [path.join(parent, 'app-outside-op'), '--contract', contract], io), io.stderr()).toBe(0);
    const line = text.split('\n').indexOf('  listenElsewhere:') + 1;
    expect(io.stderr()).toContain(`create: no handler for listenElsewhere: ${contract} (line ${line}): operations.listenElsewhere receives from channels.elsewhere`);
  });

  it("says each bindings.sqs.queues entry of a topic's receive operation that nothing subscribes at its own line, through codegen's places (one warning said them all, at the operation's line)", async () => {
    const io = captureIO();
    cpSync(path.dirname(fixture), path.join(parent, 'topic-receive-queues'), { recursive: true });
    const contract = path.join(parent, 'topic-receive-queues', 'asyncapi.yaml');
    // A receive operation on the topic's channel listing a queue and its DLQ, which nothing subscribes (Springwolf's layout).
    const text = readFileSync(fixture, 'utf8').replace(
      '\ncomponents:',
      [
        '  listenOnTopic:',
        '    action: receive',
        '    channel:',
        "      $ref: '#/channels/pings'",
        '    bindings:',
        '      sqs:',
        '        queues:',
        '          - name: AuditQueue',
        '            redrivePolicy:',
        '              deadLetterQueue:',
        '                name: AuditDLQ',
        '          - name: AuditDLQ',
        '',
        'components:',
      ].join('\n'),
    );
    writeFileSync(contract, text);
    expect(await runCli(createProgram, [path.join(parent, 'app-topic-receive-queues'), '--contract', contract], io), io.stderr()).toBe(0);
    const lines = text.split('\n');
    const lineOf = (written: string, from = 0) => lines.indexOf(written, from) + 1;
    const operation = lineOf('  listenOnTopic:');
    expect(io.stderr()).toContain(`create: no handler for listenOnTopic: ${contract} (line ${operation}): operations.listenOnTopic receives from topic Pings and subscribes no queue`);
    expect(io.stderr()).toContain(`create: warning: ${contract} (line ${lineOf('          - name: AuditQueue', operation)}): operations.listenOnTopic.bindings.sqs.queues[0] names queue AuditQueue, `);
    expect(io.stderr()).toContain(`create: warning: ${contract} (line ${lineOf('          - name: AuditDLQ', operation)}): operations.listenOnTopic.bindings.sqs.queues[1] names queue AuditDLQ, the dead-letter queue of queues[0] (AuditQueue)`);
  });

  it("shows what its own lines quote of the contract as escapes: a message name holding an escape sequence and a right-to-left override, in a warning (create's I/O is terminal-safe)", async () => {
    cpSync(path.dirname(fixture), path.join(parent, 'escapes'), { recursive: true });
    const contract = path.join(parent, 'escapes', 'asyncapi.yaml');
    // Its examples removed, so that create warns of the message by name.
    const text = readFileSync(fixture, 'utf8')
      .replace('      name: Pinged\n', '      name: "Pinged\\u001b[31m\\u202e"\n')
      .replace(/\n {6}examples:\n(?: {8,}.*\n)+/, '\n');
    expect(text).toContain('name: "Pinged\\u001b[31m\\u202e"');
    writeFileSync(contract, text);
    const io = captureIO();
    expect(await runCli(createProgram, [path.join(parent, 'app-escapes'), '--contract', contract], io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/^create: warning: .*Pinged\\x1b\[31m\\u202e has no examples/m);
    expect(io.stdout() + io.stderr()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it("writes settings its own npm start and infra:plan accept for a queue kept under 30 minutes: the age alarm fits half the retention (the 900 s default did not, and npm start refused it)", async () => {
    cpSync(path.dirname(fixture), path.join(parent, 'short-retention'), { recursive: true });
    const contract = path.join(parent, 'short-retention', 'asyncapi.yaml');
    writeFileSync(contract, readFileSync(fixture, 'utf8').replace('          name: PingQueue\n          fifoQueue: false\n', '          name: PingQueue\n          fifoQueue: false\n          messageRetentionPeriod: 1000\n'));
    const io = captureIO();
    const app = path.join(parent, 'app-short-retention');
    expect(await runCli(createProgram, [app, '--contract', contract], io), io.stderr()).toBe(0);
    const line = readFileSync(path.join(app, 'src/settings.ts'), 'utf8').split('\n').find((l) => l.includes('"consumePings"'))!;
    expect(line).toBe('    "consumePings": { batchSize: 10, timeoutSeconds: 10, maximumConcurrency: 2, maximumMessageAgeSeconds: 500 }, // maximumMessageAgeSeconds ≤ half the messageRetentionPeriod (1000 s) the contract sets on PingQueue');
    // What npm start and infra:plan check, on the settings as written.
    const consumers = new Function(`return {${line.replace(/,\s*\/\/.*$/, '')}}`)() as AppSettings['consumers'];
    const { topology } = await readContract(path.join(app, 'asyncapi.yaml'));
    expect(checkSettings(topology, { consumers })).toEqual([]);
    expect(checkSettings(topology, { consumers: { consumePings: { ...consumers!.consumePings!, maximumMessageAgeSeconds: 900 } } })).toEqual([expect.stringMatching(/maximumMessageAgeSeconds must be 60\.\.500/)]);
  });

  it('with --framework, says to install: the project depends on the tarballs by file: path, relative to it', async () => {
    const tarballs = path.join(parent, 'tarballs');
    mkdirSync(tarballs);
    for (const name of FRAMEWORK_PACKAGES) writeFileSync(path.join(tarballs, `sluice-${name.slice('@sluice/'.length)}-0.2.0.tgz`), '');
    const io = captureIO();
    const app = path.join(parent, 'app-from-tarballs');
    expect(await runCli(createProgram, [app, '--contract', fixture, '--framework', tarballs], io), io.stderr()).toBe(0);
    expect(io.stdout()).toContain(`  cd ${app} && npm install && npm run codegen`);
    expect(io.stdout()).not.toContain('not on the npm registry');
    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
    // Relative to the project, as npm writes a tarball it installs: the two can move together.
    expect(pkg.dependencies['@sluice/runtime']).toBe('file:../tarballs/sluice-runtime-0.2.0.tgz');
    expect(readFileSync(path.join(app, 'README.md'), 'utf8')).not.toContain('not on the npm registry');
  });
});

describe('create: the contract test of a project whose messages are not all written under components.messages', () => {
  it("checks every example, of a message in a file a $ref names too (it read components.messages as written, found none, and passed with a to-do)", async () => {
    // Made and run beside the tests above (examplesProject).
    const { codegen, test } = await examples!;
    expect(codegen.status, codegen.stderr).toBe(0);
    const output = (test!.stdout + test!.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    // Both examples checked, none left as a to-do.
    expect(test!.status, output).toBe(0);
    expect(output).toMatch(/Tests\s+2 passed \(2\)/);
    expect(output).not.toMatch(/todo/i);
  }, 180_000);
});
