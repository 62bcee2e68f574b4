/**
 * parseContract: what the parser returned for a valid document is kept and read back while the
 * document and every file it references are unchanged; any change (the spec or a referenced
 * schema) parses again; a refused document is parsed, and its errors reported, every time.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARSE_CACHE_ENTRIES, parseContract, parserErrorLines } from '@sluice/codegen/parse';
import { readContract } from '@sluice/codegen';
import { cacheProject, entriesOf, thingSchema } from './cache-project.ts';

const SPEC = `asyncapi: 3.0.0
info: { title: Parse cache, version: 1.0.0 }
channels:
  things:
    address: things
    messages:
      thingHappened: { $ref: '#/components/messages/ThingHappened' }
operations:
  sendThing:
    action: send
    channel: { $ref: '#/channels/things' }
components:
  messages:
    ThingHappened:
      name: ThingHappened
      payload: { $ref: 'schemas/thing.json' }
`;
const schema = (properties: Record<string, unknown>) => thingSchema(properties);

/** A project folder (with a node_modules, where the cache lives) holding the spec and its schema. */
function project(): { spec: string; cache: string; write: (file: string, text: string) => void } {
  const p = cacheProject('parse-cache-', SPEC, schema({ id: { type: 'string' } }));
  return { spec: p.spec, cache: p.cache('sluice-asyncapi'), write: p.write };
}
const entries = entriesOf;
const payloadOf = (document: Record<string, any> | undefined) => document?.components.messages.ThingHappened.payload;

