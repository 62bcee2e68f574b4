/**
 * codegen on contracts of its own (fixture documents, copies of them in temp folders), in this
 * process: types and validators, refusals, standard AsyncAPI documents, the formats bundled. What
 * reads this project's own contract and generated/ (codegen:check in the repository root, its
 * usage there, the application's generated package) is in codegen-root.test.ts: run again in the
 * edited copy of tests/framework/readme-steps.test.ts, which this file need not be.
 */
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CodegenError, formatsUsedBy, generate, generateWithModel, type GeneratedFile, usedFormatsModule } from '@sluice/codegen';
import { parse, stringify } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'two-messages');

/**
 * Writes generated files to a fresh folder outside the repository, where only the framework's run
 * time (@sluice/runtime, linked as node_modules) resolves: no ajv, no generator.
 */
function writeOut(files: GeneratedFile[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'codegen-'));
  for (const f of files) writeFileSync(path.join(dir, f.path), f.content);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A copy of a spec folder in a temp dir, with one file changed. */
function specCopy(from: string, edit?: { file: string; replace: [string, string] }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'spec-'));
  cpSync(from, dir, { recursive: true });
  if (edit) {
    const p = path.join(dir, edit.file);
    const text = readFileSync(p, 'utf8');
    if (!text.includes(edit.replace[0])) throw new Error(`fixture edit: "${edit.replace[0]}" not found in ${edit.file}`);
    writeFileSync(p, text.replace(edit.replace[0], edit.replace[1]));
  }
  return path.join(dir, 'asyncapi.yaml');
}

describe('codegen on a two-message spec (no generator change needed)', () => {
  it('generates a type and a self-contained validator for every message', async () => {
    const files = await generate({ specPath: path.join(fixture, 'asyncapi.yaml'), packageName: '@fixture/contract' });
    const types = files.find((f) => f.path === 'types.d.ts')!.content;
    expect(types).toContain('export interface PaymentCaptured {');
    expect(types).toContain('export interface RefundIssued {');
    expect(types).toContain(`export type PaymentMethod = "card" | "transfer";`);
    expect(types).toContain(`'reason'?: string;`);
    const dts = files.find((f) => f.path === 'index.d.ts')!.content;
    expect(dts).toContain('export declare const validatePaymentCaptured: ContractValidator<PaymentCaptured>;');
    expect(dts).toContain('export declare const validateRefundIssued: ContractValidator<RefundIssued>;');

    const dir = writeOut(files);
    const mod = await import(pathToFileURL(path.join(dir, 'index.js')).href);
    expect(mod.validatePaymentCaptured({ paymentId: 'p', amountCents: 1, method: 'card' })).toBe(true);
    expect(mod.validateRefundIssued({ refundId: 'r', paymentId: 'p', amountCents: 0 })).toBe(false);
    expect(mod.formatIssues(mod.toIssues(mod.validateRefundIssued.errors))).toBe('amountCents: must be >= 1');
    expect(Object.keys(mod.messages)).toEqual(['PaymentCaptured', 'RefundIssued']);
    expect(mod.messages.RefundIssued.attributes).toEqual({ eventType: 'RefundIssued', schemaVersion: '2.0.0' });
    expect(mod.messages.RefundIssued.properties).toEqual(['refundId', 'paymentId', 'amountCents', 'reason']);
  });

  it('declares a send operation to a topic as a TopicSendOperation (createPublisher\'s), a point-to-point one as a QueueSendOperation (createQueuePublisher\'s)', async () => {
    // The SNS binding's pub/sub example: sendMessage publishes UserSignedUp to a topic.
    const pubSub = path.join(root, 'packages/model/tests/fixtures/bindings/sns-sqs-pub-sub.yaml');
    const topicDts = (await generate({ specPath: pubSub, packageName: '@pub-sub/contract' })).find((f) => f.path === 'index.d.ts')!.content;
    expect(topicDts).toContain(`readonly sendMessage: TopicSendOperation<'sendMessage', { readonly UserSignedUp: typeof messages.UserSignedUp }>;`);
    expect(topicDts).not.toMatch(/: (QueueSendOperation|SendOperation)</);
    // The SQS binding's point-to-point example; an empty operation binding `sqs: {}` (invalid: `queues` required), if present, left out.
    const doc = parse(readFileSync(path.join(root, 'packages/model/tests/fixtures/bindings/sqs-point-to-point.yaml'), 'utf8')) as { operations: Record<string, { bindings?: unknown }> };
    for (const op of Object.values(doc.operations)) delete op.bindings;
    const dir = mkdtempSync(path.join(tmpdir(), 'spec-'));
    writeFileSync(path.join(dir, 'asyncapi.yaml'), stringify(doc));
    const files = await generate({ specPath: path.join(dir, 'asyncapi.yaml'), packageName: '@p2p/contract' });
    const dts = files.find((f) => f.path === 'index.d.ts')!.content;
    expect(dts).toContain(`readonly sendMessage: QueueSendOperation<'sendMessage', { readonly UserSignedUp: typeof messages.UserSignedUp }>;`);
    expect(dts).toContain(`readonly receiveMessage: ReceiveOperation<'receiveMessage'`);
    const mod = await import(pathToFileURL(path.join(writeOut(files), 'index.js')).href);
    expect(mod.operations.sendMessage).toMatchObject({ action: 'send', queue: 'user-signedup-queue' });
    expect(mod.operations.sendMessage.topic).toBeUndefined();
  });

  it('is deterministic and stamps every file with its inputs and their hash', async () => {
    const a = await generate({ specPath: path.join(fixture, 'asyncapi.yaml') });
    const b = await generate({ specPath: path.join(fixture, 'asyncapi.yaml') });
    expect(b).toEqual(a);
    const hashes = new Set<string>();
    for (const f of a) {
      const head = f.content.slice(0, 600);
      expect(head, f.path).toMatch(/Generated by `npm run codegen`/);
      expect(head, f.path).toContain('asyncapi.yaml, schemas/payment-captured.json, schemas/refund-issued.json');
      hashes.add(/[0-9a-f]{64}/.exec(head)![0]);
    }
    expect(hashes.size).toBe(1);
  });

  it('changes the hash when a referenced schema changes', async () => {
    const edited = specCopy(fixture, { file: 'schemas/refund-issued.json', replace: ['"reason": { "type": "string" }', '"reason": { "type": "string", "maxLength": 50 }'] });
    const hashOf = (files: GeneratedFile[]) => /[0-9a-f]{64}/.exec(files[0]!.content)![0];
    expect(hashOf(await generate({ specPath: edited }))).not.toBe(hashOf(await generate({ specPath: path.join(fixture, 'asyncapi.yaml') })));
  });
});

