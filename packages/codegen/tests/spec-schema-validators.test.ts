/**
 * shareSpecSchemaValidators: the AsyncAPI schema the parser checks each document against is
 * compiled at the first parse of a process, not at every parse; what the parser says of these
 * documents (every diagnostic: errors, warnings, their paths and lines) is what it says without the
 * sharing; and a document's own schema that borrows the name of the parser's copy of the AsyncAPI
 * schema is not taken for it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { specSchemaValidator } from '../src/spec-schema-code.ts';
import { shareSpecSchemaValidators } from '../src/spec-schema-validators.ts';
import { startNode, type RunResult } from '../../../tests/helpers/start-node.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
const SPEC_VARIANT_ID = /^http:\/\/asyncapi\.com\/definitions\/[^/]+\/asyncapi-(resolved|unresolved)\.json$/;

/** ajv's compile, as the parser's Spectral loads it (its `ajv`, draft-07, the AsyncAPI schema's dialect). */
function ajvCompileOwner(): { compile: (schema: unknown) => unknown } {
  const parser = require.resolve('@asyncapi/parser');
  const functions = require.resolve('@stoplight/spectral-functions', { paths: [path.dirname(parser)] });
  const { default: Ajv } = require(require.resolve('ajv', { paths: [path.dirname(functions)] })) as { default: { prototype: object } };
  for (let proto: object | null = Ajv.prototype; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.prototype.hasOwnProperty.call(proto, 'compile')) return proto as { compile: (schema: unknown) => unknown };
  }
  throw new Error("no compile on ajv's prototypes");
}

/** Documents written by others and by this repository, valid and not, in the order they are parsed. */
const DOCUMENTS = [
  'asyncapi.yaml',
  'packages/codegen/tests/fixtures/refused/asyncapi.yaml',
  'packages/model/tests/fixtures/bindings/springwolf-sqs.json',
  'packages/codegen/tests/fixtures/two-messages/asyncapi.yaml',
  'packages/model/tests/fixtures/bindings/sns-sqs-pub-sub.yaml',
].map((file) => path.join(root, file));

const dir = mkdtempSync(path.join(tmpdir(), 'spec-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A document the schema refuses in several places (no info.version, a channel address that is a number, an unknown field). */
const broken = path.join(dir, 'broken.yaml');
writeFileSync(
  broken,
  `asyncapi: 3.0.0
info: { title: Broken }
channels:
  things:
    address: 42
    messages:
      thing: { payload: { type: object, properties: { id: { type: string } } }, examples: [{ payload: { id: 7 } }] }
operations:
  sendThing: { action: send, channel: { $ref: '#/channels/things' }, colour: blue }
`,
);
DOCUMENTS.splice(2, 0, broken);

/** Every diagnostic the parser gives each document, in order, in one process: as parse-contract.ts uses the parser. */
async function diagnosticsOf(files: readonly string[]): Promise<unknown[]> {
  const { Parser, fromFile } = await import('@asyncapi/parser');
  const out: unknown[] = [];
  for (const file of files) {
    const { diagnostics } = await fromFile(new Parser(), file).parse();
    out.push(diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, path: d.path, line: d.range?.start.line })));
  }
  return out;
}

/**
 * {@link diagnosticsOf} in a process of its own, which shares (SHARE=1) or not (`SLUICE_PARSE_CACHE=0`),
 * with the number of times ajv compiled a copy of the AsyncAPI schema there.
 */
