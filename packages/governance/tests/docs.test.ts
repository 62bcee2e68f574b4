/**
 * `npm run docs` renders the contract, and a reader sees it: the page is opened in headless
 * Chromium (Debian's `chromium`, which `.ci/run` installs) and checked, before any click, for the
 * channels, and for every message with every payload and header field, its type, constraints and
 * examples; inline code in descriptions must render as code. Rendered in the single-consumer
 * fixture's project (tests/fixtures/single-consumer: its contract, its settings for the picture),
 * not the order application, whose own page (and the README's picture of it) the application's
 * tests render.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { type MessageInfo, readMessages } from '@sluice/codegen';
import { parseContract } from '@sluice/codegen/parse';
import { diagramNodeIds } from '@sluice/diagram';
import { resolvePlan } from '@sluice/model';
import { settings } from '../../../tests/fixtures/single-consumer/settings.ts';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';
import { renderDocs } from '../src/docs-cli.ts';
import { contractTextInert, FIRST_VIEW_MARKER, finishDocsPage } from '../src/docs-first-view.ts';
import { TOPOLOGY_SECTION_ID } from '../src/topology-picture.ts';

/** `npm run docs`, run in the fixture's folder (it renders the project there). */
const docsCli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/docs-cli.ts');
const topology = await fixtureTopology('single-consumer');

/**
 * The fixture's project, made once for the file (each is a copy and a codegen run) and removed at
 * its end: every test here only reads it (the pages are written to folders of their own).
 */
let fixtureMade: Promise<FixtureProject> | undefined;
const sharedFixture = () => (fixtureMade ??= fixtureProject('single-consumer'));
afterAll(async () => (await fixtureMade?.then(undefined, () => undefined))?.dispose());
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !process.env.CI) {
  console.warn(`\n[docs browser test] SKIPPED: no Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.\n`);
}

/** The texts the page shows for a field's constraints and examples (react-component's wording). */
function constraintTexts(schema: any): string[] {
  const texts: string[] = [];
  const { minLength, maxLength, minimum, maximum } = schema;
  if (minLength !== undefined && maxLength !== undefined) texts.push(`[ ${minLength} .. ${maxLength} ] characters`);
  else if (maxLength !== undefined) texts.push(`<= ${maxLength} characters`);
  if (minimum !== undefined && maximum !== undefined) texts.push(`[ ${minimum} .. ${maximum} ]`);
  if (schema.format) texts.push(`format: ${schema.format}`);
  if (schema.pattern) texts.push(`must match: ${schema.pattern}`);
  if (schema.const !== undefined) texts.push(JSON.stringify(schema.const));
  for (const value of [...(schema.enum ?? []), ...(schema.examples ?? [])]) texts.push(JSON.stringify(value));
  return texts;
}

describe('finishDocsPage', () => {
  const page = `<html><head><style>x</style></head><body><div id="root"><section class="aui-root">copy</section></div><script>const s = '<head></head><body></body>';</script><script>AsyncApiStandalone.render({}, root);</script></body></html>`;

  it('adds the inline-code style to the head, marks the server-rendered copy and adds the expand script after the app script, once', () => {
    const finished = finishDocsPage(page);
    expect(finished.indexOf(`<style ${FIRST_VIEW_MARKER}>`)).toBeLessThan(finished.indexOf('</head>'));
    expect(finished.indexOf(`<script ${FIRST_VIEW_MARKER}>`)).toBeGreaterThan(finished.indexOf('AsyncApiStandalone.render('));
    expect(finished.endsWith('</script>\n</body></html>')).toBe(true);
    // The server-rendered copy is marked, so the script knows React's page by the missing mark.
    expect(finished).toContain('<div id="root"><section data-sluice-server-copy class="aui-root">copy</section>');
    expect(finishDocsPage(finished)).toBe(finished);
  });

  it('refuses a page that is not the template it was written for', () => {
    expect(() => finishDocsPage(page.replace('AsyncApiStandalone.render(', 'Other.render('))).toThrow(/AsyncApiStandalone\.render\(.*docs-first-view\.ts/);
  });
});

describe('contractTextInert', () => {
  const info = { title: 'A </title> & B', version: '1.0.0' };
  const page = `<html><head><title>${info.title} 1.0.0 documentation</title></head><body><div id="root"></div><script>\n    const schema = {\n  "d": "</script><script>x()</script>"\n};\n    const config = {"show":{}};\n    AsyncApiStandalone.render({ schema, config }, root);</script></body></html>`;

  it("escapes the title and writes every < of the embedded contract as \\u003c, which reads back as the same text", () => {
    const inert = contractTextInert(page, info);
    expect(inert).toContain('<title>A &lt;/title&gt; &amp; B 1.0.0 documentation</title>');
    const json = /const schema = ([\s\S]*);\n    const config/.exec(inert)![1]!;
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ d: '</script><script>x()</script>' });
  });

  it('refuses a page without the template\'s title or app script, rather than leave the contract\'s text live', () => {
    expect(() => contractTextInert(page, { ...info, title: 'Another' })).toThrow(/<title> naming the contract.*contractTextInert/);
    expect(() => contractTextInert(page.replace('const schema = ', 'const other = '), info)).toThrow(/const schema/);
  });
});

