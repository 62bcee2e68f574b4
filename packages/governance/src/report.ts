/**
 * Renders a {@link ContractDiff} for people (an aligned table or Markdown) or for tools (JSON).
 */
import { describeMode } from './classification.ts';
import type { ContractChange, ContractDiff } from './compatibility.ts';

/** How {@link renderReport} writes a diff: an aligned table, Markdown, or JSON for tools. */
export type ReportFormat = 'table' | 'markdown' | 'json';
/** Every {@link ReportFormat}, in the order `--format` lists them. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'markdown', 'json'];

const COLUMNS: [string, (c: ContractChange) => string][] = [
  ['CLASSIFICATION', (c) => c.classification],
  ['CHANGE', (c) => c.kind],
  ['PATH', (c) => c.path],
  ['DETAIL', (c) => `${c.detail}${c.where ? ` (at ${c.where.file}${c.where.line !== undefined ? ` line ${c.where.line}` : ''})` : ''}`],
];

/** Failing changes first, so they are what a reader sees even in a long list. */
function ordered(changes: ContractChange[]): ContractChange[] {
  const rank = { breaking: 0, unclassified: 1, 'non-breaking': 2 } as const;
  return changes.map((c, i) => [c, i] as const).sort(([a, i], [b, j]) => rank[a.classification] - rank[b.classification] || i - j).map(([c]) => c);
}

function table(changes: ContractChange[]): string {
  const rows = ordered(changes).map((c) => COLUMNS.map(([, cell]) => cell(c)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  // The last column is not padded: details vary in length and trailing blanks help no one.
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function markdown(changes: ContractChange[]): string {
  const escape = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.map(([t]) => t.toLowerCase()).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...ordered(changes).map((c) => `| ${COLUMNS.map(([t, cell]) => (t === 'PATH' ? `\`${cell(c)}\`` : escape(cell(c)))).join(' | ')} |`),
  ].join('\n');
}

/**
 * One line counting the changes by classification: `2 breaking, 3 non-breaking (2 of them
 * documentation only)` (documentation rows and unclassified changes are counted only when there
 * are some).
 *
 * @example
 * ```ts
 * import { summarize, type ContractDiff } from '@sluice/governance';
 *
 * declare const diff: ContractDiff;
 * console.log(summarize(diff)); // '0 breaking, 3 non-breaking'
 * ```
 */
export function summarize(diff: ContractDiff): string {
  const count = (k: ContractChange['classification']) => diff.changes.filter((c) => c.classification === k).length;
  // Documentation rows are non-breaking rows: counted apart, so that a wording-only edit reads as one.
  const documentation = diff.changes.filter((c) => c.rule === 'documentation').length;
  const nonBreaking = count('non-breaking');
  const ofThem = documentation === 0 ? '' : documentation === 1 && nonBreaking === 1 ? ' (documentation only)' : ` (${documentation} of them documentation only)`;
  const parts = [`${count('breaking')} breaking`, `${nonBreaking} non-breaking${ofThem}`];
  if (count('unclassified')) parts.push(`${count('unclassified')} unclassified`);
  return parts.join(', ');
}

/**
 * Formats the changes of a diff, failing changes first; the table and Markdown forms end with
 * the {@link summarize} line, the compatibility mode and the diff's notes. `No changes.` when
 * there are none (JSON: the diff as is).
 *
 * @example
 * ```ts
 * import { diffContracts, loadContract, renderReport } from '@sluice/governance';
 *
 * const released = await loadContract('released/asyncapi.yaml');
 * const working = await loadContract('asyncapi.yaml');
 * console.log(renderReport(diffContracts(released, working), 'table'));
 * ```
 */
export function renderReport(diff: ContractDiff, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(diff, null, 2);
  if (diff.changes.length === 0) return 'No changes.';
  const summary = `${summarize(diff)} (compatibility mode: ${describeMode(diff.mode, diff.modeFrom)})`;
  if (format === 'markdown') {
    // Lines with no blank line between them are one paragraph in Markdown: the summary stands
    // alone, and the notes are a list, one item each.
    const notes = diff.notes.length > 0 ? ['', 'Notes:', '', ...diff.notes.map((n) => `- ${n}`)] : [];
    return [markdown(diff.changes), '', summary, ...notes].join('\n');
  }
  return [table(diff.changes), '', summary, ...diff.notes.map((n) => `note: ${n}`)].join('\n');
}
