/**
 * The order application's consumers and settings against its contract: one handler per receive
 * operation in packages/orders/consumers, and settings `checkSettings` accepts, as
 * `npm run codegen:check` checks them. How the framework finds handlers and checks settings is
 * tested on a fixture system in packages/model/tests/handlers.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { topology } from '@orders/contract';
import { checkHandlers, checkSettings } from '@sluice/model';
import { settings } from '../src/settings.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('the order application against its contract', () => {
  it('has a handler for every receive operation, and no handler file left over', () => {
    expect(Object.values(topology.operations).some((o) => o.action === 'receive')).toBe(true);
    expect(checkHandlers(topology, path.join(root, 'packages/orders/consumers'), root)).toEqual([]);
  });

  it('has settings the contract accepts', () => {
    expect(checkSettings(topology, settings)).toEqual([]);
  });
});
