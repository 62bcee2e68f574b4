/**
 * `npm run contract:lint`: runs `asyncapi validate` (from @asyncapi/cli) on the contract, offline.
 *
 * The AsyncAPI CLI sends usage metrics unless its analytics file says otherwise, and checks npm
 * for a newer version of itself. Both are turned off here for every run, on CI and on a
 * developer's machine alike, without touching the user's own ~/.asyncapi-analytics.
 *
 * The CLI's report reaches the user through the command's I/O, line by line as the CLI writes it,
 * terminal-safe: it quotes the contract's keys and values, which may hold escape sequences.
 *
 * The CLI would fetch a remote `$ref` from the network: such a contract is refused first, every
 * remote (or missing) `$ref` named where it is written, as codegen refuses it, and nothing is run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isEntry, main, terminalSafeIO, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { unreachableRefs } from '@sluice/codegen/parse';
import { loadProject } from '@sluice/model';
import { couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';
import { runRelayingLines } from './relayed-lines.ts';

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
  epilog: exitCodesHelp({
    ok: 'the document is valid',
    failed: 'the AsyncAPI CLI found errors in the document',
    couldNotRun: 'a usage error, a $ref that cannot be read offline (remote, or to a missing file), the AsyncAPI CLI not installed or stopped by a signal',
  }),
  positionals: [{ name: 'spec', description: 'AsyncAPI document (default: eventContract.spec, else asyncapi.yaml)', existing: true }],
  options: {
    // As every other contract command takes it.
    spec: { type: 'string', valueName: 'file', description: 'AsyncAPI document, as the argument', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
  },
  run: failuresExitTwo(async ({ positionals, values, io: terminal }) => {
    // The CLI's report quotes the contract's keys and values; so do the refusals below.
    const io = terminalSafeIO(terminal);
    if (values.spec !== undefined && positionals[0] !== undefined) throw new UsageError(`give the document once: --spec ${values.spec as string} or ${positionals[0]}, not both`);
    const spec = (values.spec as string | undefined) ?? positionals[0] ?? loadProject().spec;
    const unreachable = unreachableRefs(spec);
    if (unreachable.length > 0) {
      for (const { written } of unreachable) io.err(`${path.relative(process.cwd(), written!.file) || written!.file}#${written!.pointer}: ${written!.problem}`);
      // Said for what they are: a remote file (fetched by the CLI, not here) or a local one that does not exist.
      const remote = unreachable.filter(({ written }) => / is remote: /.test(written!.problem)).length;
      const missing = unreachable.length - remote;
      const what = [remote ? `${remote} remote (the AsyncAPI CLI would fetch it from the network)` : '', missing ? `${missing} to a file that does not exist` : ''].filter(Boolean).join(', ');
      const fixes = [missing ? 'correct the path of each missing file, or write the file' : '', remote ? 'download each remote file beside the contract and $ref it by its relative path' : ''].filter(Boolean).join('; ');
      throw couldNotRun(`${unreachable.length} $ref(s) above cannot be read offline (${what}): nothing was validated`, `${fixes[0]!.toUpperCase()}${fixes.slice(1)}, then run contract:lint again.`);
    }
    const cliBin = path.join(path.dirname(require.resolve('@asyncapi/cli/package.json')), 'bin', 'run_bin');
    const cacheDir = path.resolve('node_modules', '.cache', 'sluice-contract-lint');
    mkdirSync(cacheDir, { recursive: true });
    const analyticsFile = path.join(cacheDir, 'asyncapi-analytics.json');
    writeFileSync(analyticsFile, JSON.stringify({ analyticsEnabled: 'false', infoMessageShown: 'true', userID: 'sluice-offline' }));
    let result;
    try {
      result = await runRelayingLines(process.execPath, [cliBin, 'validate', spec, '--fail-severity', 'error'], {
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
        // Its lines are relayed, not a terminal of its own: colours would only show as escapes.
        FORCE_COLOR: '0',
      }, io);
    } catch (error) {
      throw couldNotRun(`could not run the AsyncAPI CLI (${(error as Error).message})`, 'Run `npm ci` first.', error);
    }
    // The CLI exits 1 for a document with errors; anything else (killed, its own crash) checked nothing.
    if (result.status === 0 || result.status === 1) return result.status;
    throw couldNotRun(
      `the AsyncAPI CLI ${result.status === null ? `was stopped by ${result.signal}` : `exited ${result.status}`} before saying whether the document is valid`,
      'Run contract:lint again; if it fails the same way, run it with --debug and read the CLI\'s output above.',
    );
  }),
};

if (isEntry(import.meta)) await main(lintProgram);
