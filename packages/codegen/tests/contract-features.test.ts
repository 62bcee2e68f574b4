/**
 * Contract features codegen took in another's words, or not at all. A payload schema that requires a field under a condition (`if` / `then: { required: [...] }`,
 * the property declared beside the `if`), as JSON Schema allows: generated and enforced. It was
 * refused in ajv's strict-mode words ("strict mode: required property "price" is not defined at
 * …#/then (strictRequired)"), with no fix to make.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createAjv, generate } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'codegen-conditional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payload = {
  type: 'object',
  required: ['orderId', 'status'],
  properties: { orderId: { type: 'string' }, status: { type: 'string', enum: ['PENDING', 'PAID'] }, price: { type: 'number' } },
  if: { properties: { status: { const: 'PAID' } } },
  then: { required: ['price'] },
};

describe('a field required under a condition (if / then required)', () => {
  it('is generated, and the validator requires it exactly when the condition holds', async () => {
    const spec = path.join(dir, 'asyncapi.yaml');
    writeFileSync(
      spec,
      stringify({
        asyncapi: '3.0.0',
        info: { title: 'Conditional', version: '1.0.0' },
        channels: { orders: { address: 'orders', messages: { placed: { $ref: '#/components/messages/placed' } } } },
        operations: { sendPlaced: { action: 'send', channel: { $ref: '#/channels/orders' } } },
        components: { messages: { placed: { name: 'OrderPlaced', payload } } },
      }),
    );
    const files = await generate({ specPath: spec, packageName: '@fixture/conditional' });
    expect(files.map((f) => f.path)).toContain('index.js');
    const validate = createAjv({ standalone: false }).compile(payload);
    expect(validate({ orderId: 'o-1', status: 'PENDING' })).toBe(true);
    expect(validate({ orderId: 'o-1', status: 'PAID', price: 12 })).toBe(true);
    expect(validate({ orderId: 'o-1', status: 'PAID' })).toBe(false);
    expect(validate.errors?.map((e) => e.params)).toContainEqual({ missingProperty: 'price' });
  });
});

describe('info.x-compatibility', () => {
  it('is refused by codegen when it names no mode, with where and what to write (contract:diff failed on it later, naming no file)', async () => {
    const spec = path.join(dir, 'modes.yaml');
    writeFileSync(
      spec,
      stringify({
        asyncapi: '3.0.0',
        info: { title: 'Modes', version: '1.0.0', 'x-compatibility': 'fulll' },
        channels: { orders: { address: 'orders', messages: { placed: { $ref: '#/components/messages/placed' } } } },
        operations: { sendPlaced: { action: 'send', channel: { $ref: '#/channels/orders' } } },
        components: { messages: { placed: { name: 'OrderPlaced', payload } } },
      }),
    );
    await expect(generate({ specPath: spec, packageName: '@fixture/modes' })).rejects.toThrow(
      /modes\.yaml#\/info\/x-compatibility \(line \d+\): "fulll" is no compatibility mode: write one of backward, forward, full/,
    );
  });
});
