/**
 * Offline synthesis of `sst.config.ts`: what `sst deploy` would ask AWS to create, recorded
 * without AWS, the SST CLI or the Pulumi engine.
 *
 * Mirrors how the SST CLI runs a config: it evaluates `app({ stage })` first, then esbuild bundles
 * `sst.config.ts` with SST's platform sources, its global shims and `$app`/`$cli`/`$dev` compiled
 * in, into `.sst/platform/` (so `@pulumi/*` resolve to the versions SST installed there), and
 * Node runs the bundle. The difference is the program that drives it: `mock-program.ts` swaps
 * the engine for Pulumi's unit-test mocks. Each run is a fresh child process, because Pulumi and
 * SST keep per-process global state.
 *
 * Needs `.sst/platform` (run `npm run sst:install`); touches no network.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import type { RecordedStack } from './recorded-stack.ts';

export type { RecordedResource, RecordedStack } from './recorded-stack.ts';

/** How the `SluiceTopology` component prints a warning of its plan. */
const WARNING_PREFIX = 'sluice: warning: ';

/** The repository root (this file lives in `packages/infra/src/plan/`). */
export const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** What to synthesize. */
export interface SynthesizeOptions {
  /** The SST stage, e.g. `prod` or `dev`. */
  stage: string;
  /**
   * Rewrites the source of `sst.config.ts` before it is bundled (the file on disk is untouched).
   * Lets a test prove that its assertions notice a broken config.
   */
  editConfig?: (source: string) => string;
  /**
   * Rewrites the source of any app file (path relative to the root, with `/`) before it is
   * bundled; the files on disk are untouched. Return `source` for files left as they are.
   */
  editSource?: (file: string, source: string) => string;
  /** @default repositoryRoot */
  root?: string;
}

/**
 * Runs `sst.config.ts` for one stage under Pulumi mocks and returns the recorded resource graph.
 *
 * @param options - the stage, and optional edits of the sources before they are bundled
 * @returns the resources, provider calls, SST CLI requests and outputs the program recorded
 * @throws when `.sst/platform` is missing, the config does not build, or the program fails.
 * @example
 * ```ts
 * import { synthesize } from '@sluice/infra/plan';
 *
 * const stack = await synthesize({ stage: 'prod' });
 * const queues = stack.resources.filter((r) => r.type === 'aws:sqs/queue:Queue');
 * ```
 */
export async function synthesize(options: SynthesizeOptions): Promise<RecordedStack> {
  const root = options.root ?? repositoryRoot;
  const platform = path.join(root, '.sst', 'platform');
  if (!fs.existsSync(path.join(platform, 'src', 'auto', 'run.ts'))) {
    throw new Error(`${platform} is missing: run \`npm run sst:install\` first`);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-sst-${options.stage}-`));
  // Inside .sst/platform so that the bundle's bare imports resolve to SST's node_modules.
  const bundle = path.join(platform, `offline-synthesis.${path.basename(work)}.mjs`);
  const outFile = path.join(work, 'recorded-stack.json');
  try {
    const app = await evaluateApp({ ...options, root, work });
    await bundleProgram({ ...options, root, platform, work, bundle, outFile, app });
    const stderr: string[] = [];
    await runNode([bundle], root, stderr);
    const stack = JSON.parse(fs.readFileSync(outFile, 'utf8')) as RecordedStack;
    // What the program warned about (`sluice: warning: …`), as `sst deploy` would show it.
    const warnings = stderr.join('').split('\n').filter((line) => line.startsWith(WARNING_PREFIX)).map((line) => line.slice(WARNING_PREFIX.length));
    return { ...stack, warnings };
  } finally {
    fs.rmSync(bundle, { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Evaluates `app({ stage })` on its own, as the CLI does before building the program (platform
 * modules read `$app` as soon as they load), and fills in SST's documented defaults.
 */
async function evaluateApp(
  options: SynthesizeOptions & { root: string; work: string },
): Promise<RecordedStack['app']> {
  const { root, work, stage } = options;
  const config = path.join(root, 'sst.config.ts');
  const shim = path.join(work, 'app-shim.ts');
  fs.writeFileSync(shim, 'export const $config = <T>(config: T): T => config;\n');
  // Inside the project, so that the packages the config imports (left external) resolve.
  const bundle = path.join(root, '.sst', `offline-app.${path.basename(work)}.mjs`);
  await build({
    entryPoints: [config],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    inject: [shim],
    plugins: [prependToAppFiles('', config, root, options)],
    logLevel: 'silent',
  });
  const print = [
    `const { default: config } = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    `console.log(JSON.stringify(await config.app(${JSON.stringify({ stage })})));`,
  ].join('\n');
  let app: Record<string, unknown>;
  try {
    app = JSON.parse(await runNode(['--input-type=module', '-e', print], root)) as Record<string, unknown>;
  } finally {
    fs.rmSync(bundle, { force: true });
  }
  const home = String(app.home);
  return {
    name: String(app.name),
    stage,
    home,
    removal: (app.removal as RecordedStack['app']['removal'] | undefined) ?? 'retain',
    protect: Boolean(app.protect),
    providers: { [home]: {}, ...((app.providers as Record<string, unknown> | undefined) ?? {}) },
  };
}

