/**
 * Why a text is not JSON, said so that every character of it can be seen: `JSON.parse`'s message
 * quotes the text around the error, and the character it stumbled on is often one a terminal
 * does not show (a byte-order mark an editor wrote first, a no-break or zero-width space pasted
 * from a web page): `Unexpected token '', "{"orderId"…" is not valid JSON` names nothing.
 */
import { terminalSafe } from './terminal-safe.ts';

/** How a UTF-8 byte-order mark is named wherever a command reports one. */
export const BYTE_ORDER_MARK = 'a UTF-8 byte-order mark (BOM, the bytes EF BB BF)';

/**
 * Characters a terminal shows as nothing or as a plain space, beyond those {@link terminalSafe}
 * escapes: no-break and other Unicode spaces (not JSON whitespace), the soft hyphen, zero-width
 * spaces and joiners, the word joiner and invisible operators, the deprecated format controls,
 * the byte-order mark away from the start, the Hangul fillers.
 */
const INVISIBLE = /[\u00a0\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u2000-\u200d\u202f\u205f\u2060-\u2064\u206a-\u206f\u3000\u3164\ufeff\uffa0]/g;

/**
 * `text` as {@link terminalSafe} makes it, with the characters a terminal would not show written
 * as `\uXXXX` as well: for quoting what a parser said of a text a person typed or saved.
 *
 * @param text - a message quoting input
 * @returns one line in which every character is visible
 * @example
 * ```ts
 * import { visibleText } from '@sluice/cli';
 *
 * visibleText('Unexpected token \'\u00a0\''); // "Unexpected token '\\u00a0'"
 * ```
 */
export function visibleText(text: string): string {
  return terminalSafe(text).replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Why `JSON.parse(text)` threw `error`, for a message that says the text is not JSON: a
 * byte-order mark at its start is named, and what to do about it; otherwise the parser's own
 * message, with every invisible character in it shown as an escape ({@link visibleText}).
 *
 * @param text - what was given to `JSON.parse`
 * @param error - what it threw
 * @param removeMark - what to do about a byte-order mark at the start (for a file: save it without)
 * @returns one line
 * @example
 * ```ts
 * import { jsonParseProblem } from '@sluice/cli';
 *
 * const text = '\uFEFF{"orderId": "o-1"}';
 * try {
 *   JSON.parse(text);
 * } catch (error) {
 *   jsonParseProblem(text, error);
 *   // 'it starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which JSON does not allow and JSON parsers (a consumer\'s too) refuse: save the file as UTF-8 without BOM'
 * }
 * ```
 */
export function jsonParseProblem(text: string, error: unknown, removeMark = 'save the file as UTF-8 without BOM'): string {
  if (text.startsWith('\uFEFF')) return `it starts with ${BYTE_ORDER_MARK}, which JSON does not allow and JSON parsers (a consumer's too) refuse: ${removeMark}`;
  return visibleText(error instanceof Error ? error.message : String(error));
}
