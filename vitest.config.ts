import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files at once. Vitest's default is one less than the cores: on a 2-core machine a single
 * file at a time, and most of the suite's time is then spent waiting (visibility timeouts, request
 * timeouts, child processes starting) with a core idle. Files that mostly wait overlap well, so
 * run more of them than there are cores. `VITEST_MAX_WORKERS` overrides it.
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(3, availableParallelism() + 1);

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers,
    env: {
      // Nothing in the test suite may reach the network.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  },
});
