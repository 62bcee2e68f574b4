/**
 * Objects whose keys are not all declared get the types a JSON payload has: a plain object map
 * (`Record<string, V>`) for `additionalProperties`/`patternProperties` alone, an index signature
 * beside declared properties. They were `Map<string, V>`, which `JSON.parse` never returns and
 * `JSON.stringify` writes as `{}` (a producer following the type lost the data), and a property
 * literally named `additionalProperties`. And two different schemas of one payload with the same
 * title are refused, naming both places: they became one type, silently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CodegenError, generate } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'codegen-maps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-message contract whose payload is `payload`. */
async function typesOf(payload: Record<string, unknown>, name: string): Promise<string> {
  const spec = path.join(dir, `${name}.yaml`);
  writeFileSync(
    spec,
    stringify({
      asyncapi: '3.0.0',
      info: { title: 'Maps', version: '1.0.0' },
      channels: { orders: { address: 'orders', messages: { placed: { $ref: '#/components/messages/placed' } } } },
      operations: { sendPlaced: { action: 'send', channel: { $ref: '#/channels/orders' } } },
      components: { messages: { placed: { name: 'OrderPlaced', payload } } },
    }),
  );
  const files = await generate({ specPath: spec, packageName: `@fixture/${name}` });
  return files.find((f) => f.path === 'types.d.ts')!.content;
}

/** What the TypeScript compiler says of `source` beside the generated `types` (a type check, not a transpile). */
function typeErrors(types: string, source: string): string[] {
  const files: Record<string, string> = { '/types.ts': types, '/use.ts': source };
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language) => (files[file] !== undefined ? ts.createSourceFile(file, files[file]!, language) : read(file, language));
  host.fileExists = (file) => files[file] !== undefined || ts.sys.fileExists(file);
  host.readFile = (file) => files[file] ?? ts.sys.readFile(file);
  const program = ts.createProgram(['/use.ts'], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('codegen: objects with keys not all declared', () => {
  it('types them as the plain objects a payload holds: Record beside nothing, an index signature beside declared properties', async () => {
    const types = await typesOf(
      {
        type: 'object',
        required: ['orderId'],
        properties: {
          orderId: { type: 'string' },
          meta: { type: 'object', additionalProperties: { type: 'string' } },
          labels: { type: 'object', patternProperties: { '^x-': { type: 'string' } } },
          extra: { type: 'object', title: 'Extra', properties: { a: { type: 'string' } }, additionalProperties: true },
        },
      },
      'maps',
    );
    expect(types).not.toContain('Map<');
    expect(types).toContain("'meta'?: Record<string, string>;");
    expect(types).not.toMatch(/'additionalProperties'/);
    expect(types).toMatch(/interface Extra \{[^}]*\[key: string\]: unknown;/);
    // What a consumer and a producer write with them type-checks, and reads the data JSON has.
    const use = [
      "import type { OrderPlaced, Extra } from './types.ts';",
      'const order: OrderPlaced = JSON.parse(\'{"orderId":"o-1","meta":{"colour":"red"},"extra":{"a":"x","more":1}}\');',
      "const colour: string | undefined = order.meta?.['colour'];",
      "const extra: Extra = { a: 'x', more: 1 };",
      "const sent: OrderPlaced = { orderId: 'o-2', meta: { colour: 'blue' }, labels: { 'x-team': 'a' }, extra };",
      'export { colour, sent };',
    ].join('\n');
    expect(typeErrors(types, use)).toEqual([]);
    // The check does check: a wrong use is reported.
    expect(typeErrors(types, "import type { OrderPlaced } from './types.ts';\nexport const n: number = ({} as OrderPlaced).orderId;")).toEqual([expect.stringContaining("'string' is not assignable to type 'number'")]);
  });
});

describe('codegen: titles within one payload', () => {
  it('refuses two different schemas of one payload with the same title, naming both places (they became one type)', async () => {
    const address = (field: string) => ({ type: 'object', title: 'Address', required: [field], properties: { [field]: { type: 'string' } } });
    const refused = typesOf({ type: 'object', properties: { shipping: address('street'), billing: address('iban') } }, 'clash');
    await expect(refused).rejects.toThrow(CodegenError);
    await expect(refused).rejects.toThrow(
      /the payload of OrderPlaced: the schemas at #\/components\/messages\/placed\/payload\/properties\/shipping and here \(#\/components\/messages\/placed\/payload\/properties\/billing\) are both titled "Address" and differ: they would be one TypeScript type Address, and one of them lost; give one of them its own title/,
    );
  });

  it('takes the same schema used twice under one title: one type, rightly', async () => {
    const address = { type: 'object', title: 'Address', required: ['street'], properties: { street: { type: 'string' } } };
    const types = await typesOf({ type: 'object', properties: { shipping: address, billing: { ...address } } }, 'same');
    expect(types.match(/interface Address \{/g)).toHaveLength(1);
  });
});
