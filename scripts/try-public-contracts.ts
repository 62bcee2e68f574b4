/**
 * Runs the code generator on every AsyncAPI document of a folder (fetched public contracts, say)
 * and prints one line per document: `ok` (with its warnings counted), or its problems.
 *
 *   npx tsx scripts/try-public-contracts.ts <folder> [--verbose]
 *
 * Nothing is written: `generate` renders in memory. Exit 0 when every document generates, 1 otherwise.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CodegenError, generateWithModel } from '@sluice/codegen';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const folder = args.find((a) => !a.startsWith('--'));
if (!folder) {
  console.error('Usage: npx tsx scripts/try-public-contracts.ts <folder of AsyncAPI documents> [--verbose]');
  process.exit(2);
}
const documents = readdirSync(folder)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();
let failed = 0;
for (const file of documents) {
  const specPath = path.resolve(folder, file);
  try {
    const { files, model } = await generateWithModel({ specPath, packageName: '@try/contract' });
    const t = model.topology;
    console.log(
      `ok       ${file}: ${model.messages.length} message(s), ${Object.keys(t.operations).length} AWS operation(s), ${Object.keys(t.topics).length} topic(s), ${Object.keys(t.queues).length} queue(s), ${files.length} files, ${model.warnings.length} warning(s)`,
    );
    if (verbose) for (const w of model.warnings) console.log(`           warning: ${w}`);
  } catch (error) {
    failed++;
    const text = error instanceof CodegenError ? error.message : `unexpected ${(error as Error)?.stack ?? String(error)}`;
    const lines = text.split('\n');
    console.log(`problems ${file}: ${lines[0]}`);
    for (const line of lines.slice(1, verbose ? undefined : 6)) console.log(`         ${line}`);
    if (!verbose && lines.length > 6) console.log(`         … ${lines.length - 6} more (--verbose)`);
  }
}
console.log(`${documents.length - failed}/${documents.length} documents generate.`);
process.exit(failed === 0 ? 0 : 1);
