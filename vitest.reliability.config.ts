import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { ReliabilitySummaryReporter } from './tests/reliability/summary.ts';

/**
 * `npm run test:reliability`: long end-to-end scenarios through the local runtime, one file at a
 * time, then the ledger of every scenario as one table (tests/reliability/summary.ts).
 * `RELIABILITY_SCALE=ci` runs a fifth of the load.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['tests/reliability/**/*.reliability.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default', new ReliabilitySummaryReporter()],
  },
});
