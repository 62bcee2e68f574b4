import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { ReliabilitySummaryReporter } from './tests/reliability/summary.ts';

/**
 * Scenario files at once. Each starts a stack of its own (port 0, its own data folder) and spends
 * most of its time waiting (visibility timeouts, injected latency, processes restarting): one at a
 * time, the suite used about 30 % of two cores. `RELIABILITY_FILES_AT_ONCE=1` runs them one by one.
 */
const filesAtOnce = Number(process.env.RELIABILITY_FILES_AT_ONCE) || 2;

/**
 * `npm run test:reliability`: long end-to-end scenarios through the local runtime, two files at a
 * time, then the ledger of every scenario as one table (tests/reliability/summary.ts).
 * `RELIABILITY_SCALE=ci` runs a fifth of the load.
 */
export default defineConfig({
  plugins: base.plugins,
  test: {
    ...base.test,
    include: ['tests/reliability/**/*.reliability.ts'],
    // One set of files, all in processes of their own (not the main suite's two projects).
    projects: undefined,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: filesAtOnce > 1,
    maxWorkers: filesAtOnce,
    reporters: ['default', new ReliabilitySummaryReporter()],
  },
});
