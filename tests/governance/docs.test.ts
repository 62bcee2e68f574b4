/**
 * `npm run docs` renders the contract, and a reader sees it: the page is opened in headless
 * Chromium (Debian's `chromium`, which `.ci/run` installs) and checked for the channels, the
 * message and every payload and header field with its type, constraints and examples.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessageInfo, readMessages } from '@orders/codegen';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !process.env.CI) {
  console.warn(`\n[docs browser test] SKIPPED: no Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.\n`);
}

describe('npm run docs', () => {
  // On CI a missing browser is a broken machine set-up, not a reason to skip.
  it.runIf(!haveChromium && process.env.CI)('has Chromium on CI', () => {
    expect.fail(`No Chromium at ${CHROMIUM}: .ci/run must install Debian's chromium package.`);
  });

  describe.runIf(haveChromium)('the rendered page, opened in headless Chromium', () => {
    let browser: Browser;
    let page: Page;
    let messages: MessageInfo[];
    const blocked: string[] = [];

    beforeAll(async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'contract-docs-'));
      const rendered = spawnSync(process.execPath, ['--import', 'tsx', 'framework/governance/src/docs-cli.ts', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
      expect(rendered.status, `npm run docs failed:\n${rendered.stdout}\n${rendered.stderr}`).toBe(0);
      messages = await readMessages(path.join(repoRoot, 'asyncapi.yaml'));

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Playwright adds --headless and a fresh --user-data-dir itself.
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      page = await browser.newPage();
      // The docs must work offline: any request that leaves the file system is recorded and refused.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (/^(file|data|blob):/.test(url)) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(path.join(out, 'index.html')).href, { waitUntil: 'load' });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('shows the contract title and both channels', async () => {
      expect(await page.title()).toContain('Orders pipeline');
      for (const address of ['OrderTopic', 'OrderQueue']) await expect.poll(() => page.getByText(address, { exact: true }).first().isVisible()).toBe(true);
    });

    it('shows every message with every payload field, its type, constraints and examples', async () => {
      for (const message of messages) {
        const section = page.locator(`[id="message-${message.name}"]`);
        expect(await section.count(), `no section for message ${message.name}`).toBe(1);
        // What a reader does: expand the payload and the headers.
        await section.locator(`[id="message-${message.name}-payload"]`).getByRole('button', { name: 'Expand all' }).click();
        if (message.headersSchema) await section.locator(`[id="message-${message.name}-headers"]`).getByRole('button', { name: 'Expand all' }).click();
        const text = await section.innerText();

        for (const [field, schema] of Object.entries<any>(message.payloadSchema.properties)) {
          expect(await section.getByText(field, { exact: true }).first().isVisible(), `payload field ${field} is not visible`).toBe(true);
          expect(text.toLowerCase()).toContain(String(schema.type).toLowerCase());
          for (const example of schema.examples ?? []) expect(text, `example of ${field}`).toContain(JSON.stringify(example));
          for (const value of schema.enum ?? []) expect(text, `enum value of ${field}`).toContain(JSON.stringify(value));
          if (schema.minimum !== undefined && schema.maximum !== undefined) expect(text).toContain(`[ ${schema.minimum} .. ${schema.maximum} ]`);
          if (schema.minLength !== undefined && schema.maxLength !== undefined) expect(text).toContain(`[ ${schema.minLength} .. ${schema.maxLength} ] characters`);
          if (schema.format) expect(text).toContain(`format: ${schema.format}`);
        }
        // The SNS message attributes the message carries.
        for (const attribute of Object.keys(message.headersSchema?.properties ?? {})) {
          expect(await section.getByText(attribute, { exact: true }).first().isVisible(), `header ${attribute} is not visible`).toBe(true);
        }
      }
    });

    it('loads nothing from the network', () => {
      expect(blocked).toEqual([]);
    });
  });
});
