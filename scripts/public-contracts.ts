/**
 * Public AsyncAPI 3.0 documents through a new project, the way a team starts with its own contract:
 * `create` → install → `codegen` → `typecheck` → `infra:plan --json`. Used by
 * scripts/try-public-contracts.ts (every document, a real `npm install` of the packed framework)
 * and by packages/create/tests/public-contracts.test.ts (a few documents, in `npm test`, with the
 * framework linked from this workspace instead of installed).
 *
 * The documents: the AsyncAPI spec's `examples/` at v3.0.0 (packages/create/tests/fixtures/public,
 * sources in its README), Springwolf's SNS and SQS examples and the SQS binding README's two
 * examples made whole (packages/model/tests/fixtures/bindings).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createProject, CreateError, type CreatedProject } from '@sluice/create';

const root = path.resolve(import.meta.dirname, '..');

/** The folders of public documents, relative to the repository. */
export const PUBLIC_CONTRACT_FOLDERS = ['packages/create/tests/fixtures/public', 'packages/model/tests/fixtures/bindings'];

/** Every public document (absolute paths), sorted by folder then name. */
export function publicContracts(): string[] {
  return PUBLIC_CONTRACT_FOLDERS.flatMap((folder) =>
    readdirSync(path.join(root, folder))
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => path.join(root, folder, f)),
  );
}

/** One step of the pipeline: its exit code (0 = passed), time and output. */
export interface StepResult {
  name: string;
  code: number;
  ms: number;
  output: string;
}

/** A planned resource as `infra:plan --json` prints it. */
export interface PlannedResource {
  type: string;
  name: string;
  properties?: Record<string, unknown>;
}

/** What one document went through. */
export interface PipelineResult {
  contract: string;
  /** `passed`: every step exit 0; `refused`: create (or codegen) refused the document with its problems; `failed`: anything else. */
  outcome: 'passed' | 'refused' | 'failed';
  steps: StepResult[];
  created?: CreatedProject;
  plan?: PlannedResource[];
}

/** How the created project gets its node_modules. */
export type Install =
  /** Links to this workspace's node_modules (the framework as sources, run by Node's type stripping): fast, for tests. */
  | { kind: 'link' }
  /** `npm install` of the project as written, its framework from these packed tarballs (file: paths). */
  | { kind: 'npm'; frameworkSources: Record<string, string> };

/** Runs a command; resolves with its exit code and output (stdout + stderr), never rejects. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}\n${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** node_modules of a created project as links to this workspace's; its contract package is its own generated/. */
export function linkFrameworkModules(dir: string, contractPackage: string): void {
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (entry === '@orders' || entry === '.cache' || entry === '.bin' || entry === 'typescript') continue;
    symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  // The TypeScript a created project installs (7; this workspace's `typescript` is 5.9, for the tools that use its API).
  symlinkSync(path.join(root, 'node_modules', 'typescript-7'), path.join(modules, 'typescript'));
  symlinkSync(path.join(dir, 'generated'), path.join(modules, contractPackage));
  symlinkSync(path.join(root, '.sst'), path.join(dir, '.sst'));
}

/**
 * Takes one document through a new project in a fresh folder under `workDir`: create, install,
 * codegen, typecheck, infra:plan --json. Stops at the first failing step. With `install: link`,
 * the framework's commands run from this workspace's sources (Node's type stripping); with `npm`, the project's own
 * npm scripts run on what npm installed.
 */
export async function runPipeline(contract: string, workDir: string, install: Install, timeoutMs = 300_000): Promise<PipelineResult> {
  const steps: StepResult[] = [];
  const result: PipelineResult = { contract, outcome: 'failed', steps };
  const step = async (name: string, command: string, args: string[], cwd: string) => {
    const started = Date.now();
    const { code, output } = await run(command, args, cwd, timeoutMs);
    steps.push({ name, code, ms: Date.now() - started, output });
    return code === 0 ? output : undefined;
  };
  const parent = mkdtempSync(path.join(workDir, `${path.basename(contract).replace(/\.(ya?ml|json)$/, '')}-`));
  const started = Date.now();
  try {
    result.created = await createProject({ directory: path.join(parent, 'app'), contract, ...(install.kind === 'npm' ? { frameworkSources: install.frameworkSources } : {}) });
    steps.push({ name: 'create', code: 0, ms: Date.now() - started, output: result.created.outside.map((o) => `no handler for ${o.operation}: ${o.reason}`).join('\n') });
  } catch (error) {
    steps.push({ name: 'create', code: 1, ms: Date.now() - started, output: error instanceof Error ? error.message : String(error) });
    result.outcome = error instanceof CreateError ? 'refused' : 'failed';
    return result;
  }
  const dir = result.created.directory;
  // Node strips the sources' types itself, as this workspace's own codegen and infra:plan scripts
  // run them (tsx's loader added a process start's worth of CPU to each command).
  const framework = (source: string) => [path.join(root, source)];
  let planOut: string | undefined;
  if (install.kind === 'link') {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { eventContract: { contractPackage: string } };
    linkFrameworkModules(dir, pkg.eventContract.contractPackage);
    if ((await step('codegen', process.execPath, framework('packages/codegen/src/cli.ts'), dir)) === undefined) return result;
    if ((await step('typecheck', process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], dir)) === undefined) return result;
    planOut = await step('infra:plan --json', process.execPath, [...framework('packages/infra/src/plan/cli.ts'), '--json'], dir);
  } else {
    if ((await step('npm install', 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir)) === undefined) return result;
    if ((await step('codegen', 'npm', ['run', 'codegen'], dir)) === undefined) return result;
    if ((await step('typecheck', 'npm', ['run', 'typecheck'], dir)) === undefined) return result;
    planOut = await step('infra:plan --json', 'npm', ['run', '--silent', 'infra:plan', '--', '--json'], dir);
  }
  if (planOut === undefined) return result;
  try {
    result.plan = (JSON.parse(planOut.slice(planOut.indexOf('{'))) as { resources: PlannedResource[] }).resources;
    result.outcome = 'passed';
  } catch (error) {
    steps.push({ name: 'read the plan', code: 1, ms: 0, output: `infra:plan --json printed no JSON plan: ${(error as Error).message}\n${planOut.slice(0, 2000)}` });
  }
  return result;
}

/** What a plan names, per kind, by AWS name where the plan shows it (else the SST name). */
export function plannedNames(plan: PlannedResource[]): { topics: string[]; queues: string[]; subscriptions: string[]; functions: string[] } {
  const byType = (type: string) =>
    plan
      .filter((r) => r.type === type)
      .map((r) => String(r.properties?.awsName ?? r.name))
      .sort();
  return {
    topics: byType('aws:sns/topic:Topic'),
    queues: byType('aws:sqs/queue:Queue'),
    subscriptions: byType('aws:sns/topicSubscription:TopicSubscription'),
    functions: byType('aws:lambda/function:Function'),
  };
}
