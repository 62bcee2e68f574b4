/**
 * `npm run contract:lint`: runs `asyncapi validate` (from @asyncapi/cli) on the contract, offline.
 *
 * The AsyncAPI CLI sends usage metrics unless its analytics file says otherwise, and checks npm
 * for a newer version of itself. Both are turned off here for every run, on CI and on a
 * developer's machine alike, without touching the user's own ~/.asyncapi-analytics.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const HELP = `Usage: npm run contract:lint [-- <spec>]

Validates the AsyncAPI document (default: asyncapi.yaml) with the official AsyncAPI CLI,
with its metrics and update checks turned off. Exit code 1 when the document has errors.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const spec = args[0] ?? 'asyncapi.yaml';

const require = createRequire(import.meta.url);
const cliBin = path.join(path.dirname(require.resolve('@asyncapi/cli/package.json')), 'bin', 'run_bin');

const cacheDir = path.resolve('node_modules', '.cache', 'orders-contract-lint');
mkdirSync(cacheDir, { recursive: true });
const analyticsFile = path.join(cacheDir, 'asyncapi-analytics.json');
writeFileSync(analyticsFile, JSON.stringify({ analyticsEnabled: 'false', infoMessageShown: 'true', userID: 'orders-pipeline-offline' }));

const result = spawnSync(process.execPath, [cliBin, 'validate', spec, '--fail-severity', 'error'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    ASYNCAPI_METRICS_CONFIG_PATH: analyticsFile,
    ASYNCAPI_SKIP_NEW_VERSION_CHECK: 'true',
    // Keep oclif's caches (update checks, autocomplete) inside the project.
    XDG_CACHE_HOME: cacheDir,
  },
});
if (result.error) {
  console.error(`contract:lint: could not run the AsyncAPI CLI (${result.error.message}). Run \`npm ci\` first.`);
  process.exit(1);
}
process.exit(result.status ?? 1);
