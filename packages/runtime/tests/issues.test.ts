/**
 * How validation errors read (`toIssues`, `formatIssues`), for every caller: the publisher and
 * `publish-message` (a message's `check`/`parse`), codegen's example check, the consumer. Real
 * validators, compiled in process the way codegen compiles the generated ones.
 */
import { describe, expect, it } from 'vitest';
import Ajv2019 from 'ajv/dist/2019.js';
import { createAjv } from '@sluice/codegen';
import { ContractViolation, defineMessage, formatIssues, toIssues } from '@sluice/runtime/contract';

const UNDECLARED = 'is not in the contract (the schema allows no other properties here)';

const orderSchema = {
  type: 'object',
  required: ['orderId', 'items'],
  additionalProperties: false,
  properties: {
    orderId: { type: 'string', minLength: 1 },
    items: { type: 'array', items: { type: 'object', required: ['sku'], additionalProperties: false, properties: { sku: { type: 'string' } } } },
  },
};
const validate = createAjv({ standalone: false }).compile(orderSchema);
const OrderPlaced = defineMessage(
  { name: 'OrderPlaced', title: 'Order placed', eventType: 'OrderPlaced', schemaVersion: '1.0.0', properties: ['orderId', 'items'], headers: [] },
  validate,
  undefined,
  (d) => ({ orderId: d.orderId, items: d.items }),
);

describe('a property the schema does not allow', () => {
  it('is named, not "(root): must NOT have additional properties"', () => {
    const result = OrderPlaced.check({ orderId: 'o-1', items: [], extra: 1 });
    expect(result).toEqual({ ok: false, issues: [{ path: 'extra', keyword: 'additionalProperties', message: UNDECLARED }] });
    expect(() => OrderPlaced.parse({ orderId: 'o-1', items: [], extra: 1 })).toThrow(new ContractViolation('OrderPlaced', [{ path: 'extra', keyword: 'additionalProperties', message: UNDECLARED }]));
    expect(() => OrderPlaced.parse({ orderId: 'o-1', items: [], extra: 1 })).toThrow(`Invalid OrderPlaced: extra: ${UNDECLARED}`);
  });

  it('is named with its path when nested, each one once, next to the other issues', () => {
    expect(validate({ orderId: '', items: [{ sku: 'a', colour: 'red' }, { sku: 'b' }], note: 'x', 'we/ird': 2 })).toBe(false);
    expect(formatIssues(toIssues(validate.errors))).toBe(
      [`note: ${UNDECLARED}`, `we/ird: ${UNDECLARED}`, 'orderId: must not be empty', `items.0.colour: ${UNDECLARED}`].join('; '),
    );
  });

  it('is named for unevaluatedProperties too (a JSON Schema 2019-09 validator)', () => {
    const validate2019 = new Ajv2019({ allErrors: true }).compile({
      type: 'object',
      allOf: [{ properties: { orderId: { type: 'string' } } }],
      properties: { lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } }, unevaluatedProperties: false } } },
      unevaluatedProperties: false,
    });
    expect(validate2019({ orderId: 'o-1', lines: [{ sku: 'a', qty: 2 }], extra: true })).toBe(false);
    expect(toIssues(validate2019.errors)).toEqual([
      { path: 'lines.0.qty', keyword: 'unevaluatedProperties', message: UNDECLARED },
      { path: 'extra', keyword: 'unevaluatedProperties', message: UNDECLARED },
    ]);
  });

  it('keeps the words of the other keywords', () => {
    expect(toIssues([{ instancePath: '/items/1', keyword: 'required', params: { missingProperty: 'sku' } }])).toEqual([{ path: 'items.1.sku', keyword: 'required', message: 'is required' }]);
  });
});
