/**
 * The SQS binding's point-to-point example (packages/model/tests/fixtures/bindings/sqs-point-to-point.yaml:
 * `sendMessage` sends UserSignedUp straight to `user-signedup-queue`, `receiveMessage` consumes it)
 * as a project of its own, its contract package generated there by codegen: for the tests of what
 * publishes a point-to-point send operation (publish-message, the console).
 *
 * An empty operation binding `bindings: { sqs: {} }` (as the binding's README has it) fails the SQS
 * binding schema (`queues` required): if the fixture carries one, the project's copy leaves it out.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@sluice/codegen';
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

/**
 * @example
 * const p2p = await pointToPointProject();
 * const { topology } = await contractModule(p2p.project);
 * const stack = await startLocalRuntime({ application: { project: p2p.project, topology, settings: {}, handlers: {} }, port: 0, consumers: false });
 */
export async function pointToPointProject(): Promise<PointToPointProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-p2p-'));
  // What the generated module imports (@sluice/runtime/contract) resolves as in the repository.
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const doc = parse(readFileSync(POINT_TO_POINT_FIXTURE, 'utf8')) as { operations: Record<string, { bindings?: unknown }> };
  for (const op of Object.values(doc.operations)) delete op.bindings;
  writeFileSync(path.join(dir, 'asyncapi.yaml'), stringify(doc));
  const project = loadProject(dir, { contractPackage: '@p2p/contract' });
  mkdirSync(project.generated, { recursive: true });
  for (const file of await generate({ specPath: project.spec, packageName: project.contractPackage })) writeFileSync(path.join(project.generated, file.path), file.content);
  return { dir, project, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
