/**
 * `npm run contract:lint`: runs `asyncapi validate` (from @asyncapi/cli) on the contract, offline.
 *
 * The AsyncAPI CLI sends usage metrics unless its analytics file says otherwise, and checks npm
 * for a newer version of itself. Both are turned off here for every run, on CI and on a
 * developer's machine alike, without touching the user's own ~/.asyncapi-analytics.
 *
 * The CLI would fetch a remote `$ref` from the network: such a contract is refused first, every
 * remote (or missing) `$ref` named where it is written, as codegen refuses it, and nothing is run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CliError, isEntry, main, versionOf, type ProgramSpec } from '@sluice/cli';
import { unreachableRefs } from '@sluice/codegen/parse';
import { loadProject } from '@sluice/model';

const require = createRequire(import.meta.url);

/** The `contract:lint` command: validates the contract with the official AsyncAPI CLI, offline. */
export const lintProgram: ProgramSpec = {
  name: 'contract:lint',
  invocation: 'npm run contract:lint --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'validate the contract with the official AsyncAPI CLI, offline',
  description:
    'Validates the AsyncAPI document with the official AsyncAPI CLI (`asyncapi validate`), with its metrics and update checks turned off. ' +
    'A document with a remote $ref (which the CLI would fetch from the network) or a $ref to a missing file is refused first, each named where it is written, and nothing is validated. ' +
    'Exit code 1 when the document has errors.',
  positionals: [{ name: 'spec', description: 'AsyncAPI document (default: eventContract.spec, else asyncapi.yaml)', existing: true }],
  async run({ positionals }) {
    const spec = positionals[0] ?? loadProject().spec;
    const unreachable = unreachableRefs(spec);
    if (unreachable.length > 0) {
      for (const { written } of unreachable) process.stderr.write(`${path.relative(process.cwd(), written!.file) || written!.file}#${written!.pointer}: ${written!.problem}\n`);
      throw new CliError(`${unreachable.length} $ref(s) above cannot be read offline (the AsyncAPI CLI would fetch a remote one from the network): nothing was validated`, {
        next: 'Download each remote file beside the contract, $ref it by its relative path, and run contract:lint again.',
      });
    }
    const cliBin = path.join(path.dirname(require.resolve('@asyncapi/cli/package.json')), 'bin', 'run_bin');
    const cacheDir = path.resolve('node_modules', '.cache', 'sluice-contract-lint');
    mkdirSync(cacheDir, { recursive: true });
    const analyticsFile = path.join(cacheDir, 'asyncapi-analytics.json');
    writeFileSync(analyticsFile, JSON.stringify({ analyticsEnabled: 'false', infoMessageShown: 'true', userID: 'sluice-offline' }));
    const result = spawnSync(process.execPath, [cliBin, 'validate', spec, '--fail-severity', 'error'], {
      stdio: 'inherit',
      env: {
        ...process.env,
        ASYNCAPI_METRICS_CONFIG_PATH: analyticsFile,
        ASYNCAPI_SKIP_NEW_VERSION_CHECK: 'true',
        // Keep oclif's caches (update checks, autocomplete) inside the project.
        XDG_CACHE_HOME: cacheDir,
        // The CLI runs under NODE_ENV=production with node-config, which looks for a config/ folder
        // in the working directory and prints four WARNING lines when there is none (there never is:
        // nothing of the CLI's is configured that way). They are about its loader, not the contract.
        SUPPRESS_NO_CONFIG_WARNING: '1',
        SUPPRESS_STRICTNESS_CHECK: '1',
      },
    });
    if (result.error) throw new CliError(`could not run the AsyncAPI CLI (${result.error.message})`, { next: 'Run `npm ci` first.' });
    return result.status ?? 1;
  },
};

if (isEntry(import.meta)) await main(lintProgram);
