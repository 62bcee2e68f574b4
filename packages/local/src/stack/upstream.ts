/**
 * Where the gateway reaches an emulator. The local stack runs fauxqs and dynalite on Unix sockets
 * in a private (0700) folder, not on TCP ports: a web page can reach any loopback TCP port, but not
 * a socket file, so every request from outside has to pass the gateway's Origin, Host and size
 * checks. An upstream is written `unix:<absolute socket path>`, or `http://<host>:<port>` for an
 * emulator on TCP (tests, or a gateway in front of something else).
 */
import http from 'node:http';

/** The `http.request` options that reach an upstream: `socketPath`, or `host` and `port`. */
export type UpstreamTarget = { socketPath: string } | { host: string; port: number };

/**
 * Where `upstream` (`unix:/path/to.sock` or `http://host:port`) is, as `http.request` options.
 *
 * @example
 * ```ts
 * import { upstreamTarget } from '@sluice/local';
 *
 * upstreamTarget('unix:/tmp/sluice-x/dynamodb.sock'); // { socketPath: '/tmp/sluice-x/dynamodb.sock' }
 * upstreamTarget('http://127.0.0.1:4600'); // { host: '127.0.0.1', port: 4600 }
 * ```
 */
export function upstreamTarget(upstream: string): UpstreamTarget {
  if (upstream.startsWith('unix:')) return { socketPath: upstream.slice('unix:'.length) };
  const url = new URL(upstream);
  if (url.protocol !== 'http:') throw new Error(`upstream ${JSON.stringify(upstream)} is neither unix:<socket path> nor http://<host>:<port>`);
  return { host: url.hostname, port: Number(url.port || 80) };
}

/** An upstream's answer, read whole. */
export interface UpstreamReply {
  /** The HTTP status. */
  status: number;
  /** The answer's headers. */
  headers: http.IncomingHttpHeaders;
  /** The answer's body, as UTF-8 text. */
  body: string;
}

/**
 * One POST to an upstream, its answer read whole; rejects after `timeoutMs` without an answer.
 *
 * @example
 * ```ts
 * import { postUpstream } from '@sluice/local';
 *
 * const reply = await postUpstream('unix:/tmp/sluice-x/sns-sqs.sock', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, '{}');
 * reply.status; // 200
 * ```
 */
export function postUpstream(upstream: string, headers: Record<string, string>, body: string, timeoutMs = 30_000): Promise<UpstreamReply> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const req = http.request({ ...upstreamTarget(upstream), method: 'POST', path: '/', headers: { host: 'localhost', ...headers, 'content-length': String(payload.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`upstream ${upstream} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
