/**
 * `npm run contract:release`: records the working contract (and the topology it deploys) as the
 * released one, the baseline `npm run contract:diff` compares against.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type CliError, isEntry, main, terminalSafeIO, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { loadProject } from '@sluice/model';
import { deriveTopology } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { CompatibilityModeError, compatibilityModeOf, diffContracts, hasFailingChanges, messagesBrokenInPlace, onlyDocumentation } from './compatibility.ts';
import { deploySettingsOf } from './contract-settings.ts';
import type { ContractDocument } from './contract-document.ts';
import { checkFailed, couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';
import { readReleaseRecord, releasedTopologyOf, snapshotPath, writeRelease, type ReleaseRecord } from './released-contract.ts';
import { locateFailing } from './locate-failing.ts';
import { renderReport } from './report.ts';
import { comparePrecedence, semver } from './semver.ts';

/**
 * The `x-schema-version` of every message of the topology, the one derived from the contract
 * (`components.messages` and the channels' alike), by name: the version its publishers send and
 * its subscriptions filter on, so 1.0.0 (`DEFAULT_SCHEMA_VERSION`) for one that declares none.
 */
function messageVersions(topology: Topology): Record<string, string> {
  return Object.fromEntries(Object.entries(topology.messages).map(([name, m]) => [name, m.schemaVersion]));
}