describe('parseContract', () => {
  const saved = process.env.SLUICE_PARSE_CACHE;
  beforeEach(() => {
    delete process.env.SLUICE_PARSE_CACHE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SLUICE_PARSE_CACHE;
    else process.env.SLUICE_PARSE_CACHE = saved;
  });

  it('parses a valid document once, then reads the same result back without the parser', async () => {
    const p = project();
    const first = await parseContract(p.spec);
    expect(first.cached).toBe(false);
    expect(first.errors).toEqual([]);
    expect(entries(p.cache)).toHaveLength(1);
    const second = await parseContract(p.spec);
    expect(second.cached).toBe(true);
    expect(second.document).toEqual(JSON.parse(JSON.stringify(first.document)));
    expect(payloadOf(second.document).properties).toEqual({ id: expect.objectContaining({ type: 'string' }) });
  });

  it("reads back the parser's document, its shared objects shared again: a $ref's target, a recursive schema", async () => {
    const p = project();
    p.write('schemas/thing.json', JSON.stringify({ title: 'Thing', type: 'object', properties: { id: { type: 'string' }, parts: { type: 'array', items: { $ref: '#' } } } }));
    const first = await parseContract(p.spec);
    expect(first.cached).toBe(false);
    const second = await parseContract(p.spec);
    expect(second.cached, 'a recursive schema is remembered too').toBe(true);
    // One object under the channel and under components, as the parser resolves the $ref.
    expect(second.document!.channels.things.messages.thingHappened).toBe(second.document!.components.messages.ThingHappened);
    // Every place the parser's document holds an object met before (the object's first place), the same read back: cycles included.
    const aliases = first.document === undefined ? [] : aliasesOf(first.document);
    expect(aliases.some(([at, to]) => to.every((key, i) => at[i] === key)), 'the document holds a cycle').toBe(true);
    expect(aliasesOf(second.document!)).toEqual(aliases);
  });

  it('parses again when a file the document references changes, not only the spec', async () => {
    const p = project();
    await parseContract(p.spec);
    p.write('schemas/thing.json', schema({ id: { type: 'string' }, size: { type: 'integer' } }));
    const changed = await parseContract(p.spec);
    expect(changed.cached).toBe(false);
    expect(Object.keys(payloadOf(changed.document).properties)).toEqual(['id', 'size']);
    expect(entries(p.cache)).toHaveLength(2);
    // And back: the first version is still known.
    p.write('schemas/thing.json', schema({ id: { type: 'string' } }));
    const back = await parseContract(p.spec);
    expect(back.cached).toBe(true);
    expect(Object.keys(payloadOf(back.document).properties)).toEqual(['id']);
  });

  it('parses again when the spec changes', async () => {
    const p = project();
    await parseContract(p.spec);
    p.write('asyncapi.yaml', SPEC.replace('version: 1.0.0', 'version: 1.0.1'));
    const changed = await parseContract(p.spec);
    expect(changed.cached).toBe(false);
    expect(changed.document?.info.version).toBe('1.0.1');
  });

  it('never keeps a refused document: its errors are reported on every parse', async () => {
    const p = project();
    p.write('asyncapi.yaml', SPEC.replace('address: things', 'address: 42\n    bogus: true'));
    for (let i = 0; i < 2; i++) {
      const refused = await parseContract(p.spec);
      expect(refused.document).toBeUndefined();
      expect(refused.errors.length).toBeGreaterThan(0);
      expect(refused.errors.map((e) => e.path.join('.'))).toContain('channels.things.address');
    }
    expect(entries(p.cache)).toEqual([]);
  });

  it('says only the YAML syntax errors of a document that does not read as YAML: no schema errors about what the YAML parser made of it', async () => {
    const p = project();
    // A flow sequence left open under channels (and one under a message): the document read is not the one written.
    p.write('asyncapi.yaml', SPEC.replace('channels:\n', 'channels:\n  bad: [unclosed\n'));
    const refused = await parseContract(p.spec);
    expect(refused.document).toBeUndefined();
    expect(refused.errors.length).toBeGreaterThan(0);
    // The YAML package's words (as create says them too), at the line it stops reading; the AsyncAPI parser's were 'Invalid mixed usage of block and flow styles'.
    expect(refused.errors).toEqual([expect.objectContaining({ line: 5, column: 3, message: expect.stringMatching(/^Flow sequence in block collection must be sufficiently indented and end with a \]\n/) })]);
    // Before: "channels.null.… is not expected to be here" (line 1) and '"bad" property type must be object' came first.
    for (const e of refused.errors) expect(`${e.path.join('.')}: ${e.message}`).not.toMatch(/null|is not expected|must be object/);
  });

  it("names the file a syntax error is in when a $ref'd schema does not read as JSON, with that file's line (it blamed the spec, at the schema's line number)", async () => {
    const p = project();
    p.write('schemas/thing.json', '{\n "type": "object",\n "properties": {"id": {"type": "string",}}\n}\n');
    const refused = await parseContract(p.spec);
    expect(refused.document).toBeUndefined();
    expect(refused.errors.length).toBeGreaterThan(0);
    for (const e of refused.errors) expect(e).toMatchObject({ file: path.join(path.dirname(p.spec), 'schemas', 'thing.json'), line: 3 });
    expect(parserErrorLines(refused.errors)[0]).toMatch(/^ {2}- \S*schemas\/thing\.json \(line 3\): /);
  });

  it('keeps nothing with SLUICE_PARSE_CACHE=0, or outside a project (no node_modules above the spec)', async () => {
    const p = project();
    process.env.SLUICE_PARSE_CACHE = '0';
    expect((await parseContract(p.spec)).cached).toBe(false);
    expect((await parseContract(p.spec)).cached).toBe(false);
    expect(entries(p.cache)).toEqual([]);
  });

  it('keeps at most PARSE_CACHE_ENTRIES entries, removing the least recently used', async () => {
    const p = project();
    await parseContract(p.spec);
    const [used] = entries(p.cache);
    // Older entries than any other: the one just used, and as many others as the cache holds.
    const old = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < PARSE_CACHE_ENTRIES; i++) {
      const file = path.join(p.cache, `${String(i).padStart(64, '0')}.json`);
      writeFileSync(file, '{}');
      utimesSync(file, new Date(old.getTime() + i * 1000), new Date(old.getTime() + i * 1000));
    }
    utimesSync(path.join(p.cache, used!), old, old);
    expect((await parseContract(p.spec)).cached).toBe(true); // a hit marks it used again
    p.write('asyncapi.yaml', SPEC.replace('version: 1.0.0', 'version: 1.0.2'));
    await parseContract(p.spec); // a new entry: one too many
    const left = entries(p.cache);
    expect(left).toHaveLength(PARSE_CACHE_ENTRIES);
    expect(left).toContain(used);
    expect(left).not.toContain(`${'0'.repeat(64)}.json`); // the oldest of the others
  });

  it('gives codegen the same contract from the cache as from the parser', async () => {
    const p = project();
    process.env.SLUICE_PARSE_CACHE = '0';
    const parsed = await readContract(p.spec);
    delete process.env.SLUICE_PARSE_CACHE;
    await parseContract(p.spec);
    expect((await parseContract(p.spec)).cached).toBe(true);
    const fromCache = await readContract(p.spec);
    expect(fromCache).toEqual(parsed);
  });
});

/** Each place of `document` holding an object met earlier in a walk of it, with that object's first place. */
function aliasesOf(document: object): [string[], string[]][] {
  const first = new Map<object, string[]>();
  const found: [string[], string[]][] = [];
  const walk = (value: unknown, at: string[]) => {
    if (typeof value !== 'object' || value === null) return;
    const seen = first.get(value);
    if (seen) return void found.push([at, seen]);
    first.set(value, at);
    for (const [key, item] of Object.entries(value)) walk(item, [...at, key]);
  };
  walk(document, []);
  return found;
}
