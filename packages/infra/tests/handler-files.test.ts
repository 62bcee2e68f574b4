/**
 * The triage functions' handler is the file the project's installed `@sluice/runtime` exports for
 * `./triage/handler` (`triageHandlerOf` of @sluice/model): `src/` in this workspace, `dist/` in a
 * project that installed the packed framework (it has no `src/`; the plan named
 * `node_modules/@sluice/runtime/src/triage/handler.handler` there, a file `sst deploy` could not
 * build). And `infra:plan` refuses a plan with a handler file that does not exist
 * (`missingHandlerFiles`), naming the file and what to do. In-process; the whole command in a
 * project with the packed runtime installed is in sst-config.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePlan, TRIAGE_HANDLER, triageHandlerOf } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { HANDLER_EXTENSIONS, missingHandlerFiles, missingHandlersMessage } from '../src/plan/handler-files.ts';
import type { Plan } from '../src/plan/plan.ts';
import { repositoryRoot } from '../src/plan/synthesize.ts';
// @ts-expect-error: a plain JavaScript module of the build, without declarations
import { packedManifest } from '../../../scripts/pack-manifest.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'sluice-handlers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The plan of `infra:plan`, reduced to functions with these handlers. */
function planWith(handlers: Record<string, string>): Plan {
  return {
    stage: 'dev',
    app: { name: 'x', stage: 'dev', home: 'aws', removal: 'remove', protect: false, providers: {} },
    resources: [
      { type: 'aws:sqs/queue:Queue', name: 'OrderQueueQueue', component: 'OrderQueue', properties: {} },
      ...Object.entries(handlers).map(([name, handler]) => ({ type: 'aws:lambda/function:Function', name, component: name, properties: { handler } })),
    ],
    outputs: {},
    warnings: [],
  };
}

/** A project folder whose node_modules/@sluice/runtime has the packed manifest (exports at dist/) and, when `withHandler`, dist/triage/handler.js. */
function installedProject(name: string, withHandler: boolean): string {
  const dir = path.join(scratch, name);
  const runtime = path.join(dir, 'node_modules', '@sluice', 'runtime');
  mkdirSync(path.join(runtime, 'dist', 'triage'), { recursive: true });
  const workspace = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages', 'runtime', 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(runtime, 'package.json'), JSON.stringify(packedManifest(workspace, 'runtime')));
  if (withHandler) writeFileSync(path.join(runtime, 'dist', 'triage', 'handler.js'), 'export const handler = () => undefined;\n');
  return dir;
}

describe('the triage functions\' handler, resolved in the project', () => {
  it('is the runtime\'s source in this workspace, a file that exists', () => {
    const handler = triageHandlerOf(repositoryRoot);
    expect(handler).toBe('node_modules/@sluice/runtime/src/triage/handler.handler');
    expect(handler).toBe(TRIAGE_HANDLER);
    expect(existsSync(path.join(repositoryRoot, 'node_modules/@sluice/runtime/src/triage/handler.ts'))).toBe(true);
  });

  it('is dist/ where the packed runtime is installed (its exports), relative to the project root', () => {
    const dir = installedProject('installed', true);
    expect(triageHandlerOf(dir)).toBe('node_modules/@sluice/runtime/dist/triage/handler.handler');
    // A project below the folder that has node_modules (Node looks up the parents too).
    const nested = path.join(dir, 'apps', 'orders');
    mkdirSync(nested, { recursive: true });
    expect(triageHandlerOf(nested)).toBe('../../node_modules/@sluice/runtime/dist/triage/handler.handler');
  });

  it('is what the plan names for every triage function', () => {
    const topology = JSON.parse(readFileSync(path.join(repositoryRoot, 'generated', 'topology.json'), 'utf8')) as Topology;
    const settings = { alerts: { subscribedElsewhere: 'a test' } };
    const handler = 'node_modules/@sluice/runtime/dist/triage/handler.handler';
    const triage = resolvePlan({ topology, settings, check: false, triageHandler: handler }).functions.filter((f) => f.kind === 'triage');
    expect(triage.length).toBeGreaterThan(0);
    expect(triage.map((f) => f.handler)).toEqual(triage.map(() => handler));
    // Not told: the workspace's layout, as before.
    expect(resolvePlan({ topology, settings, check: false }).functions.filter((f) => f.kind === 'triage').map((f) => f.handler)).toEqual(triage.map(() => TRIAGE_HANDLER));
  });

  it('refuses, saying to run npm install, when no @sluice/runtime is installed or it exports no ./triage/handler', () => {
    const bare = path.join(scratch, 'bare');
    mkdirSync(bare);
    // (No node_modules/@sluice/runtime in the temp folder's parents.)
    expect(() => triageHandlerOf(bare)).toThrow(/^@sluice\/runtime is not installed for .*bare .*run npm install$/);
    const old = installedProject('old-runtime', false);
    const manifest = path.join(old, 'node_modules', '@sluice', 'runtime', 'package.json');
    writeFileSync(manifest, JSON.stringify({ name: '@sluice/runtime', exports: { '.': './dist/index.js' } }));
    expect(() => triageHandlerOf(old)).toThrow(/exports no \.\/triage\/handler.*npm install/);
  });
});

