/**
 * `npm run docs`: renders the contract as browsable HTML with AsyncAPI's own HTML template.
 *
 * This drives `@asyncapi/generator` 3.x through its API. The AsyncAPI CLI 6.x in devDependencies
 * bundles the same generator and renders the template as well:
 *   asyncapi generate fromTemplate asyncapi.yaml @asyncapi/html-template -p singleFile=true \
 *     -o docs-out --force-write --no-interactive
 * (CLI 6 has no `--use-new-generator` flag: passing it is an error). It is not used here because
 * it checks that the npm registry answers before every run, so it fails offline; it re-transpiles
 * the template every time; it sends metrics unless set up as lint-cli.ts does; and its page would
 * lack `finishDocsPage` below. (Name the template by package: a relative path without `./` is
 * taken for a package name and installed into the generator's own node_modules.) Through the API
 * nothing is fetched: the template is installed from the lockfile, and the page it writes loads
 * only its own files.
 *
 * The generator transpiles the template with Babel into the template's own `__transpiled/` folder
 * on every run (about 30 s). The copy published in html-template 3.5.6 cannot be used instead: it
 * requires React by an absolute path on the template's CI machine. So the first run transpiles,
 * leaves a marker beside the template, and later runs reuse the result (`compile: false`,
 * about 8 s). `npm ci` wipes both together. Renders starting together on a fresh install transpile
 * once: the others wait for the first (oncePerInstall).
 *
 * The page opens on the messages (docs-first-view.ts): the template's `config` expands their
 * examples, and `finishDocsPage` their payloads and headers, which the template has no setting
 * for, and makes inline code in descriptions look like code rather than `backticked`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isEntry, main, versionOf, type ProgramSpec } from '@sluice/cli';
import { loadProject } from '@sluice/model';
import { settingsForContract } from './contract-settings.ts';
import { contractTextInert, DOCS_TEMPLATE_CONFIG, finishDocsPage } from './docs-first-view.ts';
import { couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';
import { oncePerInstall } from './once-per-install.ts';
import { contractPicture, embedTopology } from './topology-picture.ts';

const require = createRequire(import.meta.url);

/** The folder `npm run docs` writes to; git-ignored. */
export const DEFAULT_DOCS_DIR = 'docs-out';

interface GeneratorInstance {
  generate(document: unknown): Promise<void>;
}
type GeneratorClass = new (template: string, targetDir: string, options: Record<string, unknown>) => GeneratorInstance;

/**
 * Renders `specPath` into `outDir/index.html` with @asyncapi/html-template: one page, scripts and
 * styles inlined, message examples open. With `settingsPath`, the topology picture (publishers →
 * topics → queues → DLQs → functions → tables) heads the page and is also written to
 * `outDir/topology.svg`.
 *
 * @returns the path of the page written
 * @throws ContractLoadError when the document is not a valid AsyncAPI document
 *
 * @example
 * ```ts
 * import { renderDocs } from '@sluice/governance';
 *
 * const page = await renderDocs({ specPath: 'asyncapi.yaml', outDir: 'docs-out', settingsPath: 'src/settings.ts' }); // '/repo/docs-out/index.html'
 * ```
 */
