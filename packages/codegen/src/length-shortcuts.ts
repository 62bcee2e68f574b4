/**
 * A rewrite of ajv's standalone validator code that spares most string-length counts.
 *
 * ajv checks `minLength` / `maxLength` in code points, with its `ucs2length` runtime function: a
 * loop over the whole string, run once per bound, for every string of every payload. On the
 * consumer's hot path that loop was most of the validator's own time. But the count in code
 * points lies between half the UTF-16 length and the UTF-16 length (a surrogate pair is one code
 * point of two units; anything else one of one), and `.length` costs nothing. So:
 *
 * - `ucs2length(s) > max` can only hold when `s.length > max`;
 * - `ucs2length(s) < min` can only hold when `s.length < 2 * min`.
 *
 * Each comparison is guarded by its `.length` test, and the count is made only when that test
 * cannot decide. The result is the same for every string (pinned by a property test against ajv
 * itself); only the work differs.
 */

/** `const func2 = require("ajv/dist/runtime/ucs2length").default;` in ajv's standalone code. */
const UCS2LENGTH_IMPORT = /\bconst (func\d+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/;

/**
 * `code` (ajv standalone output) with each `ucs2length(x) > n` / `ucs2length(x) < n` comparison
 * behind a `.length` test that decides it without counting whenever it can; `code` unchanged when
 * it counts no lengths. The bounds must be literals: a comparison ajv writes otherwise (with
 * `$data`) is left as it is.
 *
 * @example
 * ```ts
 * import { withLengthShortcuts } from '@sluice/codegen';
 *
 * withLengthShortcuts('const func2 = require("ajv/dist/runtime/ucs2length").default;if(func2(data0) > 64){');
 * // 'const func2 = require("ajv/dist/runtime/ucs2length").default;if((data0.length > 64 && func2(data0) > 64)){'
 * ```
 */
export function withLengthShortcuts(code: string): string {
  const name = UCS2LENGTH_IMPORT.exec(code)?.[1];
  if (name === undefined) return code;
  const comparison = new RegExp(`\\b${name}\\((data\\d*)\\) ([<>]) (\\d+)(?=\\))`, 'g');
  return code.replace(comparison, (_, value: string, op: string, bound: string) => {
    const n = Number(bound);
    return op === '>' ? `(${value}.length > ${n} && ${name}(${value}) > ${n})` : `(${value}.length < ${2 * n} && ${name}(${value}) < ${n})`;
  });
}