interface BundleOptions extends SynthesizeOptions {
  root: string;
  platform: string;
  work: string;
  bundle: string;
  outFile: string;
  app: RecordedStack['app'];
}

async function bundleProgram(options: BundleOptions): Promise<void> {
  const { root, platform, work, bundle, outFile, app } = options;
  const config = path.join(root, 'sst.config.ts');
  const cli = {
    command: 'deploy',
    rpc: '',
    paths: { home: work, root, work, platform },
    state: { version: {} },
  };
  // The globals the SST CLI gives every file of the app: `sst` and each provider namespace
  // (`aws`) as imports prepended to the file, `$config`, `$interpolate`, ... from SST's shim.
  const globals = [
    `import * as aws from '@pulumi/aws';`,
    `import * as sst from ${JSON.stringify(path.join(platform, 'src', 'components'))};`,
  ].join('\n');
  const entry = [
    `import { run } from ${JSON.stringify(path.join(platform, 'src', 'auto', 'run.ts'))};`,
    `import config from ${JSON.stringify(config)};`,
    `import { synthesizeUnderMocks } from ${JSON.stringify(fileURLToPath(new URL(`./mock-program${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url)))};`,
    `await synthesizeUnderMocks({ config, run, ...${JSON.stringify({ app, work, outFile })} });`,
  ].join('\n');

  await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'offline-synthesis.ts', loader: 'ts' },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    // As the CLI does: these stay imports, resolved next to the bundle in .sst/platform, so the
    // program and the SST components share one @pulumi/pulumi; the rest is bundled. Unlike the
    // CLI, vite and rollup (which SST's site components import) stay imports too: they were 4 of
    // the bundle's 5.1 MB, built again at every synthesis and compiled again by Node from a file
    // of a new name each time (no code cache), whereas loaded from .sst/platform/node_modules they
    // are the same modules, compiled once. The recorded stack is the same (a synthesis 2.0 → 1.5 s).
    external: ['@pulumi/*', '@pulumiverse/*', '@aws-sdk/*', 'undici', 'esbuild', 'archiver', 'glob', 'vite', 'rollup'],
    nodePaths: [path.join(platform, 'node_modules')],
    inject: [path.join(platform, 'src', 'shim', 'run.js')],
    define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: 'false' },
    // Some of SST's dependencies are CommonJS and call `require`.
    banner: {
      js: "import { createRequire as __offlineCreateRequire } from 'node:module'; const require = __offlineCreateRequire(import.meta.url);",
    },
    plugins: [prependToAppFiles(globals, config, root, options)],
    logLevel: 'silent',
  });
}

/**
 * An esbuild plugin that prepends `header` to every app file (outside `.sst/`), as the CLI's
 * "InjectGlobals" plugin does, and serves `config` through `editConfig`, and every app file through
 * `editSource`, when given.
 */
function prependToAppFiles(
  header: string,
  config: string,
  root: string,
  edits: Pick<SynthesizeOptions, 'editConfig' | 'editSource'>,
): Plugin {
  return {
    name: 'app-files',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, (args) => {
        const parts = args.path.split(path.sep);
        const inPlatform = parts.includes('.sst');
        // Dependencies are not app files: they get no globals. Inside the project, only its own
        // node_modules count (a project may itself live under a node_modules folder, e.g. a
        // test's scratch copy in node_modules/.cache).
        const inProject = args.path.startsWith(path.resolve(root) + path.sep);
        const dependencyParts = inProject ? path.relative(root, args.path).split(path.sep) : parts;
        if (dependencyParts.includes('node_modules') && !inPlatform) return undefined;
        const editing = edits.editConfig !== undefined || edits.editSource !== undefined;
        if (inPlatform && !editing) return undefined;
        let contents = fs.readFileSync(args.path, 'utf8');
        if (edits.editConfig && args.path === config) contents = edits.editConfig(contents);
        if (edits.editSource && !inPlatform) contents = edits.editSource(path.relative(root, args.path).split(path.sep).join('/'), contents);
        return {
          contents: inPlatform ? contents : `${header}\n${contents}`,
          loader: path.extname(args.path).slice(1) as 'js' | 'ts' | 'jsx' | 'tsx',
        };
      });
    },
  };
}

/** Runs `node <args>` in `cwd` and returns its stdout. */
async function runNode(args: string[], cwd: string, stderrLines?: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        // Nothing here may reach AWS or phone home.
        AWS_EC2_METADATA_DISABLED: 'true',
        SST_TELEMETRY_DISABLED: '1',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
      },
    });
    stderrLines?.push(stderr);
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`offline synthesis of sst.config.ts failed:\n${stderr || stdout || String(error)}`);
  }
}
