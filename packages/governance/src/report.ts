/**
 * Renders a {@link ContractDiff} for people (an aligned table or Markdown) or for tools (JSON).
 * What the contracts' files hold (names, keys, versions, values) is shown terminal-safe in every
 * format: a contract under review, or a snapshot from another branch, is written by someone else,
 * and its control or bidi characters must not drive the reader's terminal.
 */
import { formatTable, terminalSafe, terminalSafeJson } from '@sluice/cli';
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

/** The changes as aligned columns: `formatTable`'s, whose every cell is terminal-safe. */
function table(changes: ContractChange[]): string {
  return formatTable(
    COLUMNS.map(([title]) => title),
    ordered(changes).map((c) => COLUMNS.map(([, cell]) => cell(c))),
  );
}

function markdown(changes: ContractChange[]): string {
  const escape = (s: string) => terminalSafe(s).replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.map(([t]) => t.toLowerCase()).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...ordered(changes).map((c) => `| ${COLUMNS.map(([t, cell]) => (t === 'PATH' ? `\`${terminalSafe(cell(c))}\`` : escape(cell(c)))).join(' | ')} |`),
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
 * there are none (JSON: the diff as is). What the contracts hold is terminal-safe in every format:
 * a control or bidi character shows as an escape (`\x1b`, `\u202e`; in JSON, `\u001b`, the same value).
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
  // The same JSON value as JSON.stringify's, with the characters it leaves raw written as \\u escapes.
  if (format === 'json') return terminalSafeJson(diff, 2);
  if (diff.changes.length === 0) return 'No changes.';
  const summary = `${summarize(diff)} (compatibility mode: ${describeMode(diff.mode, diff.modeFrom)})`;
  const notes = diff.notes.map(terminalSafe);
  if (format === 'markdown') {
    // Lines with no blank line between them are one paragraph in Markdown: the summary stands
    // alone, and the notes are a list, one item each.
    const list = notes.length > 0 ? ['', 'Notes:', '', ...notes.map((n) => `- ${n}`)] : [];
    return [markdown(diff.changes), '', summary, ...list].join('\n');
  }
  return [table(diff.changes), '', summary, ...notes.map((n) => `note: ${n}`)].join('\n');
}
