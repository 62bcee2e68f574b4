/**
 * Contract tests: the spec's examples, a corpus of invalid payloads, and the generated validator
 * against a runtime-compiled ajv of the same schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages, toIssues, type ValidationIssue } from '@orders/contract';
import { createAjv, readMessages, type MessageInfo } from '@sluice/codegen';

const root = path.resolve(import.meta.dirname, '../../../..');
const corpusDir = path.join(import.meta.dirname, 'invalid-payloads');

interface CorpusEntry {
  file: string;
  reason: string;
  field: string;
  keyword: string;
  payload: unknown;
}
const corpus: CorpusEntry[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(path.join(corpusDir, file), 'utf8')) }));

let specMessages: MessageInfo[];
beforeAll(async () => {
  specMessages = await readMessages(path.join(root, 'asyncapi.yaml'));
});

const contracts = messages as Record<string, (typeof messages)[keyof typeof messages]>;

describe('spec examples', () => {
  it('generated code exists for every message of the spec, and only for those', () => {
    expect(Object.keys(contracts).sort()).toEqual(specMessages.map((m) => m.name).sort());
  });

  it('every example of every message passes the generated validators', () => {
    let checked = 0;
    for (const m of specMessages) {
      const contract = contracts[m.name]!;
      expect(m.examples.length, `${m.name} has examples (codegen insists on one)`).toBeGreaterThanOrEqual(1);
      for (const example of m.examples) {
        expect(contract.check(example.payload), `${m.name} example ${example.name}`).toMatchObject({ ok: true });
        if (example.headers !== undefined) expect(contract.validateHeaders?.(example.headers)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('accepts an additive optional field from a newer producer (tolerant reader)', () => {
    const example = specMessages.find((m) => m.name === 'OrderPlaced')!.examples[0]!.payload as object;
    expect(messages.OrderPlaced.validate({ ...example, couponCode: 'SPRING', loyalty: { tier: 2 } })).toBe(true);
  });
});

describe('invalid payload corpus', () => {
  it('holds at least 40 payloads, each naming a field, a keyword and a reason', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const entry of corpus) {
      expect(entry.reason, entry.file).toBeTruthy();
      expect(entry.field, entry.file).toBeTruthy();
      expect(entry.keyword, entry.file).toBeTruthy();
    }
  });

  it.each(corpus.map((e) => [e.file, e] as const))('%s is rejected for the stated reason', (_file, entry) => {
    const result = messages.OrderPlaced.check(entry.payload);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => `${i.path}: ${i.keyword}`)).toContain(`${entry.field}: ${entry.keyword}`);
    // Only the stated field is wrong: each file isolates one mistake.
    expect(new Set(issues.map((i) => i.path))).toEqual(new Set([entry.field]));
  });

  it('the generated validator agrees with ajv compiled at run time from the same schema', () => {
    const schema = specMessages.find((m) => m.name === 'OrderPlaced')!.payloadSchema;
    const compiled = createAjv({ standalone: false }).compile(schema);
    const valid = specMessages.flatMap((m) => m.examples.map((e) => e.payload));
    for (const payload of [...corpus.map((e) => e.payload), ...valid]) {
      const generated = messages.OrderPlaced.validate(payload);
      const runtime = compiled(payload);
      expect(generated, JSON.stringify(payload)).toBe(runtime);
      const generatedIssues: ValidationIssue[] = generated ? [] : toIssues(messages.OrderPlaced.validate.errors);
      const runtimeIssues: ValidationIssue[] = runtime ? [] : toIssues(compiled.errors);
      expect(generatedIssues).toEqual(runtimeIssues);
    }
  });
});

describe('readable validation errors', () => {
  it('names the field and the reason', () => {
    const result = messages.OrderPlaced.check({ orderId: 'o', userId: 'u', itemName: 'i', quantity: 0, status: 'PAID', timestamp: '2026-01-01T09:00:00Z' });
    expect(result).toEqual({ ok: false, issues: [{ path: 'quantity', keyword: 'minimum', message: 'must be >= 1' }] });
  });

  it('parse() throws a ContractViolation whose message lists every wrong field', () => {
    expect(() => messages.OrderPlaced.parse({ quantity: '2' })).toThrow(
      /^Invalid OrderPlaced: orderId: is required; userId: is required; itemName: is required; status: is required; timestamp: is required; quantity: must be an integer$/,
    );
  });
});
