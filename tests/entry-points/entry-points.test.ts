/**
 * Every entry point of the framework, spawned the way users run it (the project's npm scripts),
 * follows one command-line convention (`@sluice/cli`): an unknown flag or a bad value is one line
 * naming the mistake (the bad value echoed), then a pointer to `--help`, exit 2, no stack trace,
 * nothing on stdout; `--help` shows the usage as the user types it; `--version` prints a semver.
 * The order application's entry points (`npx orders`, the demo) are held to the same convention
 * in packages/orders/tests/entry-points.test.ts.
 *
 * Over 50 processes of half a second to two seconds each: they run in parallel, a few at a
 * time, before the assertions. No case starts a server, runs codegen or reaches the network.
 */
import { describeConvention, entryPointRuns, type EntryPoint } from '../helpers/entry-points.ts';

const ENTRY_POINTS: EntryPoint[] = [
  { script: 'start', file: 'packages/local/src/bin/start.ts', invocation: 'npm start --', name: 'start', bad: { args: ['--port', 'abc'], echoed: '"abc"' } },
  { script: 'subscriber', file: 'packages/local/src/bin/subscriber.ts', invocation: 'npm run subscriber --', name: 'subscriber', bad: { args: ['--concurrency', 'lots'], echoed: '"lots"' } },
  { script: 'codegen', file: 'packages/codegen/src/cli.ts', invocation: 'npm run codegen --', name: 'codegen', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:diff', file: 'packages/governance/src/diff-cli.ts', invocation: 'npm run contract:diff --', name: 'contract:diff', bad: { args: ['--mode', 'sideways'], echoed: '"sideways"' } },
  { script: 'contract:release', file: 'packages/governance/src/release-cli.ts', invocation: 'npm run contract:release --', name: 'contract:release', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:lint', file: 'packages/governance/src/lint-cli.ts', invocation: 'npm run contract:lint --', name: 'contract:lint', bad: { args: ['no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'contract:validate', file: 'packages/governance/src/validate-cli.ts', invocation: 'npm run contract:validate --', name: 'contract:validate', bad: { args: ['packages/governance/tests/samples', '--message', 'NoSuchMessage'], echoed: '"NoSuchMessage"' } },
  { script: 'docs', file: 'packages/governance/src/docs-cli.ts', invocation: 'npm run docs --', name: 'docs', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'diagram', file: 'packages/governance/src/topology-picture.ts', invocation: 'npm run diagram --', name: 'diagram', bad: { args: ['--spec', 'no-such-contract.yaml'], echoed: '"no-such-contract.yaml"' } },
  { script: 'infra:plan', file: 'packages/infra/src/plan/cli.ts', invocation: 'npm run infra:plan --', name: 'infra:plan', bad: { args: ['--stage', 'a b'], echoed: '"a b"' } },
  { script: 'bench', file: 'scripts/bench/cli.ts', invocation: 'npm run bench --', name: 'bench', bad: { args: ['--only', '9'], echoed: '"9"' } },
  // Scripts of their own, not programs of the CLI kit, held to the same convention.
  { script: 'docs:check', file: 'scripts/check-examples.ts', invocation: 'npm run docs:check --', name: 'docs:check', bad: { args: ['packages/cli'], echoed: '"packages/cli"' } },
  { script: 'build:packages', file: 'scripts/build-packages.mjs', invocation: 'npm run build:packages --', name: 'build:packages', bad: { args: ['clj'], echoed: '"clj"' } },
  { script: 'sst:install', file: 'packages/infra/sst-install.sh', invocation: 'npm run sst:install --', name: 'sst:install', bad: { args: ['--force=yes'], echoed: '"yes"' } },
];

const runs = entryPointRuns();
for (const ep of ENTRY_POINTS) runs.scheduleConvention(ep);
runs.runAllBeforeAll();

describeConvention(ENTRY_POINTS, runs);
