/**
 * `npm run infra:plan`: what `sst deploy` would create for a stage, offline, from SST's real
 * components under Pulumi's unit-test mocks (the same synthesis the infrastructure test runs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, isEntry, main, shownPath, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { staleGeneratedReason } from '@sluice/codegen/freshness';
import { checkHandlers, loadProject } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { missingHandlerFiles, missingHandlersMessage } from './handler-files.ts';
import { planOf, renderPlan } from './plan.ts';
import { synthesize } from './synthesize.ts';

const INSTALL = fileURLToPath(new URL('../../sst-install.sh', import.meta.url));

export const planProgram: ProgramSpec = {
  name: 'infra:plan',
  invocation: 'npm run infra:plan --',
  version: versionOf(new URL('../../package.json', import.meta.url)),
  summary: 'print, offline, what `sst deploy` would create for a stage',
  description: `Runs sst.config.ts with SST's real components under Pulumi's unit-test mocks, without AWS,
and prints every AWS resource it would create, with what matters: queues and their redrive, topics,
subscriptions and their filter policies, queue policies, functions and their roles' IAM actions and
resources, event source mappings, alarms and tables. References show the name of what they point at.
Refuses (exit 1, no plan) when a function's handler file does not exist: a consumer's under the
consumers folder, the triage functions' in the installed @sluice/runtime.
Prepares .sst/platform first when it is missing (npm run sst:install; about a minute, npm registry only).`,
  options: {
    stage: { type: 'string', valueName: 'name', description: 'the stage to plan', defaultText: 'dev' },
    json: { type: 'boolean', description: 'JSON (type, name, component, properties), for scripts' },
  },
  examples: ['npm run infra:plan', 'npm run infra:plan -- --stage prod --json'],
  async run({ values, io }) {
    const stage = (values.stage as string | undefined) ?? 'dev';
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(stage)) throw new UsageError(`--stage ${JSON.stringify(stage)} is not a stage name: letters, digits and dashes, e.g. --stage dev`);
    const root = process.cwd();
    // The plan is the manifest's: one that no longer matches the contract would plan the previous contract.
    const project = loadProject(root);
    const stale = staleGeneratedReason(project);
    if (stale) {
      // A contract codegen refuses (a binding field the framework refuses, …) keeps generated/
      // stale: what it refuses is said here too, not only once codegen is run.
      const refused = await contractRefusal(project.spec);
      if (refused) throw new CliError(`${stale}\n${refused}`, { next: `Fix ${path.relative(process.cwd(), project.spec) || project.spec}, run npm run codegen, then plan again.` });
      throw new CliError(stale); // It ends with what to run: `Run npm run codegen, then try again.`
    }
    // What codegen:check (npm test) refuses in the consumers folder: a handler without its
    // `handler` export, or defining another operation's consumer, would deploy as a function that
    // fails on every message. Refused here too, before the synthesis.
    const topology = JSON.parse(readFileSync(path.join(project.generated, 'topology.json'), 'utf8')) as Topology;
    const handlerProblems = checkHandlers(topology, project.consumers, root, project.contractPackage);
    if (handlerProblems.length > 0) {
      throw new CliError(
        `the consumers in ${shownPath(project.consumers, process.cwd())}/ do not match the contract's receive operations (deployed, such a function fails on every message):\n${handlerProblems.map((p) => `  - ${p}`).join('\n')}`,
        { next: 'Fix what each line says (npm run codegen:check says the same), then plan again.' },
      );
    }
    if (!existsSync(path.join(root, '.sst', 'platform', 'src', 'auto', 'run.ts'))) {
      io.err('infra:plan: .sst/platform is missing; preparing it (npm run sst:install, about a minute)…');
      // Its report goes to stderr: stdout is the plan (--json reads it).
      const install = spawnSync('bash', [INSTALL], { cwd: root, stdio: ['ignore', 2, 'inherit'] });
      if (install.status !== 0) throw new CliError('npm run sst:install failed (see above)', { next: 'It needs the npm registry; run it again once reachable.' });
    }
    const started = performance.now();
    let plan;
    try {
      plan = planOf(await synthesize({ stage, root }));
    } catch (error) {
      // The settings refused by the plan (a production stage whose alarms reach nobody, …): the
      // problems alone, not the synthesis's stack trace.
      const text = String((error as Error).message ?? error);
      const refused = /The settings do not fit the contract:\n((?:\s+- .*\n?)+)/.exec(text);
      if (refused) {
        throw new CliError(`stage ${stage} would not deploy; the settings do not fit:\n${refused[1]!.trimEnd()}`, {
          next: `Fill in what each line names in ${shownPath(project.settings, process.cwd())} (the application's settings), then plan again.`,
        });
      }
      throw error;
    }
    // With --json the plan (warnings included) is for a program: said on stderr for the person
    // running it too. Without, the plan's own Warnings section says them, once.
    if (values.json) for (const warning of plan.warnings) io.err(`infra:plan: warning: ${warning}`);
    // A function whose handler file is missing would fail `sst deploy`'s build: no plan, exit 1.
    const unbuildable = missingHandlersMessage(missingHandlerFiles(plan, root));
    if (unbuildable) throw new CliError(unbuildable, { next: `Each path is relative to ${root}. Fix what each line says, then plan again.` });
    if (values.json) io.out(JSON.stringify(plan, null, 2));
    else {
      io.out(renderPlan(plan));
      const picture = path.join(root, 'docs', 'topology.svg');
      io.out(
        existsSync(picture)
          ? `\nThe topology as a picture: ${path.relative(process.cwd(), picture)} (npm run diagram redraws it; npm run diagram -- --check says whether it is current).`
          : `\nThe topology as a picture: none yet; npm run diagram draws it into ${path.relative(process.cwd(), picture)}.`,
      );
      io.out(`infra:plan: synthesized offline in ${((performance.now() - started) / 1000).toFixed(1)} s; nothing was deployed (sst deploy needs AWS credentials).`);
    }
    return 0;
  },
};

/** What codegen refuses in the contract (every problem, as `npm run codegen` says it), if anything. */
async function contractRefusal(spec: string): Promise<string | undefined> {
  // Loaded only here: the AsyncAPI parser takes seconds to load.
  const { CodegenError, readContract } = await import('@sluice/codegen');
  try {
    await readContract(spec);
    return undefined;
  } catch (error) {
    if (error instanceof CodegenError) return error.message;
    throw error;
  }
}

if (isEntry(import.meta)) await main(planProgram);