describe('codegen refuses bad specs with a clear message', () => {
  it('fails when an example violates its payload schema, naming message and example', async () => {
    const spec = specCopy(fixture, { file: 'asyncapi.yaml', replace: ['amountCents: 500', 'amountCents: 0'] });
    const error = (await generate({ specPath: spec }).catch((e: unknown) => e)) as CodegenError;
    expect(error).toBeInstanceOf(CodegenError);
    expect(error.problems).toEqual([{ file: spec, pointer: '/components/messages/RefundIssued/examples/0/payload', message: 'example "partial" of RefundIssued violates its payload schema: amountCents: must be >= 1' }]);
    expect(error.message).toContain(`${spec}#/components/messages/RefundIssued/examples/0/payload (line ${readFileSync(spec, 'utf8').split('\n').findIndex((l) => l.includes('- name: partial')) + 2}): example "partial" of RefundIssued violates its payload schema: amountCents: must be >= 1`);
  });

  it('fails on an invalid AsyncAPI document, saying where', async () => {
    const spec = specCopy(fixture, { file: 'asyncapi.yaml', replace: ['action: send', 'action: publish'] });
    const error = await generate({ specPath: spec }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodegenError);
    expect((error as Error).message).toMatch(/is not a valid AsyncAPI document:\n {2}- operations\.sendPayments\.action \(line \d+\): /);
  });

  it('names a payload without a title after its message (no house rule without a default)', async () => {
    const spec = specCopy(fixture, { file: 'schemas/refund-issued.json', replace: ['"title": "RefundIssued",', ''] });
    const types = (await generate({ specPath: spec })).find((f) => f.path === 'types.d.ts')!.content;
    expect(types).toContain('export interface RefundIssued {');
  });
});

