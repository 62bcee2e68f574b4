/**
 * One AWS-compatible endpoint for SNS, SQS and DynamoDB.
 *
 * fauxqs (SNS + SQS) and dynalite (DynamoDB) are separate HTTP servers, each on a Unix socket in a
 * private folder (see `emulators.ts`): the gateway is the only door to them. The AWS SDK and CLI
 * can be pointed at one URL (`AWS_ENDPOINT_URL`) only, so this gateway listens on that URL and
 * forwards each request, unchanged, to the emulator that speaks its protocol:
 *
 * - `X-Amz-Target: DynamoDB_20120810.*`          → dynalite
 * - `X-Amz-Target: AmazonSQS.*` (SQS JSON protocol) → fauxqs
 * - form-encoded `Action=…` (SNS query protocol)   → fauxqs
 * - form-encoded SQS `Action=…` (SQS query protocol, used by old SDKs and AWS CLI < 1.31/2.13):
 *   answered with an XML error that says to upgrade, because fauxqs only speaks SQS JSON.
 *
 * The Host header is forwarded as is, so the queue URLs fauxqs builds point at the gateway.
 *
 * When the emulators run in the gateway's own process (`startEmulators`), the gateway hands each
 * request to the emulator's HTTP server directly ({@link GatewayUpstreams.servers}) instead of
 * sending it again over the emulator's socket: the same request (method, path, headers, the body
 * it has read), and the emulator answers on the gateway's own response. Under load this halves
 * the HTTP work of every SQS, SNS and DynamoDB request (one parse and one answer instead of two of
 * each, no second connection); the sockets stay for the message move tasks and other callers.
 *
 * One request is adjusted on its way: with persistence on, fauxqs 2.4.1 loses a message whose
 * visibility is changed to 0 (it writes NULL into a NOT NULL column after taking the message out
 * of flight, answers 500, and the SDK's retry then finds the receipt handle gone). The gateway
 * turns `VisibilityTimeout: 0` into 1 s, which fauxqs handles correctly: the message is visible
 * again a second later instead of at once.
 *
 * Its own paths: `GET /health`; `POST /_sluice/failures` and `/_sluice/failures/report` (the
 * handler failures `dlq list` shows, from consumers in any process); `POST /_sluice/long-polls/end`
 * (a queue's receives answered at once when a consumer in another process stops or reloads).
 *
 * The SQS message move tasks (`StartMessageMoveTask`, `ListMessageMoveTasks`,
 * `CancelMessageMoveTask`), which fauxqs lacks, are answered here (see `message-move-tasks.ts`).
 *
 * The emulators have no authentication, and a web page can reach 127.0.0.1 too: a plain HTML form
 * posts `Action=Publish` without any preflight, and DNS rebinding turns a page's own name into
 * 127.0.0.1. So the gateway refuses (403) a request whose `Origin` is not a loopback page, or whose
 * `Host` is not a loopback name; SDKs and the AWS CLI send no `Origin` and a loopback `Host`. It
 * never sends CORS headers, so no foreign page can read an answer either. Request bodies are
 * capped per protocol (see `bodyLimits`), counted as they arrive, and read no further once over.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HANDLER_FAILURES_PATH } from '@sluice/ops';
import { FAILURE_REPORTS_PATH, isFailureChangesList, type FailureJournal } from './failure-journal.ts';
import { MessageMoveTasks, messageMoveTaskActions } from './message-move-tasks.ts';
import { upstreamTarget } from './upstream.ts';

/**
 * Where the gateway sends each protocol: `unix:<socket path>` (what `startEmulators` uses, so
 * that no browser can reach an emulator without the gateway) or `http://127.0.0.1:<port>`.
 */
export interface GatewayUpstreams {
  /** fauxqs (SNS + SQS): `unix:<socket path>` or `http://127.0.0.1:<port>`. */
  fauxqs: string;
  /** dynalite (DynamoDB): `unix:<socket path>` or `http://127.0.0.1:<port>`. */
  dynalite: string;
  /**
   * The emulators' HTTP servers, when they run in this process: a request is then handed to the
   * server's `request` handler (see above) rather than forwarded to the upstream address.
   */
  servers?: { fauxqs?: http.Server; dynalite?: http.Server };
}