describe('npm run docs', () => {
  // On CI a missing browser is a broken machine set-up, not a reason to skip.
  it.runIf(!haveChromium && process.env.CI)('has Chromium on CI', () => {
    expect.fail(`No Chromium at ${CHROMIUM}: .ci/run must install Debian's chromium package.`);
  });

  describe.runIf(haveChromium)('the rendered page, opened in headless Chromium', () => {
    let browser: Browser;
    let page: Page;
    let messages: MessageInfo[];
    let fixture: FixtureProject;
    const blocked: string[] = [];

    /**
     * Visible without a click: the page's own script may still be opening it, hence the wait, as
     * long as for the page's first section. A field that is there shows at once. (The fresh-clone
     * CI on a slow machine once waited in vain here: the expand script had taken React's page for
     * the server-rendered copy, fixed in docs-first-view.ts; docs-first-view.test.ts pins it.)
     */
    async function expectVisible(locator: Locator, what: string): Promise<void> {
      const visible = await locator.first().waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false);
      expect(visible, `${what} is not visible when the page opens`).toBe(true);
    }

    beforeAll(async () => {
      fixture = await sharedFixture();
      // The fixture shares the repository's install, and with it the transpiled template (its
      // marker and lock lie beside the template: once-per-install.ts).
      const out = mkdtempSync(path.join(tmpdir(), 'contract-docs-'));
      // With tsx: the fixture's application (its settings.ts) lies under node_modules/.cache, where Node strips no types.
      const rendered = spawnSync(process.execPath, ['--import', 'tsx', docsCli, '--out', out], { cwd: fixture.dir, encoding: 'utf8' });
      expect(rendered.status, `npm run docs failed:\n${rendered.stdout}\n${rendered.stderr}`).toBe(0);
      // The fixture's settings drew the picture (no settings: no picture, said on stderr).
      expect(rendered.stdout).toContain('docs: topology picture on the page');
      messages = await readMessages(fixture.project.spec);

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Playwright adds --headless and a fresh --user-data-dir itself.
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      // The docs must work offline: any request that leaves the file system is recorded and refused.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (/^(file|data|blob):/.test(url)) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(path.join(out, 'index.html')).href, { waitUntil: 'load' });
      // The template renders the page in the browser after load (AsyncApiStandalone.render): on a
      // busy machine that can take longer than one element's wait below, so the first message first.
      await page.locator('[id^="message-"]').first().waitFor({ state: 'visible', timeout: 30_000 });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('shows the contract title and both channels', async () => {
      expect(await page.title()).toContain('Orders pipeline');
      for (const address of ['OrderTopic', 'OrderQueue']) await expectVisible(page.getByText(address, { exact: true }), `channel ${address}`);
    });

    it('heads the page with the topology picture, every resource of the plan in it', async () => {
      await expectVisible(page.locator(`#${TOPOLOGY_SECTION_ID} svg`), 'the topology picture');
      for (const id of diagramNodeIds({ topology, plan: resolvePlan({ topology, settings }) })) {
        expect(await page.locator(`#${TOPOLOGY_SECTION_ID} [id="${id}"]`).count(), `${id} in the picture`).toBe(1);
      }
    });

    it('opens every message with its payload and header fields, their constraints and examples, without a click', async () => {
      for (const message of messages) {
        const section = page.locator(`[id="message-${message.name}"]`);
        expect(await section.count(), `no section for message ${message.name}`).toBe(1);
        const parts = [{ part: 'payload', schema: message.payloadSchema }, ...(message.headersSchema ? [{ part: 'headers', schema: message.headersSchema }] : [])];
        for (const { part, schema } of parts) {
          const block = section.locator(`[id="message-${message.name}-${part}"]`);
          for (const [field, fieldSchema] of Object.entries<any>(schema.properties)) {
            await expectVisible(block.getByText(field, { exact: true }), `${message.name} ${part} field ${field}`);
            await expectVisible(block.getByText(String(fieldSchema.type), { exact: true }), `${message.name} ${part} type ${fieldSchema.type}`);
            for (const text of constraintTexts(fieldSchema)) await expectVisible(block.getByText(text, { exact: true }), `${message.name} ${part} ${field}: ${text}`);
          }
        }
        // The message's own examples, opened by the template's `expand.messageExamples`.
        const text = await section.innerText();
        for (const [index, example] of message.examples.entries()) {
          await expectVisible(section.getByText(`#${index + 1} Example - ${example.name}`, { exact: true }), `${message.name} example ${example.name}`);
          expect(text, `${message.name} example ${example.name}`).toContain(JSON.stringify(example.payload, null, 2));
        }
      }
    }, 120_000);

    it('opens the messages under the operations too, where a reader meets them first', async () => {
      const operationMessages = page.locator('[id^="operation-"][id$="-message"]');
      expect(await operationMessages.count()).toBeGreaterThan(0);
      const shown = new Set<string>();
      for (const operationMessage of await operationMessages.all()) {
        // Each block shows one message of the contract: every payload field of it (the page is
        // open by now: the tests above waited for it). The message with the most fields all
        // present is the one shown (v2 shares some of v1's fields).
        const id = await operationMessage.getAttribute('id');
        const present: MessageInfo[] = [];
        for (const message of messages) {
          const fields = Object.keys(message.payloadSchema.properties);
          const counts = await Promise.all(fields.map((field) => operationMessage.getByText(field, { exact: true }).count()));
          if (counts.every((c) => c > 0)) present.push(message);
        }
        expect(present.length, `${id} shows every payload field of a message of the contract`).toBeGreaterThan(0);
        const message = present.sort((a, b) => Object.keys(b.payloadSchema.properties).length - Object.keys(a.payloadSchema.properties).length)[0]!;
        for (const field of Object.keys(message.payloadSchema.properties)) await expectVisible(operationMessage.getByText(field, { exact: true }), `${id} (${message.name}) field ${field}`);
        shown.add(message.name);
      }
      // Every message a send or receive operation names is shown under an operation.
      const contract = parse(readFileSync(fixture.project.spec, 'utf8')) as { components: { messages: Record<string, { name?: string }> } };
      const named = new Set(Object.entries(contract.components.messages).map(([key, m]) => m.name ?? key));
      expect([...shown].sort()).toEqual([...named].sort());
    }, 120_000);

    it('renders inline code in descriptions as code, without literal backticks', async () => {
      const contract = parse(readFileSync(fixture.project.spec, 'utf8'));
      const spans = [...String(contract.info.description).matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
      expect(spans.length).toBeGreaterThan(0);
      const intro = page.locator('#introduction');
      for (const span of spans) await expectVisible(intro.locator('code').getByText(span, { exact: true }), `\`${span}\` as <code>`);
      expect(await intro.innerText()).not.toContain('`');
      // The stylesheet's backticks are pseudo-elements, which innerText does not show.
      // (The project compiles without the DOM library: the page's window is reached from the element.)
      const decorations = await page.locator('.prose code').evaluateAll((codes) =>
        codes.filter((code) => !code.closest('pre')).flatMap((code) => {
          const style = (pseudo: string): string => code.ownerDocument.defaultView.getComputedStyle(code, pseudo).content;
          return [style('::before'), style('::after')];
        }),
      );
      expect(decorations.length).toBeGreaterThan(0);
      expect(new Set(decorations)).toEqual(new Set(['none']));
    });

    it('leaves the reader in charge: "Collapse all" closes a payload and "Expand all" opens it again', async () => {
      const message = messages[0]!;
      const payload = page.locator(`[id="message-${message.name}-payload"]`);
      const field = payload.getByText(Object.keys(message.payloadSchema.properties)[0]!, { exact: true }).first();
      await payload.getByRole('button', { name: 'Collapse all' }).first().click({ timeout: 30_000 });
      await expect.poll(() => field.isVisible()).toBe(false);
      await page.waitForTimeout(300);
      expect(await field.isVisible(), 'the page re-opened what the reader closed').toBe(false);
      await payload.getByRole('button', { name: 'Expand all' }).first().click({ timeout: 30_000 });
      await expect.poll(() => field.isVisible()).toBe(true);
    }, 120_000);

    it('loads nothing from the network', () => {
      expect(blocked).toEqual([]);
    });
  });
});

describe('renderDocs', () => {
  const render = async (spec: string) => readFileSync(await renderDocs({ specPath: spec, outDir: mkdtempSync(path.join(tmpdir(), 'contract-docs-')) }), 'utf8');

  /**
   * The fixture's page rendered with its parse remembered, counting the generator's parses: made
   * once, read by both tests below (each render loads the generator's template and renders the
   * whole page, a second or more of CPU), by whichever runs first.
   */
  let rememberedRender: Promise<{ spec: string; cachedBefore: boolean; parses: number; page: string }> | undefined;
  const renderedFromRemembered = () =>
    (rememberedRender ??= (async () => {
      const spec = path.join((await sharedFixture()).dir, 'asyncapi.yaml');
      expect((await parseContract(spec)).document).toBeDefined(); // remembered from here on (codegen's parse cache)
      const cachedBefore = (await parseContract(spec)).cached === true;
      // The parser the generator renders with (@asyncapi/multi-parser's, for the template's API v3).
      const { Parser } = createRequire(createRequire(import.meta.url).resolve('@asyncapi/generator'))('@asyncapi/parser') as { Parser: { prototype: { parse(...args: unknown[]): unknown } } };
      const original = Parser.prototype.parse;
      let parses = 0;
      Parser.prototype.parse = function (this: unknown, ...args: unknown[]) {
        parses++;
        return original.apply(this, args);
      };
      try {
        const page = await render(spec);
        return { spec, cachedBefore, parses, page };
      } finally {
        Parser.prototype.parse = original;
      }
    })());

  it('hands the generator the document already parsed: with the parse remembered, the AsyncAPI parser does not run', async () => {
    const { spec, parses, page } = await renderedFromRemembered();
    expect(parses, 'the generator parsed the contract again').toBe(0);
    expect(page).toContain((parse(readFileSync(spec, 'utf8')) as { info: { title: string } }).info.title);
  }, 120_000);

  it('renders the same page from the remembered parse as from a fresh one: the objects the parser shares are shared again when read back', async () => {
    const spec = path.join((await sharedFixture()).dir, 'asyncapi.yaml');
    vi.stubEnv('SLUICE_PARSE_CACHE', '0');
    let fresh: string;
    try {
      fresh = await render(spec);
    } finally {
      vi.unstubAllEnvs();
    }
    const { cachedBefore, page: remembered } = await renderedFromRemembered();
    expect(cachedBefore, 'remembered').toBe(true);
    // A message is one object under its channel and under components: written once in the page's
    // embedded document (a `$ref:$…` where it appears again), not copied (the page grew ~2 %).
    expect(remembered.length).toBe(fresh.length);
    expect(remembered).toBe(fresh);
  }, 120_000);
});