export async function renderDocs(options: { specPath: string; outDir: string; settingsPath?: string }): Promise<string> {
  // The generator's own parse errors are terse; fail first with the project's message.
  // (Loaded here, not at the top: the AsyncAPI parser takes seconds to load, and --help should not wait for it.)
  const { loadParsedContract } = await import('./contract-document.ts');
  const { parsed } = await loadParsedContract(options.specPath);
  // The generator renders the parser's document as it is handed over: given the file, it would
  // parse it again itself (about 2 s of CPU: the AsyncAPI schemas compiled, the parser's rules set
  // up), when the parse above was mostly remembered by codegen's parse cache. Built with the
  // parser's own function, from the package the generator loads, so that it takes it as parsed.
  const generatorRequire = createRequire(require.resolve('@asyncapi/generator'));
  const { toAsyncAPIDocument } = generatorRequire('@asyncapi/parser/cjs/document') as { toAsyncAPIDocument(document: unknown): unknown };
  const document = toAsyncAPIDocument(parsed);
  const Generator: GeneratorClass = require('@asyncapi/generator');
  const templateManifest = require.resolve('@asyncapi/html-template/package.json');
  const template = path.dirname(templateManifest);
  const { version } = require(templateManifest) as { version: string };
  // Beside the template it marks (not in the working directory's node_modules/.cache): every
  // project sharing this install (a copy, a fixture) shares its transpiled template, and its lock.
  const marker = path.join(template, `.sluice-transpiled-${version}`);
  const generate = (compile: boolean) =>
    new Generator(template, path.resolve(options.outDir), {
      forceWrite: true,
      compile,
      // One file with its script and styles inlined: opens from disk, can be attached as a CI artifact.
      // `config` opens the message examples; see docs-first-view.ts.
      templateParams: { singleFile: 'true', outFilename: 'index.html', config: JSON.stringify(DOCS_TEMPLATE_CONFIG) },
    }).generate(document);
  // The first render of an install transpiles the template in place, alone: a render started
  // meanwhile waits for it instead of reading a half-written template (once-per-install.ts).
  const outcome = await oncePerInstall(marker, () => generate(true), { note: `${template}/__transpiled was written by @asyncapi/generator for this install.` });
  if (outcome !== 'did') await generate(false);
  const page = path.join(path.resolve(options.outDir), 'index.html');
  // The contract's text made inert first (the template writes some of it unescaped), then the first view.
  const info = (document as { info(): { title(): string; version(): string } }).info();
  let html = finishDocsPage(contractTextInert(readFileSync(page, 'utf8'), { title: info.title(), version: info.version() }));
  if (options.settingsPath !== undefined) {
    const svg = await contractPicture({ specPath: options.specPath, settingsPath: options.settingsPath });
    writeFileSync(path.join(path.resolve(options.outDir), 'topology.svg'), svg);
    html = embedTopology(html, svg);
  }
  writeFileSync(page, html);
  return page;
}

/** The `docs` command (`npm run docs`): renders the contract's HTML docs with {@link renderDocs}. */
export const docsProgram: ProgramSpec = {
  name: 'docs',
  invocation: 'npm run docs --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'render the contract as one HTML page, offline',
  description: `Renders the contract (channels, operations, messages, every payload field with its type,
constraints and examples, the SNS message attributes) to one self-contained HTML page, offline,
with AsyncAPI's HTML template, headed by the topology picture (publishers, topics, subscriptions and
their filter policies, queues, dead-letter queues, functions, tables, alarms; also written to
<out>/topology.svg). The page opens with every message's payload, headers and examples expanded.
Open <out>/index.html in a browser.`,
  epilog: exitCodesHelp({
    ok: 'the page is written',
    couldNotRun: 'a usage error, a contract that does not load, settings that do not fit it, a failure of the renderer',
  }),
  options: {
    spec: { type: 'string', valueName: 'file', description: 'AsyncAPI document', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
    out: { type: 'string', valueName: 'dir', path: true, description: 'output folder (git-ignored); index.html is overwritten', defaultText: DEFAULT_DOCS_DIR },
    settings: { type: 'string', valueName: 'file', existing: true, description: 'settings module for the topology picture (functions, tables, alarms)', defaultText: "eventContract.settings of the contract's project; without one, no picture" },
  },
  run: failuresExitTwo(async ({ values, io }) => {
    const started = performance.now();
    const { ContractLoadError } = await import('./contract-document.ts');
    let page: string;
    const project = loadProject();
    const specPath = (values.spec as string | undefined) ?? project.spec;
    // The project's settings fit the project's contract; another contract brings its own (its project's), or has no picture.
    const settings = settingsForContract(specPath, values.settings as string | undefined, project);
    const settingsPath = settings.file;
    if (settingsPath === undefined) io.err(`docs: no topology picture: ${specPath}: ${settings.said}; pass --settings <file> to draw it.`);
    try {
      page = await renderDocs({ specPath, outDir: (values.out as string | undefined) ?? DEFAULT_DOCS_DIR, ...(settingsPath !== undefined ? { settingsPath } : {}) });
    } catch (error) {
      if (error instanceof ContractLoadError) throw couldNotRun(error.message, 'Fix the contract (npm run contract:lint says more), then render again.');
      throw error;
    }
    if (settingsPath !== undefined) io.out(`docs: topology picture on the page and in ${path.relative(process.cwd(), path.join(path.dirname(page), 'topology.svg'))}, drawn with ${settings.said}`);
    io.out(`docs: wrote ${path.relative(process.cwd(), page)} in ${((performance.now() - started) / 1000).toFixed(1)} s; open it in a browser.`);
    return 0;
  }),
};

if (isEntry(import.meta)) await main(docsProgram);