/** The options of {@link startAwsGateway}. */
export interface AwsGatewayOptions {
  /** Where the emulators listen; the gateway forwards each request to one of them. */
  upstreams: GatewayUpstreams;
  /** Turn `ChangeMessageVisibility` to 0 s into 1 s (see above). @default false */
  avoidVisibilityZero?: boolean;
  /** Port to listen on; 0 picks a free one. @default 4566 */
  port?: number;
  /** Interface to listen on. Loopback only: the emulators have no authentication. @default '127.0.0.1' */
  host?: string;
  /** What `POST /_sluice/failures` answers from: the last handler failure of each message. @default none: it answers 404 */
  failures?: FailureJournal;
  /**
   * What `POST` {@link END_LONG_POLLS_PATH} calls: ends the long polls now waiting on one queue;
   * false when there is no such queue (answered 404), undefined while the stack is still being
   * assembled (503). @default none: it answers 404
   */
  endLongPollsOn?: (queue: string) => boolean | undefined;
  /** Called before an SQS `GetQueueAttributes` is forwarded: brings the emulator's counts up to date. */
  beforeQueueCounts?: () => void;
  /** The consumers the stack's own process runs, which `GET /health` names (`npm run subscriber` warns when it would run them too). */
  consumers?: () => readonly string[];
  /** Where {@link AwsGateway.close} says that it stopped waiting for dynalite's answers. @default this process's stderr */
  onWarning?: (line: string) => void;
  /** How long {@link AwsGateway.close} waits for them (tests). @default {@link HANDED_OVER_WAIT_MS} */
  handedOverWaitMs?: number;
}

/** A running gateway, from {@link startAwsGateway}. */
export interface AwsGateway {
  /** The endpoint URL to give SDK clients and `aws --endpoint-url`. */
  readonly endpoint: string;
  /** The port it listens on (the one picked when 0 was asked). */
  readonly port: number;
  /**
   * Stops listening and closes its connections to the emulators, then waits (up to
   * {@link HANDED_OVER_WAIT_MS}) for the DynamoDB requests it handed to dynalite in this process to
   * be answered: their callers are gone, but dynalite stopped under one throws.
   */
  close(): Promise<void>;
}

/** The longest {@link AwsGateway.close} waits for dynalite in this process to answer the requests it was handed. */
export const HANDED_OVER_WAIT_MS = 10_000;

/** Which emulator a request belongs to. */
export type GatewayRoute = 'dynamodb' | 'sqs' | 'sns' | 'sqs-query' | 'health' | 'failures' | 'long-polls' | 'other';

/**
 * `POST` here with `{"queue": "<name>"}` answers at once the receives waiting on a long poll on
 * that queue (the stack's {@link AwsGatewayOptions.endLongPollsOn}); later ones wait as before.
 * `npm run subscriber`, whose consumers poll this stack from another process, asks it when one of
 * them stops or reloads, which otherwise waits out its receive in flight (up to a second).
 */
export const END_LONG_POLLS_PATH = '/_sluice/long-polls/end';

/** SQS actions, to recognise an SQS query-protocol request by its `Action`. */
const SQS_ACTIONS = new Set([
  'AddPermission', 'CancelMessageMoveTask', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'CreateQueue',
  'DeleteMessage', 'DeleteMessageBatch', 'DeleteQueue', 'GetQueueAttributes', 'GetQueueUrl', 'ListDeadLetterSourceQueues',
  'ListMessageMoveTasks', 'ListQueueTags', 'ListQueues', 'PurgeQueue', 'ReceiveMessage', 'RemovePermission', 'SendMessage',
  'SendMessageBatch', 'SetQueueAttributes', 'StartMessageMoveTask', 'TagQueue', 'UntagQueue',
]);

/**
 * Decides where a request goes from its headers and, for the query protocol, its `Action`.
 *
 * @param headers - the request's headers (`x-amz-target`, `content-type`)
 * @param action - the query protocol's `Action` parameter, once the body is read
 * @param method - the HTTP method; `POST` by default
 * @param url - the request's path; `/` by default
 *
 * @example
 * ```ts
 * import { routeOf } from '@sluice/local';
 *
 * routeOf({ 'x-amz-target': 'DynamoDB_20120810.PutItem' }); // 'dynamodb'
 * routeOf({ 'content-type': 'application/x-www-form-urlencoded' }, 'Publish'); // 'sns'
 * routeOf({}, undefined, 'GET', '/health'); // 'health'
 * ```
 */
