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
import { parseContract } from '../src/parse-contract.ts';
import { cacheProject, thingSchema } from './cache-project.ts';

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
  const saved = process.env.SLUICE_PARSE_CACHE;
  beforeEach(() => {
    delete process.env.SLUICE_PARSE_CACHE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SLUICE_PARSE_CACHE;
    else process.env.SLUICE_PARSE_CACHE = saved;
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
});
