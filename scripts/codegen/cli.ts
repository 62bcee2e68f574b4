/**
 * `npm run codegen` / `npm run codegen:check`: writes or verifies `generated/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CodegenError, generate } from './generate.ts';

const HELP = `Usage: npm run codegen [-- options]
       npm run codegen:check

Generates TypeScript types and validators for every message of an AsyncAPI 3.0 document.

Options:
  --spec <file>   AsyncAPI document (default: asyncapi.yaml)
  --out <dir>     output folder, an npm workspace package (default: generated)
  --check         write nothing; exit 1 naming the files that differ from what the inputs produce
  -h, --help      show this help`;

/** Files of `dir` relative to it, excluding node_modules. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), rel) : [rel];
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'asyncapi.yaml' },
      out: { type: 'string', default: 'generated' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  const files = await generate({ specPath: values.spec });
  const outDir = path.resolve(values.out);
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  const existing = listFiles(outDir);
  const stale = [
    ...files.filter((f) => !existsSync(path.join(outDir, f.path)) || readFileSync(path.join(outDir, f.path), 'utf8') !== f.content).map((f) => f.path),
    ...existing.filter((f) => !wanted.has(f)),
  ];
  const shown = (f: string) => path.join(values.out, f);

  if (values.check) {
    if (stale.length === 0) {
      console.log(`codegen:check: ${values.out}/ is up to date with ${values.spec} (${files.length} files).`);
      return 0;
    }
    console.error(`codegen:check: ${values.out}/ is stale; these files differ from what ${values.spec} produces:`);
    for (const f of stale) console.error(`  - ${shown(f)}${wanted.has(f) ? '' : ' (not generated any more)'}`);
    console.error('Run `npm run codegen` and commit generated/.');
    return 1;
  }

  mkdirSync(outDir, { recursive: true });
  for (const f of existing) if (!wanted.has(f)) rmSync(path.join(outDir, f));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(outDir, f.path)), { recursive: true });
    writeFileSync(path.join(outDir, f.path), f.content);
  }
  const ms = Math.round(performance.now() - started);
  console.log(`codegen: ${stale.length === 0 ? 'no changes' : `updated ${stale.map(shown).join(', ')}`} (${files.length} files in ${values.out}/, ${ms} ms).`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CodegenError) {
      console.error(`codegen: ${error.message}`);
    } else {
      console.error('codegen: unexpected failure:', error);
    }
    process.exit(1);
  },
);
