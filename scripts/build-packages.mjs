#!/usr/bin/env node
/**
 * `npm run build:packages [-- <name> ...]`: compiles the framework packages (`@sluice/*`) for use
 * outside this workspace, into `packages/<name>/dist/`: JavaScript and `.d.ts` by tsc (relative
 * `.ts` import specifiers rewritten to `.js`), the files a package reads at run time next to its
 * sources (the console's page.js and page.css), and one launcher per bin (`dist/bin/<bin>.js`).
 *
 * In this workspace every package runs on its TypeScript sources (package.json `exports` point at
 * `src/`, tsx and vitest compile them); `dist/` is what an installed copy runs, with Node alone.
 * `npm pack` in a package (its `prepack`, `scripts/pack-manifest.mjs`) runs this for that package
 * and packs a manifest whose `exports` and `bin` point at `dist/` (see pack-manifest.mjs).
 *
 * Two tsc programs: the named packages (all by default; what they import of the others is
 * compiled with them) but `@sluice/infra`'s SST component, against the root tsconfig.json; and,
 * when infra is named, that component (`src/index.ts`, `src/sst/`, `src/plan/mock-program.ts`)
 * against SST's platform types (tsconfig.sst.json: needs `.sst/platform`, `npm run sst:install`).
 * Only the named packages' `dist/` are replaced. Type errors fail the build.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/**
 * The framework packages (folder names under packages/) and their bins: bin name -> the module
 * under src/ (as compiled: `.js`) and the `ProgramSpec` it exports, run with `main` of @sluice/cli.
 * A bin whose program is a shell script names it with `script` instead. Every launcher starts
 * with `#!/usr/bin/env node`: options Node must start with cannot go on that line everywhere
 * (`env -S` is missing from BusyBox, as on Alpine images, and from coreutils before 8.30), so a
 * created project's `start` and `subscriber` scripts run the host launchers with `node <options>`
 * (packages/create/src/create.ts, HOST_NODE_OPTIONS). A launcher checks the Node.js version
 * before it imports the command (see {@link launcherOf}).
 */
export const PACKAGES = {
  cli: {},
  runtime: {},
  model: {},
  diagram: {},
  codegen: { 'sluice-codegen': { module: 'cli.js', program: 'codegenProgram' } },
  governance: {
    'sluice-contract-diff': { module: 'diff-cli.js', program: 'diffProgram' },
    'sluice-contract-release': { module: 'release-cli.js', program: 'releaseProgram' },
    'sluice-contract-validate': { module: 'validate-cli.js', program: 'validateProgram' },
    'sluice-contract-lint': { module: 'lint-cli.js', program: 'lintProgram' },
    'sluice-docs': { module: 'docs-cli.js', program: 'docsProgram' },
    'sluice-diagram': { module: 'topology-picture.js', program: 'diagramProgram' },
  },
  infra: {
    'sluice-infra-plan': { module: 'plan/cli.js', program: 'planProgram' },
    'sluice-sst-install': { script: 'sst-install.sh' },
  },
  ops: { 'sluice-ops': { module: 'cli/ops-cli.js', program: 'opsProgram' } },
  local: {
    'sluice-start': { module: 'bin/start.js', program: 'startProgram' },
    'sluice-subscriber': { module: 'bin/subscriber.js', program: 'subscriberProgram' },
  },
  create: { 'create-sluice': { module: 'cli.js', program: 'createProgram' } },
};

/** The files of @sluice/infra compiled against SST's types (tsconfig.sst.json), relative to packages/. */
const SST_FILES = ['infra/src/index.ts', 'infra/src/plan/mock-program.ts'];
/** Files next to the sources that the compiled code reads at run time, copied as they are. */
const ASSET = /\.(js|css|html|svg|json)$/;

function run(args) {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd: root, encoding: 'utf8' });
  if (tsc.status !== 0) {
    process.stderr.write(tsc.stdout + tsc.stderr);
    throw new Error(`build:packages: tsc ${args.join(' ')} failed (exit ${tsc.status}): the errors are above`);
  }
}

