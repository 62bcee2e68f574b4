/**
 * A fixture system (tests/fixtures/<name>) as a project of its own, for the framework's tests that
 * run commands or the local stack: the fixture's files copied to a fresh folder with a
 * package.json that lays them out, and its contract package generated there by codegen (the same
 * `generate` as `npm run codegen`). A framework test then runs on a system that does not change
 * when the order application's contract, consumers or settings do.
 *
 * The folder is under `node_modules/.cache/`, inside the repository, so that what the fixture's
 * files import (`@sluice/runtime/…`) resolves as in the project; each call gets its own folder.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProgramSpec } from '@sluice/cli';
import { generate } from '@sluice/codegen';
import { loadApplication, type Application } from '@sluice/local';
import { loadProject, type ProjectConfig } from '@sluice/model';
import { dlqCommand, publishMessageCommand, statusCommand } from '@sluice/ops';
import type { MessageContract, Operation, ReceiveOperation, Topology } from '@sluice/runtime/contract';
import { fixtureDir } from './fixture-topology.ts';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * A fixture's generated contract package as a test sees it: its messages and operations by name
 * (the precise generated declarations live in the fixture project, out of the test's types).
 */
export interface FixtureContract {
  readonly messages: Readonly<Record<string, MessageContract>>;
  readonly operations: Readonly<Record<string, Operation>>;
  readonly topology: Topology;
}

export interface FixtureProject {
  /** The project's folder (its package.json, contract, generated package, consumers, settings). */
  readonly dir: string;
  /** Its layout, as the framework's commands read it from the package.json. */
  readonly project: ProjectConfig;
  /** The application the local runtime runs: `loadApplication` of this project. */
  application(): Promise<Application>;
  /** Its generated contract package, imported as the project's consumers import it. */
  contract(): Promise<FixtureContract>;
  /**
   * Runs `fn` with this project as the working directory, as an operator runs the project's
   * commands (they read the project from there), and restores the previous one after.
   */
  within<T>(fn: () => Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * The framework's operator commands mounted as an application mounts them (`dlq`, `status`,
 * `publish-message`), for a fixture whose messages carry an `orderId`: the listing's subject.
 * Run it inside {@link FixtureProject.within}, where the commands read the fixture's contract.
 */
export const fixtureProgram: ProgramSpec = {
  name: 'fixture',
  invocation: 'npx fixture',
  summary: "a fixture system's operator commands",
  commands: [
    publishMessageCommand({ name: 'publish-message' }),
    dlqCommand({
      describe: (payload) => {
        const id = (payload as { orderId?: unknown } | null)?.orderId;
        return typeof id === 'string' ? id : undefined;
      },
      subjectTitle: 'orderId',
    }),
    statusCommand,
  ],
};

/**
 * Copies `tests/fixtures/<name>` to a project folder of its own and generates its contract
 * package (`generated/`, package name `@fixtures/<name>-contract`). The fixture's settings are
 * `settings.ts` or `app/src/settings.ts`, its consumers `consumers/` or `app/consumers/`.
 *
 * @example
 * const fixture = await fixtureProject('single-consumer');
 * const runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false });
 */
export async function fixtureProject(name: string): Promise<FixtureProject> {
  const cache = path.join(root, 'node_modules', '.cache', 'sluice-fixtures');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, `${name}-`));
  cpSync(fixtureDir(name), dir, { recursive: true });
  const inApp = existsSync(path.join(dir, 'app'));
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `${name}-fixture`,
        private: true,
        type: 'module',
        eventContract: {
          contractPackage: `@fixtures/${name}-contract`,
          consumers: inApp ? 'app/consumers' : 'consumers',
          settings: inApp ? 'app/src/settings.ts' : 'settings.ts',
        },
      },
      null,
      2,
    )}\n`,
  );
  const project = loadProject(dir);
  await generateContract(project);
  return {
    dir,
    project,
    application: () => loadApplication(project),
    contract: async () => (await import(pathToFileURL(path.join(project.generated, 'index.js')).href)) as FixtureContract,
    within: (fn) => withinDirectory(dir, fn),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The receive operation `id` of a fixture's contract; throws when the contract has none of that name. */
export function receiveOperationOf(contract: FixtureContract, id: string): ReceiveOperation {
  const operation = contract.operations[id];
  if (operation?.action !== 'receive') throw new Error(`the fixture's contract has no receive operation ${id}`);
  return operation;
}

/** An OrderPlaced v1 payload of the fixtures (single-consumer, shop), valid unless `overrides` break it. */
export function fixtureOrder(orderId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { orderId, userId: 'usr-1', itemName: 'Mechanical keyboard', quantity: 2, status: 'PENDING', timestamp: '2026-01-01T09:00:00Z', ...overrides };
}

/**
 * Writes a fixture project's contract package (`generated/`) from its contract, as `npm run codegen`
 * does (the same `generate`): what every fixture project of the tests does once its contract is written.
 */
export async function generateContract(project: ProjectConfig): Promise<void> {
  for (const file of await generate({ specPath: project.spec, packageName: project.contractPackage })) {
    mkdirSync(path.dirname(path.join(project.generated, file.path)), { recursive: true });
    writeFileSync(path.join(project.generated, file.path), file.content);
  }
}

/** Runs `fn` with `dir` as the working directory (where the operator commands read the project), then goes back. */
export async function withinDirectory<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}
