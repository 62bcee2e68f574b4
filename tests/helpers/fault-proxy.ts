/**
 * An HTTP proxy in front of a real server (DynamoDB or SQS, AWS JSON protocol) that can answer
 * chosen requests with a fault instead. Faults are injected at the wire, so the SDK's real error
 * handling, timeouts and retries run.
 *
 * | fault | the server… | the client… |
 * |---|---|---|
 * | `throttle`, `server-error` | never sees the request | gets a throttling error or a 500 |
 * | `drop` | never sees the request | sees the connection close |
 * | `hang` | never sees the request | waits forever: only its own request timeout ends it |
 * | `lose-response` | applies it | sees the connection close instead of the answer (an ambiguous commit) |
 * | `{ slowMs }` | applies it at once | gets the answer `slowMs` later (after its timeout, if longer) |
 * | `{ loseResponseIf }` | applies it | loses the answer when the predicate, given the answer, says so |
 *
 * The object form combines: `{ slowMs, observe }` answers late and shows the answer to the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | 'throttle'
  | 'server-error'
  | 'drop'
  | 'hang'
  | 'lose-response'
  | ForwardedFault;

/** Forwarded to the server, then: the answer seen by `observe`, lost if `loseResponseIf` says so, else sent `slowMs` late. */
export interface ForwardedFault {
  slowMs?: number;
  loseResponseIf?: (response: ProxiedResponse) => boolean;
  observe?: (response: ProxiedResponse) => void;
}

export interface ProxiedRequest {
  /** `X-Amz-Target` header, e.g. `DynamoDB_20120810.PutItem` or `AmazonSQS.ReceiveMessage`. */
  target: string;
  body: string;
  /** When its headers reached the proxy (ms since epoch). */
  at: number;
  /** The server's answer, once it came: set whether the client got it or not (absent when the server never saw the request). */
  response?: ProxiedResponse;
}

export interface ProxiedResponse {
  status: number;
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

/** Error bodies in each service's AWS JSON dialect, so the SDK classifies them as the real ones. */
function faultResponse(fault: 'throttle' | 'server-error', target: string): { status: number; body: object } {
  const sqs = target.startsWith('AmazonSQS.');
  const namespace = sqs ? 'com.amazonaws.sqs' : 'com.amazonaws.dynamodb.v20120810';
  if (fault === 'throttle') {
    return { status: 400, body: { __type: `${namespace}#${sqs ? 'RequestThrottled' : 'ThrottlingException'}`, message: 'Rate of requests exceeds the allowed throughput.' } };
  }
  return { status: 500, body: { __type: `${namespace}#${sqs ? 'InternalError' : 'InternalServerError'}`, message: 'Internal server error' } };
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  let target = new URL(upstream);
  let decide: (request: ProxiedRequest) => Fault | undefined = () => undefined;
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request: ProxiedRequest = { target: String(req.headers['x-amz-target'] ?? ''), body: body.toString('utf8'), at };
      requests.push(request);
      const fault = decide(request);
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      // Nothing is sent; the socket stays open until the client gives up (or the proxy stops).
      if (fault === 'hang') return;
      if (fault === 'throttle' || fault === 'server-error') {
        const { status, body: payload } = faultResponse(fault, request.target);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy' });
        res.end(JSON.stringify(payload));
        return;
      }
      const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
        const answer: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => answer.push(c));
        upstreamRes.on('end', () => {
          const payload = Buffer.concat(answer);
          const response: ProxiedResponse = { status: upstreamRes.statusCode ?? 502, body: payload.toString('utf8') };
          request.response = response;
          const forwarded = typeof fault === 'object' ? fault : {};
          forwarded.observe?.(response);
          const lose = fault === 'lose-response' || forwarded.loseResponseIf?.(response) === true;
          if (lose) {
            // The server has applied the request; the client never learns it.
            req.socket.destroy();
            return;
          }
          const reply = () => {
            if (res.destroyed || req.socket.destroyed) return; // the client gave up meanwhile
            res.writeHead(response.status, upstreamRes.headers);
            res.end(payload);
          };
          if (forwarded.slowMs) setTimeout(reply, forwarded.slowMs);
          else reply();
        });
      });
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
