/**
 * Names with letters beyond ASCII (`Bestellung_Größe`, `Заказ`, `注文`, `Commande_Créée`) become
 * type names that keep something of those letters: once split at every non-ASCII character they
 * became `BestellungGrE`, `CommandeCrE`, or `Unnamed` (two Cyrillic or Chinese names were then
 * refused as a clash). The type generator (Modelina) drops non-ASCII characters from model names,
 * so the names are readable ASCII. ASCII names give exactly the identifiers they always gave.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatHelpers, TypeScriptGenerator, typeScriptDefaultModelNameConstraints } from '@asyncapi/modelina';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { declaredTypeName, generate, typeIdentifier } from '@sluice/codegen';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** typeIdentifier as it was before non-ASCII names were handled: the reference for ASCII names. */
function asciiReference(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return 'Unnamed';
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const pascal = FormatHelpers.toPascalCase(/^[0-9]/.test(joined) ? `N${joined}` : joined);
  return /^[A-Za-z][A-Za-z0-9]*$/.test(pascal) ? pascal : joined.replace(/^([0-9])/, 'N$1');
}


describe('typeIdentifier: ASCII names', () => {
  it('give the identifiers they always gave', () => {
    for (const [name, identifier] of [
      ['user-signed-up', 'UserSignedUp'],
      ['lightMeasured', 'LightMeasured'],
      ['io.github.springwolf.dtos.ExamplePayloadDto', 'IoGithubSpringwolfDtosExamplePayloadDto'],
      ['IOEvent', 'IoEvent'],
      ['2fa_enabled', 'N2faEnabled'],
      ['order_2', 'Order2'],
      ['$$', 'Unnamed'],
    ]) expect(typeIdentifier(name!)).toBe(identifier);
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }), (name) => typeIdentifier(name) === asciiReference(name)), { numRuns: 500 });
  });

  it('are declared by Modelina under the name declaredTypeName gives, reserved words included (Object → ReservedObject)', async () => {
    for (const [name, declared] of [
      ['Object', 'ReservedObject'],
      ['Arguments', 'ReservedArguments'],
      ['Delete', 'ReservedDelete'],
      ['String', 'ReservedString'],
      ['Date', 'Date'],
      ['OrderPlaced', 'OrderPlaced'],
    ]) expect(declaredTypeName(typeIdentifier(name!))).toBe(declared);
    // Against the generator itself, with codegen's options: what it declares for a type so titled.
    const generator = new TypeScriptGenerator({ modelType: 'interface', enumType: 'union', rawPropertyNames: true });
    const reserved = fc.constantFrom('object', 'Object', 'arguments', 'toString', 'constructor', 'eval', 'delete', 'string', 'number', 'any', 'type', 'Date');
    await fc.assert(
      fc.asyncProperty(fc.oneof(reserved, fc.string({ unit: 'binary-ascii', minLength: 1 })), async (name) => {
        const title = typeIdentifier(name);
        const [model] = await generator.generate({ type: 'object', title, properties: { a: { type: 'string' } } });
        return model!.modelName === declaredTypeName(title);
      }),
      { numRuns: 150 },
    );
  });
});

describe('typeIdentifier: names beyond ASCII (the generator drops non-ASCII model names, so readable ASCII)', () => {
  it('writes Latin letters without diacritics, Cyrillic and Greek transliterated, other letters by code point', () => {
    for (const [name, identifier] of [
      ['Bestellung_Größe', 'BestellungGrosse'],
      ['Commande_Créée', 'CommandeCreee'],
      ['ÉtatCommande', 'EtatCommande'],
      ['Заказ', 'Zakaz'],
      ['ЗаказДанные', 'ZakazDannye'],
      ['Ελληνικά', 'Ellinika'],
      ['注文', 'U6ce8U6587'],
      ['注文Created', 'U6ce8U6587Created'],
    ]) expect(typeIdentifier(name!)).toBe(identifier);
    // Composed and decomposed spellings are one name.
    expect(typeIdentifier('Gro\u0308ße')).toBe(typeIdentifier('Größe'));
  });

  it('gives names Modelina keeps as they are, and distinct scripts distinct names', () => {
    const modelina = typeScriptDefaultModelNameConstraints();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => /[^\x00-\x7f]/.test(s)), (name) => {
        const identifier = typeIdentifier(name);
        const modelName = modelina({ modelName: identifier, options: {} } as never);
        // A reserved word (`ъArguments` is `Arguments`) is Modelina's `ReservedArguments`, as the ASCII name `Arguments` is.
        return /^[A-Za-z][A-Za-z0-9]*$/.test(identifier) && (modelName === identifier || modelName === `Reserved${identifier}`);
      }),
      { numRuns: 300 },
    );
    expect(new Set(['Заказ', '注文', 'بيع', 'Ⅻ'].map(typeIdentifier)).size).toBe(4);
  });
});

