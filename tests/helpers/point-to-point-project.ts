/**
 * The SQS binding's point-to-point example (packages/model/tests/fixtures/bindings/sqs-point-to-point.yaml:
 * `sendMessage` sends UserSignedUp straight to `user-signedup-queue`, `receiveMessage` consumes it)
 * as a project of its own, its contract package generated there by codegen: for the tests of what
 * publishes a point-to-point send operation (publish-message, the console).
 *
 * An empty operation binding `bindings: { sqs: {} }` (as the binding's README has it) fails the SQS
 * binding schema (`queues` required): if the fixture carries one, the project's copy leaves it out.
 *
 * With {@link PointToPointProjectOptions.consumers} it is laid out as a created project runs its
 * consumers: handler files in `consumers/`, a package.json, and the contract package linked in
 * `node_modules` as npm links the `generated` workspace, so that a handler imports `@p2p/contract`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateContract } from './fixture-project.ts';
import { loadProject, type ProjectConfig } from '@sluice/model';
import { parse, stringify } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');

/** The fixture the project is made from. */
export const POINT_TO_POINT_FIXTURE = path.join(root, 'packages/model/tests/fixtures/bindings/sqs-point-to-point.yaml');

export interface PointToPointProject {
  /** The project's folder (its contract `asyncapi.yaml`, its `generated/`, `node_modules` linked to the repository's). */
  readonly dir: string;
  /** Its layout (contract package `@p2p/contract`). */
  readonly project: ProjectConfig;
  dispose(): void;
}

/** How {@link pointToPointProject} changes the fixture's project; without any, the fixture as it is. */
export interface PointToPointProjectOptions {
  /**
   * The `maxReceiveCount` of `user-signedup-queue`'s redrive policy in the project's contract (the
   * fixture gives none: the topology's default, 10), so that a test dead-letters in a few receives.
   */
  readonly maxReceiveCount?: number;
  /**
   * Handler files written to the project's `consumers/` folder: source by operation id
   * (`{ receiveMessage: "import { operations } from '@p2p/contract'; …" }`). The project then has
   * a package.json (`eventContract`, the `generated` workspace) and a `node_modules` folder of its
   * own: the repository's packages linked one by one, and `@p2p/contract` linked to `generated/`.
   */
  readonly consumers?: Readonly<Record<string, string>>;
}

/**
 * @example
 * const p2p = await pointToPointProject();
 * const { topology } = await contractModule(p2p.project);
 * const stack = await startLocalRuntime({ application: { project: p2p.project, topology, settings: {}, handlers: {} }, port: 0, consumers: false });
 *
 * // Its consumer running on the stack (see packages/local/tests/point-to-point-consumer.test.ts):
 * const withConsumer = await pointToPointProject({ maxReceiveCount: 2, consumers: { receiveMessage: source } });
 * const runtime = await startLocalRuntime({ application: await loadApplication(withConsumer.project), port: 0 });
 */
export async function pointToPointProject(options: PointToPointProjectOptions = {}): Promise<PointToPointProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-p2p-'));
  const contractPackage = '@p2p/contract';
  if (options.consumers === undefined) {
    // What the generated module imports (@sluice/runtime/contract) resolves as in the repository.
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  } else {
    writeProjectWithConsumers(dir, 'p2p', contractPackage, options.consumers);
  }
  const doc = parse(readFileSync(POINT_TO_POINT_FIXTURE, 'utf8')) as {
    operations: Record<string, { bindings?: unknown }>;
    channels: Record<string, { bindings: { sqs: { queue: { redrivePolicy: { maxReceiveCount?: number } } } } }>;
  };
  for (const op of Object.values(doc.operations)) delete op.bindings;
  if (options.maxReceiveCount !== undefined) doc.channels['user-signedup']!.bindings.sqs.queue.redrivePolicy.maxReceiveCount = options.maxReceiveCount;
  writeFileSync(path.join(dir, 'asyncapi.yaml'), stringify(doc));
  const project = loadProject(dir, { contractPackage });
  await generateContract(project);
  return { dir, project, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Makes `dir` a project that runs handlers as a user's does: a package.json (`eventContract`, the
 * `generated` workspace), the handler files in `consumers/` (source by operation id), and a
 * `node_modules` folder of its own: the repository's packages linked one by one, and the contract
 * package (`@scope/name`) linked to `generated/`, which codegen writes next.
 */
export function writeProjectWithConsumers(dir: string, name: string, contractPackage: string, consumers: Readonly<Record<string, string>>): void {
  const [scope] = contractPackage.split('/');
  const modules = path.join(dir, 'node_modules');
  mkdirSync(path.join(modules, scope!), { recursive: true });
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (entry !== scope) symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  symlinkSync(path.join(dir, 'generated'), path.join(modules, contractPackage), 'dir');
  const manifest = { name, private: true, type: 'module', workspaces: ['generated'], dependencies: { [contractPackage]: '*' }, eventContract: { contractPackage } };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(path.join(dir, 'consumers'));
  for (const [operationId, source] of Object.entries(consumers)) writeFileSync(path.join(dir, 'consumers', `${operationId}.ts`), source);
}
