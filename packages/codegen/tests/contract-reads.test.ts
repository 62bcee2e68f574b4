/**
 * parseContract reads each file of the contract once, and parses it as YAML once, for all the
 * checks it makes before the AsyncAPI parser (another major, unreachable and non-string `$ref`s,
 * self-containing aliases, fields beside a binding's `$ref`) and for the cache's key: whether the
 * parser then runs or its result is read back.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as yaml from 'yaml';
import { contractFiles, contractInputs } from '../src/contract-files.ts';
import { collectInputs } from '../src/freshness.ts';
import { parseContract } from '../src/parse-contract.ts';
import { cacheProject, thingSchema } from './cache-project.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** Every file read through node:fs by codegen's modules, and every text they parse as YAML. */
const reads = vi.hoisted(() => ({ files: [] as string[], yamlTexts: [] as string[] }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    reads.files.push(String(file));
    return (real.readFileSync as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof real.readFileSync;
  return { ...real, default: { ...real, readFileSync }, readFileSync };
});

vi.mock('yaml', async (importOriginal) => {
  const real = await importOriginal<typeof import('yaml')>();
  const parse = ((text: string, ...rest: unknown[]) => {
    reads.yamlTexts.push(text);
    return (real.parse as (...args: unknown[]) => unknown)(text, ...rest);
  }) as typeof real.parse;
  const parseDocument = ((text: string, ...rest: unknown[]) => {
    reads.yamlTexts.push(text);
    return (real.parseDocument as (...args: unknown[]) => unknown)(text, ...rest);
  }) as typeof real.parseDocument;
  return { ...real, default: { ...real, parse, parseDocument }, parse, parseDocument };
});

const SPEC = `asyncapi: 3.0.0
info: { title: Reads, version: 1.0.0 }
channels:
  things:
    address: things
    messages:
      thingHappened: { $ref: '#/components/messages/ThingHappened' }
    bindings:
      sqs: { queue: { $ref: 'bindings.yaml#/thingsQueue' }, bindingVersion: 0.2.0 }
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
const BINDINGS = `thingsQueue: { name: things, fifoQueue: false }
`;

describe('parseContract', () => {
  // The caches on, whatever the caller's environment says (Vitest puts it back after each test).
  beforeEach(() => {
    vi.stubEnv('SLUICE_PARSE_CACHE', undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads each file of the contract once and parses it as YAML once, the parser run or its result read back', async () => {
    const p = cacheProject('contract-reads-', SPEC, thingSchema({ id: { type: 'string' } }));
    p.write('bindings.yaml', BINDINGS);
    const dir = path.dirname(p.spec);
    const files = ['asyncapi.yaml', 'bindings.yaml', 'schemas/thing.json'];
    const texts = new Map(files.map((f) => [fs.readFileSync(path.join(dir, f), 'utf8'), f]));
    /** Per file of the contract: how many times it was read, and parsed as YAML. */
    const counted = () => {
      const count = (names: (string | undefined)[]) => Object.fromEntries(files.map((f) => [f, names.filter((n) => n === f).length]));
      return {
        read: count(reads.files.map((file) => path.relative(dir, path.resolve(file)))),
        yaml: count(reads.yamlTexts.map((text) => texts.get(text))),
      };
    };
    const once = Object.fromEntries(files.map((f) => [f, 1]));
    for (const cached of [false, true]) {
      reads.files.length = 0;
      reads.yamlTexts.length = 0;
      const parsed = await parseContract(p.spec);
      expect(parsed.errors).toEqual([]);
      expect(parsed.cached).toBe(cached);
      expect(counted(), cached ? 'read back' : 'parsed').toEqual({ read: once, yaml: once });
    }
  }, 60_000);

  it('keys its cache by the files collectInputs lists for the generated files, or none where collectInputs throws', () => {
    const p = cacheProject('contract-inputs-', SPEC, thingSchema({ id: { type: 'string' } }));
    p.write('bindings.yaml', BINDINGS);
    const specs = [
      p.spec,
      ...['asyncapi.yaml', 'packages/codegen/tests/fixtures/two-messages/asyncapi.yaml', 'packages/codegen/tests/fixtures/remote/asyncapi.yaml', 'packages/create/tests/fixtures/public/adeo-kafka-request-reply-asyncapi.yml'].map((f) => path.join(root, f)),
      path.join(root, 'packages/codegen/tests/fixtures/unresolved-refs/asyncapi.yaml'),
    ];
    // A $ref to a missing file, to a file that does not parse: both throw.
    p.write('missing.yaml', "asyncapi: 3.0.0\ncomponents: { schemas: { X: { $ref: 'nowhere.json' } } }\n");
    p.write('broken.yaml', "asyncapi: 3.0.0\ncomponents: { schemas: { X: { $ref: 'bad.yaml' } } }\n");
    p.write('bad.yaml', 'a: [unclosed\n');
    const dir = path.dirname(p.spec);
    specs.push(path.join(dir, 'missing.yaml'), path.join(dir, 'broken.yaml'));
    const listed = (list: () => string[]) => {
      try {
        return list();
      } catch (error) {
        return `threw ${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
    };
    // What each lists, written out (collectInputs is contractInputs on a reading of its own: each is checked against these, not against the other).
    const rel = (files: string[] | string) => (typeof files === 'string' ? files : files.map((f) => path.relative(root, f)));
    const expected: Record<string, string[]> = {
      'asyncapi.yaml': ['asyncapi.yaml', 'schemas/order-placed.v1.json'],
      'packages/codegen/tests/fixtures/two-messages/asyncapi.yaml': ['asyncapi.yaml', 'schemas/payment-captured.json', 'schemas/refund-issued.json'].map((f) => `packages/codegen/tests/fixtures/two-messages/${f}`),
      // A remote $ref is left out.
      'packages/codegen/tests/fixtures/remote/asyncapi.yaml': ['packages/codegen/tests/fixtures/remote/asyncapi.yaml'],
      'packages/create/tests/fixtures/public/adeo-kafka-request-reply-asyncapi.yml': ['packages/create/tests/fixtures/public/adeo-kafka-request-reply-asyncapi.yml'],
      'packages/codegen/tests/fixtures/unresolved-refs/asyncapi.yaml': ['asyncapi.yaml', 'bindings.json', 'other.json', 'queues.yaml', 'schemas.json'].map((f) => `packages/codegen/tests/fixtures/unresolved-refs/${f}`),
    };
    for (const [spec, files] of Object.entries(expected)) {
      expect(rel(listed(() => contractInputs(path.join(root, spec), contractFiles()))), spec).toEqual(files);
      expect(rel(listed(() => collectInputs(path.join(root, spec)))), spec).toEqual(files);
    }
    for (const spec of specs.slice(-2)) expect(listed(() => contractInputs(spec, contractFiles())), spec).toEqual(listed(() => collectInputs(spec)));
    expect([p.spec, ...specs.slice(-2)].map((spec) => listed(() => collectInputs(spec)))).toEqual([expect.any(Array), expect.stringMatching(/^threw ENOENT: /), expect.stringMatching(/^threw BAD_INDENT: .* at line 2, column 1:/)]);
    expect(collectInputs(p.spec)).toHaveLength(3);
  });
});