describe('infra:plan\'s check of the handler files', () => {
  it('passes this workspace\'s plan: the consumers\' and the triage\'s files exist', () => {
    const plan = planWith({ ConsumeOrderPlacedFunction: 'packages/orders/consumers/consumeOrderPlaced.handler', TriageOrderTopicFunction: triageHandlerOf(repositoryRoot) });
    expect(missingHandlerFiles(plan, repositoryRoot)).toEqual([]);
    expect(missingHandlersMessage([])).toBeUndefined();
  });

  it('names the triage file missing from the installed runtime, and says to run npm install', () => {
    const dir = installedProject('no-dist', false);
    const handler = triageHandlerOf(dir);
    const missing = missingHandlerFiles(planWith({ TriageOrderTopicFunction: handler }), dir);
    expect(missing).toEqual([{ function: 'TriageOrderTopicFunction', handler, file: 'node_modules/@sluice/runtime/dist/triage/handler' }]);
    expect(missingHandlersMessage(missing)).toBe(
      'the deployment cannot be built: no handler file for 1 function:\n' +
        `  - TriageOrderTopicFunction (handler ${handler}): no file node_modules/@sluice/runtime/dist/triage/handler.ts, .js or .tsx, .mts, .cts, .jsx, .mjs, .cjs; ` +
        'the installed package lacks it: run npm install (a framework packed from its workspace: npm run build:packages, pack, then npm install the tarballs again)',
    );
    // Once there, the plan passes.
    writeFileSync(path.join(dir, 'node_modules/@sluice/runtime/dist/triage/handler.js'), 'export const handler = () => undefined;\n');
    expect(missingHandlerFiles(planWith({ TriageOrderTopicFunction: handler }), dir)).toEqual([]);
  });

  it('names a consumer\'s missing handler file, with any extension SST builds', () => {
    const dir = path.join(scratch, 'consumers-project');
    mkdirSync(path.join(dir, 'consumers'), { recursive: true });
    const plan = planWith({ ConsumeAFunction: 'consumers/consumeA.handler', ConsumeBFunction: 'consumers/consumeB.handler' });
    const message = missingHandlersMessage(missingHandlerFiles(plan, dir));
    expect(message).toMatch(/^the deployment cannot be built: no handler file for 2 functions:\n {2}- ConsumeAFunction \(handler consumers\/consumeA\.handler\): no file consumers\/consumeA\.ts, .*; write the consumer's handler there/);
    for (const extension of HANDLER_EXTENSIONS) {
      writeFileSync(path.join(dir, 'consumers', `consumeA${extension}`), '');
      expect(missingHandlerFiles(plan, dir).map((m) => m.function), extension).toEqual(['ConsumeBFunction']);
      rmSync(path.join(dir, 'consumers', `consumeA${extension}`));
    }
  });
});
