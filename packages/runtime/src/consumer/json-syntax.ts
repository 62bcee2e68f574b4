/**
 * Parsing the JSON of a record without ever quoting it: `JSON.parse`'s own messages quote the text
 * around the error (V8: `Unexpected token 'x', "{"userId":"alice…" is not valid JSON`), and reasons
 * are logged while records are not. {@link jsonSyntaxError} locates the error itself and names it in
 * words and a position only.
 *
 * Internal to `@sluice/runtime`'s consumer (the decoder's `BODY_NOT_JSON` and `MESSAGE_NOT_JSON`
 * reasons); not exported by the package.
 */

/** The outcome of {@link parseJson}: the value, or why the text is not JSON (never quoting it). */
export type ParsedJson = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * `JSON.parse` that reports a failure as a reason that never quotes the text: where the syntax
 * error is ({@link jsonSyntaxError}), or that the input is nested too deeply to parse.
 *
 * @example
 * ```ts
 * import { parseJson } from './json-syntax.ts';
 *
 * parseJson('{"amount": 1}'); // { ok: true, value: { amount: 1 } }
 * parseJson('{"amount": 1,}'); // { ok: false, reason: 'not valid JSON at position 13' }
 * ```
 */
export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: unparsableReason(text, error) };
  }
}

/**
 * Why `JSON.parse(text)` threw `error`, in words that never quote the text: what {@link parseJson}
 * reports. For callers that call `JSON.parse` themselves on a hot path (no result object per
 * success) and need the same reason on failure.
 *
 * @example
 * ```ts
 * import { unparsableReason } from './json-syntax.ts';
 *
 * const text = '{"amount": 1,}';
 * try {
 *   JSON.parse(text);
 * } catch (error) {
 *   unparsableReason(text, error); // 'not valid JSON at position 13'
 * }
 * ```
 */
export function unparsableReason(text: string, error: unknown): string {
  // Never the engine's message: V8 quotes the text around the error ("{"userId":"alice…"), and
  // the reason is logged. Deeply nested input may throw RangeError on some engines.
  return jsonSyntaxError(text) ?? (error instanceof RangeError ? 'nested too deeply or too large to parse' : 'not valid JSON');
}

// What `jsonSyntaxError` expects next. `Next`: after a complete value, a `,`, the closing bracket
// of the innermost container, or the end of the text.
const EXPECT_VALUE = 0;
const EXPECT_KEY = 1;
const EXPECT_NEXT = 2;

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * What is wrong with `text` as JSON and where (a UTF-16 offset, as `JSON.parse` counts), in words
 * that never quote it; `undefined` when it is valid JSON. The first offset at which no valid JSON
 * text could continue is the error's position. Meant to run after `JSON.parse` has failed (it is
 * slower than the engine's parser).
 *
 * @example
 * ```ts
 * import { jsonSyntaxError } from './json-syntax.ts';
 *
 * jsonSyntaxError('{"a": tru}'); // 'not valid JSON at position 9'
 * jsonSyntaxError('{"a": "b'); // 'unexpected end of JSON input'
 * jsonSyntaxError('[1]'); // undefined: valid
 * ```
 */
export function jsonSyntaxError(text: string): string | undefined {
  const n = text.length;
  const endOfInput = 'unexpected end of JSON input';
  const unexpected = (at: number) => `not valid JSON at position ${at}`;
  // Open containers, innermost last: true for an object. A loop, not recursion: nesting is unbounded.
  const open: boolean[] = [];
  let i = 0;
  let expect: number = EXPECT_VALUE;
  for (;;) {
    while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
    if (expect === EXPECT_NEXT) {
      if (open.length === 0) return i === n ? undefined : unexpected(i);
      if (i === n) return endOfInput;
      const c = text.charCodeAt(i++);
      const inObject = open[open.length - 1]!;
      if (c === 0x2c /* , */) expect = inObject ? EXPECT_KEY : EXPECT_VALUE;
      else if (c === (inObject ? 0x7d /* } */ : 0x5d) /* ] */) open.pop();
      else return unexpected(i - 1);
      continue;
    }
    if (i === n) return endOfInput;
    const c = text.charCodeAt(i);
    if (expect === EXPECT_KEY) {
      if (c !== 0x22 /* " */) return unexpected(i);
      const stringError = skipString();
      if (stringError !== undefined) return stringError;
      while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
      if (i === n) return endOfInput;
      if (text.charCodeAt(i) !== 0x3a /* : */) return unexpected(i);
      i++;
      expect = EXPECT_VALUE;
      continue;
    }
    expect = EXPECT_NEXT;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      i++;
      while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
      if (i < n && text.charCodeAt(i) === c + 2 /* } or ] */) {
        i++;
      } else {
        open.push(c === 0x7b);
        expect = c === 0x7b ? EXPECT_KEY : EXPECT_VALUE;
      }
    } else if (c === 0x22) {
      const stringError = skipString();
      if (stringError !== undefined) return stringError;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const numberError = skipNumber();
      if (numberError !== undefined) return numberError;
    } else {
      const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x6e ? 'null' : '';
      if (word === '') return unexpected(i);
      for (let k = 0; k < word.length; k++, i++) {
        if (i === n) return endOfInput;
        if (text.charCodeAt(i) !== word.charCodeAt(k)) return unexpected(i);
      }
    }
  }

  /** Moves `i` past the string starting at `i`; the error, if it is not one. */
  function skipString(): string | undefined {
    i++;
    for (;;) {
      if (i === n) return endOfInput;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return `control character in a JSON string at position ${i}`;
      i++;
      if (c !== 0x5c /* \ */) continue;
      if (i === n) return endOfInput;
      const e = text.charCodeAt(i);
      if (e === 0x75 /* u */) {
        for (let k = 1; k <= 4; k++) {
          if (i + k === n) return endOfInput;
          const h = text.charCodeAt(i + k) | 0x20;
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x61 && h <= 0x66))) return `bad escape sequence in a JSON string at position ${i + k}`;
        }
        i += 5;
      } else if ('"\\/bfnrt'.includes(text[i]!)) {
        i++;
      } else {
        return `bad escape sequence in a JSON string at position ${i}`;
      }
    }
  }

  /** Moves `i` past the number starting at `i`; the error, if it is not one. */
  function skipNumber(): string | undefined {
    if (text.charCodeAt(i) === 0x2d) i++;
    // A leading zero stands alone: a digit after it is caught as unexpected where it follows.
    if (i < n && text.charCodeAt(i) === 0x30) i++;
    else if (!skipDigits()) return i === n ? endOfInput : unexpected(i);
    if (i < n && text.charCodeAt(i) === 0x2e /* . */) {
      i++;
      if (!skipDigits()) return i === n ? endOfInput : unexpected(i);
    }
    if (i < n && (text.charCodeAt(i) | 0x20) === 0x65 /* e or E */) {
      i++;
      if (i < n && (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d)) i++;
      if (!skipDigits()) return i === n ? endOfInput : unexpected(i);
    }
    return undefined;
  }

  /** Moves `i` past a run of digits; false when there is none. */
  function skipDigits(): boolean {
    const start = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i > start;
  }
}
