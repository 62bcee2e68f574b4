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
