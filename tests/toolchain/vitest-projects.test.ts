/**
 * The main suite's two sets of test files (vitest.config.ts): every file listed to share its worker
 * exists and is a test file the suite would run, so that a renamed or removed file cannot leave a
 * stale entry behind (a stale entry runs nothing, and its new name would run isolated unnoticed).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_WORKER } from '../../vitest.config.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('SHARED_WORKER', () => {
  it('lists only test files that exist, once each', () => {
    expect(SHARED_WORKER.filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
    expect(SHARED_WORKER.filter((file) => !/\.test\.ts$/.test(file))).toEqual([]);
    expect(new Set(SHARED_WORKER).size).toBe(SHARED_WORKER.length);
  });
});
