/**
 * Takes public AsyncAPI 3.0 documents through a new project each, as a team starting from its own
 * contract would: `create` → `npm install` → `npm run codegen` → `npm run typecheck` →
 * `npm run infra:plan -- --json`, and prints one line per document and a summary table.
 *
 *   npx tsx scripts/try-public-contracts.ts [<document or folder> ...] [--link] [--jobs N] [--keep] [--verbose]
 *
 * Without paths: every public document (scripts/public-contracts.ts: the AsyncAPI spec's examples
 * at v3.0.0, Springwolf's SNS and SQS examples, the SQS binding README's two examples). The
 * framework is built and packed once (npm run build:packages, npm pack) and each project installs
 * it from those tarballs with the rest from the npm registry; `--link` links this workspace's
 * node_modules instead (fast, what the test in npm test does). A document refused by create
 * (codegen's problems, each with file, path and what to change) counts as a clear refusal.
 * Exit 0 when every document passed or was refused clearly, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frameworkTarballs } from '@sluice/create';
import { plannedNames, publicContracts, runPipeline, type Install, type PipelineResult } from './public-contracts.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`Usage: npx tsx scripts/try-public-contracts.ts [<document or folder> ...] [--link] [--jobs N] [--keep] [--verbose]

Each AsyncAPI 3.0 document through a new project: create, npm install, codegen, typecheck,
infra:plan --json. Without paths, every public document this repository keeps.
  --link      link this workspace's node_modules instead of npm install from packed tarballs
  --jobs N    documents at a time (default 2)
  --keep      keep the projects (their folder is printed)
  --verbose   print each failing step's whole output`);
  process.exit(0);
}
const flag = (name: string) => args.includes(name);
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : 2;
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error('try-public-contracts: --jobs needs a whole number ≥ 1, e.g. --jobs 2');
  process.exit(2);
}
const paths = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--jobs');
const documents = paths.length
  ? paths.flatMap((p) =>
      statSync(p).isDirectory()
        ? readdirSync(p)
            .filter((f) => /\.(ya?ml|json)$/.test(f))
            .sort()
            .map((f) => path.resolve(p, f))
        : [path.resolve(p)],
    )
  : publicContracts();

const work = mkdtempSync(path.join(tmpdir(), 'sluice-public-contracts-'));
const started = Date.now();
let install: Install = { kind: 'link' };
if (!flag('--link')) {
  console.log('try-public-contracts: building and packing the framework once (npm run build:packages, npm pack)…');
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs);
  const build = spawnSync('npm', ['run', 'build:packages'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    console.error(`try-public-contracts: npm run build:packages failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
  const workspaces = ['cli', 'runtime', 'model', 'diagram', 'codegen', 'governance', 'infra', 'ops', 'local', 'create'].flatMap((p) => ['-w', `packages/${p}`]);
  const pack = spawnSync('npm', ['pack', ...workspaces, '--pack-destination', tarballs], { cwd: root, encoding: 'utf8', env: { ...process.env, SLUICE_PACKAGES_BUILT: '1' } });
  if (pack.status !== 0) {
    console.error(`try-public-contracts: npm pack failed:\n${pack.stdout}${pack.stderr}`);
    process.exit(1);
  }
  install = { kind: 'npm', frameworkSources: frameworkTarballs(tarballs) };
}

console.log(`try-public-contracts: ${documents.length} document(s), ${jobs} at a time, ${install.kind === 'npm' ? 'npm install from packed tarballs' : 'node_modules linked'}, in ${work}`);
const results: PipelineResult[] = [];
const queue = [...documents];
await Promise.all(
  Array.from({ length: Math.min(jobs, documents.length) }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const r = await runPipeline(next, work, install);
      results.push(r);
      const steps = r.steps.map((s) => `${s.name} ${s.code === 0 ? 'ok' : `exit ${s.code}`} ${(s.ms / 1000).toFixed(1)} s`).join(', ');
      console.log(`${r.outcome.padEnd(7)} ${path.basename(r.contract)}: ${steps}`);
      if (r.outcome === 'passed') {
        const n = plannedNames(r.plan!);
        console.log(`        ${r.created!.consumers.length} consumer(s); topics ${n.topics.join(', ')}; queues ${n.queues.join(', ') || 'none'}; subscriptions ${n.subscriptions.length}`);
        for (const o of r.created!.outside) console.log(`        no handler for ${o.operation}: ${o.reason}`);
      } else {
        const failed = r.steps.find((s) => s.code !== 0)!;
        const lines = failed.output.trimEnd().split('\n');
        for (const line of flag('--verbose') ? lines : lines.slice(0, 8)) console.log(`        ${line}`);
        if (!flag('--verbose') && lines.length > 8) console.log(`        … ${lines.length - 8} more lines (--verbose)`);
      }
    }
  }),
);

const count = (o: PipelineResult['outcome']) => results.filter((r) => r.outcome === o).length;
console.log(`\n| document | outcome | ${['create', install.kind === 'npm' ? 'npm install' : undefined, 'codegen', 'typecheck', 'infra:plan --json'].filter(Boolean).join(' | ')} |`);
console.log(`|---|---|${install.kind === 'npm' ? '---|' : ''}---|---|---|---|`);
for (const r of results.sort((a, b) => documents.indexOf(a.contract) - documents.indexOf(b.contract))) {
  const names = ['create', ...(install.kind === 'npm' ? ['npm install'] : []), 'codegen', 'typecheck', 'infra:plan --json'];
  const cells = names.map((n) => {
    const s = r.steps.find((x) => x.name === n);
    return s ? `${s.code === 0 ? 'ok' : `exit ${s.code}`} ${(s.ms / 1000).toFixed(1)} s` : '–';
  });
  console.log(`| ${path.basename(r.contract)} | ${r.outcome} | ${cells.join(' | ')} |`);
}
console.log(`\n${count('passed')} passed, ${count('refused')} refused with their problems, ${count('failed')} failed, of ${results.length}, in ${Math.round((Date.now() - started) / 1000)} s.`);
if (flag('--keep')) console.log(`Projects kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(count('failed') === 0 ? 0 : 1);
