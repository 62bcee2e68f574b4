/**
 * `npm run bench`: the measurements of issue 7, printed as ONE Markdown table.
 *
 * Every figure with a target is a ratio (or a difference) against a baseline measured in the same
 * run, variants alternated round by round, medians reported: the machine is shared, so absolute
 * numbers move from run to run while ratios hold. Run the same command before and after a change
 * to compare; `--json` keeps the raw samples.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { BenchRow } from './bench-table.ts';

const HELP = `Usage: npm run bench [-- options]

Measures decode + validate (1), handler throughput (2), cold start (3), the local pipeline
end to end (4) and codegen (5), and prints one Markdown table with ratios and verdicts.

Options:
  --quick            fewer rounds and records (a few minutes; sizes below the issue's are flagged)
  --only <list>      sections to run, e.g. --only 1,3 (default: all)
  --latency-ms <n>   section 2 also runs with n ms added to every DynamoDB request, as context
                     (default 5; 0 skips that scenario)
  --json             print the environment and every row, with raw samples, as JSON instead
  -h, --help         show this help

Exit status: 0 when every section ran (a missed target is reported, not an error), 1 otherwise.`;

interface Section {
  number: number;
  title: string;
  run: (options: { quick: boolean; latencyMs: number }) => Promise<BenchRow[]>;
}

const SECTIONS: Section[] = [
  { number: 1, title: 'decode + validate', run: async (o) => (await import('./decode-validate.ts')).benchDecodeValidate(o) },
  { number: 2, title: 'handler throughput', run: async (o) => (await import('./handler-throughput.ts')).benchHandlerThroughput(o) },
  { number: 3, title: 'cold start', run: async (o) => (await import('./cold-start.ts')).benchColdStart(o) },
  { number: 4, title: 'local pipeline end to end', run: async (o) => (await import('./local-pipeline.ts')).benchLocalPipeline(o) },
  { number: 5, title: 'codegen', run: async (o) => (await import('./codegen-timing.ts')).benchCodegen(o) },
];

function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${commit}${dirty ? ' (uncommitted changes)' : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

function environment(quick: boolean) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    commit: gitDescription(),
    mode: quick ? 'quick' : 'full',
    loadAverageAtStart: os.loadavg().map((n) => n.toFixed(2)).join(' '),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'latency-ms': { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const only = values.only ? new Set(values.only.split(',').map((s) => Number(s.trim()))) : undefined;
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be a number ≥ 0, got ${values['latency-ms']}`);
  // Before any SDK client exists: the bench must reach nothing but loopback.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';

  const env = environment(values.quick);
  const rows: BenchRow[] = [];
  let errors = 0;
  for (const section of SECTIONS) {
    if (only && !only.has(section.number)) continue;
    const started = performance.now();
    process.stderr.write(`bench: section ${section.number} (${section.title})…\n`);
    try {
      rows.push(...(await section.run({ quick: values.quick, latencyMs })));
    } catch (error) {
      errors++;
      const message = error instanceof Error ? error.message : String(error);
      rows.push({ section: section.number, measurement: `section ${section.number}: ${section.title}`, result: 'ERROR', baseline: '', ratio: '', target: '', verdict: 'fail', note: message });
    }
    process.stderr.write(`bench: section ${section.number} done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const loadAverageAtEnd = os.loadavg().map((n) => n.toFixed(2)).join(' ');

  if (values.json) {
    console.log(JSON.stringify({ environment: { ...env, loadAverageAtEnd }, rows }, null, 2));
  } else {
    const { renderMarkdown } = await import('./bench-table.ts');
    console.log(`## npm run bench (${env.mode})\n`);
    console.log(`- date: ${env.date}; commit ${env.commit}`);
    console.log(`- node ${env.node}; ${env.platform}; ${env.cpus}; ${env.memory}`);
    console.log(`- load average (1/5/15 min): ${env.loadAverageAtStart} at start, ${loadAverageAtEnd} at end (other work on the machine shows here)\n`);
    console.log(renderMarkdown(rows.map(({ raw: _raw, ...row }) => row)));
    const judged = rows.filter((r) => r.verdict === 'pass' || r.verdict === 'fail');
    console.log(`\n${judged.filter((r) => r.verdict === 'pass').length} of ${judged.length} checked rows pass.`);
  }
  return errors === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