/** The `contract:release` command: records the working contract as the released one. */
export const releaseProgram: ProgramSpec = {
  name: 'contract:release',
  invocation: 'npm run contract:release --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'record the working contract as released',
  description: `Writes the working contract, dereferenced, and the topology it deploys to the released
snapshot that \`npm run contract:diff\` (and so \`npm test\`) compares against. Commit the snapshot
with the contract change. Refuses when the contract has breaking or unclassified changes since the
last release, when info.version is not a semver version MAJOR.MINOR.PATCH (no leading v), and when
it was not bumped or is lower by semver precedence (a pre-release comes before its version; a
documentation-only edit needs no bump: it is released under the same version), so a release never
hides a break by accident.
With --accept-breaking, it warns for each message whose own change is breaking while its
x-schema-version keeps its major: old-shape messages still reach the consumers of that major.`,
  epilog: exitCodesHelp({
    ok: 'released (or nothing to release, said so)',
    failed: 'refused for what it would release: breaking or unclassified changes without --accept-breaking, info.version not MAJOR.MINOR.PATCH, not bumped or lower than the released one, a contract npm run codegen refuses',
    couldNotRun: 'a usage error (--accept-breaking where nothing breaking was found included), a contract (working or released) that does not load, a working contract whose x-compatibility is no mode (a released snapshot\'s is only warned of: the release replaces it)',
  }),
  options: {
    spec: { type: 'string', valueName: 'file', description: 'working contract', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
    out: { type: 'string', valueName: 'dir', path: true, description: 'snapshot folder', defaultText: 'eventContract.released, else released/' },
    'accept-breaking': { type: 'string', valueName: 'reason', description: 'release breaking changes on purpose (retiring an old major version, or a message nobody consumes yet); the reason is recorded; refused (exit 2, nothing written) when nothing breaking was found' },
  },
  run: failuresExitTwo(async ({ values, io: terminal }) => {
    // What it says quotes the contracts (versions, message names): shown as escapes where they hold controls.
    const io = terminalSafeIO(terminal);
    const project = loadProject();
    const specPath = (values.spec as string | undefined) ?? project.spec;
    const reason = (values['accept-breaking'] as string | undefined)?.trim();
    if (values['accept-breaking'] !== undefined && !reason) {
      throw new UsageError('--accept-breaking needs a reason, e.g. --accept-breaking "PaymentCaptured v1 retired: no consumer left"');
    }
    // --accept-breaking given where nothing breaks: its reason would be recorded nowhere (exit 2, nothing written).
    const nothingToAccept = (found: string) =>
      couldNotRun(
        `--accept-breaking "${reason}" was given, but nothing breaking was found (${found}): there is no break to accept, and the reason would be recorded nowhere`,
        'Run npm run contract:release again without --accept-breaking: it records a reason only with the breaking changes it accepts.',
      );
    const outDir = path.resolve((values.out as string | undefined) ?? project.released);
    // Relative to where it ran when inside it; a file elsewhere by its own path (not ../../../tmp/…).
    const shown = (file: string) => {
      const relative = path.relative(process.cwd(), file);
      return relative && !relative.startsWith('..') ? relative : file;
    };
    // Loaded here, not at the top: the AsyncAPI parser takes seconds to load, and --help or a usage error should not wait for it.
    const [{ ContractLoadError, loadContract }, { collectInputs }] = await Promise.all([import('./contract-document.ts'), import('@sluice/codegen')]);
    let working: ContractDocument;
    let previous: ContractDocument | undefined;
    try {
      working = await loadContract(specPath);
      previous = existsSync(snapshotPath(outDir)) ? await loadContract(snapshotPath(outDir)) : undefined;
    } catch (error) {
      if (error instanceof ContractLoadError) throw couldNotRun(error.message, 'Fix that document, then run npm run contract:release again.');
      throw error;
    }
    let acceptedBreaking: ReleaseRecord['acceptedBreaking'];
    // The record of a break accepted under this version by an earlier release of it, kept by a documentation-only one.
    let carriedBreaking: ReleaseRecord['acceptedBreaking'];
    // Wording only, released under the version it already has: said with the release.
    let sameVersion = false;
    // The release arithmetic (a break is a new major, a version never goes down) is semver's: info.version is held to its form.
    const after = semver(working.info?.version);
    // Quoted, so that spaces around it are seen; its controls are escaped with the rest of the output.
    const quoted = (version: unknown) => (typeof version === 'string' ? `"${version}"` : String(version));
    const notSemver = () =>
      checkFailed(
        `info.version ${quoted(working.info?.version)} is not a version MAJOR.MINOR.PATCH`,
        `Write it in ${shown(specPath)} as semver.org does, three numbers without a leading v: 1.2.0 (a pre-release 1.2.0-rc.1 and build metadata 1.2.0+build.5 are allowed), then release again.`,
      );
    if (previous) {
      const releasedTopology = releasedTopologyOf(outDir, previous);
      // The settings the next deploy uses, as contract:diff reads them: a visibility timeout the contract does not write is derived from them.
      const settings = await deploySettingsOf(specPath, project, (line) => io.err(`contract:release: warning: ${line}\n`));
      let diff;
      try {
        diff = diffContracts(previous, working, undefined, { ...(releasedTopology ? { releasedTopology } : {}), ...(settings ? { settings } : {}) });
      } catch (error) {
        if (!(error instanceof CompatibilityModeError)) throw error;
        const fixIt = `Fix it in ${shown(specPath)}, then run npm run contract:release again.`;
        if (error.of === 'working') throw couldNotRun(`${shown(specPath)}: ${error.message}`, fixIt);
        // The released snapshot's mode is no mode (released before it was checked): this release replaces it; judged under the working contract's alone.
        const snapshot = shown(snapshotPath(outDir));
        const noMode = error.fault;
        let mode;
        try {
          mode = compatibilityModeOf(working);
        } catch (workingError) {
          if (!(workingError instanceof CompatibilityModeError)) throw workingError;
          throw couldNotRun(`${shown(specPath)}: ${workingError.message}\n${snapshot}: ${noMode} either: the release replaces it with ${shown(specPath)}'s.`, fixIt);
        }
        const declared = working.info?.['x-compatibility'] !== undefined;
        io.err(
          `contract:release: warning: ${snapshot}: ${noMode}. Only ${shown(specPath)}'s mode counts: ${
            declared ? `${mode}, its info.x-compatibility` : `${mode}, the default, as it declares no info.x-compatibility (declare one there to judge under another)`
          }. This release replaces the snapshot, and its mode with ${shown(specPath)}'s.`,
        );
        // Said as the working contract's mode (or the default), the one this command chose: contract:release has no --mode.
        diff = diffContracts(previous, working, mode, { ...(releasedTopology ? { releasedTopology } : {}), ...(settings ? { settings } : {}), modeFrom: declared ? 'working' : 'working-default' });
      }
      if (diff.changes.length === 0) {
        if (reason) throw nothingToAccept(`nothing changed since the release: ${shown(snapshotPath(outDir))} already holds version ${working.info?.version}`);
        io.out(`contract:release: nothing to release; ${shown(snapshotPath(outDir))} already holds version ${working.info?.version}.`);
        return 0;
      }
      // Each failing change with the file and line where it is written, as contract:diff shows it.
      await locateFailing(diff, working, specPath, shown);
      io.out(renderReport(diff, 'table'));
      // A reason given for no break would be dropped (or, on a documentation-only re-release, an earlier one kept in its stead): refused,
      // after the version's own findings, said with them.
      const unneeded = reason && !hasFailingChanges(diff) ? nothingToAccept(onlyDocumentation(diff.changes) ? 'only documentation changed' : 'every change is non-breaking') : undefined;
      const withUnneeded = (finding: CliError) => alsoNothingToAccept(finding, unneeded);
      if (!after) throw withUnneeded(notSemver());
      // A snapshot released before versions were checked may hold another form: a leading v is read past; another form cannot be ordered.
      const before = semver(previous.info?.version) ?? semver(String(previous.info?.version).replace(/^v(?=\d)/, ''));
      if (!before) io.err(`contract:release: warning: the released info.version ${quoted(previous.info?.version)} is not MAJOR.MINOR.PATCH (released before versions were checked): whether ${working.info?.version} is above it cannot be told. This release replaces it.`);
      const order = before ? comparePrecedence(after, before) : previous.info?.version === working.info?.version ? 0 : 1;
      if (order === 0) {
        const still = previous.info?.version === working.info?.version ? `info.version is still ${working.info?.version}` : `info.version ${working.info?.version} is the same version as the released ${previous.info?.version} (build metadata, after +, does not count)`;
        if (!onlyDocumentation(diff.changes)) throw withUnneeded(checkFailed(still, `Bump it in ${shown(specPath)} (major for a break, minor for an addition, patch for a compatible fix; documentation alone needs none), then release again.`));
        sameVersion = true;
        // The record is of the version: a break released under it earlier stays recorded (why, and what broke in place).
        carriedBreaking = readReleaseRecord(outDir)?.acceptedBreaking;
      }
      if (order < 0) {
        throw withUnneeded(
          checkFailed(
            `info.version ${working.info?.version} is lower than the released ${previous.info?.version}${before!.pre.length === 0 && after.core.join('.') === before!.core.join('.') ? ` (a pre-release comes before its version: ${working.info?.version} < ${after.core.join('.')})` : ''}`,
            `Give ${shown(specPath)} a version above ${previous.info?.version} (major for a break, minor for an addition, patch for a compatible fix), then release again.`,
          ),
        );
      }
      if (unneeded) throw unneeded;
      if (hasFailingChanges(diff)) {
        if (!reason) {
          throw checkFailed(
            'refused: these changes break consumers of the released contract',
            'Publish a new major message version side by side instead (see `npm run contract:diff`), or, to break on purpose, rerun with --accept-breaking "<why>".',
          );
        }
        acceptedBreaking = { reason, changes: diff.changes.filter((c) => c.classification !== 'non-breaking').map((c) => `${c.classification} ${c.kind} ${c.path}`) };
        // Released on purpose, but a message broken under the same major mixes both shapes in
        // its consumers' queues: said for each, here and in the record.
        const inPlace = messagesBrokenInPlace(previous, working, diff.changes);
        for (const b of inPlace) io.err(`\ncontract:release: WARNING: ${b.warning}`);
        if (inPlace.length > 0) acceptedBreaking.inPlace = inPlace.map(({ message, released, working: now, warning }) => ({ message, released, working: now, warning }));
        if (before && after.core[0] === before.core[0]) io.err(`\ncontract:release: WARNING: breaking changes released as ${working.info?.version}, the same major as ${previous.info?.version}: readers of the contract's version take it for compatible. A break is a new major (${BigInt(before.core[0]) + 1n}.0.0).`);
      }
    } else {
      const unneeded = reason ? nothingToAccept(`there is no released contract yet (${shown(snapshotPath(outDir))}), so nothing to break`) : undefined;
      if (!after) throw alsoNothingToAccept(notSemver(), unneeded);
      if (unneeded) throw unneeded;
    }
    // What codegen refuses is no release: generated/ could not be made from it. A finding about what it would release, as a break is.
    const { CodegenError, readContract } = await import('@sluice/codegen');
    try {
      await readContract(specPath);
    } catch (error) {
      if (error instanceof CodegenError) throw checkFailed(`refused: npm run codegen refuses this contract, so nothing could be built from the release:\n${error.message}`, `Fix ${shown(specPath)}, then run npm run codegen and npm run contract:release again.`);
      throw error;
    }
    const { topology } = deriveTopology(working);
    writeRelease(outDir, working, {
      note: 'Written by `npm run contract:release`; never edit by hand. `npm run contract:diff` compares the working contract with asyncapi.json here, and the topology recorded below with the one it derives.',
      version: working.info?.version,
      messages: messageVersions(topology),
      sources: collectInputs(specPath).map((f) => path.relative(project.root, f).split(path.sep).join('/')),
      ...(acceptedBreaking ?? carriedBreaking ? { acceptedBreaking: acceptedBreaking ?? carriedBreaking } : {}),
      topology,
    });
    // What else the contract change (its version at least) left to redo before the commit: the
    // release is committed with them, or the next npm test fails on them.
    const redo = await staleBesideRelease(project, specPath);
    io.out(
      `\ncontract:release: released ${working.info?.version}${sameVersion ? ' (documentation only, the same version)' : ''} to ${shown(outDir)}/. ${
        redo.length > 0 ? `Before you commit it with the contract change: ${redo.map((r) => `${r.what} (${r.run})`).join('; ')}.` : 'Commit it with the contract change.'
      }`,
    );
    const warned = acceptedBreaking?.inPlace?.map((b) => b.message) ?? [];
    if (warned.length > 0) io.err(`contract:release: WARNING: ${warned.join(', ')} broke without a new major version: see the WARNING${warned.length > 1 ? 's' : ''} about ${warned.length > 1 ? 'them' : 'it'} (recorded in release.json, acceptedBreaking.inPlace).`);
    return 0;
  }),
};

if (isEntry(import.meta)) await main(releaseProgram);

/**
 * A finding about what it would release (exit 1) said with the refusal of an --accept-breaking
 * given where nothing breaks, when there is one: both in one report, each with what to do.
 */
function alsoNothingToAccept(finding: CliError, unneeded: CliError | undefined): CliError {
  return unneeded ? checkFailed(`${finding.message}\n${unneeded.message}`, `${finding.options.next} ${unneeded.options.next}`) : finding;
}

/**
 * What a contract change leaves stale beside the release: `generated/` (the contract's version is
 * in it) and, when the project keeps one, the topology picture. Each with the command that redoes it.
 */
async function staleBesideRelease(project: ReturnType<typeof loadProject>, specPath: string): Promise<{ what: string; run: string }[]> {
  const stale: { what: string; run: string }[] = [];
  // Another document (--spec) is not what generated/ and the picture are made from.
  if (path.resolve(specPath) !== path.resolve(project.spec)) return stale;
  const { staleGeneratedReason } = await import('@sluice/codegen/freshness');
  if (staleGeneratedReason(project)) stale.push({ what: `${path.relative(process.cwd(), project.generated) || project.generated}/ is stale`, run: 'npm run codegen' });
  const { contractPicture, DEFAULT_TOPOLOGY_PICTURE } = await import('./topology-picture.ts');
  const picture = path.join(project.root, DEFAULT_TOPOLOGY_PICTURE);
  if (existsSync(picture)) {
    const svg = await contractPicture({ specPath, settingsPath: project.settings }).catch(() => undefined);
    if (svg !== undefined && readFileSync(picture, 'utf8') !== svg) stale.push({ what: `${path.relative(process.cwd(), picture)} is stale`, run: 'npm run diagram' });
  }
  return stale;
}
