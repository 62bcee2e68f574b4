import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files at once. Vitest's default is one less than the cores: on a 2-core machine a single
 * file at a time, and most of the suite's time is then spent waiting (visibility timeouts, request
 * timeouts, child processes starting) with a core idle. Files that mostly wait overlap well, so
 * run more of them than there are cores. `VITEST_MAX_WORKERS` overrides it.
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(3, availableParallelism() + 1);

/**
 * The longest files (copies of the project, with their own commands and test run), longest first.
 * Vitest orders files by the durations of the last run, but a fresh clone (CI) has none and it
 * then starts the largest files first, which these are not: started last, they would end the run
 * alone.
 */
const LONGEST = ['tests/framework/readme-steps.test.ts', 'tests/framework/second-system.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return i === -1 ? LONGEST.length : i;
    };
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers,
    sequence: { sequencer: LongestFirst },
    // One scratch folder per run for everything the tests make under os.tmpdir(), removed at the end.
    globalSetup: ['tests/helpers/scratch-tmpdir.ts'],
    server: {
      deps: {
        // Fixture projects (tests/helpers/fixture-project.ts) live under node_modules/.cache, which
        // Vitest would otherwise leave to Node: their generated contract package would then load a
        // copy of @sluice/runtime of its own, and its errors would not be the test's classes
        // (`toBeInstanceOf(ContractViolation)`). Inlined, they share the test's modules.
        inline: [/\/node_modules\/\.cache\/sluice-fixtures\//],
      },
    },
    env: {
      // Nothing in the test suite may reach the network.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  },
});
