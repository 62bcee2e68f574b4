/**
 * The evidence table printed at the end of `npm run test:reliability`: one row per scenario with its
 * ledger and the faults injected, so a reader sees what was proven without reading the tests.
 *
 * Each scenario attaches its row to its test (`task.meta`, which vitest carries from the test
 * worker to the reporters); the reporter prints the table once the run ends, in CI output too.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { Ledger } from './ledger.ts';

export interface SummaryRow {
  scenario: string;
  published: number;
  stored: number;
  duplicate: number;
  stale: number;
  deadLettered: number;
  unaccounted: number;
  doubleAccounted: number;
  redelivered: number;
  /** Success lines no write backs (see ledger.ts), and what they were checked against. */
  unjustified: number;
  evidence: 'table and wire' | 'table';
  tableMatchesOracle: boolean;
  faults: string;
  /** Set by the self-test, whose ledger must NOT balance. */
  expectedToFail?: boolean;
}

const META_KEY = 'reliabilitySummary';

/** Anything with vitest's `meta` (the test context's `task`). */
interface WithMeta {
  meta: object;
}

/** Attaches the scenario's row to its test; call it before asserting, so a failing scenario still shows its figures. */
export function recordRow(task: WithMeta, scenario: string, ledger: Ledger, faults: string, options: { expectedToFail?: boolean } = {}): void {
  const row: SummaryRow = {
    scenario,
    published: ledger.published,
    stored: ledger.counts.stored,
    duplicate: ledger.counts.duplicate,
    stale: ledger.counts.stale,
    deadLettered: ledger.counts['dead-lettered'],
    unaccounted: ledger.counts.unaccounted,
    doubleAccounted: ledger.counts['double-accounted'],
    redelivered: ledger.redelivered,
    unjustified: ledger.verdicts.unjustified,
    evidence: ledger.verdicts.evidence,
    tableMatchesOracle: ledger.tableMatchesOracle,
    faults,
    ...(options.expectedToFail ? { expectedToFail: true } : {}),
  };
  (task.meta as Record<string, unknown>)[META_KEY] = row;
}

const COLUMNS: [string, (r: SummaryRow) => string][] = [
  ['scenario', (r) => r.scenario + (r.expectedToFail ? ' (self-test: must be caught)' : '')],
  ['published', (r) => String(r.published)],
  ['stored', (r) => String(r.stored)],
  ['duplicate', (r) => String(r.duplicate)],
  ['stale', (r) => String(r.stale)],
  ['dead-lettered', (r) => String(r.deadLettered)],
  ['unaccounted', (r) => String(r.unaccounted)],
  ['double-accounted', (r) => String(r.doubleAccounted)],
  ['redelivered', (r) => String(r.redelivered)],
  ['unjustified verdicts', (r) => `${r.unjustified} (${r.evidence === 'table' ? 'table' : 'table, wire'})`],
  ['table = oracle', (r) => (r.tableMatchesOracle ? 'yes' : 'NO')],
  ['faults injected', (r) => r.faults],
];

/** A Markdown table (readable as plain text too). */
export function formatSummary(rows: readonly SummaryRow[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, cell]) => cell(r).replaceAll('|', '/')));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i]!.length)));
  const numeric = (i: number) => i > 0 && i < COLUMNS.length - 3;
  const format = (values: string[]) => `| ${values.map((v, i) => (numeric(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    format(COLUMNS.map(([title]) => title)),
    `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...cells.map(format),
  ].join('\n');
}

/** Prints the table after vitest's own summary. */
export class ReliabilitySummaryReporter implements Reporter {
  private readonly rows: SummaryRow[] = [];
  private readonly missing: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const row = (testCase.meta() as Record<string, unknown>)[META_KEY] as SummaryRow | undefined;
    if (row) this.rows.push(row);
    else if (testCase.result().state !== 'skipped') this.missing.push(`${testCase.module.moduleId.split('/').pop()} > ${testCase.name}`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    const lines = [
      '',
      'Reliability ledger: every message published reconciled with exactly one fate (consumer log lines, DLQ), table compared with the oracle;',
      "each verdict checked against what the store holds and the writes seen on the wire, not the consumer's word.",
    ];
    // The self-test last: its row is the one that must not balance.
    const rows = [...this.rows].sort((a, b) => Number(a.expectedToFail ?? false) - Number(b.expectedToFail ?? false));
    lines.push(rows.length ? formatSummary(rows) : '(no scenario reached its ledger)');
    if (this.missing.length) lines.push(`No ledger row (the test failed before reconciling): ${this.missing.join('; ')}`);
    lines.push('');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
