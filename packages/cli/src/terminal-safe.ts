/**
 * Text from messages (a paymentId from a rejected payload, an error a handler threw, a consumer's
 * log line) is written by whoever published it. Printed raw, it can drive the operator's
 * terminal: ESC and C1 sequences clear the screen, set the window title, rewrite earlier lines or
 * (in some terminals) paste text; bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and friends) make a
 * line read differently from what it holds; a newline forges a line of its own. Every printer of
 * message-derived text passes it through {@link terminalSafe}, which shows those characters as
 * escapes instead (`\x1b`, `\u202e`, `\n`). A backslash itself is left as is: text that already
 * contains `\x1b` as four characters reads the same, and harmlessly.
 */

/**
 * Controls (C0, DEL, C1), the bidi embedding, override and isolate controls and the marks that
 * steer them (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), and the Unicode line and
 * paragraph separators.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but keeping newlines and tabs: for multi-line text printed as it is laid out. */
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control, escape and bidi character shown as an escape, so that printing it
 * cannot move the cursor, clear the screen, set the title or reorder what the operator reads.
 * The result is one line.
 *
 * @param text - text taken from a message, a store or an error
 * @returns the text, printable as it is
 * @example
 * ```ts
 * import { terminalSafe } from '@sluice/cli';
 *
 * terminalSafe('ord-1\u001b]0;pwned\u0007'); // 'ord-1\\x1b]0;pwned\\x07'
 * terminalSafe('evil\u202eexe.txt'); // 'evil\\u202eexe.txt'
 * terminalSafe('a\nb'); // 'a\\nb'
 * ```
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * Like {@link terminalSafe}, but newlines and tabs are kept: for text printed over several lines
 * (a command's whole output). Carriage returns are escaped, as they let a line overwrite itself.
 *
 * @param text - one or more lines
 * @returns the lines, printable as they are
 * @example
 * ```ts
 * import { terminalSafeLines } from '@sluice/cli';
 *
 * terminalSafeLines('line 1\nline 2\u001b[2J'); // 'line 1\nline 2\\x1b[2J'
 * ```
 */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE_KEEPING_LINES, escape);
}

/**
 * Like {@link terminalSafe}, but each line break of `text` starts a new line indented by `indent`
 * instead of showing as `\n`: for a message of several lines (a compiler's error, a stack) printed
 * after a prefix, as one block. Every line is made safe as {@link terminalSafe} makes it (a
 * carriage return, a tab or an escape inside a line still shows as an escape), so no line can
 * pass for a line of the program's own. Trailing line breaks are dropped.
 *
 * @param text - text taken from a message, a store or an error, with or without line breaks
 * @param indent - what starts every line after the first
 * @returns the first line, then the others, each indented
 * @example
 * ```ts
 * import { terminalSafeIndented } from '@sluice/cli';
 *
 * terminalSafeIndented('init failed: Transform failed with 1 error:\n/tmp/h.ts:3:1: ERROR', '    ');
 * // 'init failed: Transform failed with 1 error:\n    /tmp/h.ts:3:1: ERROR'
 * ```
 */
export function terminalSafeIndented(text: string, indent = '  '): string {
  return text
    .replace(/(\r?\n)+$/, '')
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? terminalSafe(line) : `${indent}${terminalSafe(line)}`))
    .join('\n');
}

/**
 * `JSON.stringify(value, null, space)` with the characters JSON leaves raw (DEL, C1 controls, bidi
 * controls, U+2028/U+2029) written as `\uXXXX`: the same JSON value, safe to print on a terminal.
 *
 * @param value - what to print as JSON
 * @param space - indentation, as for `JSON.stringify`
 * @returns the JSON text
 * @example
 * ```ts
 * import { terminalSafeJson } from '@sluice/cli';
 *
 * terminalSafeJson({ payee: 'shop\u202e' }); // '{"payee":"shop\\u202e"}'
 * ```
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space);
  // Inside JSON every such character is in a string (JSON.stringify escapes C0 itself), where \uXXXX means the same.
  return json === undefined ? 'undefined' : json.replace(UNSAFE_KEEPING_LINES, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
