/**
 * Codegen refuses a document that is not AsyncAPI 3, saying how to convert a 2.x one: the parser
 * reads 2.x too, and codegen wrote a package of messages with no topic, queue or operation, saying
 * nothing (create already refused it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CodegenError, generate } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'codegen-major-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v2 = {
  asyncapi: '2.6.0',
  info: { title: 'Stock', version: '1.0.0' },
  channels: { 'stock-changed': { subscribe: { message: { name: 'StockChanged', payload: { type: 'object', properties: { sku: { type: 'string' } } } } } } },
};

describe('codegen on a document that is not AsyncAPI 3', () => {
  it('refuses AsyncAPI 2.6, with the command that converts it', async () => {
    const spec = path.join(dir, 'stock.yaml');
    writeFileSync(spec, stringify(v2));
    const refused = generate({ specPath: spec, packageName: '@fixture/stock' });
    await expect(refused).rejects.toThrow(CodegenError);
    await expect(refused).rejects.toThrow(/stock\.yaml#\/asyncapi \(line 1\): AsyncAPI "2\.6\.0": the framework reads AsyncAPI 3 documents \(3\.0, 3\.1\)\. Convert it first: npx asyncapi convert \S*stock\.yaml --target-version 3\.0\.0 --output \S*stock\.yaml/);
  });

  it('refuses a document without an asyncapi field, saying what to start it with', async () => {
    const spec = path.join(dir, 'bare.yaml');
    const { asyncapi: _v, ...bare } = v2;
    writeFileSync(spec, stringify(bare));
    await expect(generate({ specPath: spec, packageName: '@fixture/bare' })).rejects.toThrow(/bare\.yaml\S*: no asyncapi field: the framework reads AsyncAPI 3 documents \(3\.0, 3\.1\)\. Start it with asyncapi: 3\.0\.0\./);
  });
});
