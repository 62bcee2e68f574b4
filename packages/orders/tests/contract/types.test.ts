/**
 * Type-level test: the spec's examples, written as TypeScript literals, must compile against the
 * generated types, and payloads that break the contract's types must not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMessages } from '@sluice/codegen';

const root = path.resolve(import.meta.dirname, '../../../..');

/**
 * The type errors of each source, as modules of one program: both checks share its parse and the
 * check of the libraries (the slow part, with skipLibCheck off), which a program per source
 * repeated. Errors outside the sources (in the libraries) count for each of them.
 */
function typeErrors(sources: Record<string, string>): Record<string, string[]> {
  // Under node_modules/.cache so that `@orders/contract` resolves like it does for the packages.
  const dir = path.join(root, 'node_modules', '.cache', 'contract-type-test');
  mkdirSync(dir, { recursive: true });
  const files = Object.fromEntries(Object.entries(sources).map(([name, source]) => {
    const file = path.join(dir, `${name}.ts`);
    writeFileSync(file, source);
    return [name, file];
  }));
  const program = ts.createProgram(Object.values(files), {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: false,
    // As in the project's tsconfig: the framework's sources (which the generated types refer to) import .ts files.
    allowImportingTsExtensions: true,
    types: [],
  });
  const all = ts.getPreEmitDiagnostics(program);
  const text = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const others = new Set(Object.values(files).map((f) => path.resolve(f)));
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [
    name,
    all.filter((d) => !d.file || path.resolve(d.file.fileName) === path.resolve(file) || !others.has(path.resolve(d.file.fileName))).map(text),
  ]));
}

describe('generated types', () => {
  let errors: Record<string, string[]>;

  beforeAll(async () => {
    const messages = await readMessages(path.join(root, 'asyncapi.yaml'));
    const lines = [`import type { ${messages.map((m) => m.payloadType).join(', ')}, OrderStatus } from '@orders/contract';`];
    messages.forEach((m) =>
      m.examples.forEach((e, i) => lines.push(`export const ${m.name}_${i}: ${m.payloadType} = ${JSON.stringify(e.payload)};`)),
    );
    lines.push(
      `const base = ${JSON.stringify(messages[0]!.examples[0]!.payload)} as const;`,
      '// @ts-expect-error status is a union of the lifecycle values',
      `export const badStatus: OrderPlaced = { ...base, status: 'LOST' };`,
      '// @ts-expect-error quantity is a number',
      `export const badQuantity: OrderPlaced = { ...base, quantity: '2' };`,
      '// @ts-expect-error every field is required',
      `export const missing: OrderPlaced = { orderId: 'o' };`,
      `export const status: OrderStatus = 'REFUNDED';`,
      // Property names are kept exactly as in the schema (no renaming, no "reserved" prefix).
      `export const names: Array<keyof OrderPlaced> = ['orderId', 'userId', 'itemName', 'quantity', 'status', 'timestamp'];`,
    );
    errors = typeErrors({
      examples: lines.join('\n'),
      wrong: `import type { OrderPlaced } from '@orders/contract';\nexport const x: OrderPlaced = { orderId: 'o', userId: 'u', itemName: 'i', quantity: 1, status: 'LOST', timestamp: 't' };`,
    });
  });

  it('accept every example of the spec and reject values the contract forbids', () => {
    expect(errors.examples).toEqual([]);
  });

  it('the check itself can fail: a wrong example does not compile', () => {
    expect(errors.wrong!.join('\n')).toMatch(/"LOST"/);
  });
});
