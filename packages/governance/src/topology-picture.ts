/**
 * The contract's topology as a picture (`@sluice/diagram`), from the AsyncAPI document and the
 * application's settings: what `npm run docs` puts on the rendered page and `npm run diagram`
 * writes to `docs/topology.svg` (committed, shown in the README; `--check` fails when it is stale).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isEntry, main, versionOf, type ProgramSpec } from '@sluice/cli';
import { inlineSvg, topologySvg } from '@sluice/diagram';
import { deriveTopology, loadProject, SettingsError, TopologyError } from '@sluice/model';
import { importSettings, settingsForContract } from './contract-settings.ts';
import { checkFailed, couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';

/** Read from `contract-settings.ts`, where `contract:diff` reads it too. */
export { importSettings };

/** Where `npm run diagram` writes the project's picture, from the project's root. */
export const DEFAULT_TOPOLOGY_PICTURE = 'docs/topology.svg';

/**
 * The topology picture (SVG) of a contract with its settings: the topology derived from the
 * document as codegen derives it, the plan resolved with the settings (without `settingsPath`,
 * the framework's defaults for every consumer), rendered offline.
 *
 * @throws ContractLoadError when the document is not a valid AsyncAPI document; TopologyError or
 * SettingsError when the topology or the settings do not hold
 * @example
 * ```ts
 * import { contractPicture } from '@sluice/governance';
 *
 * const svg = await contractPicture({ specPath: 'asyncapi.yaml', settingsPath: 'src/settings.ts' });
 * ```
 */
export async function contractPicture(options: { specPath: string; settingsPath?: string }): Promise<string> {
  const { loadContract } = await import('./contract-document.ts');
  const { topology } = deriveTopology(await loadContract(options.specPath));
  return topologySvg({ topology, settings: options.settingsPath !== undefined ? await importSettings(options.settingsPath) : {} });
}

/** The marker of the topology section {@link embedTopology} adds to the docs page. */
export const TOPOLOGY_SECTION_ID = 'sluice-topology';

/**
 * The docs page with the topology picture in a section above the rendered contract. Idempotent:
 * a page that has the section gets the new picture in its place.
 *
 * @example
 * ```ts
 * import { embedTopology } from '@sluice/governance';
 *
 * declare const page: string, svg: string;
 * const withPicture = embedTopology(page, svg);
 * ```
 */
export function embedTopology(page: string, svg: string): string {
  const section = [
    `<section id="${TOPOLOGY_SECTION_ID}" style="padding:24px 32px;border-bottom:1px solid #e5e7eb;background:#fff;font-family:Helvetica,Arial,sans-serif">`,
    `<style>#${TOPOLOGY_SECTION_ID} svg{max-width:100%;height:auto}</style>`,
    `<h2 style="margin:0 0 12px;font-size:20px">Topology</h2>`,
    `<p style="margin:0 0 12px;color:#475569;font-size:14px">Publishers, topics, subscriptions (filter policy on the edge), queues, dead-letter queues (maxReceiveCount on the edge), consumer functions, tables and alarms, from the contract and the settings.</p>`,
    `<div style="overflow-x:auto">${inlineSvg(svg)}</div>`,
    `</section>`,
  ].join('\n');
  const existing = new RegExp(`<section id="${TOPOLOGY_SECTION_ID}"[\\s\\S]*?</section>`);
  if (existing.test(page)) return page.replace(existing, () => section);
  const body = /<body[^>]*>/.exec(page);
  if (!body) throw new Error('the docs page has no <body>: cannot add the topology picture');
  return page.slice(0, body.index + body[0].length) + section + page.slice(body.index + body[0].length);
}

