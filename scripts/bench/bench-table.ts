/**
 * One row per measurement, rendered as ONE Markdown table for all sections (or as JSON with
 * `--json`, for comparing runs by machine).
 */

/** `pass`/`fail` only for rows with a target; `info` for context; `skipped` for gaps. */
export type Verdict = 'pass' | 'fail' | 'info' | 'skipped';

export interface BenchRow {
  /** Section number (1–5, as `npm run bench -- --help` lists them). */
  section: number;
  /** What was measured, in words. */
  measurement: string;
  /** The figure, formatted with its unit (`1.84 µs/record`). */
  result: string;
  /** The figure it is compared with, formatted, or `''`. */
  baseline: string;
  /** The comparison (`1.18 ×`, `+6.2 ms`), or `''`. */
  ratio: string;
  /** The target (`≤ 1.25 ×`), or `''`. */
  target: string;
  verdict: Verdict;
  /** Why, when it matters: spread, caveats, the reason for a miss. */
  note: string;
  /** The raw numbers behind the row, for `--json` only. */
  raw?: Record<string, unknown>;
}

/** A row without a target. */
export function infoRow(section: number, measurement: string, result: string, fields: Partial<BenchRow> = {}): BenchRow {
  return { section, measurement, result, baseline: '', ratio: '', target: '', verdict: 'info', note: '', ...fields };
}

/** `met` as a verdict. */
export function verdictOf(met: boolean): Verdict {
  return met ? 'pass' : 'fail';
}

const VERDICT_TEXT: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ FAIL', info: 'info', skipped: '⏭ skipped' };

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The Markdown table of `rows`. */
export function renderMarkdown(rows: readonly BenchRow[]): string {
  const header = ['§', 'measurement', 'result', 'baseline', 'ratio', 'target', 'verdict', 'note'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[String(r.section), r.measurement, r.result, r.baseline, r.ratio, r.target, VERDICT_TEXT[r.verdict], r.note].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** `1234.5` → `1,235`; small numbers keep `digits` decimals. */
export function formatNumber(value: number, digits = 2): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** `1.234` → `1.23 ×`. */
export function formatRatio(value: number): string {
  return `${value.toFixed(2)} ×`;
}

/** Bytes as KB (1,000 bytes, as bundle sizes are usually quoted) with the exact count. */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB (${bytes.toLocaleString('en-US')} B)`;
}