/** Writes a tsconfig for one tsc program into `work` and returns its path. */
function tsconfig(work, name, base, files, extra) {
  const file = path.join(work, `tsconfig.${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      extends: path.join(root, base),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        rewriteRelativeImportExtensions: true,
        // The root: the SST program also compiles SST's platform sources (.sst/platform/src), which
        // are emitted too but not copied.
        rootDir: root,
        outDir: path.join(work, `out-${name}`),
        incremental: false,
        ...extra,
      },
      files: files.map((f) => path.join(root, 'packages', f)),
      include: [],
      exclude: [],
    }),
  );
  return file;
}

/** Every `.ts` file under `dir` (not tests), relative to packages/. */
function sourcesOf(name) {
  const src = path.join(root, 'packages', name, 'src');
  return readdirSync(src, { recursive: true })
    .map((f) => path.join(name, 'src', f))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => !(f.startsWith(path.join('infra', 'src', 'sst')) || SST_FILES.includes(f.split(path.sep).join('/'))));
}

/** Where a package's prepack (scripts/pack-manifest.mjs) keeps the workspace package.json until postpack puts it back. */
export const SAVED_MANIFEST = 'package.json.workspace';

/**
 * Puts back every framework package's workspace manifest that a pack which failed between prepack
 * and postpack left behind (`package.json.workspace` beside a packed package.json: exports to
 * dist/, no scripts, so the next pack could not repair it), and returns the folders it repaired.
 * `npm run build:packages`, the README's step before packing, runs it first.
 *
 * @param {string} [base] the repository root
 * @returns {string[]} the package folders (relative to `base`) whose package.json was put back
 */
export function restoreLeftoverManifests(base = root) {
  const restored = [];
  for (const name of Object.keys(PACKAGES)) {
    const dir = path.join(base, 'packages', name);
    if (!existsSync(path.join(dir, SAVED_MANIFEST))) continue;
    renameSync(path.join(dir, SAVED_MANIFEST), path.join(dir, 'package.json'));
    restored.push(path.relative(base, dir));
  }
  return restored;
}

/** Compiles every framework package and replaces the `dist/` of `names`. */
export function buildPackages(names = Object.keys(PACKAGES)) {
  for (const name of names) if (!(name in PACKAGES)) throw new Error(`build:packages: ${name} is not a framework package (${Object.keys(PACKAGES).join(', ')})`);
  const platform = path.join(root, '.sst', 'platform', 'config.d.ts');
  if (names.includes('infra') && !existsSync(platform)) throw new Error('build:packages: .sst/platform is missing; @sluice/infra compiles against SST\'s types: run `npm run sst:install` first');
  // A folder of its own: two builds at once (a test, a pack) do not share tsc's output.
  mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
  const work = mkdtempSync(path.join(root, 'node_modules', '.cache', 'sluice-build-'));
  try {
    compile(work, names);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function compile(work, names) {

  const ambient = names.includes('local') ? ['local/types/dynalite.d.ts'] : [];
  // The named packages' sources; tsc compiles what they import of the others with them.
  run(['-p', tsconfig(work, 'packages', 'tsconfig.json', [...ambient, ...names.flatMap(sourcesOf)], {})]);
  if (!names.includes('infra')) return copyOut(work, names);
  run(['-p', tsconfig(work, 'sst', 'tsconfig.sst.json', [...SST_FILES, 'infra/types/bun.d.ts'], {})]);
  // The SST component's files from the second program, over the first's.
  cpSync(path.join(work, 'out-sst', 'packages', 'infra', 'src'), path.join(work, 'out-packages', 'packages', 'infra', 'src'), {
    recursive: true,
    filter: (file) => statSync(file).isDirectory() || /[/\\](index|plan[/\\]mock-program|sst[/\\][^/\\]+)\.(js|d\.ts)$/.test(file),
  });

  copyOut(work, names);
}

/** Replaces the `dist/` of `names` with what tsc wrote in `work`, their assets and bin launchers. */
function copyOut(work, names) {
  for (const name of names) {
    const dist = path.join(root, 'packages', name, 'dist');
    rmSync(dist, { recursive: true, force: true });
    cpSync(path.join(work, 'out-packages', 'packages', name, 'src'), dist, { recursive: true });
    const src = path.join(root, 'packages', name, 'src');
    for (const file of readdirSync(src, { recursive: true })) {
      if (ASSET.test(file) && statSync(path.join(src, file)).isFile()) cpSync(path.join(src, file), path.join(dist, file));
    }
    for (const [bin, target] of Object.entries(PACKAGES[name])) {
      const launcher = path.join(dist, 'bin', `${bin}.js`);
      mkdirSync(path.dirname(launcher), { recursive: true });
      writeFileSync(launcher, launcherOf(bin, target));
      chmodSync(launcher, 0o755);
    }
  }
}

/**
 * The bin `bin` as a Node script in dist/bin/.
 *
 * @param {string} bin the command's name
 * @param {{ module?: string, program?: string, script?: string }} target what it runs (an entry of {@link PACKAGES})
 * @returns {string} the launcher's text
 */
export function launcherOf(bin, target) {
  const lines = ['#!/usr/bin/env node', `// The ${bin} command (written by scripts/build-packages.mjs).`];
  if (target.script) {
    lines.push(
      "import { spawnSync } from 'node:child_process';",
      "import { fileURLToPath } from 'node:url';",
      `const script = fileURLToPath(new URL('../../${target.script}', import.meta.url));`,
      "const run = spawnSync('bash', [script, ...process.argv.slice(2)], { stdio: 'inherit' });",
      'process.exit(run.status ?? 1);',
    );
  } else {
    // Nothing of the command is imported before the Node.js check: a static import would load
    // its modules first, and one that needs Node 24 (node:sqlite) failed on an older Node with
    // ERR_UNKNOWN_BUILTIN_MODULE before `main` could say which Node it needs. The CLI kit loads on
    // older Nodes (it is what says so).
    lines.push(
      "const { main, nodeVersionProblem } = await import('@sluice/cli');",
      'const oldNode = nodeVersionProblem();',
      'if (oldNode) {',
      `  process.stderr.write(\`${bin}: \${oldNode}\\n\`);`,
      '  process.exit(1);',
      '}',
      `const { ${target.program} } = await import('../${target.module}');`,
      `await main(${target.program});`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What `--help` prints. */
function usage() {
  return `Usage: npm run build:packages -- [name...]

Compiles the framework packages (@sluice/*) for use outside this workspace, and replaces each
named package's packages/<name>/dist/: JavaScript and .d.ts by tsc, the files it reads at run
time, and one launcher per bin (dist/bin/<bin>.js). What a named package imports of the others is
compiled with it. No name: every package. infra needs .sst/platform (npm run sst:install).
Type errors fail the build (exit 1).

Arguments:
  name        a framework package; names: ${Object.keys(PACKAGES).join(', ')} (default: all)

Options:
  -h, --help  show this help
  --version   print the version of the packages it builds

Examples:
  npm run build:packages
  npm run build:packages -- cli runtime`;
}

/**
 * The version `--version` prints: the framework's, which every package it builds has (as the
 * other entry points print their package's, with versionOf of @sluice/cli; this script runs on
 * Node alone, before anything is compiled).
 *
 * @returns {string} the version of @sluice/runtime's package.json
 */
function frameworkVersion() {
  return JSON.parse(readFileSync(path.join(root, 'packages', 'runtime', 'package.json'), 'utf8')).version ?? '0.0.0';
}

/**
 * The command line: `{ help: true }`, `{ version: true }`, or the package names to build
 * (undefined: all). Throws a usage error (its message one line) for an option other than --help
 * and --version or a name that is not a framework package.
 */
function parseCommandLine(args) {
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  if (args.includes('--version')) return { version: true };
  const option = args.find((a) => a.startsWith('-'));
  if (option !== undefined) throw Object.assign(new Error(`unknown option ${option}: build:packages takes package names, --help and --version`), { usage: true });
  const unknown = args.find((name) => !(name in PACKAGES));
  if (unknown !== undefined) throw Object.assign(new Error(`${JSON.stringify(unknown)} is not a framework package: names are ${Object.keys(PACKAGES).join(', ')}`), { usage: true });
  return { names: args.length ? args : undefined };
}

if (import.meta.main || process.argv[1] === import.meta.filename) {
  let command;
  try {
    command = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    // A usage error: nothing was built (exit 2, as every entry point of the project).
    console.error(`build:packages: ${error.message}`);
    console.error('Run `npm run build:packages -- --help` for usage.');
    process.exit(2);
  }
  if (command.help) {
    console.log(usage());
    process.exit(0);
  }
  if (command.version) {
    console.log(frameworkVersion());
    process.exit(0);
  }
  try {
    const started = Date.now();
    const names = command.names;
    for (const dir of restoreLeftoverManifests()) console.log(`build:packages: put back ${dir}/package.json, which a pack that failed before its postpack had left packed (${SAVED_MANIFEST} was beside it)`);
    buildPackages(names);
    console.log(`build:packages: ${(names ?? Object.keys(PACKAGES)).map((n) => `packages/${n}/dist`).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
