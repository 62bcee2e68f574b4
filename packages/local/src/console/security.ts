/**
 * Who may talk to the local console: only this machine, only the console's own page. A request
 * is refused unless
 *
 * - its `Host` is the console's own loopback address (`127.0.0.1:<port>` or `localhost:<port>`),
 *   which a DNS-rebinding page cannot fake;
 * - its `Origin`, when the browser sends one, is the console's own origin;
 * - for the API, it carries the per-run token the page was served with (a custom header, so a
 *   cross-origin request needs a CORS preflight, which the console never answers);
 * - for an action, its body is JSON.
 *
 * The console sends no CORS header at all, so no other origin can read what it answers either.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header the page sends its token in. */
export const CONSOLE_TOKEN_HEADER = 'x-sluice-console-token';

/**
 * A new per-run token: 32 random bytes, base64url.
 *
 * @example
 * ```ts
 * import { newConsoleToken } from '@sluice/local/console';
 *
 * newConsoleToken().length; // 43
 * ```
 */
export function newConsoleToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Why a request to the console at `port` is refused, or `undefined` when it may proceed.
 *
 * @param request - the method, URL and headers of the request
 * @param port - the console's port
 * @param token - the per-run token the page carries
 *
 * @example
 * ```ts
 * import { consoleRefusal } from '@sluice/local/console';
 *
 * consoleRefusal({ method: 'POST', url: '/api/redrive', headers: { host: '127.0.0.1:4567', origin: 'http://evil.example' } }, 4567, 't');
 * // 'cross-origin request from http://evil.example'
 * ```
 */
export function consoleRefusal(request: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, port: number, token: string): string | undefined {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = request.headers.host;
  if (!host || !hosts.includes(host.toLowerCase())) return `host ${JSON.stringify(host ?? '')} is not the console's (${hosts.join(' or ')})`;
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) return `cross-origin request from ${origin}`;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `cross-site request (Sec-Fetch-Site: ${site})`;
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') return `method ${method} is not allowed`;
  const url = request.url ?? '/';
  // The path as the server routes it (`..` and its percent-encoding resolved), not as written:
  // `/x/../api/state` is the API.
  const routed = new URL(url, 'http://console.invalid').pathname;
  if (routed.startsWith('/api/')) {
    const given = request.headers[CONSOLE_TOKEN_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, token)) return 'missing or wrong console token';
    if (method === 'POST' && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return 'an action must send JSON';
  } else if (method !== 'GET') {
    return `method ${method} is not allowed on ${url}`;
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