/** The `diagram` command (`npm run diagram`): writes or checks the committed topology picture. */
export const diagramProgram: ProgramSpec = {
  name: 'diagram',
  invocation: 'npm run diagram --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'write the topology picture (SVG) of the contract, offline',
  description: `Draws the contract's topology with its settings: publishers, topics, subscriptions (filter
policy, raw or enveloped), queues, dead-letter queues (maxReceiveCount), consumer functions, tables
and alarms, as SVG, offline (Graphviz in WebAssembly). The same contract and settings give the same
bytes, so the committed picture is checked like generated/: --check fails when it is stale.
Another contract (--spec) is drawn with the settings of its own project (the eventContract of the
package.json above it, when that declares it), else with the framework's defaults, never with
this project's: it says which.`,
  epilog: exitCodesHelp({
    ok: 'the picture is written (with --check: it is up to date)',
    failed: 'with --check: the picture is stale or missing',
    couldNotRun: 'a usage error, a contract that does not load or whose topology does not hold, settings that do not fit it',
  }),
  options: {
    spec: { type: 'string', valueName: 'file', description: 'AsyncAPI document', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
    settings: { type: 'string', valueName: 'file', existing: true, description: 'settings module', defaultText: "eventContract.settings of the contract's project; the framework's defaults for a contract of no project" },
    out: { type: 'string', valueName: 'file', path: true, description: 'the SVG to write', defaultText: DEFAULT_TOPOLOGY_PICTURE },
    check: { type: 'boolean', description: 'write nothing; fail when the file differs from what would be written' },
  },
  examples: ['npm run diagram', 'npm run diagram -- --check', 'npm run diagram -- --out /tmp/topology.svg'],
  run: failuresExitTwo(async ({ values, io }) => {
    const project = loadProject();
    const specPath = (values.spec as string | undefined) ?? project.spec;
    const settings = settingsForContract(specPath, values.settings as string | undefined, project);
    const settingsPath = settings.file;
    const specShown = path.relative(process.cwd(), specPath) || specPath;
    const out = path.resolve((values.out as string | undefined) ?? path.join(project.root, DEFAULT_TOPOLOGY_PICTURE));
    const shown = path.relative(process.cwd(), out);
    let svg: string;
    try {
      svg = await contractPicture({ specPath, ...(settingsPath !== undefined ? { settingsPath } : {}) });
    } catch (error) {
      // The contract's or the settings' own problems, each line saying what to change: said as
      // such, with what to do next, not as a crash to debug.
      if ((error as Error)?.name === 'ContractLoadError' || error instanceof TopologyError) {
        throw couldNotRun((error as Error).message, `Fix the contract (${path.relative(process.cwd(), specPath) || specPath}), then draw again.`, error);
      }
      if (error instanceof SettingsError) {
        const file = settingsPath === undefined ? undefined : path.relative(process.cwd(), settingsPath) || settingsPath;
        const own = path.resolve(specPath) === path.resolve(project.spec);
        const next = file === undefined ? `Give the settings of ${specShown} with --settings <file>, then draw again.` : own ? `Fix the settings (${file}), then draw again.` : `Give the settings of ${specShown} with --settings <file> (or fix ${file}), then draw again.`;
        throw couldNotRun(error.message, next, error);
      }
      throw error;
    }
    io.out(settings.file !== undefined ? `diagram: ${specShown} drawn with ${settings.said}.` : `diagram: ${specShown} drawn with the framework's default settings: ${settings.said}; give its own with --settings <file>.`);
    if (values.check) {
      if (existsSync(out) && readFileSync(out, 'utf8') === svg) {
        io.out(`diagram: ${shown} is up to date.`);
        return 0;
      }
      const flags = `${values.spec ? ` --spec ${specPath}` : ''}${values.settings ? ` --settings ${values.settings as string}` : ''}${values.out ? ` --out ${shown}` : ''}`;
      throw checkFailed(`${shown} is ${existsSync(out) ? 'stale: the contract or the settings changed since it was drawn' : 'missing'}`, `Run: npm run diagram${flags ? ` --${flags}` : ''}, and commit it.`);
    }
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, svg);
    io.out(`diagram: wrote ${shown} (${svg.length} bytes).`);
    return 0;
  }),
};

if (isEntry(import.meta)) await main(diagramProgram);