describe('standard AsyncAPI 3.0 documents (issue 18): defaults instead of house rules, every problem in one run', () => {
  const standard = path.join(import.meta.dirname, 'fixtures', 'standard', 'asyncapi.yaml');
  let result: Awaited<ReturnType<typeof generateWithModel>>;
  let mod: any;
  beforeAll(async () => {
    result = await generateWithModel({ specPath: standard, packageName: '@fixture/standard' });
    mod = await import(pathToFileURL(path.join(writeOut(result.files), 'index.js')).href);
  }, 60_000);

  it('derives identifiers from any name: nameless (components key), hyphenated, camelCase, Java class names', () => {
    expect(result.model.messages.map((m) => [m.name, m.identifier, m.payloadType])).toEqual([
      ['io.github.springwolf.dtos.ExamplePayloadDto', 'IoGithubSpringwolfDtosExamplePayloadDto', 'ExamplePayloadDto'],
      ['lightChanged', 'LightChanged', 'LightChanged'],
      ['user-signed-up', 'UserSignedUp', 'UserSignedUp'],
      ['wrapped', 'Wrapped', 'Wrapped'],
    ]);
    expect(Object.keys(mod.messages)).toEqual(['io.github.springwolf.dtos.ExamplePayloadDto', 'lightChanged', 'user-signed-up', 'wrapped']);
    const types = result.files.find((f) => f.path === 'types.d.ts')!.content;
    // Untitled nested objects are named after where they sit, so two messages' `address` never clash.
    expect(types).toContain('export interface UserSignedUpAddress {');
    expect(types).toContain('export interface ExamplePayloadDtoAddress {');
  });

  it('a hyphenated operationId is a quoted key, not an esbuild syntax error', () => {
    expect(Object.keys(mod.operations)).toEqual(['on-user-signed-up', 'publish-user-events']);
    const dts = result.files.find((f) => f.path === 'index.d.ts')!.content;
    expect(dts).toContain(`readonly "on-user-signed-up": ReceiveOperation<'on-user-signed-up', { readonly "user-signed-up": typeof messages["user-signed-up"] }>;`);
  });

  it('validates every format ajv-formats knows (email, int64), keeps RFC 3339 for date-time, accepts unknown formats and x-* keywords with one warning each', () => {
    const signedUp = mod.messages['user-signed-up'];
    expect(signedUp.validate({ email: 'someone@example.com', visits: 3 })).toBe(true);
    expect(signedUp.validate({ email: 'not-an-email' })).toBe(false);
    expect(signedUp.validate({ email: 'a@example.com', visits: 1.5 })).toBe(false); // int64 (ajv-formats: any JSON integer)
    expect(mod.messages.wrapped.validate({ at: '2026-01-01T09:00:00' })).toBe(false); // no offset: not RFC 3339
    expect(mod.messages.wrapped.validate({ at: '2026-01-01T09:00:00Z' })).toBe(true);
    const warnings = result.model.warnings;
    expect(warnings.filter((w) => w.includes('x-pii'))).toEqual(['schema keyword x-pii (first at #/components/messages/user-signed-up/payload/properties/email) is not a JSON Schema validation keyword: kept as an annotation, it checks nothing']);
    expect(warnings.filter((w) => w.includes('made-up-format'))).toHaveLength(1);
    expect(mod.messages['io.github.springwolf.dtos.ExamplePayloadDto'].validate({ someString: 'anything' })).toBe(true);
  });

  it('bundles only the formats its validators refer to: int64 from ajv-formats, date-time its own', () => {
    const js = result.files.find((f) => f.path === 'index.js')!.content;
    expect(js).toMatch(/generatedFormats = \{ "date-time": dateTimeFormat, "int64": import_formats\.fullFormats\["int64"\] \};/);
  });

  it('title, x-schema-version and examples are optional: defaults, and one warning where it matters', () => {
    expect(mod.messages['user-signed-up'].attributes).toEqual({ eventType: 'user-signed-up', schemaVersion: '1.0.0' });
    expect(result.model.warnings).toContain('user-signed-up, lightChanged, wrapped have no x-schema-version: sent and filtered as schemaVersion 1.0.0. Set x-schema-version to version a message');
    expect(result.model.warnings).toContain('io.github.springwolf.dtos.ExamplePayloadDto, wrapped have no examples: the contract test has nothing to check for them. Add examples');
  });

  it('a oneOf payload becomes a union type whose validator takes either branch; the wrapper {schemaFormat, schema} is read', () => {
    const types = result.files.find((f) => f.path === 'types.d.ts')!.content;
    expect(types).toContain('export type LightChanged = LightOn | LightOff;');
    expect(mod.messages.lightChanged.validate({ lumens: 3 })).toBe(true);
    expect(mod.messages.lightChanged.validate({ reason: 'night' })).toBe(true);
    expect(mod.messages.lightChanged.validate({ lumens: -1 })).toBe(false);
    expect(mod.messages.lightChanged.properties).toEqual(['lumens', 'reason']);
    expect(types).toContain('export interface Wrapped {');
  });

  it('a Kafka channel still gets types and validators; codegen says its operation is outside the AWS topology', () => {
    expect(result.model.warnings).toContain('operations.on-light-changed receives from channels.lights, which is a kafka channel: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators');
    expect(result.model.topology.operations['on-light-changed']).toBeUndefined();
  });

  it('the framework headers (correlationId, traceparent) are every message\'s: declared or not, sent, bounded and logged', () => {
    const signedUp = mod.messages['user-signed-up'];
    expect(signedUp.headers).toEqual(['correlationId', 'traceparent']);
    expect(signedUp.validateHeaders({ eventType: 'user-signed-up', schemaVersion: '1.0.0', correlationId: 'c-1' })).toBe(true);
    expect(signedUp.validateHeaders({ eventType: 'user-signed-up', schemaVersion: '1.0.0', correlationId: 'x'.repeat(129) })).toBe(false);
  });
});

