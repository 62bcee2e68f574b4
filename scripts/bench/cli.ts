/**
 * `npm run bench`: the performance measurements, printed as ONE Markdown table (or JSON).
 *
 * Every figure with a target is a ratio (or a difference) against a baseline measured in the same
 * run, variants alternated round by round, medians reported: the machine is shared, so absolute
 * numbers move from run to run while ratios hold. Run the same command before and after a change
 * to compare; `--json` keeps the raw samples. The command line follows the project's convention
 * (`@sluice/cli`): a usage mistake is one line and exit 2, before anything is measured.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { isEntry, main, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import type { BenchRow } from './bench-table.ts';

interface SectionOptions {
  quick: boolean;
  latencyMs: number;
}

interface Section {
  number: number;
  title: string;
  run: (options: SectionOptions) => Promise<BenchRow[]>;
  /** Runs only when `--only` names it (it takes long). */
  optIn?: boolean;
}

const SECTIONS: readonly Section[] = [
  { number: 1, title: 'decode + validate', run: async (o) => (await import('./decode-validate.ts')).benchDecodeValidate(o) },
  { number: 2, title: 'handler throughput', run: async (o) => (await import('./handler-throughput.ts')).benchHandlerThroughput(o) },
  { number: 3, title: 'cold start', run: async (o) => (await import('./cold-start.ts')).benchColdStart(o) },
  { number: 4, title: 'local runtime end to end, in memory and persistent', run: async (o) => (await import('./local-pipeline.ts')).benchLocalPipeline(o) },
  { number: 5, title: 'codegen', run: async (o) => (await import('./codegen-timing.ts')).benchCodegen(o) },
  { number: 6, title: 'memory at rest per consumer', run: async (o) => (await import('./memory-per-consumer.ts')).benchMemoryPerConsumer(o) },
  { number: 7, title: 'npm test wall time (opt-in)', run: async (o) => (await import('./test-suite-timing.ts')).benchTestSuite(o), optIn: true },
  { number: 8, title: 'CI wall time on a fresh clone (opt-in)', run: async (o) => (await import('./ci-timing.ts')).benchCiRun(o), optIn: true },
];

const DEFAULT_LATENCY_MS = 5;
const sectionList = () => SECTIONS.map((s) => `${s.number} (${s.title})`).join(', ');

/**
 * The sections `--only` names, in run order, or every section but the opt-in ones when absent.
 *
 * @throws UsageError for an empty list, anything but section numbers, or a number with no section.
 * @example
 * selectSections('3,1').map((s) => s.number); // [1, 3]
 */
export function selectSections(only: string | undefined): Section[] {
  if (only === undefined) return SECTIONS.filter((s) => !s.optIn);
  const items = only.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new UsageError(`--only needs at least one section number; sections are ${sectionList()}`);
  const wanted = new Set<number>();
  for (const item of items) {
    const section = /^\d+$/.test(item) ? SECTIONS.find((s) => s.number === Number(item)) : undefined;
    if (!section) throw new UsageError(`--only ${JSON.stringify(only)}: ${item === '' ? 'an empty item' : `no section ${JSON.stringify(item)}`}; sections are ${sectionList()}`);
    wanted.add(section.number);
  }
  return SECTIONS.filter((s) => wanted.has(s.number));
}

/** `--latency-ms` as a number of milliseconds ≥ 0. */
function parseLatency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LATENCY_MS;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`--latency-ms ${JSON.stringify(text)} is not a number of milliseconds ≥ 0 (0 skips that scenario)`);
  return value;
}

