/**
 * The type generator's results are remembered (node_modules/.cache/sluice-types/, keyed by the
 * schema, Modelina's version and the generator's options): codegen gives the same files from them
 * as from Modelina, a changed schema runs Modelina again, `SLUICE_PARSE_CACHE=0` keeps nothing, a
 * damaged entry is made again. With every schema remembered (and the parser's result too), codegen
 * does not load Modelina at all: its package index loads every input processor (the AsyncAPI
 * parser, the TypeScript compiler), over a second of CPU in each codegen and codegen:check. The
 * naming helpers codegen takes from Modelina come from their own modules, and are the objects its
 * index exports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatHelpers, TypeScriptGenerator, typeScriptDefaultModelNameConstraints } from '@asyncapi/modelina';
import { generate, type GeneratedFile } from '@sluice/codegen';
import { MODEL_NAME_OPTIONS } from '../src/identifiers.ts';
import { cacheProject, entriesOf, thingSchema } from './cache-project.ts';

const root = path.resolve(import.meta.dirname, '../../..');

const SPEC = `asyncapi: 3.0.0
info: { title: Type cache, version: 1.0.0 }
channels:
  things:
    address: things
    messages:
      thingHappened: { $ref: '#/components/messages/ThingHappened' }
      thingGone: { $ref: '#/components/messages/ThingGone' }
operations:
  sendThing:
    action: send
    channel: { $ref: '#/channels/things' }
components:
  messages:
    ThingHappened:
      name: ThingHappened
      payload: { $ref: 'schemas/thing.json' }
    ThingGone:
      name: ThingGone
      payload:
        type: object
        properties: { id: { type: string }, reason: { type: string, enum: [sold, lost] } }
        required: [id]
`;
const schema = (properties: Record<string, unknown>) => thingSchema(properties, 'Thing');

/** A project folder (a node_modules, where the caches live) holding the spec and its schema. */
function project(): { spec: string; types: string; write: (file: string, text: string) => void } {
  const p = cacheProject('type-cache-', SPEC, schema({ id: { type: 'string' } }));
  return { spec: p.spec, types: p.cache('sluice-types'), write: p.write };
}
const entries = entriesOf;
const typesOf = (files: GeneratedFile[]) => files.find((f) => f.path === 'types.d.ts')!.content;
const options = (spec: string) => ({ specPath: spec, packageName: '@things/contract' });

describe('the type cache', () => {
  const saved = process.env.SLUICE_PARSE_CACHE;
  beforeEach(() => {
    delete process.env.SLUICE_PARSE_CACHE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SLUICE_PARSE_CACHE;
    else process.env.SLUICE_PARSE_CACHE = saved;
  });

  it('gives the same files from remembered types as from the type generator, one entry per schema', async () => {
    const p = project();
    process.env.SLUICE_PARSE_CACHE = '0';
    const fresh = await generate(options(p.spec));
    expect(entries(p.types)).toEqual([]);
    delete process.env.SLUICE_PARSE_CACHE;
    expect(await generate(options(p.spec))).toEqual(fresh);
    // One entry per schema the types are made of (each payload, each headers schema declared).
    const written = entries(p.types);
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(await generate(options(p.spec))).toEqual(fresh);
    expect(entries(p.types)).toEqual(written);
    expect(typesOf(fresh)).toMatch(/export interface Thing \{[^}]*'id': string;/);
  });

  it('runs the type generator again for a changed schema, and its types change with it', async () => {
    const p = project();
    await generate(options(p.spec));
    const before = entries(p.types).length;
    p.write('schemas/thing.json', schema({ id: { type: 'string' }, colour: { type: 'string' } }));
    const changed = await generate(options(p.spec));
    expect(typesOf(changed)).toMatch(/'colour': string;/);
    expect(entries(p.types).length).toBe(before + 1);
  });

  it('keeps nothing with SLUICE_PARSE_CACHE=0', async () => {
    const p = project();
    process.env.SLUICE_PARSE_CACHE = '0';
    await generate(options(p.spec));
    await generate(options(p.spec));
    expect(existsSync(p.types)).toBe(false);
  });

  it('makes a damaged or foreign entry again instead of using it', async () => {
    const p = project();
    const first = await generate(options(p.spec));
    const written = entries(p.types);
    writeFileSync(path.join(p.types, written[0]!), '{"cut short');
    writeFileSync(path.join(p.types, written[1]!), JSON.stringify({ not: 'a list of models' }));
    expect(await generate(options(p.spec))).toEqual(first);
    for (const file of written.slice(0, 2)) expect(Array.isArray(JSON.parse(readFileSync(path.join(p.types, file), 'utf8')))).toBe(true);
  });

  it('does not load Modelina when every type is remembered, and loads it for a schema it has not seen', () => {
    const p = project();
    // A fresh process each time, as `npm run codegen` is, in the project's folder: which of Modelina's modules did it load?
    const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    const codegen = pathToFileURL(path.join(root, 'packages/codegen/src/index.ts')).href;
    const loaded = () => {
      const out = spawnSync(
        process.execPath,
        [
          '--import',
          tsx,
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module';
           const { generate } = await import(${JSON.stringify(codegen)});
           await generate({ specPath: ${JSON.stringify(p.spec)}, packageName: '@things/contract' });
           const modules = Object.keys(createRequire(import.meta.url).cache);
           console.log(JSON.stringify({ index: modules.some((m) => /@asyncapi[\\/]modelina[\\/]lib[\\/]cjs[\\/]index\.js$/.test(m)), compiler: modules.some((m) => /typescript-json-schema/.test(m)) }));`,
        ],
        { cwd: path.dirname(p.spec), encoding: 'utf8', timeout: 60_000, env: { ...process.env, SLUICE_PARSE_CACHE: '' } },
      );
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout.trim().split('\n').pop()!) as { index: boolean; compiler: boolean };
    };
    expect(loaded()).toEqual({ index: true, compiler: true }); // nothing remembered yet
    expect(loaded()).toEqual({ index: false, compiler: false });
    p.write('schemas/thing.json', schema({ id: { type: 'string' }, size: { type: 'integer' } }));
    expect(loaded()).toEqual({ index: true, compiler: true });
  }, 120_000);
});

describe("Modelina's naming helpers, from their own modules", () => {
  it('are the objects its package index exports, with the option of its TypeScript generator the name constraint reads', () => {
    const own = createRequire(path.join(root, 'packages/codegen/src/identifiers.ts'));
    expect(own('@asyncapi/modelina/lib/cjs/helpers/FormatHelpers.js').FormatHelpers).toBe(FormatHelpers);
    expect(own('@asyncapi/modelina/lib/cjs/generators/typescript/constrainer/ModelNameConstrainer.js').defaultModelNameConstraints).toBe(typeScriptDefaultModelNameConstraints);
    expect(TypeScriptGenerator.defaultOptions.useJavascriptReservedKeywords).toBe(MODEL_NAME_OPTIONS.useJavascriptReservedKeywords);
  });
});