describe('refusals: every problem of a document in one run, each with file, JSON pointer and what to change', () => {
  it('Avro payload, a v2 given v1\'s name, two names with one identifier, an example breaking its schema: all reported at once', async () => {
    const spec = path.join(import.meta.dirname, 'fixtures', 'refused', 'asyncapi.yaml');
    const error = (await generate({ specPath: spec }).catch((e: unknown) => e)) as CodegenError;
    expect(error).toBeInstanceOf(CodegenError);
    const lines = error.problems.map((p) => `${p.pointer}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/components\/messages\/avroThing\/payload: the payload of avroThing is an Avro schema \(schemaFormat application\/vnd\.apache\.avro;version=1\.9\.0\): codegen makes types and validators from JSON Schema only/),
        expect.stringMatching(/^\/components\/messages\/userSignedUp: messages user-signed-up \(#\/components\/messages\/user-signed-up\) and userSignedUp would share the identifier UserSignedUp: rename one$/),
        '/components/messages/user-signed-up/examples/0/payload: example "bad" of user-signed-up violates its payload schema: email: must be a valid email',
        expect.stringMatching(/#\/components\/messages\/OrderPlaced and #\/components\/messages\/OrderPlacedV2 are two different messages named OrderPlaced: one would be lost/),
      ]),
    );
    expect(error.problems.every((p) => p.file === path.relative(process.cwd(), spec))).toBe(true);
  });

  it('a remote $ref fails naming the URL, without fetching it', async () => {
    const spec = path.join(import.meta.dirname, 'fixtures', 'remote', 'asyncapi.yaml');
    const error = (await generate({ specPath: spec }).catch((e: unknown) => e)) as CodegenError;
    expect(error.problems).toEqual([
      { file: path.relative(process.cwd(), spec), pointer: '/channels/things/messages/thing/payload/$ref', message: '$ref https://example.com/schemas/thing.json is remote: the framework works offline and does not fetch it. Download it beside the contract and $ref the local file' },
    ]);
  });
});

describe('the formats bundled with the validators', () => {
  it('are those the validators refer to, by either form of property access', () => {
    const source = 'const f0 = require("/x/formats.ts").generatedFormats["date-time"]; const f1 = require("/x/formats.ts").generatedFormats.int64; const f2 = req.generatedFormats["a\\"b"];';
    expect(formatsUsedBy(source)).toEqual(['a"b', 'date-time', 'int64']);
    expect(formatsUsedBy('no formats here')).toEqual([]);
  });

  it("take ajv-formats only when a format other than date-time is used", () => {
    expect(usedFormatsModule(['date-time'])).not.toContain('ajv-formats');
    expect(usedFormatsModule(['date-time', 'uuid'])).toContain('import { fullFormats } from "ajv-formats/dist/formats.js";');
    expect(usedFormatsModule(['uuid'])).toMatch(/generatedFormats = \{ "uuid": fullFormats\["uuid"\] \};$/);
  });
});
