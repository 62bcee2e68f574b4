/**
 * Plain-text tables for the terminal, aligned by display width: an item named "桌灯" or "🛋️ sofa"
 * takes more columns than it has UTF-16 code units, "café" spelled with a combining accent fewer.
 * Cells usually come from messages, so each is made terminal-safe (controls, ESC and bidi controls
 * shown as escapes, see `terminal-safe.ts`) before it is measured.
 */
import { terminalSafe } from './terminal-safe.ts';

/**
 * The two costly parts, made on the first text that is not ASCII, not when the module loads:
 * ICU's grapheme segmenter and the RGI emoji set (a `v`-flag property of strings) took 40–90 ms
 * together, at the start of every command that imports `@sluice/cli`, most of which never measure
 * a non-ASCII cell.
 */
let graphemes: Intl.Segmenter | undefined;
/** A whole grapheme that is a recommended emoji (flags, keycaps, skin tones, ZWJ families): 2 columns. */
let rgiEmoji: RegExp | undefined;
/** Characters shown as emoji without a variation selector. */
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
/** Takes no column of its own: combining marks, format characters (ZWJ, soft hyphen), controls. */
const ZERO_WIDTH = /^[\p{M}\p{Cf}\p{Cc}\u1160-\u11FF\uD7B0-\uD7FF]$/u;

/**
 * Code points of East Asian Width W or F (Unicode's EastAsianWidth.txt) outside the emoji
 * handled above: CJK ideographs, kana, Hangul syllables, fullwidth forms, and their blocks.
 * Sorted, inclusive.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo leading consonants
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x303e], // CJK radicals, Kangxi radicals, ideographic description, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed CJK, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4dc0, 0x4dff], // Yijing hexagrams (wide since Unicode 16)
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth ASCII and punctuation
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x16fff], // ideographic symbols
  [0x17000, 0x18cff], // Tangut, Khitan
  [0x18d00, 0x18d8f], // Tangut supplement
  [0x1aff0, 0x1b2ff], // Kana extended and supplement, Nushu
  [0x1f200, 0x1f2ff], // enclosed ideographic supplement
  [0x20000, 0x3fffd], // CJK extensions B and beyond
];

function isWide(codePoint: number): boolean {
  let low = 0;
  let high = WIDE.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [from, to] = WIDE[mid]!;
    if (codePoint < from) high = mid - 1;
    else if (codePoint > to) low = mid + 1;
    else return true;
  }
  return false;
}

/** Columns one grapheme cluster takes on a terminal: 0, 1 or 2. */
function graphemeWidth(cluster: string): number {
  // Fast path: printable ASCII, the common case.
  if (cluster.length === 1) {
    const code = cluster.charCodeAt(0);
    if (code >= 0x20 && code < 0x7f) return 1;
  }
  if ((rgiEmoji ??= new RegExp('^\\p{RGI_Emoji}$', 'v')).test(cluster)) return 2;
  const [base] = cluster;
  if (base === undefined || ZERO_WIDTH.test(base)) return 0;
  // Emoji outside the RGI list (a ZWJ sequence a font may draw as one glyph) or a text symbol asked to render as emoji.
  if (EMOJI_PRESENTATION.test(base) || (cluster.includes('\uFE0F') && PICTOGRAPHIC.test(base))) return 2;
  return isWide(base.codePointAt(0)!) ? 2 : 1;
}

/**
 * The number of terminal columns `text` takes: East Asian wide and fullwidth characters and emoji
 * (ZWJ sequences and flags included) count 2, combining marks 0, everything else 1.
 *
 * @example
 * ```ts
 * import { displayWidth } from '@sluice/cli';
 *
 * displayWidth('café');   // 4, however the accent is encoded
 * displayWidth('桌灯');   // 4
 * displayWidth('👨‍👩‍👧'); // 2
 * ```
 */
export function displayWidth(text: string): number {
  // Fast path: printable ASCII only.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  // ASCII with controls (a tab, CR LF, DEL): each control takes no column, as below, without the segmenter.
  if (/^[\x00-\x7f]*$/.test(text)) return text.replace(/[^\x20-\x7e]/g, '').length;
  let width = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** `text` followed by spaces up to `width` display columns. */
function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Formats rows as aligned columns under a header line; every column starts at the same display
 * column on every line, whatever the script of the cells. Every cell and title goes through
 * `terminalSafe`: a cell cannot clear the screen, set the title, reorder text or break its line.
 *
 * @param rawHeaders - the column titles
 * @param rawRows - the cells, one array per row (a missing cell is empty)
 * @returns the lines joined with `\n`: the header, a line of dashes, then the rows
 * @example
 * ```ts
 * import { formatTable } from '@sluice/cli';
 *
 * formatTable(['id', 'qty'], [['a', '1']]); // "id  qty\n--  ---\na   1"
 * ```
 */
export function formatTable(rawHeaders: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const headers = rawHeaders.map(terminalSafe);
  const rows = rawRows.map((row) => row.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padToWidth(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
