/**
 * The committed topology pictures (docs/topology.svg for this contract, docs/shop-topology.svg for
 * the tests' second system) are what `npm run diagram` draws now, `--check` says when one is stale,
 * and the docs page gets the picture in a section of its own.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contractPicture, embedTopology, TOPOLOGY_SECTION_ID } from '../src/topology-picture.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const at = (file: string) => path.join(root, file);
const diagram = (args: string[]) => spawnSync(process.execPath, ['packages/governance/src/topology-picture.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('the committed topology pictures', () => {
  it('docs/topology.svg is the picture of this contract and its settings', async () => {
    const svg = await contractPicture({ specPath: at('asyncapi.yaml'), settingsPath: at('packages/orders/src/settings.ts') });
    expect(readFileSync(at('docs/topology.svg'), 'utf8'), 'stale: run npm run diagram').toBe(svg);
  });

  it("docs/shop-topology.svg is the second system's", async () => {
    const svg = await contractPicture({ specPath: at('tests/fixtures/shop/asyncapi.yaml'), settingsPath: at('tests/fixtures/shop/app/src/settings.ts') });
    expect(readFileSync(at('docs/shop-topology.svg'), 'utf8'), 'stale: run npm run diagram -- --spec tests/fixtures/shop/asyncapi.yaml --settings tests/fixtures/shop/app/src/settings.ts --out docs/shop-topology.svg').toBe(svg);
    for (const id of ['publisher-publishShopEvents', 'topic-ShopEvents', 'queue-Billing', 'queue-FulfilmentDLQ', 'function-consumeAnalytics', 'alerts-Alerts']) {
      expect(svg).toContain(`<g id="${id.replace(/-/g, '&#45;')}" class="node">`);
    }
  });
});

describe('npm run diagram --check', () => {
  it('passes on an up-to-date file and fails, saying how to fix it, on a stale or missing one', () => {
    const upToDate = diagram(['--check']).stdout;
    expect(upToDate).toContain('docs/topology.svg is up to date.');
    expect(upToDate).toContain('diagram: asyncapi.yaml drawn with the settings of packages/orders/src/settings.ts (eventContract.settings).');
    const dir = mkdtempSync(path.join(tmpdir(), 'diagram-'));
    const stale = path.join(dir, 'topology.svg');
    writeFileSync(stale, readFileSync(at('docs/topology.svg'), 'utf8').replace('OrderQueue', 'OldQueue'));
    const failed = diagram(['--check', '--out', stale]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/topology\.svg is stale: the contract or the settings changed since it was drawn/);
    expect(failed.stderr).toContain('npm run diagram -- --out');
    const missing = diagram(['--check', '--out', path.join(dir, 'none.svg')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/none\.svg is missing/);
    const written = diagram(['--out', stale]);
    expect(written.status, written.stderr).toBe(0);
    expect(readFileSync(stale, 'utf8')).toBe(readFileSync(at('docs/topology.svg'), 'utf8'));
  }, 60_000);
});

describe('npm run diagram on a contract it cannot draw', () => {
  it("says the contract's or the settings' problems with what to do next, not as a crash to debug (it ended with '(run again with --debug for the stack trace)')", () => {
    // Another project's contract given this project's settings: they name a consumer it does not have.
    const other = diagram(['--spec', 'packages/create/tests/fixtures/tiny/asyncapi.yaml', '--settings', 'packages/orders/src/settings.ts', '--out', path.join(tmpdir(), 'never-written.svg')]);
    expect(other.status).toBe(2); // could not draw: 1 is a stale picture (--check)
    expect(other.stderr).toMatch(/^diagram: The settings do not fit the contract:\n {2}- settings\.consumers\.consumeOrderPlaced names no receive operation of the contract \(consumePings\)/);
    expect(other.stderr).toContain('Give the settings of packages/create/tests/fixtures/tiny/asyncapi.yaml with --settings <file> (or fix packages/orders/src/settings.ts), then draw again.');
    expect(other.stderr).not.toContain('--debug');
    // A document that is not AsyncAPI 3: the contract's problem, and to fix it.
    const dir = mkdtempSync(path.join(tmpdir(), 'diagram-v2-'));
    writeFileSync(path.join(dir, 'asyncapi.yaml'), 'asyncapi: 2.6.0\ninfo: { title: Old, version: 1.0.0 }\nchannels: {}\n');
    const old = diagram(['--spec', path.join(dir, 'asyncapi.yaml'), '--out', path.join(dir, 'x.svg')]);
    expect(old.status).toBe(2);
    expect(old.stderr).toMatch(/AsyncAPI "2\.6\.0": the framework reads AsyncAPI 3 documents/);
    expect(old.stderr).toMatch(/\nFix the contract \(\S+asyncapi\.yaml\), then draw again\.\n/);
    expect(old.stderr).not.toContain('--debug');
  }, 60_000);
});

describe('npm run diagram --spec <another contract>', () => {
  const tiny = 'packages/create/tests/fixtures/tiny/asyncapi.yaml';

  it("draws it with the framework's defaults, never this project's settings, and says so (it read packages/orders/src/settings.ts, which do not fit it)", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'diagram-other-')), 'tiny.svg');
    const drawn = diagram(['--spec', tiny, '--out', out]);
    expect(drawn.status, drawn.stderr).toBe(0);
    expect(drawn.stdout).toContain(`diagram: ${tiny} drawn with the framework's default settings: it is not this project's contract (asyncapi.yaml), so this project's settings (packages/orders/src/settings.ts) are not read; give its own with --settings <file>.`);
    expect(readFileSync(out, 'utf8')).toBe(await contractPicture({ specPath: at(tiny) }));
  }, 60_000);

  it("draws a contract of another project with that project's settings (eventContract.settings of its package.json), naming them", async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'diagram-project-'));
    mkdirSync(path.join(project, 'config'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'pings', eventContract: { spec: 'pings.yaml', settings: 'config/settings.mjs' } }));
    cpSync(at(tiny), path.join(project, 'pings.yaml'));
    cpSync(path.join(path.dirname(at(tiny)), 'schemas'), path.join(project, 'schemas'), { recursive: true });
    writeFileSync(path.join(project, 'config', 'settings.mjs'), "export const settings = { tables: { Pings: { partitionKey: 'id' } }, consumers: { consumePings: { tables: { Pings: ['dynamodb:PutItem'] } } } };\n");
    const out = path.join(project, 'pings.svg');
    const drawn = diagram(['--spec', path.join(project, 'pings.yaml'), '--out', out]);
    expect(drawn.status, drawn.stderr).toBe(0);
    expect(drawn.stdout).toContain(`drawn with the settings of ${path.join(project, 'config', 'settings.mjs')} (eventContract.settings of ${path.join(project, 'package.json')}, the project of that contract)`);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('<g id="table&#45;Pings" class="node">');
    expect(svg).toBe(await contractPicture({ specPath: path.join(project, 'pings.yaml'), settingsPath: path.join(project, 'config', 'settings.mjs') }));
  }, 60_000);

  it('never takes the settings beside a contract whose folder declares no eventContract: a folder on the defaults is no project of the framework', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'diagram-undeclared-'));
    writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'not-a-project' }));
    cpSync(at(tiny), path.join(folder, 'asyncapi.yaml'));
    cpSync(path.join(path.dirname(at(tiny)), 'schemas'), path.join(folder, 'schemas'), { recursive: true });
    // Where the defaults would look (src/settings.ts): a module that fails to load if it is read.
    mkdirSync(path.join(folder, 'src'));
    writeFileSync(path.join(folder, 'src', 'settings.ts'), "throw new Error('these settings were read');\n");
    const drawn = diagram(['--spec', path.join(folder, 'asyncapi.yaml'), '--out', path.join(folder, 'x.svg')]);
    expect(drawn.status, drawn.stderr).toBe(0);
    expect(drawn.stdout).toContain("drawn with the framework's default settings: it is not this project's contract (asyncapi.yaml)");
  }, 60_000);
});

describe('embedTopology', () => {
  const svg = '<?xml version="1.0"?>\n<svg id="x"></svg>';
  it('adds the picture after <body>, once, and replaces it on a page that has it', () => {
    const page = embedTopology('<html><body class="b"><div id="root"></div></body></html>', svg);
    expect(page).toMatch(new RegExp(`^<html><body class="b"><section id="${TOPOLOGY_SECTION_ID}"`));
    expect(page).toContain('<svg id="x"></svg>');
    expect(page).not.toContain('<?xml');
    const again = embedTopology(page, '<svg id="y"></svg>');
    expect(again.match(new RegExp(`<section id="${TOPOLOGY_SECTION_ID}"`, 'g'))).toHaveLength(1);
    expect(again).toContain('<svg id="y"></svg>');
    expect(() => embedTopology('<html></html>', svg)).toThrow(/no <body>/);
  });
});
