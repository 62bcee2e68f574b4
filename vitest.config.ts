import { availableParallelism } from 'node:os';
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { vitestWatchdogReaped } from './tests/helpers/vitest-watchdog.ts';

/**
 * Test files at once. Vitest's default is one less than the cores: on a 2-core machine a single
 * file at a time, and most of the suite's time is then spent waiting (visibility timeouts, request
 * timeouts, child processes starting) with a core idle. Files that mostly wait overlap well, so
 * run more of them than there are cores: one more (three on 2 cores). Two more (four) was faster
 * on a subset (52 s against 61 s for 14 files, the same CPU time) but starved the timing-bound
 * files: a fresh-clone CI run failed with a poller's 500 ms visibility renewal late, and a watch
 * reload lost its race once. `VITEST_MAX_WORKERS` overrides it.
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

/**
 * Unit test files that share their worker (`isolate: false`): each runs in a worker that earlier
 * files of this list used, with the modules they loaded (the framework's packages, the AWS SDK,
 * ajv, TypeScript) still loaded, instead of a fresh process loading them all again; about half of
 * these files' CPU time. Listed here are only files that start no local stack and no process and
 * leave nothing behind: no module state of their own set, every environment variable and spy
 * restored after the test that set it (`vi.unstubAllEnvs`, `vi.restoreAllMocks`, `mockRestore`).
 * A file not listed runs in a process of its own, as before; a new test file starts there.
 */
export const SHARED_WORKER = [
  'packages/cli/tests/compile-errors.test.ts',
  'packages/cli/tests/format-table.test.ts',
  'packages/cli/tests/kit.test.ts',
  'packages/cli/tests/line-splitter.test.ts',
  'packages/cli/tests/terminal-safe.test.ts',
  'packages/codegen/tests/asyncapi-major.test.ts',
  'packages/codegen/tests/codegen.test.ts',
  'packages/codegen/tests/contract-features.test.ts',
  'packages/codegen/tests/error-reports.test.ts',
  'packages/codegen/tests/foreign-documents.test.ts',
  'packages/codegen/tests/length-shortcuts.test.ts',
  'packages/codegen/tests/literal-escapes.test.ts',
  'packages/codegen/tests/object-maps.test.ts',
  'packages/codegen/tests/parse-contract.test.ts',
  'packages/codegen/tests/parser-hints.test.ts',
  'packages/codegen/tests/result-cache.test.ts',
  'packages/codegen/tests/said-places.test.ts',
  'packages/codegen/tests/unicode-names.test.ts',
  'packages/codegen/tests/yaml-syntax.test.ts',
  'packages/create/tests/next-steps-readme.test.ts',
  'packages/diagram/tests/diagram.test.ts',
  'packages/governance/tests/contract-diff.test.ts',
  'packages/governance/tests/self-containing-bindings.test.ts',
  'packages/governance/tests/this-release.test.ts',
  'packages/infra/tests/handler-files.test.ts',
  'packages/local/tests/application-settings.test.ts',
  'packages/local/tests/batch-line.test.ts',
  'packages/local/tests/batch-response.test.ts',
  'packages/local/tests/console-dead-letter-not-found.test.ts',
  'packages/local/tests/cpu-quota.test.ts',
  'packages/local/tests/failure-journal.test.ts',
  'packages/local/tests/files-named-by.test.ts',
  'packages/local/tests/instance-settings.test.ts',
  'packages/local/tests/start-hints.test.ts',
  'packages/local/tests/thrown-at.test.ts',
  'packages/local/tests/topology-watch.test.ts',
  'packages/model/tests/bindings.test.ts',
  'packages/model/tests/foreign-documents.test.ts',
  'packages/model/tests/plan.test.ts',
  'packages/model/tests/project.test.ts',
  'packages/model/tests/topology.test.ts',
  'packages/model/tests/triage.test.ts',
  'packages/model/tests/unrouted.test.ts',
  'packages/ops/tests/blank-identity.test.ts',
  'packages/ops/tests/message-subject.test.ts',
  'packages/ops/tests/redrive-sources.test.ts',
  'packages/orders/tests/contract/contract.test.ts',
  'packages/orders/tests/contract/types.test.ts',
  'packages/orders/tests/generated-operations.test.ts',
  'packages/orders/tests/handlers.test.ts',
  'packages/orders/tests/load-failure.test.ts',
  'packages/orders/tests/project.test.ts',
  'packages/runtime/tests/consumer-headers.test.ts',
  'packages/runtime/tests/decode-record.test.ts',
  'packages/runtime/tests/decoder.fast-paths.test.ts',
  'packages/runtime/tests/decoder.property.test.ts',
  'packages/runtime/tests/emf.test.ts',
  'packages/runtime/tests/failure-lines.test.ts',
  'packages/runtime/tests/issues.test.ts',
  'packages/runtime/tests/json-syntax.test.ts',
  'packages/runtime/tests/logger.test.ts',
  'packages/runtime/tests/publisher.test.ts',
  'packages/runtime/tests/queue-publisher.test.ts',
  'packages/runtime/tests/resources.test.ts',
  'packages/runtime/tests/thrown-values.test.ts',
  'packages/runtime/tests/timestamps.property.test.ts',
  'packages/runtime/tests/triage.test.ts',
  'scripts/bench/cli.test.ts',
  'scripts/check-examples.test.ts',
  'scripts/bench/statistics.test.ts',
  'tests/framework/terminal-safe-output.test.ts',
  'tests/reliability/bad-bodies.test.ts',
  'tests/reliability/harness.test.ts',
  'tests/reliability/ledger.test.ts',
  'tests/toolchain/vitest-projects.test.ts',
];

/** The test files (the reliability suite, `*.reliability.ts`, has a config of its own). */
const TEST_FILES = ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'scripts/**/*.test.ts'];

export default defineConfig({
  // `vitest run` ends after the watchdog process it forks, not before (tests/helpers/vitest-watchdog.ts says why).
  plugins: [vitestWatchdogReaped()],
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers,
    sequence: { sequencer: LongestFirst },
    // One scratch folder per run for everything the tests make under os.tmpdir(), removed at the end.
    globalSetup: ['tests/helpers/scratch-tmpdir.ts'],
    // In every test file's worker: what the file started stops with it, and a file that leaves a
    // process running fails, naming it (tests/helpers/children-exit-with-worker.ts).
    setupFiles: ['tests/helpers/children-exit-with-worker.ts'],
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
      // The commands the tests start share Node's compile cache (scripts/test-all.mjs says why), also when vitest is run directly.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(import.meta.dirname, 'node_modules', '.cache', 'node-compile-cache'),
    },
    // The test files in two sets, with the settings above: the shared-worker unit files and the rest.
    projects: [
      { extends: true, test: { name: 'isolated', include: TEST_FILES, exclude: [...configDefaults.exclude, ...SHARED_WORKER] } },
      { extends: true, test: { name: 'shared-worker', include: SHARED_WORKER, isolate: false } },
    ],
  },
});