export function routeOf(headers: http.IncomingHttpHeaders, action?: string, method = 'POST', url = '/'): GatewayRoute {
  const target = String(headers['x-amz-target'] ?? '');
  if (target.startsWith('DynamoDB_')) return 'dynamodb';
  if (target.startsWith('AmazonSQS.')) return 'sqs';
  if (method === 'GET' && url === '/health') return 'health';
  if (method === 'POST' && (url === HANDLER_FAILURES_PATH || url === FAILURE_REPORTS_PATH)) return 'failures';
  if (method === 'POST' && url === END_LONG_POLLS_PATH) return 'long-polls';
  if (String(headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
    return action !== undefined && SQS_ACTIONS.has(action) ? 'sqs-query' : 'sns';
  }
  return 'other';
}

const MiB = 1024 * 1024;

/**
 * The largest request body each route accepts, in bytes; anything larger is answered 413 (AWS
 * would refuse it too), so a local client cannot make the gateway hold an unbounded body.
 *
 * - SQS (JSON protocol): a message, and a whole SendMessageBatch, is at most 1 MiB of body and
 *   attributes (AWS's limit since 2025, which fauxqs 2.4.1 enforces). JSON makes it longer: the AWS
 *   CLI writes each non-ASCII character as `\uXXXX` (a 2-byte UTF-8 character becomes 6 bytes)
 *   and binary attributes travel in base64, so at most 3 MiB, plus ten entries' ids and names: 4 MiB.
 * - SNS (query protocol, form-encoded): a message, and a whole PublishBatch, is at most 256 KiB;
 *   form encoding turns a byte into at most three (`%XX`), 768 KiB, plus parameter names such as
 *   `PublishBatchRequestEntries.member.10.MessageAttributes.entry.10.Value.StringValue` (tens of
 *   KiB for 10 entries of 10 attributes): 1 MiB. SQS query-protocol requests, refused anyway, share it.
 * - DynamoDB: AWS caps a request at 16 MB (BatchWriteItem, the largest): 16 MiB.
 * - Anything else (health, the handler failures asked for by id, a queue whose long polls to end,
 *   preflight, fauxqs's inspection routes) has no reason to be large: 1 MiB (some 25,000 message ids).
 */
export const bodyLimits: Readonly<Record<GatewayRoute, number>> = {
  sqs: 4 * MiB,
  sns: 1 * MiB,
  'sqs-query': 1 * MiB,
  dynamodb: 16 * MiB,
  health: 1 * MiB,
  failures: 1 * MiB,
  'long-polls': 1 * MiB,
  other: 1 * MiB,
};

const serviceNames: Record<GatewayRoute, string> = {
  sqs: 'SQS',
  sns: 'SNS',
  'sqs-query': 'SQS',
  dynamodb: 'DynamoDB',
  health: 'health check',
  failures: 'handler failures',
  'long-polls': 'long polls',
  other: 'local endpoint',
};

/** localhost, any name under .localhost, 127.0.0.1 and [::1]: what a loopback Host header may name. */
const loopbackHostName = /^(?:localhost|(?:[a-z0-9-]+\.)+localhost|127\.0\.0\.1|\[::1\])$/i;

/**
 * Whether a `Host` header names this machine: localhost, `*.localhost` (fauxqs's queue URLs use
 * `sqs.<region>.localhost`), 127.0.0.1 or [::1], with any port. Any other name reached a loopback
 * socket through DNS rebinding or a misdirected proxy.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from '@sluice/local';
 *
 * isLoopbackHost('sqs.us-east-1.localhost:4566'); // true
 * isLoopbackHost('evil.example:4566'); // false
 * ```
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && loopbackHostName.test(host.replace(/:\d{1,5}$/, ''));
}

/**
 * Whether an `Origin` header is a page served from this machine: http(s) on localhost,
 * 127.0.0.1 or [::1], any port. `null` (sandboxed frames, files) and every other site are not.
 *
 * @example
 * ```ts
 * import { isLoopbackOrigin } from '@sluice/local';
 *
 * isLoopbackOrigin('http://localhost:5173'); // true
 * isLoopbackOrigin('https://evil.example'); // false
 * ```
 */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** Why a request is refused before it reaches an emulator, or undefined when it may pass. */
function refusalOf(headers: http.IncomingHttpHeaders): string | undefined {
  const shown = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (!isLoopbackHost(headers.host)) {
    return `local gateway: refused Host ${shown(headers.host ?? '')}: the local AWS endpoint answers only to localhost, *.localhost, 127.0.0.1 and [::1]. Use http://127.0.0.1:<port> as the endpoint URL.`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return `local gateway: refused a request from the web page at ${shown(origin)}: the local AWS endpoint has no authentication, so only the AWS SDK, the AWS CLI and pages on localhost may call it.`;
  }
  // A browser's request on behalf of another site that sends no Origin (a link followed, an image,
  // a form's GET): the browser says so. SDKs and the CLI send no such header. With an Origin, that
  // decides: a page on localhost calling 127.0.0.1 is cross-site to the browser, and allowed.
  if (origin === undefined && headers['sec-fetch-site'] === 'cross-site') {
    return 'local gateway: refused a request a web page of another site made (Sec-Fetch-Site: cross-site): the local AWS endpoint has no authentication, so only the AWS SDK, the AWS CLI and pages on localhost may call it.';
  }
  return undefined;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers with an error in the protocol of the route, so SDKs and the CLI show its message. */
function fail(res: http.ServerResponse, route: GatewayRoute, status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let type = 'text/plain; charset=utf-8';
  let body = message;
  if (route === 'sqs' || route === 'dynamodb') {
    type = 'application/x-amz-json-1.0';
    body = JSON.stringify({ __type: code, message });
    if (route === 'sqs') extraHeaders = { ...extraHeaders, 'x-amzn-query-error': `${code};Sender` };
  } else if (route === 'sns' || route === 'sqs-query') {
    type = 'text/xml';
    body =
      `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`;
  }
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', ...extraHeaders });
  res.end(body);
}

/** 413; the connection is closed after it, so the rest of the body is not read. */
function tooLarge(res: http.ServerResponse, route: GatewayRoute): void {
  fail(
    res,
    route,
    413,
    'RequestEntityTooLarge',
    `local gateway: the request body is over ${bodyLimits[route]} bytes, more than any ${serviceNames[route]} request can be. Send smaller messages or fewer entries per batch.`,
    { connection: 'close' },
  );
}

class BodyTooLarge extends Error {}

/** Reads a whole body of at most `limit` bytes; stops at the first chunk over it. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Reads the body within the route's limit, then hands it on; answers 413 or 400 when it cannot. */
function withBody(req: http.IncomingMessage, res: http.ServerResponse, route: GatewayRoute, then: (body: Buffer) => void): void {
  readBody(req, bodyLimits[route]).then(then, (error: Error) => {
    if (error instanceof BodyTooLarge) tooLarge(res, route);
    else fail(res, route, 400, 'InvalidRequest', `local gateway: could not read the request: ${error.message}`);
  });
}

/**
 * The request `req` again, as the server of an emulator in this process receives it: its method,
 * path and headers, and `body` (already read, so complete: nothing can abort it midway).
 *
 * @param req - the request the gateway received
 * @param body - its body as the emulator should read it (`content-length` is set to its length)
 * @returns a request that yields `body` and ends
 */
function replayedRequest(req: http.IncomingMessage, body: Buffer): http.IncomingMessage {
  const { 'transfer-encoding': _chunked, ...headers } = req.headers;
  const replayed = new http.IncomingMessage(req.socket);
  replayed.method = req.method!;
  replayed.url = req.url!;
  replayed.httpVersion = req.httpVersion;
  replayed.httpVersionMajor = req.httpVersionMajor;
  replayed.httpVersionMinor = req.httpVersionMinor;
  replayed.headers = { ...headers, 'content-length': String(body.length) };
  replayed.rawHeaders = Object.entries(replayed.headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((v) => [name, v]) : [name, String(value)]));
  if (body.length > 0) replayed.push(body);
  replayed.push(null);
  // Received whole: once read to its end it is done, not aborted (an aborted request would take the gateway's connection down with it).
  replayed.complete = true;
  return replayed;
}

/**
 * Forwards a request whose body has been read. Bodies are read first (within the route's cap)
 * rather than piped, so an upstream never sees a request cut off midway: dynalite throws, and
 * takes the process down, when a request it is reading is aborted. To an emulator in this
 * process (`server`), the request is handed over directly ({@link replayedRequest}); with
 * `handedOver` (DynamoDB's: quick requests, no long polls), it is in that set until the emulator
 * ends its answer (see {@link AwsGateway.close}).
 */
function forward(req: http.IncomingMessage, res: http.ServerResponse, route: GatewayRoute, upstream: string, agent: http.Agent, body: Buffer, server?: http.Server, handedOver?: Set<Promise<void>>): void {
  if (server) {
    if (handedOver) {
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      handedOver.add(answer);
      const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
      res.end = ((...args: unknown[]) => {
        handedOver.delete(answer);
        answered();
        return end(...args);
      }) as typeof res.end;
    }
    server.emit('request', replayedRequest(req, body), res);
    return;
  }
  const { 'transfer-encoding': _chunked, ...headers } = req.headers;
  const proxied = http.request(
    { ...upstreamTarget(upstream), method: req.method, path: req.url, headers: { ...headers, 'content-length': String(body.length) }, agent },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  proxied.on('error', (error) => {
    fail(res, route, 502, 'ServiceUnavailable', `local gateway: upstream ${upstream} failed: ${error.message}. Restart \`npm start\`.`);
  });
  proxied.end(body);
}

function sqsQueryError(res: http.ServerResponse, action: string): void {
  fail(
    res,
    'sqs-query',
    400,
    'InvalidAction',
    `SQS ${action} arrived in the query protocol; the local stack (fauxqs) speaks the SQS JSON protocol only. ` +
      `Use AWS SDK v3 or AWS CLI v2 >= 2.13 / v1 >= 1.31.`,
  );
}

/** A ChangeMessageVisibility(Batch) JSON body with every `VisibilityTimeout: 0` made 1. */
function withoutVisibilityZero(body: Buffer): Buffer {
  try {
    const request = JSON.parse(body.toString('utf8')) as { VisibilityTimeout?: number; Entries?: { VisibilityTimeout?: number }[] };
    let changed = false;
    for (const item of [request, ...(request.Entries ?? [])]) {
      if (item.VisibilityTimeout === 0) {
        item.VisibilityTimeout = 1;
        changed = true;
      }
    }
    return changed ? Buffer.from(JSON.stringify(request)) : body;
  } catch {
    return body; // not JSON: fauxqs answers with its own error
  }
}

/**
 * Starts the gateway: one HTTP endpoint for SNS, SQS (JSON and query protocols) and DynamoDB that
 * forwards each request to its emulator ({@link routeOf}), refuses requests whose `Host` or
 * `Origin` is not this machine and bodies over {@link bodyLimits}, and runs SQS message move
 * tasks (DLQ redrive) itself. `GET /health` answers when it is up.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { startAwsGateway } from '@sluice/local';
 * import { localCredentials, localRegion } from '@sluice/ops';
 *
 * const gateway = await startAwsGateway({ upstreams: { fauxqs: 'unix:/tmp/sluice-x/sns-sqs.sock', dynalite: 'unix:/tmp/sluice-x/dynamodb.sock' }, port: 0 });
 * const sqs = new SQSClient({ endpoint: gateway.endpoint, region: localRegion, credentials: localCredentials });
 * await gateway.close();
 * ```
 */
export async function startAwsGateway(options: AwsGatewayOptions): Promise<AwsGateway> {
  const host = options.host ?? '127.0.0.1';
  const agent = new http.Agent({ keepAlive: true });
  const { fauxqs, dynalite, servers = {} } = options.upstreams;
  const moveTasks = new MessageMoveTasks({ upstream: fauxqs });
  /** DynamoDB requests handed to dynalite in this process that it has not answered yet. */
  const handedOver = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const route = routeOf(req.headers, undefined, req.method, req.url);
    const refusal = refusalOf(req.headers);
    if (refusal) return fail(res, route, 403, 'AccessDenied', refusal);
    if (Number(req.headers['content-length'] ?? 0) > bodyLimits[route]) return tooLarge(res, route);
    if (route === 'dynamodb') return withBody(req, res, route, (body) => forward(req, res, route, dynalite, agent, body, servers.dynalite, handedOver));
    if (route === 'health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', services: ['sns', 'sqs', 'dynamodb'], consumers: options.consumers?.() ?? [] }));
    }
    if (route === 'long-polls') {
      const end = options.endLongPollsOn;
      if (!end) return fail(res, route, 404, 'NotFound', 'local gateway: this stack cannot end long polls.');
      return withBody(req, res, route, (body) => {
        let queue: unknown;
        try {
          queue = (JSON.parse(body.toString('utf8')) as { queue?: unknown } | null)?.queue;
        } catch {
          return fail(res, route, 400, 'SerializationException', 'local gateway: expected {"queue": "<name>"} as JSON.');
        }
        if (typeof queue !== 'string' || queue === '') return fail(res, route, 400, 'InvalidRequest', 'local gateway: "queue" must be the name of a queue.');
        const found = end(queue);
        if (found === undefined) return fail(res, route, 503, 'ServiceUnavailable', 'local gateway: the stack is still starting; ask again once it is ready.');
        if (!found) return fail(res, route, 404, 'QueueDoesNotExist', `local gateway: this stack has no queue named ${JSON.stringify(queue)}.`);
        res.writeHead(204);
        res.end();
      });
    }
    if (route === 'failures') {
      const journal = options.failures;
      if (!journal) return fail(res, route, 404, 'NotFound', 'local gateway: this stack keeps no handler failures.');
      const report = req.url === FAILURE_REPORTS_PATH;
      return withBody(req, res, route, (body) => {
        let request: { messageIds?: unknown; changes?: unknown };
        try {
          request = JSON.parse(body.toString('utf8')) as typeof request;
        } catch {
          return fail(res, route, 400, 'SerializationException', `local gateway: expected ${report ? '{"changes": […]}' : '{"messageIds": ["…"]}'} as JSON.`);
        }
        if (report) {
          // What consumers in another process (npm run subscriber) saw fail, and handled since.
          if (!isFailureChangesList(request?.changes)) return fail(res, route, 400, 'InvalidRequest', 'local gateway: "changes" must be a list of { forget: [ids], record: [failures] }.');
          for (const changes of request.changes) journal.apply(changes);
          res.writeHead(204);
          return res.end();
        }
        const messageIds = request?.messageIds;
        if (!Array.isArray(messageIds) || !messageIds.every((id) => typeof id === 'string')) {
          return fail(res, route, 400, 'InvalidRequest', 'local gateway: "messageIds" must be an array of strings.');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ failures: journal.lookup(messageIds) }));
      });
    }
    if (route === 'sqs') {
      const action = String(req.headers['x-amz-target']).slice('AmazonSQS.'.length);
      if (messageMoveTaskActions.has(action)) {
        return withBody(req, res, route, (body) => {
          let request: unknown;
          try {
            request = JSON.parse(body.toString('utf8') || '{}');
          } catch {
            return fail(res, route, 400, 'SerializationException', `local gateway: the ${action} request is not JSON.`);
          }
          void moveTasks.handle(action, request).then((answer) => {
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
          });
        });
      }
      if (action === 'GetQueueAttributes') options.beforeQueueCounts?.();
      const rewrite = options.avoidVisibilityZero && action.startsWith('ChangeMessageVisibility');
      return withBody(req, res, route, (body) => forward(req, res, route, fauxqs, agent, rewrite ? withoutVisibilityZero(body) : body, servers.fauxqs));
    }
    if (route !== 'sns') return withBody(req, res, route, (body) => forward(req, res, route, fauxqs, agent, body, servers.fauxqs));
    // Query protocol: the Action is in the body, so read it before choosing.
    withBody(req, res, route, (body) => {
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
      if (routeOf(req.headers, action) === 'sqs-query') return sqsQueryError(res, action ?? '');
      forward(req, res, route, fauxqs, agent, body, servers.fauxqs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `Port ${options.port ?? 4566} on ${host} is in use. Is another \`npm start\` running? Stop it, or choose another port with --port <n> (and point the CLI at it with --endpoint).`,
          ),
        );
      } else reject(error);
    });
    server.listen(options.port ?? 4566, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    async close() {
      // Tasks finish their current batch while fauxqs is still up.
      await moveTasks.close();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Dynalite in this process carries on with a request whose caller is gone: it must end it
      // before the emulators close their stores (dynalite throws, out of anyone's reach, at a
      // request that meets its closed database: the process's uncaught exception).
      let waited: NodeJS.Timeout | undefined;
      const waitMs = options.handedOverWaitMs ?? HANDED_OVER_WAIT_MS;
      await Promise.race([Promise.all(handedOver), new Promise<void>((resolve) => (waited = setTimeout(resolve, waitMs)))]);
      clearTimeout(waited);
      // Not closed over in silence: one still under way may throw at the closed database.
      if (handedOver.size > 0) {
        const line = `warning: dynamodb: ${handedOver.size} request(s) handed to the local DynamoDB (dynalite) were still unanswered ${waitMs / 1000} s after the stop; closing it anyway (one reaching its closed database throws 'Database is closed')`;
        if (options.onWarning) options.onWarning(line);
        else process.stderr.write(`${line}\n`);
      }
    },
  };
}