const CHILD = `
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(path.join(process.cwd(), 'x.js'));
const functions = require.resolve('@stoplight/spectral-functions', { paths: [path.dirname(require.resolve('@asyncapi/parser'))] });
const { default: Ajv } = createRequire(functions)('ajv');
let proto = Ajv.prototype;
while (!Object.prototype.hasOwnProperty.call(proto, 'compile')) proto = Object.getPrototypeOf(proto);
const compile = proto.compile;
let specCompiles = 0;
proto.compile = function (schema, ...rest) {
  if (/^http:\\/\\/asyncapi\\.com\\/definitions\\/[^/]+\\/asyncapi-(resolved|unresolved)\\.json$/.test(String(schema?.$id))) specCompiles++;
  return compile.call(this, schema, ...rest);
};
const { Parser, fromFile } = await import('@asyncapi/parser');
const shared = (await import(${JSON.stringify(path.join(root, 'packages/codegen/src/spec-schema-validators.ts'))})).shareSpecSchemaValidators();
if (shared !== (process.env.SHARE === '1')) throw new Error('shared: ' + shared);
const diagnostics = [];
for (const file of JSON.parse(process.env.DOCUMENTS)) {
  const parsed = await fromFile(new Parser(), file).parse();
  diagnostics.push(parsed.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, path: d.path, line: d.range?.start.line })));
}
console.log(JSON.stringify({ diagnostics, specCompiles }));
`;

function child(share: boolean, documents: readonly string[] = DOCUMENTS): { diagnostics: unknown[]; specCompiles: number } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { ...childOptions(share, documents), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { diagnostics: unknown[]; specCompiles: number };
}

function childOptions(share: boolean, documents: readonly string[]) {
  return {
    cwd: path.join(root, 'packages/codegen'),
    env: { ...process.env, DOCUMENTS: JSON.stringify(documents), SHARE: share ? '1' : '0', SLUICE_PARSE_CACHE: share ? '1' : '0' },
    timeout: 60_000,
  };
}

/** {@link child} without blocking this process: its exit status, output and errors. */
function startChild(share: boolean, documents: readonly string[] = DOCUMENTS): Promise<RunResult> {
  return startNode(['--input-type=module', '-e', CHILD], childOptions(share, documents));
}

/**
 * Every document parsed without the sharing (SLUICE_PARSE_CACHE=0: the AsyncAPI schema compiled at
 * each parse, seconds of CPU), started with the file: it reads and writes none of the kept modules
 * the tests below look at or damage, so it runs beside them, and the test that compares with it waits for it.
 */
let unshared: Promise<{ status: number | null; stdout: string; stderr: string }> | undefined;
const unsharedRun = () => (unshared ??= startChild(false));
beforeAll(() => void unsharedRun().catch(() => undefined));
afterAll(async () => {
  await unshared?.catch(() => undefined);
});

/** The modules kept for the compiled copies of the AsyncAPI schema (spec-schema-code.ts). */
const keptFolder = path.join(root, 'node_modules', '.cache', 'sluice-asyncapi-schema');

