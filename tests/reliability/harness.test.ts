/** The reliability harness's own guards. */
import { describe, expect, it } from 'vitest';
import { warmUp, type Harness } from './harness.ts';

describe('warmUp', () => {
  it('refuses a harness whose instances start with demand: its concurrent batches would count batches waiting for an instance', async () => {
    await expect(warmUp({ eagerInstances: false } as Harness, 5)).rejects.toThrow('warmUp counts concurrent batches, which are instances only when each starts one: startHarness({ eagerInstances: true })');
  });
});