describe('codegen: a contract whose names are beyond ASCII, or reserved words', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'codegen-unicode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const message = (properties: Record<string, unknown>, example: Record<string, unknown>) => ({ payload: { type: 'object', properties, required: Object.keys(example) }, examples: [{ payload: example }] });
  const contract = (messages: Record<string, unknown>) => ({
    asyncapi: '3.0.0',
    info: { title: 'Unicode', version: '1.0.0' },
    channels: {
      bestellungen: {
        address: 'bestellungen',
        bindings: { sns: { name: 'BestellungenTopic' } },
        messages: Object.fromEntries(Object.keys(messages).map((name) => [name, { $ref: `#/components/messages/${name}` }])),
      },
    },
    operations: { bestellungGrößeSenden: { action: 'send', channel: { $ref: '#/channels/bestellungen' } } },
    components: { messages },
  });

  it('generates types, validators and operations that compile and work', async () => {
    const spec = path.join(dir, 'asyncapi.yaml');
    writeFileSync(
      spec,
      stringify(
        contract({
          Bestellung_Größe: message({ größe: { type: 'string' }, maß: { type: 'object', properties: { länge: { type: 'number' } } } }, { größe: 'XL' }),
          Заказ: message({ номер: { type: 'string' } }, { номер: 'З-1' }),
          注文: message({ 数量: { type: 'integer' } }, { 数量: 2 }),
          Commande_Créée: message({ état: { type: 'string', enum: ['créée', 'payée'] } }, { état: 'créée' }),
          // Reserved words: Modelina declares `ReservedArguments`, `ReservedDelete`; the module referenced `Arguments`, which did not exist.
          Arguments: message({ delete: { type: 'object', title: 'delete', properties: { x: { type: 'string' } } } }, { delete: { x: 'y' } }),
        }),
      ),
    );
    const files = await generate({ specPath: spec, packageName: '@fixture/unicode' });
    const out = path.join(dir, 'generated');
    mkdirSync(out, { recursive: true });
    for (const file of files) writeFileSync(path.join(out, file.path), file.content);
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

    const types = files.find((f) => f.path === 'types.d.ts')!.content;
    for (const name of ['BestellungGrosse', 'BestellungGrosseMass', 'Zakaz', 'U6ce8U6587', 'CommandeCreee', 'ReservedArguments', 'ReservedDelete']) expect(types).toContain(`export interface ${name} {`);
    expect(types).not.toMatch(/Unnamed|GrE|CrE/);

    const program = ts.createProgram([path.join(out, 'index.d.ts')], { noEmit: true, strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(out));
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

    const contractModule = await import(path.join(out, 'index.js'));
    expect(contractModule.validateZakaz({ номер: 'З-1' })).toBe(true);
    expect(contractModule.validateZakaz({ номер: 1 })).toBe(false);
    expect(contractModule.validateCommandeCreee({ état: 'payée' })).toBe(true);
    expect(contractModule.validateReservedArguments({ delete: { x: 'y' } })).toBe(true);
    expect(contractModule.messages['注文'].name).toBe('注文');
    expect(Object.keys(contractModule.operations)).toEqual(['bestellungGrößeSenden']);
  });

  it('refuses two names that become one identifier, naming both', async () => {
    const spec = path.join(dir, 'clash.yaml');
    writeFileSync(spec, stringify(contract({ Commande_Créée: message({ a: { type: 'string' } }, { a: 'x' }), Commande_Creee: message({ a: { type: 'string' } }, { a: 'x' }) })));
    await expect(generate({ specPath: spec, packageName: '@fixture/clash' })).rejects.toThrow(/Commande_Créée[^\n]*Commande_Creee[^\n]*CommandeCreee: rename one/);
  });
});
