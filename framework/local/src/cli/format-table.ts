/**
 * Plain-text tables for the terminal.
 */

/**
 * Formats rows as aligned columns under a header line.
 *
 * @example
 * formatTable(['id', 'qty'], [['a', '1']]) // "id  qty\n--  ---\na   1"
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
