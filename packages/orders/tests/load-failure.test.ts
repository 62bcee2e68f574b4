/**
 * The `orders` command's one line when code it imports does not compile (moduleLoadFailure): the
 * file named the same way in the error and in what to do, relative to the working directory when
 * it is inside it, else by its absolute path (never `../../tmp/…`).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleLoadFailure } from '@orders/app/cli';

const transformFailed = (file: string) => new Error(`Transform failed with 1 error:\n${file}:7:12: ERROR: Unexpected ";"`);

describe('moduleLoadFailure', () => {
  it('names a file of the working directory relatively, the column from 1, in the error and in the fix', () => {
    const failure = moduleLoadFailure(transformFailed(path.join(process.cwd(), 'packages/orders/src/order-store.ts')), 'status');
    expect(failure.message).toBe('code it imports does not load: packages/orders/src/order-store.ts:7:13: Unexpected ";"');
    expect(failure.options.next).toMatch(/^Fix packages\/orders\/src\/order-store\.ts, then run the command again \(status do not need that code/);
  });

  it('names a file outside the working directory by its absolute path, the same in both', () => {
    const failure = moduleLoadFailure(transformFailed('/elsewhere/app/src/order-store.ts'));
    expect(failure.message).toBe('code it imports does not load: /elsewhere/app/src/order-store.ts:7:13: Unexpected ";"');
    expect(failure.options.next).toMatch(/^Fix \/elsewhere\/app\/src\/order-store\.ts, then/);
  });
});