describe('shareSpecSchemaValidators', () => {
  it('compiles the AsyncAPI schema at the first parse of the process only', async () => {
    expect(shareSpecSchemaValidators()).toBe(true);
    const owner = ajvCompileOwner();
    const compile = vi.spyOn(owner, 'compile');
    const specCompiles = () => compile.mock.calls.filter(([schema]) => SPEC_VARIANT_ID.test(String((schema as { $id?: unknown } | undefined)?.$id))).length;
    try {
      const { Parser, fromFile } = await import('@asyncapi/parser');
      const first = await fromFile(new Parser(), DOCUMENTS[0]!).parse();
      expect(first.document).toBeDefined();
      const afterFirst = specCompiles();
      // Each later parse (the same document, others, one the schema refuses) compiles none of it again.
      for (const file of [DOCUMENTS[0]!, broken, DOCUMENTS[1]!]) await fromFile(new Parser(), file).parse();
      expect(specCompiles()).toBe(afterFirst);
    } finally {
      compile.mockRestore();
    }
  }, 60_000);

  it('changes nothing the parser says: every diagnostic of these documents, parsed in one process, as without it (SLUICE_PARSE_CACHE=0 turns it off)', async () => {
    expect(shareSpecSchemaValidators()).toBe(true);
    const shared = await diagnosticsOf(DOCUMENTS);
    const run = await unsharedRun();
    expect(run.status, run.stderr).toBe(0);
    const alone = JSON.parse(run.stdout) as { diagnostics: unknown[]; specCompiles: number };
    expect(shared).toEqual(alone.diagnostics);
    expect(alone.specCompiles).toBeGreaterThan(0);
    // The comparison compares something: the broken document's errors are there.
    const brokenErrors = (shared[DOCUMENTS.indexOf(broken)] as { severity: number; path: unknown[] }[]).filter((d) => d.severity === 0);
    expect(brokenErrors.map((d) => d.path.join('.'))).toEqual(expect.arrayContaining(['info', 'channels.things.address']));
  }, 120_000);

  it("checks a document's own schema that borrows the $id of the parser's copy of the AsyncAPI schema against itself, not the AsyncAPI schema", async () => {
    expect(shareSpecSchemaValidators()).toBe(true);
    // AsyncAPI 2 (its ruleset checks an example against its payload through Spectral; the framework reads 3 only).
    const borrowed = path.join(dir, 'borrowed-id.yaml');
    writeFileSync(
      borrowed,
      `asyncapi: 2.6.0
info: { title: Borrowed, version: 1.0.0 }
channels:
  things:
    publish:
      message:
        payload:
          $id: http://asyncapi.com/definitions/2.6.0/asyncapi-resolved.json
          type: object
          properties: { id: { type: string } }
        examples:
          - payload: { id: 7 }
`,
    );
    const [diagnostics] = (await diagnosticsOf([DOCUMENTS[0]!, borrowed])).slice(1) as { severity: number; message: string }[][];
    const errors = diagnostics!.filter((d) => d.severity === 0).map((d) => d.message);
    // Not checked against the AsyncAPI schema ("must have required property \"asyncapi\"", as each document once was).
    expect(errors).toEqual(['"id" property type must be string']);
  }, 60_000);

  it('keeps the compiled AsyncAPI schema for the next process, which compiles none of it and says the same; a kept module that is no validator is compiled and kept again', async () => {
    expect(shareSpecSchemaValidators()).toBe(true);
    const documents = [DOCUMENTS[0]!, broken];
    const expected = await diagnosticsOf(documents); // this process keeps the modules, when none was kept
    expect(child(true, documents)).toEqual({ diagnostics: expected, specCompiles: 0 });
    // Damaged: a write cut short (a file that does not load), an empty file (which loads as {}).
    // Another test process may mend one first: what is checked is that the parse is right and the
    // modules are whole again after it, not who mended them.
    const kept = () => readdirSync(keptFolder).filter((f) => f.endsWith('.cjs'));
    expect(kept().length).toBeGreaterThan(0);
    try {
      for (const damage of ['module.exports = (', '']) {
        for (const file of kept()) writeFileSync(path.join(keptFolder, file), damage);
        expect(child(true, documents).diagnostics, JSON.stringify(damage)).toEqual(expected);
        expect(child(true, documents), JSON.stringify(damage)).toEqual({ diagnostics: expected, specCompiles: 0 });
      }
    } finally {
      // Modules of other AsyncAPI versions this test damaged and did not parse again: gone, not left damaged.
      const require = createRequire(import.meta.url);
      for (const file of kept()) {
        delete require.cache[path.join(keptFolder, file)]; // as it is now, not as this process loaded it before
        try {
          if (typeof require(path.join(keptFolder, file)) !== 'function') throw new Error('no validator');
        } catch {
          rmSync(path.join(keptFolder, file), { force: true });
        }
      }
    }
  }, 120_000);

  it('uses the validator it compiled where nothing can be written (a read-only node_modules), instead of leaving it to be compiled a second time', () => {
    // An installation of the parser whose node_modules/.cache cannot be a folder.
    const project = mkdtempSync(path.join(tmpdir(), 'unwritable-'));
    try {
      const parserMain = require.resolve('@asyncapi/parser');
      const parserFolder = path.join(parserMain.slice(0, parserMain.lastIndexOf(`${path.sep}node_modules${path.sep}`)), 'node_modules', '@asyncapi', 'parser');
      mkdirSync(path.join(project, 'node_modules', '@asyncapi'), { recursive: true });
      symlinkSync(parserFolder, path.join(project, 'node_modules', '@asyncapi', 'parser'));
      symlinkSync(path.join(path.dirname(parserFolder), '..', '@stoplight'), path.join(project, 'node_modules', '@stoplight'));
      writeFileSync(path.join(project, 'node_modules', '.cache'), 'a file where the cache folder would be');
      const parserRequire = createRequire(parserMain);
      const { getSchema } = parserRequire('./ruleset/functions/documentStructure.js') as { getSchema: (formats: Set<unknown>, resolved: boolean) => Record<string, unknown> };
      const { AsyncAPIFormats } = parserRequire('./ruleset/formats.js') as { AsyncAPIFormats: Iterable<[string, unknown]> };
      const format = [...AsyncAPIFormats].find(([version]) => version === '3.0.0')![1];
      const validate = specSchemaValidator(path.join(project, 'node_modules', '@asyncapi', 'parser', path.relative(parserFolder, parserMain)), getSchema(new Set([format]), true), 'draft7', true);
      expect(validate).toBeTypeOf('function');
      expect(validate!({ asyncapi: '3.0.0', info: { title: 'T', version: '1.0.0' } })).toBe(true);
      expect(validate!({ asyncapi: '3.0.0' })).toBe(false);
      expect(readdirSync(path.join(project, 'node_modules'))).toEqual(['.cache', '@asyncapi', '@stoplight']);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);

  it("keeps the modules in the project's top-level node_modules/.cache however the package manager lays the parser out (npm: beside it, or inside another package; pnpm: in node_modules/.pnpm)", () => {
    const parserMain = require.resolve('@asyncapi/parser');
    const parserFolder = path.join(parserMain.slice(0, parserMain.lastIndexOf(`${path.sep}node_modules${path.sep}`)), 'node_modules', '@asyncapi', 'parser');
    const stoplight = path.join(path.dirname(parserFolder), '..', '@stoplight');
    const layouts = {
      npm: 'node_modules',
      'npm, nested': 'node_modules/@sluice/codegen/node_modules',
      pnpm: 'node_modules/.pnpm/@asyncapi+parser@3.6.6/node_modules',
    };
    /** Per layout: the folder the module was kept in, relative to the project. */
    const keptIn: Record<string, string[]> = {};
    for (const [layout, modules] of Object.entries(layouts)) {
      const project = mkdtempSync(path.join(tmpdir(), 'layout-'));
      try {
        // The parser and Spectral's packages where this package manager puts them (links to the installed ones).
        const installed = path.join(project, ...modules.split('/'));
        mkdirSync(path.join(installed, '@asyncapi'), { recursive: true });
        symlinkSync(parserFolder, path.join(installed, '@asyncapi', 'parser'));
        symlinkSync(stoplight, path.join(installed, '@stoplight'));
        const main = path.join(installed, '@asyncapi', 'parser', path.relative(parserFolder, parserMain));
        const validate = specSchemaValidator(main, { $id: `urn:layout:${layout.replace(/\W+/g, '-')}`, type: 'object', required: ['asyncapi'] }, 'draft7', true);
        expect(validate, layout).toBeTypeOf('function');
        expect(validate!({ asyncapi: '3.0.0' }), layout).toBe(true);
        // Every module kept under the project (the linked packages hold .cjs files of their own, in no .cache).
        const files = (readdirSync(project, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/'));
        keptIn[layout] = files.filter((f) => f.endsWith('.cjs') && f.includes('/.cache/')).map((f) => path.posix.dirname(f));
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    }
    const top = ['node_modules/.cache/sluice-asyncapi-schema'];
    expect(keptIn).toEqual({ npm: top, 'npm, nested': top, pnpm: top });
  }, 60_000);
});

