/**
 * The docs page's first-view script (docs-first-view.ts) in headless Chromium, on a small page
 * that renders as react-component does, in stages: React replaces the server-rendered copy first,
 * and the message schemas may come later, on a busy machine much later. Each must be opened when
 * it comes, however late; the reader's own click still wins. And a page `npm run docs` rendered from
 * a contract whose text holds markup: shown as text, nothing in it run.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishDocsPage } from '../src/docs-first-view.ts';
import { renderDocs } from '../src/docs-cli.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

/** A message schema as react-component draws it: its name, then its "Expand all" toggle. */
const SCHEMA = (name: string) =>
  `<div class="schema"><span>${name}</span><button onclick="this.textContent = this.textContent === 'Expand all' ? 'Collapse all' : 'Expand all'">Expand all</button></div>`;

/**
 * A page in the template's shape: `#root` holds the server-rendered copy; "React" replaces it
 * after `renderMs`, then adds the Payload schema after `schemaMs` more.
 */
function stagedPage(renderMs: number, schemaMs: number): string {
  return `<!DOCTYPE html><html><head><title>staged</title></head><body>
<div id="root"><div>server-rendered copy ${SCHEMA('Payload')}</div></div>
<script>/* AsyncApiStandalone.render( stands in for the template's call */
setTimeout(() => {
  const root = document.getElementById('root');
  root.replaceChildren(Object.assign(document.createElement('div'), { id: 'rendered', textContent: 'rendered' }));
  setTimeout(() => document.getElementById('rendered').insertAdjacentHTML('beforeend', ${JSON.stringify(SCHEMA('Payload'))}), ${schemaMs});
}, ${renderMs});
</script></body></html>`;
}

/**
 * A page whose "React" draws inside the template's app script, before the script this package adds
 * after it runs: as the real page does when the browser's parser pauses between the two scripts
 * (a 2.6 MB page on a busy machine) and React's scheduled render runs in the pause.
 */
function drawnBeforeTheScript(): string {
  return `<!DOCTYPE html><html><head><title>early</title></head><body>
<div id="root"><div>server-rendered copy ${SCHEMA('Payload')}</div></div>
<script>/* AsyncApiStandalone.render( stands in for the template's call */
document.getElementById('root').innerHTML = ${JSON.stringify(`<div id="rendered">rendered ${SCHEMA('Payload')}</div>`)};
</script></body></html>`;
}

/**
 * A page whose schema ignores a click in its first `deafMs` and shows nothing for it: as React
 * does when a schema's mount effects (`setExpanded(false)`) run after a click that came between
 * its commit and its effects; the state ends as it began and React draws nothing new.
 */
function clickUndonePage(deafMs: number): string {
  const schema = `<div class="schema"><span>Payload</span><button onclick="if (performance.now() - window.drawnAt < ${deafMs}) return; this.textContent = this.textContent === 'Expand all' ? 'Collapse all' : 'Expand all'">Expand all</button></div>`;
  return `<!DOCTYPE html><html><head><title>undone</title></head><body>
<div id="root"><div>server-rendered copy</div></div>
<script>/* AsyncApiStandalone.render( stands in for the template's call */
setTimeout(() => {
  window.drawnAt = performance.now();
  document.getElementById('root').innerHTML = ${JSON.stringify(`<div id="rendered">rendered ${schema}</div>`)};
}, 50);
</script></body></html>`;
}

describe.runIf(haveChromium)('the docs first-view script, in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-first-view-'));
  const open = async (html: string) => {
    const file = path.join(dir, `page-${Math.random().toString(36).slice(2)}.html`);
    writeFileSync(file, finishDocsPage(html));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return page;
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a message schema React draws well after the rest of the page (a busy machine)', async () => {
    const page = await open(stagedPage(50, 1500));
    const toggle = page.locator('#rendered .schema button');
    await toggle.waitFor({ state: 'attached', timeout: 20_000 });
    await expect.poll(() => toggle.textContent(), { timeout: 10_000 }).toBe('Collapse all');
  });

  it('opens a message schema React drew before the script ran (the parser paused between the scripts)', async () => {
    const page = await open(drawnBeforeTheScript());
    const toggle = page.locator('#rendered .schema button');
    await expect.poll(() => toggle.textContent(), { timeout: 10_000 }).toBe('Collapse all');
  });

  it('clicks again a schema whose first click was undone without a change on the page', async () => {
    const page = await open(clickUndonePage(400));
    const toggle = page.locator('#rendered .schema button');
    await toggle.waitFor({ state: 'attached', timeout: 20_000 });
    await expect.poll(() => toggle.textContent(), { timeout: 10_000 }).toBe('Collapse all');
  });

  it("runs nothing a contract's text holds and draws the page: a </script> in a description, a title closing <title> (the template wrote both as they are)", async () => {
    const description = 'Tag in prose: </script><script>alert(7)</script> and <!-- <script> too';
    const title = 'Orders </title><script>alert(8)</script> & co';
    const dir = mkdtempSync(path.join(tmpdir(), 'docs-markup-'));
    const spec = path.join(dir, 'asyncapi.yaml');
    writeFileSync(
      spec,
      `asyncapi: 3.0.0
info:
  title: ${JSON.stringify(title)}
  version: 1.0.0
channels:
  orderTopic:
    address: OrderTopic
    description: ${JSON.stringify(description)}
    messages:
      OrderPlaced:
        $ref: '#/components/messages/OrderPlaced'
operations:
  publishOrderPlaced:
    action: send
    channel:
      $ref: '#/channels/orderTopic'
components:
  messages:
    OrderPlaced:
      payload:
        type: object
        properties:
          orderId: { type: string, description: ${JSON.stringify(description)} }
`,
    );
    const file = await renderDocs({ specPath: spec, outDir: path.join(dir, 'out') });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // React drew the page: the server-rendered copy (marked) is gone.
    const drawn = await page.waitForFunction("document.getElementById('root') && !document.querySelector('[data-sluice-server-copy]')", undefined, { timeout: 30_000 }).then(() => true, () => false);
    expect({ drawn, dialogs, errors }).toEqual({ drawn: true, dialogs: [], errors: [] });
    expect(await page.title()).toBe(`${title} 1.0.0 documentation`);
    // The contract the page's script holds has the text as written.
    expect(await page.evaluate<string>('JSON.stringify(schema)')).toContain(JSON.stringify(description));
    await page.close();
  }, 120_000);

  it('opens nothing again once the reader has clicked', async () => {
    const page = await open(stagedPage(50, 1500));
    await page.mouse.click(5, 5);
    const toggle = page.locator('#rendered .schema button');
    await toggle.waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForTimeout(500);
    expect(await toggle.textContent()).toBe('Expand all');
  });
});
