/**
 * The local console: `npm start` serves one page on loopback, beside the AWS endpoint, with the
 * topology picture (`@sluice/diagram`) and, live, each queue's messages waiting, in flight and
 * dead-lettered, each consumer's batches and the last records (no payloads until one is opened).
 * From it a dead letter can be opened (body, receive count, the consumer's reason), redriven or
 * purged, and any message of the contract published, validated first: through {@link ConsoleState},
 * which runs the CLI's code. The page polls a small JSON API; it loads nothing from elsewhere
 * (its Content-Security-Policy forbids it), and only the page served by this run may act
 * ({@link consoleRefusal}).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { jsonParseProblem } from '@sluice/cli';
import { inlineSvg, renderSvg, topologyDot } from '@sluice/diagram';
import { resolvePlan } from '@sluice/model';
import { contractModule, type ContractModule } from '@sluice/ops';
import type { BatchReport } from '../lambda/event-source-poller.ts';
import type { LocalRuntime } from '../local-runtime.ts';
import { ConsoleError, ConsoleState } from './console-state.ts';
import { CONSOLE_TOKEN_HEADER, consoleRefusal, newConsoleToken } from './security.ts';

/** What {@link startConsole} takes. */
export interface ConsoleOptions {
  /** The running stack: its application, resources and client configuration. */
  runtime: Pick<LocalRuntime, 'application' | 'resources' | 'clientConfig'>;
  /** Port on 127.0.0.1; 0 picks a free one; a busy port falls back to a free one. @default 0 */
  port?: number;
  /** The generated contract module. @default contractModule(runtime.application.project) */
  contract?: ContractModule;
  /** The AsyncAPI document `contract` was generated from (its examples, its headers' descriptions). @default runtime.application.project.spec */
  spec?: string;
}

/** A running console. */
export interface LocalConsole {
  /** Where to open it: `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The per-run token the page carries (tests use it to act as the page). */
  readonly token: string;
  /** Counts a batch a consumer processed (pass `npm start`'s `onBatch` through). */
  recordBatch(operationId: string, report: BatchReport): void;
  /** Keeps a line a consumer logged, shown with the dead letter it names. */
  recordLog(operationId: string, line: string): void;
  /** Stops serving. */
  stop(): Promise<void>;
}

const PAGE_SCRIPT = new URL('./page.js', import.meta.url);
const PAGE_STYLE = new URL('./page.css', import.meta.url);
/**
 * The largest request the console reads: above the largest message SQS takes (1 MiB, body and
 * attributes), with room for JSON's escapes, so that a message too large for its target is refused
 * by the publish's own check, which says by how much and what SNS or SQS take, not as a request.
 */
const MAX_BODY = 2 * 1024 * 1024;

/**
 * Serves the console for a running local stack on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startLocalRuntime } from '@sluice/local';
 * import { startConsole } from '@sluice/local/console';
 *
 * const runtime = await startLocalRuntime({ port: 0 });
 * const console_ = await startConsole({ runtime, port: 0 });
 * console_.url; // 'http://127.0.0.1:40123/'
 * await console_.stop();
 * await runtime.stop();
 * ```
 */