function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${commit}${dirty ? ' (uncommitted changes)' : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

/** What ran and where: printed above the table, and the `environment` of `--json`. */
function environment(options: { quick: boolean; sections: readonly Section[]; latencyMs: number; argv: readonly string[] }) {
  const cpus = os.cpus();
  const skipped = SECTIONS.filter((s) => !options.sections.includes(s));
  return {
    date: new Date().toISOString(),
    command: ['npm run bench', ...(options.argv.length ? ['--', ...options.argv] : [])].join(' '),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    commit: gitDescription(),
    mode: options.quick ? 'quick' : 'full',
    sections: options.sections.map((s) => ({ number: s.number, title: s.title })),
    sectionsNotRun: skipped.map((s) => s.number),
    latencyMs: options.latencyMs,
    loadAverageAtStart: loadAverage(),
  };
}

interface Values {
  quick?: boolean;
  only?: string;
  'latency-ms'?: string;
  json?: boolean;
  debug?: boolean;
}

export const benchProgram: ProgramSpec = {
  name: 'bench',
  invocation: 'npm run bench --',
  // The framework's version, as every other entry point prints its own package's (the root
  // package.json is the repository's, not the framework's): the bench measures @sluice/runtime.
  version: versionOf(new URL('../../packages/runtime/package.json', import.meta.url)),
  summary: 'measure the framework against its baselines and print one Markdown table',
  description: `Measures decode + validate (1), handler throughput (2), cold start (3), the local runtime
end to end, in memory and persistent (4), codegen (5), the local stack's memory at rest per
consumer (6) and, when --only names them, the wall time of npm test (7) and of a CI run on a
fresh clone (8), and prints one Markdown table with ratios against baselines measured in the
same run, and a verdict for every target. About 4–5 minutes on 2 cores; --quick takes a few.`,
  options: {
    quick: { type: 'boolean', description: 'fewer rounds and records (rows below the sizes the targets are stated for say so)' },
    only: { type: 'string', valueName: 'list', description: `sections to run, comma-separated: ${SECTIONS.map((s) => s.number).join(', ')}`, defaultText: 'all' },
    'latency-ms': {
      type: 'string',
      valueName: 'n',
      description: 'section 2 also runs with n ms added to every DynamoDB request, as context (0 skips that scenario)',
      defaultText: String(DEFAULT_LATENCY_MS),
    },
    json: { type: 'boolean', description: 'print the environment and every row, with raw samples, as JSON instead' },
  },
  epilog: `Sections: ${sectionList()}.

Exit status: 0 when every section ran (a missed target is reported in the table, not an error),
1 when a section could not run (its row says why), 2 for a usage error (nothing was measured).`,
  examples: ['npm run bench', 'npm run bench -- --quick', 'npm run bench -- --only 1,3', 'npm run bench -- --json > bench.json'],
  async run({ values, io }) {
    const v = values as Values;
    const quick = v.quick === true;
    const sections = selectSections(v.only);
    const latencyMs = parseLatency(v['latency-ms']);
    // Before any SDK client exists: the bench must reach nothing but loopback.
    process.env.AWS_EC2_METADATA_DISABLED = 'true';

    const env = environment({ quick, sections, latencyMs, argv: process.argv.slice(2) });
    const rows: BenchRow[] = [];
    let errors = 0;
    for (const section of sections) {
      const started = performance.now();
      io.err(`bench: section ${section.number} (${section.title})…`);
      try {
        rows.push(...(await section.run({ quick, latencyMs })));
      } catch (error) {
        errors++;
        const message = error instanceof Error ? error.message : String(error);
        if (v.debug && error instanceof Error && error.stack) io.err(error.stack);
        rows.push({ section: section.number, measurement: `section ${section.number}: ${section.title}`, result: 'ERROR', baseline: '', ratio: '', target: '', verdict: 'fail', note: message });
      }
      io.err(`bench: section ${section.number} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const loadAverageAtEnd = loadAverage();

    if (v.json) {
      io.out(JSON.stringify({ environment: { ...env, loadAverageAtEnd }, rows }, null, 2));
    } else {
      const { renderMarkdown } = await import('./bench-table.ts');
      const ran = sections.map((s) => `${s.number} (${s.title})`).join(', ');
      const notRun = env.sectionsNotRun.length ? `; not run: ${env.sectionsNotRun.join(', ')} (--only)` : '';
      io.out(`## ${env.command} (${env.mode}${quick ? ': fewer rounds and records' : ''})\n`);
      io.out(`- sections run: ${ran}${notRun}`);
      io.out(`- date: ${env.date}; commit ${env.commit}`);
      io.out(`- node ${env.node}; ${env.platform}; ${env.cpus}; ${env.memory}`);
      io.out(`- load average (1/5/15 min): ${env.loadAverageAtStart} at start, ${loadAverageAtEnd} at end (other work on the machine shows here)\n`);
      io.out(renderMarkdown(rows.map(({ raw: _raw, ...row }) => row)));
      const judged = rows.filter((r) => r.verdict === 'pass' || r.verdict === 'fail');
      io.out(`\n${judged.filter((r) => r.verdict === 'pass').length} of ${judged.length} checked rows pass (${env.mode} run, sections ${sections.map((s) => s.number).join(', ')}).`);
    }
    return errors === 0 ? 0 : 1;
  },
};

if (isEntry(import.meta)) {
  await main(benchProgram);
  // Keep-alive sockets and finished child processes' handles would otherwise hold the process open.
  process.exit();
}
