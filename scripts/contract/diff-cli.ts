/**
 * `npm run contract:diff`: compares the working contract with the last released one and fails on
 * a breaking change. Part of `npm test`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COMPATIBILITY_MODES, type CompatibilityMode, diffContracts, hasFailingChanges } from './compatibility.ts';
import { ContractLoadError, loadContract } from './contract-document.ts';
import { RELEASED_DIR, snapshotPath } from './released-contract.ts';
import { REPORT_FORMATS, type ReportFormat, renderReport } from './report.ts';

const HELP = `Usage: npm run contract:diff [-- options]

Compares the working contract with the last released contract and classifies every change as
breaking, non-breaking or unclassified (no rule knows it: review it). Exits 1 when any change is
breaking or unclassified, 0 otherwise, 2 when a contract cannot be read.

Options:
  --spec <file>       working contract (default: asyncapi.yaml)
  --released <file>   released contract, snapshot or spec (default: ${path.relative(process.cwd(), snapshotPath(RELEASED_DIR))})
  --mode <mode>       compatibility mode: ${COMPATIBILITY_MODES.join(', ')}
                      (default: info.x-compatibility of the working contract, else backward)
  --format <format>   ${REPORT_FORMATS.join(', ')} (default: table)
  -h, --help          show this help`;

const NEXT_STEPS = `What to do next:
  - Not meant to break anyone? Make the change compatible: new fields optional, widen nothing
    consumers validate, keep names (see each row's detail).
  - Changing the message on purpose: publish a new major version side by side. Copy
    schemas/order-placed.v1.json to schemas/order-placed.v2.json and edit the copy, add a message
    OrderPlacedV2 (x-schema-version: 2.0.0, its own headers schema) to the channels and
    operations, leave OrderPlaced exactly as released, then \`npm run codegen\` and
    \`npm run contract:release\`. Retire v1 once no consumer reads it.
  - Retiring a version, or breaking a message nobody consumes yet: release it deliberately with
    \`npm run contract:release -- --accept-breaking "<why>"\`, which records the reason.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'asyncapi.yaml' },
      released: { type: 'string', default: snapshotPath(RELEASED_DIR) },
      mode: { type: 'string' },
      format: { type: 'string', default: 'table' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.mode !== undefined && !COMPATIBILITY_MODES.includes(values.mode as CompatibilityMode)) {
    console.error(`contract:diff: --mode must be one of ${COMPATIBILITY_MODES.join(', ')}.`);
    return 2;
  }
  if (!REPORT_FORMATS.includes(values.format as ReportFormat)) {
    console.error(`contract:diff: --format must be one of ${REPORT_FORMATS.join(', ')}.`);
    return 2;
  }
  if (!existsSync(values.released)) {
    console.error(`contract:diff: no released contract at ${path.relative(process.cwd(), values.released)}. Release the current contract first: npm run contract:release`);
    return 2;
  }
  const [released, working] = await Promise.all([loadContract(values.released), loadContract(values.spec)]);
  const diff = diffContracts(released, working, values.mode as CompatibilityMode | undefined);
  const format = values.format as ReportFormat;
  if (format !== 'json') {
    console.log(`contract:diff: released ${released.info?.version} (${path.relative(process.cwd(), values.released)}) → working ${working.info?.version} (${values.spec})\n`);
  }
  console.log(renderReport(diff, format));
  if (!hasFailingChanges(diff)) return 0;
  if (format !== 'json') console.error(`\ncontract:diff: FAILED: the working contract has breaking or unclassified changes.\n${NEXT_STEPS}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ContractLoadError ? `contract:diff: ${error.message}` : error);
    process.exit(2);
  },
);
