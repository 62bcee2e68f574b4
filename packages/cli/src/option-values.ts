/** Values a command checks itself: its version, whole numbers and URLs (a bad one is a usage error). */
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.ts';

/**
 * The version of the package.json at `packageJson` (a path, or a file URL: node's `URL` type, so
 * that `new URL('../package.json', import.meta.url)` fits even where DOM typings are loaded too),
 * for `--version`.
 *
 * @param packageJson - the package.json to read
 * @returns its `version`, or `'0.0.0'` when it has none
 * @throws when the file cannot be read or is not JSON
 * @example
 * ```ts
 * import { versionOf } from '@sluice/cli';
 *
 * const version = versionOf(new URL('../package.json', import.meta.url)); // '0.2.0'
 * ```
 */
export function versionOf(packageJson: string | import('node:url').URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? '0.0.0';
}

/**
 * A whole-number option value, or a usage error that echoes it and gives the range.
 *
 * @param flag - the option's name, for the message (`port` for `--port`)
 * @param raw - the parsed value, undefined when the option was not given
 * @param range - the smallest and (optionally) the largest value allowed
 * @returns the number, or undefined when `raw` is undefined
 * @throws {@link UsageError} when `raw` is not a whole number within `range`
 * @example
 * ```ts
 * import { integerOption } from '@sluice/cli';
 *
 * declare const values: { port?: string };
 * const port = integerOption('port', values.port, { min: 0, max: 65535 }) ?? 4566;
 * ```
 */
export function integerOption(flag: string, raw: unknown, range: { min: number; max?: number }): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  const max = range.max ?? Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const wanted = Number.isFinite(max) ? `a whole number from ${range.min} to ${max}` : `a whole number >= ${range.min}`;
    throw new UsageError(`--${flag} must be ${wanted}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * An http(s) URL option value (without a trailing slash), or a usage error that echoes it.
 *
 * @param flag - the option's name, for the message (`endpoint` for `--endpoint`)
 * @param raw - the parsed value, undefined when the option was not given
 * @returns the URL without a trailing slash, or undefined when `raw` is undefined
 * @throws {@link UsageError} when `raw` is not an http: or https: URL
 * @example
 * ```ts
 * import { urlOption } from '@sluice/cli';
 *
 * declare const values: { endpoint?: string };
 * const endpoint = urlOption('endpoint', values.endpoint) ?? 'http://127.0.0.1:4566';
 * ```
 */
export function urlOption(flag: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (!isHttpUrl(text)) {
    throw new UsageError(`--${flag} ${JSON.stringify(text)} is not an http(s) URL: e.g. --${flag} http://127.0.0.1:4566`);
  }
  return text.replace(/\/$/, '');
}

/**
 * Whether `text` is an http: or https: URL (what `--endpoint` and `$SLUICE_ENDPOINT` must be).
 *
 * @example
 * ```ts
 * import { isHttpUrl } from '@sluice/cli';
 *
 * isHttpUrl('http://127.0.0.1:4566'); // true
 * isHttpUrl('127.0.0.1:4566'); // false: no scheme
 * ```
 */
export function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
