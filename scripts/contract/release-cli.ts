/**
 * `npm run contract:release`: records the working contract as the released one, the baseline
 * `npm run contract:diff` compares against.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { collectInputs } from '../codegen/generate.ts';
import { diffContracts, hasFailingChanges } from './compatibility.ts';
import { ContractLoadError, loadContract, type ContractDocument } from './contract-document.ts';
import { RELEASED_DIR, type ReleaseRecord, snapshotPath, writeRelease } from './released-contract.ts';
import { renderReport } from './report.ts';
import { existsSync } from 'node:fs';

const HELP = `Usage: npm run contract:release [-- options]

Writes the working contract, dereferenced, to the released snapshot that \`npm run contract:diff\`
(and so \`npm test\`) compares against. Commit the snapshot with the contract change.

Refuses when the contract has breaking or unclassified changes since the last release, and when
info.version was not bumped, so a release never hides a break by accident.

Options:
  --spec <file>                working contract (default: asyncapi.yaml)
  --out <dir>                  snapshot folder (default: ${path.relative(process.cwd(), RELEASED_DIR)})
  --accept-breaking <reason>   release breaking changes on purpose (retiring an old major version,
                               or a message nobody consumes yet); the reason is recorded
  -h, --help                   show this help`;

function messageVersions(doc: ContractDocument): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const [key, m] of Object.entries<any>(doc.components?.messages ?? {})) versions[m.name ?? key] = m['x-schema-version'];
  return Object.fromEntries(Object.entries(versions).sort(([a], [b]) => a.localeCompare(b)));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'asyncapi.yaml' },
      out: { type: 'string', default: RELEASED_DIR },
      'accept-breaking': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const reason = values['accept-breaking']?.trim();
  if (values['accept-breaking'] !== undefined && !reason) {
    console.error('contract:release: --accept-breaking needs a reason, e.g. --accept-breaking "OrderPlaced v1 retired: no consumer left"');
    return 2;
  }
  const outDir = path.resolve(values.out);
  const working = await loadContract(values.spec);
  const previous = existsSync(snapshotPath(outDir)) ? await loadContract(snapshotPath(outDir)) : undefined;
  let acceptedBreaking: ReleaseRecord['acceptedBreaking'];
  if (previous) {
    const diff = diffContracts(previous, working);
    if (diff.changes.length === 0) {
      console.log(`contract:release: nothing to release; ${path.relative(process.cwd(), snapshotPath(outDir))} already holds version ${working.info?.version}.`);
      return 0;
    }
    console.log(renderReport(diff, 'table'));
    if (previous.info?.version === working.info?.version) {
      console.error(`\ncontract:release: info.version is still ${working.info?.version}. Bump it in ${values.spec} (major for a break, minor for an addition, patch for wording), then release again.`);
      return 1;
    }
    if (hasFailingChanges(diff)) {
      if (!reason) {
        console.error('\ncontract:release: refused: these changes break consumers of the released contract. Publish a new major message version side by side instead (see `npm run contract:diff`), or, to break on purpose, rerun with --accept-breaking "<why>".');
        return 1;
      }
      acceptedBreaking = { reason, changes: diff.changes.filter((c) => c.classification !== 'non-breaking').map((c) => `${c.classification} ${c.kind} ${c.path}`) };
    }
  }
  const repoRoot = process.cwd();
  writeRelease(outDir, working, {
    note: 'Written by `npm run contract:release`; never edit by hand. `npm run contract:diff` compares asyncapi.yaml with asyncapi.json here.',
    version: working.info?.version,
    messages: messageVersions(working),
    sources: collectInputs(values.spec).map((f) => path.relative(repoRoot, f).split(path.sep).join('/')),
    ...(acceptedBreaking ? { acceptedBreaking } : {}),
  });
  console.log(`\ncontract:release: released ${working.info?.version} to ${path.relative(process.cwd(), outDir)}/. Commit it with the contract change.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ContractLoadError ? `contract:release: ${error.message}` : error);
    process.exit(2);
  },
);
