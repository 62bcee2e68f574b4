/**
 * String `enum` and `const` values with quotes, backslashes and line breaks become TypeScript
 * literals that mean those values (Gitter's streaming example declares a heartbeat `enum: ["\r\n"]`,
 * which once ended the literal early: "Unterminated string literal" in generated/types.d.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generate } from '@sluice/codegen';

const values = ['\r\n', 'a"b', "it's", 'back\\slash', 'tab\there', 'plain'];

const contract = {
  asyncapi: '3.0.0',
  info: { title: 'Literals', version: '1.0.0' },
  channels: { beats: { address: 'beats', messages: { heartbeat: { $ref: '#/components/messages/heartbeat' }, status: { $ref: '#/components/messages/status' } } } },
  operations: { sendBeats: { action: 'send', channel: { $ref: '#/channels/beats' } } },
  components: {
    messages: {
      heartbeat: { payload: { type: 'string', enum: values } },
      status: { payload: { type: 'object', properties: { marker: { type: 'string', const: 'say "hi"\n' }, kind: { type: 'string', enum: ["o'k", 'x\\y'] } } } },
    },
  },
};

/** Every string literal type in the file, as TypeScript reads it, by the alias or property that holds it. */
function literalsOf(source: string): { diagnostics: string[]; literals: string[] } {
  const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  const file = ts.createSourceFile('types.d.ts', source, ts.ScriptTarget.ES2022, true);
  const literals: string[] = [];
  const walk = (node: ts.Node) => {
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) literals.push(node.literal.text);
    ts.forEachChild(node, walk);
  };
  walk(file);
  return { diagnostics: (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), literals };
}

describe('codegen: string literals in types', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'codegen-literals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('enum and const values with quotes, backslashes and line breaks are literals of exactly those values', async () => {
    const spec = path.join(dir, 'asyncapi.yaml');
    writeFileSync(spec, stringify(contract));
    const files = await generate({ specPath: spec, packageName: '@fixture/literals' });
    const types = files.find((f) => f.path === 'types.d.ts')!.content;
    const { diagnostics, literals } = literalsOf(types);
    expect(diagnostics).toEqual([]);
    expect(literals).toEqual(expect.arrayContaining([...values, 'say "hi"\n', "o'k", 'x\\y']));
  });
});

/** The lines of `source` (1-based) the TypeScript compiler finds an error on, beside the generated `types` (one type check). */
function linesInError(types: string, source: string): number[] {
  const files: Record<string, string> = { '/types.ts': types, '/use.ts': source };
  const options: ts.CompilerOptions = { strict: true, noEmit: true, noLib: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [] };
  const host = ts.createCompilerHost(options);
  host.getSourceFile = (file, language) => (files[file] !== undefined ? ts.createSourceFile(file, files[file]!, language) : undefined);
  host.fileExists = (file) => files[file] !== undefined;
  host.readFile = (file) => files[file];
  const program = ts.createProgram(['/use.ts'], options, host);
  const diagnostics = program.getSemanticDiagnostics(program.getSourceFile('/use.ts'));
  return [...new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1))];
}

describe('codegen: null and boolean literals in types', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'codegen-null-literals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an enum or const of null, true or false is that literal, as the validator reads it, not the string of its name', async () => {
    // Before: kind was 1 | "one" | 'null' | "true", flag "false" | "true", none any and off boolean:
    // the types took the strings the validator refuses, and refused the values it takes.
    const spec = path.join(dir, 'asyncapi.yaml');
    const payload = {
      type: 'object',
      properties: {
        kind: { enum: [1, 'one', null, true] },
        flag: { enum: [false, true] },
        none: { const: null },
        off: { const: false },
        // A string of the spelling that stands for null on its way through the type generator stays that string.
        spelt: { type: 'string', enum: ['<sluice\\literal:null>', 'null'] },
      },
    };
    writeFileSync(spec, stringify({ ...contract, components: { messages: { heartbeat: { payload }, status: contract.components.messages.status } } }));
    const files = await generate({ specPath: spec, packageName: '@fixture/null-literals' });
    const types = files.find((f) => f.path === 'types.d.ts')!.content;
    const takes = [['kind', 'null'], ['kind', 'true'], ['kind', '1'], ['kind', '"one"'], ['flag', 'false'], ['flag', 'true'], ['none', 'null'], ['off', 'false'], ['spelt', '"<sluice\\\\literal:null>"'], ['spelt', '"null"']];
    const refuses = [['kind', '"null"'], ['kind', '"true"'], ['kind', 'false'], ['flag', '"false"'], ['none', '"null"'], ['none', '0'], ['off', 'true'], ['spelt', 'null']];
    // One assignment per line: the first line imports, so line n + 2 is the nth assignment.
    const source = ["import type { Heartbeat } from './types.ts';", ...[...takes, ...refuses].map(([field, value], i) => `export const m${i}: Heartbeat = { ${field}: ${value} };`)].join('\n');
    expect(linesInError(types, source)).toEqual(refuses.map((_, i) => takes.length + i + 2));
  });
});
