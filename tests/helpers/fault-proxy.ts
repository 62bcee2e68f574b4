/**
 * An HTTP proxy in front of a real server that can answer chosen requests with a fault instead:
 * throttling, a 500, or a dropped connection. Faults are injected at the wire, so the SDK's real
 * error handling and retries run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'throttle' | 'server-error' | 'drop';

export interface ProxiedRequest {
  /** `X-Amz-Target` header, e.g. `DynamoDB_20120810.PutItem`. */
  target: string;
  body: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, in order (including those answered with a fault). */
  requests: ProxiedRequest[];
  /** Decide per request: a fault, or `undefined` to forward it. */
  setFault(decide: (request: ProxiedRequest) => Fault | undefined): void;
  /** Forward to another server from now on. */
  setUpstream(upstream: string): void;
  stop(): Promise<void>;
}

const FAULT_RESPONSES = {
  throttle: {
    status: 400,
    body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
  },
  'server-error': { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' } },
} as const;

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  let target = new URL(upstream);
  let decide: (request: ProxiedRequest) => Fault | undefined = () => undefined;
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request = { target: String(req.headers['x-amz-target'] ?? ''), body: body.toString('utf8') };
      requests.push(request);
      const fault = decide(request);
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault) {
        const { status, body: payload } = FAULT_RESPONSES[fault];
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy' });
        res.end(JSON.stringify(payload));
        return;
      }
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setFault(fn) {
      decide = fn;
    },
    setUpstream(url) {
      target = new URL(url);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
