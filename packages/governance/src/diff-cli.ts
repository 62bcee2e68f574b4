/**
 * `npm run contract:diff`: compares the working contract with the last released one, messages and
 * topology, and fails on a breaking change. Part of `npm test`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isEntry, main, terminalSafe, versionOf, type ProgramSpec } from '@sluice/cli';
import { loadProject } from '@sluice/model';
import { COMPATIBILITY_MODES, type CompatibilityMode, CompatibilityModeError, diffContracts, hasFailingChanges } from './compatibility.ts';
import { deploySettingsOf } from './contract-settings.ts';
import { couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';
import { locateFailing } from './locate-failing.ts';
import { nextStepsAfterDiff } from './next-steps.ts';
import { releasedTopologyOf, snapshotPath } from './released-contract.ts';
import { REPORT_FORMATS, type ReportFormat, renderReport } from './report.ts';

/** The `contract:diff` command: classifies the working contract's changes against the released one. */
export const diffProgram: ProgramSpec = {
  name: 'contract:diff',
  invocation: 'npm run contract:diff --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'classify the changes since the released contract; fail on breaking ones',
  description: `Compares the working contract with the last released one and classifies every change,
to the messages and to the topology (queues, topics, subscriptions, redrive, which consumer a new
message reaches), as breaking, non-breaking or unclassified (no rule knows it: review it). Exits 1
when any change is breaking or unclassified. With --if-released, a project that has released no
contract yet passes, saying so (a new project's npm test runs it so).`,
  epilog: exitCodesHelp({
    ok: 'no breaking or unclassified change (or, with --if-released, no contract released yet)',
    failed: 'the working contract has breaking or unclassified changes',
    couldNotRun: 'a usage error, no released contract, a contract that does not load or whose x-compatibility is no mode',
  }),
  options: {
    spec: { type: 'string', valueName: 'file', description: 'working contract', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
    released: { type: 'string', valueName: 'file', description: 'released contract (snapshot or spec)', defaultText: 'released/asyncapi.json', existing: true },
    mode: { type: 'string', valueName: 'mode', description: 'compatibility mode', choices: COMPATIBILITY_MODES, defaultText: "the working contract's info.x-compatibility, else backward" },
    format: { type: 'string', valueName: 'format', description: 'report format', choices: REPORT_FORMATS, defaultText: 'table' },
    'if-released': { type: 'boolean', description: "pass, saying so, while no contract has been released yet (a new project's npm test)" },
  },
  run: failuresExitTwo(async ({ values, io }) => {
    const project = loadProject();
    const specPath = (values.spec as string | undefined) ?? project.spec;
    const releasedPath = (values.released as string | undefined) ?? snapshotPath(project.released);
    // Relative to where it ran when inside it; a file elsewhere by its own path (not ../../../tmp/…).
    const shown = (file: string) => {
      const relative = path.relative(process.cwd(), file);
      return relative && !relative.startsWith('..') ? relative : file;
    };
    if (!existsSync(releasedPath)) {
      if (values['if-released'] === true) {
        io.out(`contract:diff: skipped, no released contract yet (${shown(releasedPath)}): npm run contract:release records one, and from then on this fails on a breaking change`);
        return 0;
      }
      throw couldNotRun(`no released contract at ${shown(releasedPath)}`, 'Release the current contract first: npm run contract:release');
    }
    // Loaded here, not at the top: the AsyncAPI parser takes seconds to load, and --help or a usage error should not wait for it.
    const { ContractLoadError, loadContract } = await import('./contract-document.ts');
    let released, working;
    try {
      [released, working] = await Promise.all([loadContract(releasedPath), loadContract(specPath)]);
    } catch (error) {
      if (error instanceof ContractLoadError) throw couldNotRun(error.message, 'Fix that document, then run npm run contract:diff again.');
      throw error;
    }
    // The snapshot's own release record says what was deployed with it (filter policies included).
    const releasedTopology = values.released === undefined ? releasedTopologyOf(project.released, released) : undefined;
    // The settings the next deploy uses: a visibility timeout the contract does not write is derived from them.
    const settings = await deploySettingsOf(specPath, project, (line) => io.err(`contract:diff: warning: ${line}\n`));
    let diff;
    try {
      diff = diffContracts(released, working, values.mode as CompatibilityMode | undefined, { ...(releasedTopology ? { releasedTopology } : {}), ...(settings ? { settings } : {}) });
    } catch (error) {
      if (error instanceof CompatibilityModeError) {
        // A released snapshot is never edited: a new release of the fixed contract replaces it.
        if (error.of === 'released') throw couldNotRun(`${shown(releasedPath)}: ${error.message}`, `Fix it in ${shown(specPath)}, release it (npm run contract:release), then run npm run contract:diff again; or compare under a mode told: npm run contract:diff -- --mode full.`);
        throw couldNotRun(error.message, `Fix it in ${shown(specPath)}, then run npm run contract:diff again.`);
      }
      throw error;
    }
    await locateFailing(diff, working, specPath, shown);
    const format = (values.format as ReportFormat | undefined) ?? 'table';
    if (format !== 'json') io.out(`contract:diff: released ${terminalSafe(String(released.info?.version))} (${shown(releasedPath)}) → working ${terminalSafe(String(working.info?.version))} (${shown(specPath)})\n`);
    io.out(renderReport(diff, format));
    if (!hasFailingChanges(diff)) return 0;
    if (format !== 'json') io.err(`\ncontract:diff: FAILED: the working contract has breaking or unclassified changes.\n${await nextStepsAfterDiff(diff, released, working, specPath, project.root)}`);
    return 1;
  }),
};


if (isEntry(import.meta)) await main(diffProgram);
