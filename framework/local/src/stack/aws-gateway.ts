/**
 * One AWS-compatible endpoint for SNS, SQS and DynamoDB.
 *
 * fauxqs (SNS + SQS) and dynalite (DynamoDB) are separate HTTP servers. The AWS SDK and CLI can
 * be pointed at one URL (`AWS_ENDPOINT_URL`) only, so this gateway listens on that URL and
 * forwards each request, unchanged, to the emulator that speaks its protocol:
 *
 * - `X-Amz-Target: DynamoDB_20120810.*`          → dynalite
 * - `X-Amz-Target: AmazonSQS.*` (SQS JSON protocol) → fauxqs
 * - form-encoded `Action=…` (SNS query protocol)   → fauxqs
 * - form-encoded SQS `Action=…` (SQS query protocol, used by old SDKs and AWS CLI < 1.31/2.13):
 *   answered with an XML error that says to upgrade, because fauxqs 1.9.2 only speaks SQS JSON.
 *
 * The Host header is forwarded as is, so the queue URLs fauxqs builds point at the gateway.
 *
 * One request is adjusted on its way: with persistence on, fauxqs 2.4.1 loses a message whose
 * visibility is changed to 0 (it writes NULL into a NOT NULL column after taking the message out
 * of flight, answers 500, and the SDK's retry then finds the receipt handle gone). The gateway
 * turns `VisibilityTimeout: 0` into 1 s, which fauxqs handles correctly: the message is visible
 * again a second later instead of at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the gateway sends each protocol. */
export interface GatewayUpstreams {
  /** `http://127.0.0.1:<port>` of fauxqs (SNS + SQS). */
  fauxqs: string;
  /** `http://127.0.0.1:<port>` of dynalite (DynamoDB). */
  dynalite: string;
}

export interface AwsGatewayOptions {
  upstreams: GatewayUpstreams;
  /** Turn `ChangeMessageVisibility` to 0 s into 1 s (see above). @default false */
  avoidVisibilityZero?: boolean;
  /** Port to listen on; 0 picks a free one. @default 4566 */
  port?: number;
  /** Interface to listen on. Loopback only: the emulators have no authentication. @default '127.0.0.1' */
  host?: string;
}

export interface AwsGateway {
  /** The endpoint URL to give SDK clients and `aws --endpoint-url`. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Which emulator a request belongs to. */
export type GatewayRoute = 'dynamodb' | 'sqs' | 'sns' | 'sqs-query' | 'health' | 'other';

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
 * @example
 * routeOf({ 'x-amz-target': 'DynamoDB_20120810.PutItem' }) // 'dynamodb'
 */
export function routeOf(headers: http.IncomingHttpHeaders, action?: string, method = 'POST', url = '/'): GatewayRoute {
  const target = String(headers['x-amz-target'] ?? '');
  if (target.startsWith('DynamoDB_')) return 'dynamodb';
  if (target.startsWith('AmazonSQS.')) return 'sqs';
  if (method === 'GET' && url === '/health') return 'health';
  if (String(headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
    return action !== undefined && SQS_ACTIONS.has(action) ? 'sqs-query' : 'sns';
  }
  return 'other';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: string, agent: http.Agent, body?: Buffer): void {
  const target = new URL(upstream);
  const headers = body ? { ...req.headers, 'content-length': String(body.length) } : req.headers;
  const proxied = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  proxied.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`local gateway: upstream ${upstream} failed: ${error.message}`);
  });
  if (body) proxied.end(body);
  else req.pipe(proxied);
}

function sqsQueryError(res: http.ServerResponse, action: string): void {
  res.writeHead(400, { 'content-type': 'text/xml' });
  res.end(
    `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>` +
      `SQS ${action} arrived in the query protocol; the local stack (fauxqs 1.9.2) speaks the SQS JSON protocol only. ` +
      `Use AWS SDK v3 or AWS CLI v2 >= 2.13 / v1 >= 1.31.` +
      `</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
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
 * Starts the gateway.
 *
 * @example
 * const gateway = await startAwsGateway({ upstreams: { fauxqs, dynalite }, port: 4566 });
 * new SQSClient({ endpoint: gateway.endpoint });
 */
export async function startAwsGateway(options: AwsGatewayOptions): Promise<AwsGateway> {
  const host = options.host ?? '127.0.0.1';
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const route = routeOf(req.headers, undefined, req.method, req.url);
    if (route === 'dynamodb') return forward(req, res, options.upstreams.dynalite, agent);
    if (route === 'health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', services: ['sns', 'sqs', 'dynamodb'] }));
    }
    if (route === 'sqs' && options.avoidVisibilityZero && /ChangeMessageVisibility/.test(String(req.headers['x-amz-target']))) {
      return void readBody(req).then(
        (body) => forward(req, res, options.upstreams.fauxqs, agent, withoutVisibilityZero(body)),
        (error: Error) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(`local gateway: could not read the request: ${error.message}`);
        },
      );
    }
    if (route !== 'sns') return forward(req, res, options.upstreams.fauxqs, agent);
    // Query protocol: the Action is in the body, so read it before choosing.
    readBody(req).then(
      (body) => {
        const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
        if (routeOf(req.headers, action) === 'sqs-query') return sqsQueryError(res, action ?? '');
        forward(req, res, options.upstreams.fauxqs, agent, body);
      },
      (error: Error) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`local gateway: could not read the request: ${error.message}`);
      },
    );
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
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