export async function startConsole(options: ConsoleOptions): Promise<LocalConsole> {
  const contract = options.contract ?? (await contractModule(options.runtime.application.project));
  /**
   * The topology's picture. Its DOT is made here, from the running stack's plan: the settings with
   * the local overrides (`npm start -- --concurrency 1`: one poller), which, as everywhere in the
   * local stack, are not held to Lambda's ranges; the application's own settings were checked
   * against the contract when it was loaded. Graphviz (WebAssembly) draws it for the first page
   * asked for, not at start: it takes about 0.1 s of CPU and its memory, which a stack whose
   * console page is never opened (tests, a terminal session) never needs. A drawing that fails is
   * tried again at the next page.
   */
  const { topology, settings } = options.runtime.application;
  const dot = topologyDot({ topology, plan: resolvePlan({ topology, settings, check: false }) });
  const state = new ConsoleState(options.runtime, contract, options.spec);
  let picture: Promise<string> | undefined;
  const drawnPicture = (): Promise<string> => {
    picture ??= renderSvg(dot)
      .then(inlineSvg)
      .catch((error: unknown) => {
        picture = undefined;
        throw error;
      });
    return picture;
  };
  const token = newConsoleToken();
  const script = readFileSync(PAGE_SCRIPT, 'utf8');
  const style = readFileSync(PAGE_STYLE, 'utf8');
  let port = 0;

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => send(response, 500, { error: (error as Error).message }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = consoleRefusal(request, port, token);
    if (refusal) return send(response, 403, { error: `refused: ${refusal}` });
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    try {
      if (request.method === 'GET' && url.pathname === '/') return sendPage(response, await drawnPicture().catch(pictureFailure));
      if (request.method === 'GET' && url.pathname === '/api/state') return send(response, 200, await state.state());
      if (request.method === 'GET' && url.pathname === '/api/messages') return send(response, 200, state.publishable());
      const letters = /^\/api\/dead-letters\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
      if (request.method === 'GET' && letters) {
        const queue = decodeURIComponent(letters[1]!);
        return send(response, 200, letters[2] ? await state.deadLetter(queue, decodeURIComponent(letters[2])) : await state.deadLetters(queue));
      }
      if (request.method === 'POST') {
        const body = (await readJson(request)) as Record<string, unknown>;
        if (url.pathname === '/api/redrive') return send(response, 200, await state.redrive(String(body.queue), stringList(body.ids)));
        if (url.pathname === '/api/purge') return send(response, 200, await state.purge(String(body.queue), stringList(body.ids) ?? []));
        if (url.pathname === '/api/publish') return send(response, 200, await state.publish(String(body.operationId), String(body.message), body.payload, headerValues(body.headers)));
      }
      return send(response, 404, { error: `no ${request.method} ${url.pathname}` });
    } catch (error) {
      if (error instanceof ConsoleError) return send(response, error.status, { error: error.message, ...(error.headerProblems.length ? { headerProblems: error.headerProblems } : {}) });
      throw error;
    }
  }

  /**
   * What the page shows in the picture's place when Graphviz could not draw it: the error, and that
   * a reload tries again. The rest of the console (queues, dead letters, publishing) does not need
   * the picture, so the page is served all the same.
   */
  function pictureFailure(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return `<p class="picture-error" role="alert">The topology picture could not be drawn: ${escapeHtml(message)}. Reload the page to try again; <code>npm run diagram</code> draws it to a file.</p>`;
  }

  function sendPage(response: ServerResponse, picture: string): void {
    const nonce = randomBytes(16).toString('base64');
    const { title, version } = options.runtime.application.topology.contract;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="sluice-console-token" content="${token}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: local console</title>
<style>${style}</style>
</head><body>
<header><h1>${escapeHtml(title)} <small>${escapeHtml(version)} · local console</small></h1><span id="status">connecting…</span></header>
<main>
<section id="picture" aria-label="Topology">${picture}</section>
<section class="panels">
<div class="panel"><h2>Queues</h2><table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>in flight</th><th>delayed</th><th></th></tr></thead><tbody></tbody></table></div>
<div class="panel"><h2>Consumers</h2><table id="consumers"><thead><tr><th>consumer</th><th>batches</th><th>done</th><th>retried</th><th>whole batch failed</th></tr></thead><tbody></tbody></table></div>
<div class="panel wide"><h2>Last records</h2><table id="records"><thead><tr><th>at</th><th>consumer</th><th>outcome</th><th>message id</th><th>subject</th><th>correlation id</th><th>receive</th></tr></thead><tbody></tbody></table></div>
<div class="panel wide" id="dead-letters" hidden><h2>Dead letters of <span id="dlq-name"></span></h2><p class="actions"><button id="redrive-all">Redrive all</button> <button id="purge-all" class="danger">Purge…</button> <button id="close-dlq">Close</button></p><table><thead><tr><th>message id</th><th>receives</th><th>subject</th><th>why it failed</th><th></th></tr></thead><tbody></tbody></table><p id="dlq-not-shown" class="note" hidden></p><pre id="letter" hidden></pre></div>
<div class="panel wide"><h2>Publish an example</h2><form id="publish"><select id="publish-message"></select><fieldset id="publish-headers" hidden><legend>Headers</legend></fieldset><p id="publish-headers-note" class="note">Only the headers the message declares have a field here; another one its headers schema allows is sent with <code>${escapeHtml(options.runtime.application.project.operatorCommand ?? 'npx sluice-ops')} publish-message &lt;operation&gt; --header name=value</code>. A header's name is trimmed; its value is sent exactly as typed.</p><textarea id="publish-payload" rows="9" spellcheck="false"></textarea><button type="submit">Validate and publish</button> <span id="publish-result" role="status"></span></form></div>
</section>
</main>
<script nonce="${nonce}">${script}</script>
</body></html>`;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    });
    response.end(html);
  }

  await new Promise<void>((resolve, reject) => {
    const listen = (wanted: number) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE' && wanted !== 0) listen(0);
        else reject(error);
      });
      server.listen(wanted, '127.0.0.1', () => resolve());
    };
    listen(options.port ?? 0);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    recordBatch: (operationId, report) => state.recordBatch(operationId, report),
    recordLog: (operationId, line) => state.recordLog(operationId, line),
    async stop() {
      await closeServer(server);
      state.destroy();
    },
  };
}

/** Headers on every answer: nothing cached, never framed, no referrer, no CORS. */
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
} as const;

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ConsoleError(413, `the request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8') || '{}';
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConsoleError(400, `the request body is not JSON: ${jsonParseProblem(text, error, 'send the body without it')}`);
  }
}

/** The application headers a publish asks for: an object of strings, or nothing. */
function headerValues(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ConsoleError(400, 'headers must be an object of header names and string values');
  }
  return value as Record<string, string>;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConsoleError(400, 'ids must be a list of message ids');
  return value;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}


