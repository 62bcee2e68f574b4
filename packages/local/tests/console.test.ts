/**
 * The local console, on a real local stack with the real consumer, opened in headless Chromium
 * (Debian's `chromium`, which `.ci/run` installs): the page loads with nothing from elsewhere,
 * the picture shows every resource of the topology, a published order moves the counts, a poison
 * message appears as a dead letter with its reason and is redriven, a dead letter the listing cannot
 * read (held by another reader) is said in the panel and its JSON, never left out, and no request
 * from another origin, another Host or without the page's token can read or act.
 *
 * `CONSOLE_SCREENSHOTS=1 vitest run packages/local/tests/console.test.ts` also saves
 * docs/console.png and docs/topology.png (the pictures in the README).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagramNodeIds } from '@sluice/diagram';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { CONSOLE_TOKEN_HEADER, ConsoleState, consoleRefusal, startConsole, type LocalConsole } from '@sluice/local/console';
import { resolvePlan, triageOf, unroutedOf } from '@sluice/model';
import { contractModule, queueDepth } from '@sluice/ops';
import { pointToPointProject, type PointToPointProject } from '../../../tests/helpers/point-to-point-project.ts';
import { tenantHeaderProject, type TenantHeaderProject } from '../../../tests/helpers/tenant-header-project.ts';
import { anOrder } from '../../../tests/helpers/orders.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { parse, stringify } from 'yaml';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
  console.warn(`\n[console browser test] SKIPPED: no Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.\n`);
}

// A contract whose messages require a tenantId header, generated once for the tests that need it;
// its document then says what UserSignedUp's tenantId is and gives an example with headers (read
// by the console at run time, never generated).
let tenantProject: Promise<TenantHeaderProject> | undefined;
const tenantHeaders = () =>
  (tenantProject ??= tenantHeaderProject().then((tenant) => {
    const doc = parse(readFileSync(tenant.project.spec, 'utf8')) as { components: { messages: Record<string, { headers: { properties: Record<string, Record<string, unknown>> }; examples?: unknown[] }> } };
    const message = doc.components.messages.UserSignedUp!;
    message.headers.properties.tenantId!.description = 'the tenant, as its short code';
    message.examples = [{ name: 'acme', headers: { eventType: 'UserSignedUp', schemaVersion: '1.0.0', tenantId: 'acme-01', region: 'eu' }, payload: { userId: 'usr-1', email: 'ada@example.com' } }];
    writeFileSync(tenant.project.spec, stringify(doc));
    return tenant;
  }));
afterAll(async () => (await tenantProject)?.dispose());

describe('consoleRefusal', () => {
  const ok = { method: 'GET', url: '/api/state', headers: { host: '127.0.0.1:4567', [CONSOLE_TOKEN_HEADER]: 't' } };
  it('lets the page itself through, on 127.0.0.1 or localhost', () => {
    expect(consoleRefusal(ok, 4567, 't')).toBeUndefined();
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, host: 'localhost:4567', origin: 'http://localhost:4567', 'sec-fetch-site': 'same-origin' } }, 4567, 't')).toBeUndefined();
    expect(consoleRefusal({ method: 'GET', url: '/', headers: { host: '127.0.0.1:4567' } }, 4567, 't')).toBeUndefined();
    expect(consoleRefusal({ ...ok, method: 'POST', headers: { ...ok.headers, 'content-type': 'application/json' } }, 4567, 't')).toBeUndefined();
  });
  it('refuses another Host (DNS rebinding), another Origin, a cross-site fetch, a missing or wrong token, a non-JSON action and other methods', () => {
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, host: 'evil.example:4567' } }, 4567, 't')).toMatch(/host "evil.example:4567" is not the console's/);
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, host: '127.0.0.1:9999' } }, 4567, 't')).toMatch(/host/);
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, origin: 'http://evil.example' } }, 4567, 't')).toBe('cross-origin request from http://evil.example');
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, origin: 'null' } }, 4567, 't')).toBe('cross-origin request from null');
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, 'sec-fetch-site': 'cross-site' } }, 4567, 't')).toMatch(/cross-site/);
    expect(consoleRefusal({ ...ok, headers: { host: '127.0.0.1:4567' } }, 4567, 't')).toBe('missing or wrong console token');
    expect(consoleRefusal({ ...ok, headers: { ...ok.headers, [CONSOLE_TOKEN_HEADER]: 'u' } }, 4567, 't')).toBe('missing or wrong console token');
    expect(consoleRefusal({ ...ok, method: 'POST', headers: { ...ok.headers, 'content-type': 'text/plain' } }, 4567, 't')).toBe('an action must send JSON');
    expect(consoleRefusal({ ...ok, method: 'OPTIONS' }, 4567, 't')).toBe('method OPTIONS is not allowed');
    expect(consoleRefusal({ method: 'POST', url: '/', headers: { host: '127.0.0.1:4567' } }, 4567, 't')).toMatch(/not allowed on \//);
  });
  it('judges the path the server routes: an API path reached through .. or its encoding needs the token too (it passed without one)', () => {
    for (const url of ['/x/../api/state', '/x/%2e%2e/api/state', '/./api/dead-letters/OrderTopicUnrouted', '/x/../api/../api/state']) {
      expect(consoleRefusal({ method: 'GET', url, headers: { host: '127.0.0.1:4567' } }, 4567, 't'), url).toBe('missing or wrong console token');
    }
    expect(consoleRefusal({ method: 'GET', url: '/api/../', headers: { host: '127.0.0.1:4567' } }, 4567, 't')).toBeUndefined();
  });
});

describe('the console publishes a point-to-point send operation (an SQS channel) to its queue', () => {
  // The SQS binding's point-to-point example: sendMessage sends UserSignedUp straight to user-signedup-queue.
  let p2p: PointToPointProject;
  let stack: LocalRuntime;
  let state: ConsoleState;
  let sqs: SQSClient;

  beforeAll(async () => {
    p2p = await pointToPointProject();
    const contract = await contractModule(p2p.project);
    stack = await startLocalRuntime({ application: { project: p2p.project, topology: contract.topology, settings: {}, handlers: {} }, port: 0, consumers: false, logLevel: 'SILENT' });
    state = new ConsoleState(stack, contract);
    sqs = new SQSClient(stack.clientConfig);
  });
  afterAll(async () => {
    sqs?.destroy();
    state?.destroy();
    await stack?.stop();
    p2p?.dispose();
  });

  it('offers it among the publishable messages, and sends a valid payload to the queue with the queue publisher', async () => {
    expect(state.publishable().map((m) => [m.operationId, m.message])).toEqual([['sendMessage', 'UserSignedUp']]);
    const payload = { userId: 'usr-console', email: 'ada@example.com' };
    const { messageId, correlationId } = await state.publish('sendMessage', 'UserSignedUp', payload);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    expect(Messages.map((m) => m.MessageId)).toEqual([messageId]);
    expect(JSON.parse(Messages[0]!.Body!)).toEqual(payload);
    expect(Messages[0]!.MessageAttributes?.eventType?.StringValue).toBe('UserSignedUp');
    expect(Messages[0]!.MessageAttributes?.correlationId?.StringValue).toBe(correlationId);
    expect(correlationId).toMatch(/^console-/);
  });

  it('refuses an invalid payload (422, nothing sent)', async () => {
    await expect(state.publish('sendMessage', 'UserSignedUp', { userId: 'u', email: 'not an email' })).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/^not a valid UserSignedUp: email /) });
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, WaitTimeSeconds: 1 }));
    expect(Messages).toEqual([]);
  });

  it("asks for a message's application headers, checks them against its headers schema as publish-message does (every problem, each on its header), and sends them", async () => {
    // The same queue, on a contract whose messages require a tenantId header.
    const tenant = await tenantHeaders();
    const tenantState = new ConsoleState(stack, await contractModule(tenant.project), tenant.project.spec);
    try {
      expect(tenantState.publishable().map((m) => [m.message, m.headers, m.exampleHeaders])).toEqual([
        ['UserDeleted', [{ name: 'tenantId', required: true }], {}],
        [
          'UserSignedUp',
          [
            { name: 'tenantId', required: true, pattern: '^[a-z][a-z0-9-]*$', description: 'the tenant, as its short code', example: 'acme-01' },
            { name: 'region', required: false, allowedValues: ['eu', 'us'], example: 'eu' },
          ],
          // The example's application headers only (not its eventType or schemaVersion): the page fills them in.
          { tenantId: 'acme-01', region: 'eu' },
        ],
      ]);
      // The example publishes as it is, with its headers.
      const example = tenantState.publishable().find((m) => m.message === 'UserSignedUp')!;
      const published = await tenantState.publish('sendMessage', 'UserSignedUp', example.example, example.exampleHeaders);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      expect(received.Messages?.map((m) => [m.MessageId, m.MessageAttributes?.tenantId?.StringValue])).toEqual([[published.messageId, 'acme-01']]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
      const payload = { userId: 'usr-tenant', email: 'ada@example.com' };
      await expect(tenantState.publish('sendMessage', 'UserSignedUp', payload, { region: 'asia', correlationId: 'c-1' })).rejects.toMatchObject({
        status: 422,
        message:
          'not published: the headers do not satisfy the headers schema of UserSignedUp: ' +
          'correlationId: a header the framework sets itself, not an application header: it is set by the console (a new console-… id at each publish); ' +
          "tenantId: required by UserSignedUp: add a value in the tenantId field (the tenant, as its short code; e.g. acme-01 in the tenantId field); " +
          'region: "asia" must be one of "eu", "us": write eu or us in the region field',
        headerProblems: [expect.objectContaining({ header: 'correlationId' }), expect.objectContaining({ header: 'tenantId' }), expect.objectContaining({ header: 'region' })],
      });
      // A payload and headers both wrong: both said.
      await expect(tenantState.publish('sendMessage', 'UserSignedUp', { ...payload, email: 'not an email' }, {})).rejects.toMatchObject({
        status: 422,
        message: expect.stringMatching(/^not a valid UserSignedUp: email .*; and its headers: tenantId: required by UserSignedUp: add a value in the tenantId field \(the tenant, as its short code; e\.g\. acme-01 in the tenantId field\)$/),
      });
      const url = stack.resources.queues['user-signedup-queue']!.url;
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }))).Messages ?? []).toEqual([]);
      const { messageId } = await tenantState.publish('sendMessage', 'UserSignedUp', payload, { tenantId: 'acme', region: 'eu' });
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      expect(Messages.map((m) => m.MessageId)).toEqual([messageId]);
      expect(Messages[0]!.MessageAttributes?.tenantId?.StringValue).toBe('acme');
      expect(Messages[0]!.MessageAttributes?.region?.StringValue).toBe('eu');
    } finally {
      tenantState.destroy();
    }
  });

  it('through its API: a header named __proto__ is refused with a problem, never dropped; a message too large for its queue is refused before it is sent (422)', async () => {
    const tenant = await tenantHeaders();
    const tenantConsole = await startConsole({ runtime: stack, contract: await contractModule(tenant.project), port: 0 });
    const url = new URL(tenantConsole.url);
    const post = (body: string) =>
      fetch(new URL('/api/publish', url), { method: 'POST', headers: { [CONSOLE_TOKEN_HEADER]: tenantConsole.token, 'content-type': 'application/json' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string; headerProblems?: { header: string; message: string }[] } }));
    try {
      // JSON text, as a page or a script sends it: __proto__ is an own name there.
      const proto = await post('{"operationId":"sendMessage","message":"UserDeleted","payload":{"userId":"u-1"},"headers":{"tenantId":"acme","__proto__":"x","constructor":"c"}}');
      expect(proto.status).toBe(422);
      expect(proto.body.headerProblems).toEqual([
        { header: '__proto__', message: "a name a message attribute cannot have here: JavaScript objects on its way (the publisher's, the AWS SDK's) take __proto__ as their prototype, so it would be lost: give it another name, e.g. write x in the proto field" },
      ]);
      const big = await post(JSON.stringify({ operationId: 'sendMessage', message: 'UserDeleted', payload: { userId: 'x'.repeat(800 * 1024) }, headers: { tenantId: 'acme', source: 'v'.repeat(300 * 1024) } }));
      expect(big.status).toBe(422);
      expect(big.body.headerProblems).toEqual([{ header: '(message)', message: expect.stringMatching(/^the body \(819,\d{3} bytes\) and the message attributes \(307,\d{3} bytes\) come to 1,12\d,\d{3} bytes: SQS takes at most 1,048,576 bytes/) }]);
      // The name trimmed, the value as given.
      const spaced = await post('{"operationId":"sendMessage","message":"UserDeleted","payload":{"userId":"u-2"},"headers":{" tenantId ":" acme "}}');
      expect(spaced.status, JSON.stringify(spaced.body)).toBe(200);
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues['user-signedup-queue']!.url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      expect(Messages.map((m) => [JSON.parse(m.Body!), m.MessageAttributes?.tenantId?.StringValue])).toEqual([[{ userId: 'u-2' }, ' acme ']]);
    } finally {
      await tenantConsole.stop();
    }
  });
});

describe('the local console on a running stack', () => {
  let runtime: LocalRuntime;
  let console_: LocalConsole;
  let sqs: SQSClient;
  let port: number;

  /** A request as another program or page would send it, with full control of the headers. */
  function raw(method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      port: 0,
      visibilityTimeoutSeconds: 1,
      batchWindowSeconds: 0,
      logLevel: 'WARN',
      onBatch: (operationId, report) => console_?.recordBatch(operationId, report),
      onLog: (operationId, line) => console_?.recordLog(operationId, line),
    });
    console_ = await startConsole({ runtime, port: 0 });
    port = Number(new URL(console_.url).port);
    sqs = new SQSClient(runtime.clientConfig);
  }, 120_000);

  afterAll(async () => {
    sqs?.destroy();
    await console_?.stop();
    await runtime?.stop();
  }, 60_000);

  it('listens on loopback only, and answers the page with its token and a policy that loads nothing from elsewhere', async () => {
    expect(console_.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await raw('GET', '/', { host: `127.0.0.1:${port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="sluice-console-token" content="${console_.token}">`);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'nonce-[^']+'; .*connect-src 'self'/);
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(page.body).not.toMatch(/(src|href)="https?:/);
    // The topology's picture, drawn for the first page, and the same one for the next.
    const picture = /<section id="picture" aria-label="Topology">(<svg[\s\S]*?<\/svg>)\s*<\/section>/.exec(page.body)?.[1];
    expect(picture).toMatch(/<g id="queue&#45;OrderQueue" class="node"/);
    expect((await raw('GET', '/', { host: `127.0.0.1:${port}` })).body).toContain(picture);
  });

  it("draws the running stack's plan, its local overrides included, which Lambda's ranges do not bind (npm start -- --concurrency 1 stopped: maximumConcurrency must be 2..1000)", async () => {
    const { application } = runtime;
    const consumers = { ...application.settings.consumers, consumeOrderPlaced: { ...application.settings.consumers!.consumeOrderPlaced!, maximumConcurrency: 1 } };
    const onePoller = { application: { ...application, settings: { ...application.settings, consumers } }, resources: runtime.resources, clientConfig: runtime.clientConfig } as unknown as LocalRuntime;
    const local = await startConsole({ runtime: onePoller, contract: await contractModule(application.project), port: 0 });
    try {
      const page = await fetch(local.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<section id="picture" aria-label="Topology"><svg[\s\S]*queue&#45;OrderQueue/);
    } finally {
      await local.stop();
    }
  });

  it('refuses requests without the token, from another origin, for another Host, and preflights', async () => {
    const token = { [CONSOLE_TOKEN_HEADER]: console_.token };
    expect((await raw('GET', '/api/state', { host: `127.0.0.1:${port}`, ...token })).status).toBe(200);
    expect((await raw('GET', '/api/state', { host: `127.0.0.1:${port}` })).status).toBe(403);
    const crossOrigin = await raw('POST', '/api/redrive', { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'application/json', ...token }, '{"queue":"OrderDLQ"}');
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body).toContain('cross-origin request from http://evil.example');
    expect((await raw('GET', '/', { host: `rebound.example:${port}` })).status).toBe(403);
    const preflight = await raw('OPTIONS', '/api/redrive', { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses headers that are not an object of strings (400)', async () => {
    const out = await raw(
      'POST',
      '/api/publish',
      { host: `127.0.0.1:${port}`, [CONSOLE_TOKEN_HEADER]: console_.token, 'content-type': 'application/json' },
      JSON.stringify({ operationId: 'publishOrderPlaced', message: 'OrderPlaced', payload: {}, headers: { tenantId: 1 } }),
    );
    expect(out.status).toBe(400);
    expect(JSON.parse(out.body).error).toBe('headers must be an object of header names and string values');
  });

  it("names a byte-order mark before a request body, and shows an invisible character the parser quotes as an escape (400; it said Unexpected token '', the mark unseen)", async () => {
    const headers = { host: `127.0.0.1:${port}`, [CONSOLE_TOKEN_HEADER]: console_.token, 'content-type': 'application/json' };
    const body = JSON.stringify({ operationId: 'publishOrderPlaced', message: 'OrderPlaced', payload: {} });
    const bom = await raw('POST', '/api/publish', headers, `\uFEFF${body}`);
    expect(bom.status).toBe(400);
    expect(JSON.parse(bom.body).error).toBe("the request body is not JSON: it starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which JSON does not allow and JSON parsers (a consumer's too) refuse: send the body without it");
    const nbsp = await raw('POST', '/api/publish', headers, body.replace(':', ':\u00a0'));
    expect(nbsp.status).toBe(400);
    expect(JSON.parse(nbsp.body).error).toMatch(/^the request body is not JSON: Unexpected token '\\u00a0'/);
  });

  it('refuses to publish a message that does not satisfy the contract, saying why', async () => {
    const out = await raw(
      'POST',
      '/api/publish',
      { host: `127.0.0.1:${port}`, [CONSOLE_TOKEN_HEADER]: console_.token, 'content-type': 'application/json' },
      JSON.stringify({ operationId: 'publishOrderPlaced', message: 'OrderPlaced', payload: { orderId: 'x' } }),
    );
    expect(out.status).toBe(422);
    expect(JSON.parse(out.body).error).toMatch(/^not a valid OrderPlaced: .*required/);
  });

  it("serves a dead-letter queue's listing with what it could not show (a message another reader holds), as dlq list says it", async () => {
    const get = async (urlPath: string) => {
      const out = await raw('GET', urlPath, { host: `127.0.0.1:${port}`, [CONSOLE_TOKEN_HEADER]: console_.token });
      return { status: out.status, body: JSON.parse(out.body) as Record<string, unknown> };
    };
    const dlqUrl = runtime.resources.queues.OrderDLQ!.url;
    // Sent to the DLQ directly (no consumer reads it): a dead letter without the receives it takes to dead-letter one.
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"orderId":"held-1"' }));
    try {
      // Held by another reader: SQS counts it, the listing cannot read it, and says so (the page's
      // panel shows it: the purge test below; a FIFO group's messages behind its first are said
      // the same way: packages/ops/tests/fifo-operator-tools.test.ts).
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 60 }));
      expect(Messages.map((m) => m.MessageId)).toEqual([MessageId]);
      const held = await get('/api/dead-letters/OrderDLQ');
      expect(held).toEqual({ status: 200, body: { letters: [], notShown: { count: 1, why: '1 more message(s) counted by SQS than could be read: arriving while it was read, or held by another reader; list again' } } });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: Messages[0]!.ReceiptHandle! }));
    } finally {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
    }
  });

  describe.runIf(haveChromium)('in headless Chromium', () => {
    let browser: Browser;
    let page: Page;
    let other: Server;
    const leftLoopback: string[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      // Offline: any request to anything but this machine is recorded and refused.
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
        leftLoopback.push(url.href);
        return route.abort();
      });
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(console_.url, { waitUntil: 'load' });
      other = createServer((_req, res) => res.end('<!doctype html><title>another site</title>'));
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => other?.close(resolve));
    });

    it('shows every resource of the topology in the picture, and goes live', async () => {
      const plan = resolvePlan({ topology: runtime.application.topology, settings: runtime.application.settings, check: false });
      for (const id of diagramNodeIds({ topology: runtime.application.topology, plan })) {
        expect(await page.locator(`[id="${id}"]`).count(), `${id} in the picture`).toBe(1);
      }
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toMatch(/^live/);
      await expect.poll(() => page.locator('[id="queue-OrderDLQ"] text.live').textContent(), { timeout: 10_000 }).toBe('0 dead-lettered');
      // Each topic's unrouted queue can be opened, as a dead-letter queue can (it had no button).
      for (const { queue } of unroutedOf(runtime.application.topology)) expect(await page.locator(`[id="queue-row-${queue}"]`).getByRole('button', { name: 'Open' }).count(), queue).toBe(1);
      // And its triage dead-letter queue, which dlq list reads: opened, it lists (the API answered 404).
      const triageDlqs = triageOf(runtime.application.topology, unroutedOf(runtime.application.topology)).map((t) => t.deadLetterQueue);
      expect(triageDlqs).toEqual(['OrderTopicTriageDLQ']);
      const triageRow = page.locator('[id="queue-row-OrderTopicTriageDLQ"]');
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/dead-letters/OrderTopicTriageDLQ'));
      await triageRow.getByRole('button', { name: 'Open' }).click();
      expect((await answered).status()).toBe(200);
      expect(await triageRow.locator('td').first().textContent()).toBe('OrderTopicTriageDLQ (publishes the triage, OrderTopicTriage, could not keep, or SNS could not deliver to the unrouted queue)');
      await expect.poll(() => page.locator('#dlq-name').textContent(), { timeout: 10_000 }).toBe('OrderTopicTriageDLQ');
      expect(await page.locator('#dead-letters tbody').textContent()).toBe('empty.');
      await page.locator('#close-dlq').click();
    });

    it('keeps its rows, their buttons and the keyboard focus across the refresh every second', async () => {
      const open = page.locator('#queue-row-OrderDLQ').getByRole('button', { name: 'Open' });
      await open.focus();
      const before = await open.elementHandle();
      const status = await page.locator('#status').textContent();
      // Two refreshes later (the status line says the time of each).
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).not.toBe(status);
      const after = await page.locator('#status').textContent();
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).not.toBe(after);
      expect(await before!.evaluate((b) => b.isConnected && b.ownerDocument.activeElement === b), 'the same button, still focused').toBe(true);
      const ids = await page.locator('#queues tbody tr').evaluateAll((rows) => rows.map((r) => r.id));
      expect(ids).toEqual(expect.arrayContaining(['queue-row-OrderQueue', 'queue-row-OrderDLQ']));
      expect(new Set(ids).size, 'one row per queue').toBe(ids.length);
      await page.locator('#publish-payload').focus();
    });

    it('publishes a contract example, validated, and the counts move', async () => {
      await expect.poll(() => page.locator('#publish-payload').inputValue(), { timeout: 10_000 }).toContain('"orderId"');
      const example = JSON.parse(await page.locator('#publish-payload').inputValue()) as Record<string, unknown>;
      await page.locator('#publish-payload').fill(JSON.stringify({ ...example, orderId: 'console-order-1' }));
      await page.getByRole('button', { name: 'Validate and publish' }).click();
      await expect.poll(() => page.locator('#publish-result').textContent(), { timeout: 10_000 }).toMatch(/^published \S+ \(correlation id console-/);
      await expect.poll(() => page.locator('#consumer-row-consumeOrderPlaced td.done').textContent(), { timeout: 30_000 }).toBe('1');
      await expect.poll(() => page.locator('#records tbody').textContent(), { timeout: 10_000 }).toContain('console-order-1');
      await expect.poll(() => page.locator('[id="function-consumeOrderPlaced"] text.live').textContent()).toMatch(/^1 batches · 1 done/);
      // The topic's triage function got it too (every publish): listed with the consumers, marked as the framework's.
      await expect.poll(() => page.locator('#consumer-row-triageOrderTopic td.done').textContent(), { timeout: 30_000 }).toBe('1');
      expect(await page.locator('#consumer-row-triageOrderTopic td').first().textContent()).toBe("triageOrderTopic (the framework's triage of OrderTopic)");
      // No payload in the list: the subject and the ids only.
      expect(await page.locator('#records tbody').textContent()).not.toContain(String(example.itemName));
    }, 60_000);

    it('shows a poison message as a dead letter with its reason; a cross-origin page cannot act; the page redrives it', async () => {
      await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.OrderQueue!.url, MessageBody: '{"orderId":"poison-1"' }));
      await expect.poll(() => page.locator('#queue-row-OrderDLQ td.visible').textContent(), { timeout: 45_000, interval: 500 }).toBe('1');
      await expect.poll(() => page.locator('[id="queue-OrderDLQ"] text.live').textContent()).toBe('1 dead-lettered');
      await page.locator('#queue-row-OrderDLQ').getByRole('button', { name: 'Open' }).click();
      const row = page.locator('#dead-letters tbody tr').first();
      await expect.poll(() => row.locator('td.reason').textContent(), { timeout: 10_000 }).toMatch(/^[A-Z_]+: /);
      await row.getByRole('button', { name: 'Open' }).click();
      await expect.poll(() => page.locator('#letter').textContent(), { timeout: 10_000 }).toMatch(/receive count: [3-9][\s\S]*why it failed: [A-Z_]+: [\s\S]*body:\n\{"orderId":"poison-1"/);
      if (process.env.CONSOLE_SCREENSHOTS) {
        await page.screenshot({ path: path.join(repoRoot, 'docs/console.png'), fullPage: true });
        await page.locator('#picture svg').screenshot({ path: path.join(repoRoot, 'docs/topology.png') });
      }

      // Another origin, in the same browser: it can neither read nor act.
      const attacker = await browser.newPage();
      await attacker.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const attempts = await attacker.evaluate(async ({ url, token }) => {
        const read = await fetch(`${url}api/state`, { headers: { 'x-sluice-console-token': token } }).then(() => 'read', (e: Error) => `refused: ${e.message}`);
        const act = await fetch(`${url}api/redrive`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"queue":"OrderDLQ"}' }).then((r) => r.type, (e: Error) => `refused: ${e.message}`);
        return { read, act };
      }, { url: console_.url, token: console_.token });
      await attacker.close();
      expect(attempts.read).toMatch(/^refused/);
      // A no-cors POST is sent (the console refuses it for its Origin); its answer is withheld from
      // the page (Cross-Origin-Resource-Policy: same-origin makes it a network error).
      expect(attempts.act).toMatch(/^(opaque|refused)/);
      expect((await queueDepth(sqs, runtime.resources.queues.OrderDLQ!.url)).total, 'the cross-origin redrive did nothing').toBe(1);

      const answered = page.waitForResponse((r) => r.url().endsWith('/api/redrive'));
      await row.getByRole('button', { name: 'Redrive' }).click();
      const redriven = (await (await answered).json()) as { rejectedAgain: { lines: string[] }[] };
      await expect.poll(() => page.locator('#letter').textContent(), { timeout: 10_000 }).toMatch(/^redrove 1 message\(s\)/);
      // The warning's lines are the API's, built by ops as dlq redrive's: shown as they are, not rebuilt by the page.
      expect((await page.locator('#letter').textContent())!.split('\n').slice(1)).toEqual(redriven.rejectedAgain.flatMap((r) => r.lines));
      // Rejected again under the current contract: the page says it, as dlq redrive warns of it.
      expect(await page.locator('#letter').textContent()).toMatch(
        /\nwarning: the message to redrive from OrderDLQ would be rejected again by consumeOrderPlaced \(the consumer of OrderQueue\) under the current contract, and come back to OrderDLQ:\n {2}[A-Z_]+ \(1\): \S+\n {4}e\.g\. /,
      );
      // Back in OrderQueue, the consumer rejects it again: it returns to the DLQ after its receives.
      await expect.poll(() => page.locator('#records tbody').textContent(), { timeout: 20_000 }).toMatch(/retry/);
    }, 120_000);

    it('a page left open across a restart of the stack on the same port says to reload it (it said "not reachable: refused: missing or wrong console token" for ever)', async () => {
      const first = await startConsole({ runtime, port: 0 });
      const port = Number(new URL(first.url).port);
      const tab = await browser.newPage();
      let second: LocalConsole | undefined;
      try {
        await tab.goto(first.url, { waitUntil: 'load' });
        await expect.poll(() => tab.locator('#status').textContent(), { timeout: 10_000 }).toMatch(/^live/);
        await first.stop();
        // npm start again: the same port, a new run's token.
        second = await startConsole({ runtime, port });
        expect(new URL(second.url).port).toBe(String(port));
        await expect.poll(() => tab.locator('#status').textContent(), { timeout: 10_000 }).toBe('this page is from an earlier run of the stack (npm start was restarted): reload the page');
        await tab.reload({ waitUntil: 'load' });
        await expect.poll(() => tab.locator('#status').textContent(), { timeout: 10_000 }).toMatch(/^live/);
      } finally {
        await tab.close();
        await first.stop().catch(() => {});
        await second?.stop();
      }
    }, 60_000);

    it("asks for the selected message's application headers in fields, shows each refused header on its field, and sends those filled in", async () => {
      // A console for a contract whose messages require a tenantId header, beside this stack's
      // (its queue is not on this stack: the publish is refused there, after the headers passed).
      const tenant = await tenantHeaders();
      const tenantConsole = await startConsole({ runtime, contract: await contractModule(tenant.project), spec: tenant.project.spec, port: 0 });
      const tab = await browser.newPage();
      try {
        await tab.goto(tenantConsole.url, { waitUntil: 'load' });
        // UserDeleted first (one field), then UserSignedUp chosen: its two fields instead.
        await expect.poll(() => tab.locator('#publish-headers [data-header]').count(), { timeout: 10_000 }).toBe(1);
        await tab.locator('#publish-message').selectOption({ label: 'sendMessage: UserSignedUp (UserSignedUp)' });
        expect(await tab.locator('#publish-headers [data-header]').count()).toBe(2);
        expect(await tab.locator('#publish-headers').textContent()).toContain('tenantId (required)');
        expect(await tab.locator('#publish-headers select[data-header="region"] option').allTextContents()).toEqual(['(none)', 'eu', 'us']);
        // Filled from the contract's example (its application headers), as the payload is; the
        // pattern a hint, an example value the placeholder.
        const tenantField = tab.locator('#publish-headers [data-header="tenantId"]');
        expect([await tenantField.inputValue(), await tab.locator('#publish-headers [data-header="region"]').inputValue()]).toEqual(['acme-01', 'eu']);
        expect(await tenantField.getAttribute('placeholder')).toBe('acme-01');
        expect(await tenantField.getAttribute('title')).toBe('the tenant, as its short code · pattern ^[a-z][a-z0-9-]*$ · e.g. acme-01');
        expect(JSON.parse(await tab.locator('#publish-payload').inputValue())).toEqual({ userId: 'usr-1', email: 'ada@example.com' });
        await tenantField.fill('');
        await tab.locator('#publish-payload').fill('{"userId":"usr-page","email":"ada@example.com"}');
        await tab.getByRole('button', { name: 'Validate and publish' }).click();
        await expect.poll(() => tab.locator('#publish-result').textContent(), { timeout: 10_000 }).toBe(
          'not published: the headers do not satisfy the headers schema of UserSignedUp: tenantId: required by UserSignedUp: add a value in the tenantId field (the tenant, as its short code; e.g. acme-01 in the tenantId field)',
        );
        expect(await tab.locator('#publish-headers [data-header="tenantId"]').getAttribute('aria-invalid')).toBe('true');
        expect(await tab.locator('#publish-headers [data-problem-for="tenantId"]').textContent()).toBe('required by UserSignedUp: add a value in the tenantId field (the tenant, as its short code; e.g. acme-01 in the tenantId field)');
        await tab.locator('#publish-headers [data-header="tenantId"]').fill('Acme');
        await tab.getByRole('button', { name: 'Validate and publish' }).click();
        await expect.poll(() => tab.locator('[data-problem-for="tenantId"]').textContent(), { timeout: 10_000 }).toBe(`"Acme" must match ^[a-z][a-z0-9-]*$: write a value in the tenantId field${' (the tenant, as its short code; e.g. acme-01 in the tenantId field)'}`);
        // A value that breaks two rules: both on its field.
        const long = 'A'.repeat(40);
        await tab.locator('#publish-headers [data-header="tenantId"]').fill(long);
        await tab.getByRole('button', { name: 'Validate and publish' }).click();
        await expect.poll(() => tab.locator('[data-problem-for="tenantId"]').textContent(), { timeout: 10_000 }).toBe(
          `"${long}" must be at most 32 characters long: write a value in the tenantId field (the tenant, as its short code; e.g. acme-01 in the tenantId field); "${long}" must match ^[a-z][a-z0-9-]*$: write a value in the tenantId field (the tenant, as its short code; e.g. acme-01 in the tenantId field)`,
        );
        // Only declared headers have a field: the page says how to send another.
        expect(await tab.locator('#publish-headers-note').textContent()).toContain('publish-message <operation> --header name=value');
        await tab.locator('#publish-headers [data-header="tenantId"]').fill('acme');
        await tab.locator('#publish-headers [data-header="region"]').selectOption('eu');
        const sent = tab.waitForRequest('**/api/publish');
        await tab.getByRole('button', { name: 'Validate and publish' }).click();
        expect((await sent).postDataJSON()).toMatchObject({ message: 'UserSignedUp', headers: { tenantId: 'acme', region: 'eu' } });
        await expect.poll(() => tab.locator('#publish-result').textContent(), { timeout: 10_000 }).toBe('queue user-signedup-queue does not exist on the local stack');
        expect(await tab.locator('#publish-headers [aria-invalid]').count()).toBe(0);
      } finally {
        await tab.close();
        await tenantConsole.stop();
      }
    }, 60_000);

    it('purges the dead letters it listed, after confirmation', async () => {
      await expect.poll(async () => (await queueDepth(sqs, runtime.resources.queues.OrderDLQ!.url)).total, { timeout: 45_000, interval: 500 }).toBe(1);
      // Held by another reader, it is not listed, and the panel says that one more is there.
      const dlqUrl = runtime.resources.queues.OrderDLQ!.url;
      const { Messages: heldMessages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 60 }));
      try {
        await page.locator('#queue-row-OrderDLQ').getByRole('button', { name: 'Open' }).click();
        await expect.poll(() => page.locator('#dlq-not-shown').textContent(), { timeout: 10_000 }).toBe('1 more message(s) counted by SQS than could be read: arriving while it was read, or held by another reader; list again.');
        expect(await page.locator('#dead-letters tbody').textContent()).toBe('nothing could be read.');
      } finally {
        for (const m of heldMessages) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
      }
      await page.locator('#queue-row-OrderDLQ').getByRole('button', { name: 'Open' }).click();
      await expect.poll(() => page.locator('#dead-letters tbody tr[data-message-id]').count(), { timeout: 10_000 }).toBe(1);
      expect(await page.locator('#dlq-not-shown').isHidden()).toBe(true);
      await page.getByRole('button', { name: 'Purge…' }).click();
      await expect.poll(() => page.locator('#letter').textContent(), { timeout: 10_000 }).toMatch(/^deleted 1 message\(s\)/);
      expect((await queueDepth(sqs, runtime.resources.queues.OrderDLQ!.url)).total).toBe(0);
      expect(leftLoopback, 'requests that left this machine').toEqual([]);
    }, 90_000);
  });

  // After the page's tests: the message it redrives is consumed, which moves the counts they read.
  it("opens a topic's unrouted queue as dlq list does (why no subscription admitted each), and redrives only what one admits now, keeping the rest with why (it was not a dead-letter queue of the contract, 404)", async () => {
    const { queue: unrouted, topic } = unroutedOf(runtime.application.topology).find((u) => u.topic === 'OrderTopic')!;
    const url = runtime.resources.queues[unrouted]!.url;
    const call = async (method: string, urlPath: string, body?: unknown) => {
      const out = await raw(method, urlPath, { host: `127.0.0.1:${port}`, [CONSOLE_TOKEN_HEADER]: console_.token, ...(body ? { 'content-type': 'application/json' } : {}) }, body ? JSON.stringify(body) : undefined);
      return { status: out.status, body: JSON.parse(out.body) as Record<string, any> };
    };
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    try {
      const nobody = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ ...snsEnvelope(anOrder({ orderId: 'unrouted-nobody' }), { eventType: 'Nobody', schemaVersion: '1.0.0' }), TopicArn: runtime.resources.topics[topic]!.arn }) }));
      const routed = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ ...snsEnvelope(anOrder({ orderId: 'unrouted-routed' }), { eventType: 'OrderPlaced', schemaVersion: '1.0.0' }), TopicArn: runtime.resources.topics[topic]!.arn }) }));
      const listed = await call('GET', `/api/dead-letters/${encodeURIComponent(unrouted)}`);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      const why = Object.fromEntries(listed.body.letters.map((l: { messageId: string; why: string }) => [l.messageId, l.why]));
      expect(why[nobody.MessageId!]).toMatch(/Nobody/);
      expect(why[routed.MessageId!]).toBe('a consumer declares it now: redrive it');
      const redriven = await call('POST', '/api/redrive', { queue: unrouted });
      expect(redriven.status, JSON.stringify(redriven.body)).toBe(200);
      expect(redriven.body).toMatchObject({ moved: [routed.MessageId], notFound: [], kept: [{ messageId: nobody.MessageId, why: why[nobody.MessageId!] }] });
      await waitFor('only the kept one left in the unrouted queue', async () => (await queueDepth(sqs, url)).total === 1, 10_000);
    } finally {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    }
  });
});
