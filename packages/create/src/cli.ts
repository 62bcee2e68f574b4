/**
 * `npm run create -- <directory> --contract <file>` (the `create-sluice` bin): a new project from
 * any AsyncAPI 3.0 contract; see {@link createProject}.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError, isEntry, main, shellWord, terminalSafeIO, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { warningSayer } from '@sluice/codegen';
import { CreateError, createProject, FRAMEWORK_PACKAGES, FRAMEWORK_VERSIONS } from './create.ts';

/** The `create` command. Run it with `main(createProgram)` from `@sluice/cli`. */
export const createProgram: ProgramSpec = {
  name: 'create',
  invocation: 'npm run create --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'start a project of your own from an AsyncAPI 3.0 contract',
  description: `Writes a new project into <directory>: the contract and every local file it $refs, package.json
with eventContract and the npm scripts (codegen, typecheck, test, start, infra:plan, dev, deploy,
contract:*, docs, diagram), a settings module, one typed handler per receive operation, a contract test
over the examples, sst.config.ts, tsconfig.json, .gitignore and a README.`,
  positionals: [{ name: 'directory', description: 'the new project folder (new or empty)', required: true, path: true }],
  options: {
    contract: { type: 'string', valueName: 'file', description: 'the AsyncAPI 3.0 document', existing: true },
    framework: {
      type: 'string',
      valueName: 'dir',
      description: 'a folder of packed framework packages (npm pack: sluice-runtime-0.2.0.tgz, ...): the project depends on them by file: path, relative to it (without it, on their versions, which the npm registry does not have yet)',
      existing: true,
    },
  },
  examples: ['npm run create -- ../payments --contract payments.yaml'],
  async run({ values, positionals, io: terminal }) {
    // Its warnings quote the contract (names, keys): shown as escapes where they hold controls.
    const io = terminalSafeIO(terminal);
    const contract = values.contract as string | undefined;
    const directory = positionals[0];
    if (!directory) throw new UsageError('name the new project folder: npm run create -- <directory> --contract <file>');
    if (!contract) throw new UsageError('--contract <file> is required: the AsyncAPI 3.0 document to start from');
    try {
      const framework = values.framework as string | undefined;
      const created = await createProject({ directory, contract, ...(framework ? { frameworkSources: frameworkTarballs(framework, directory) } : {}) });
      // The folder as given when it is outside the working directory (`/tmp/app`, not `../../tmp/app`).
      const relative = path.relative(process.cwd(), created.directory);
      const shown = relative.startsWith('..') || path.isAbsolute(relative) ? created.directory : relative || '.';
      io.out(`create: ${shown}/ written (${created.files.length} files, ${created.consumers.length} consumer(s)).`);
      // What codegen will say about the contract, before the next steps, which stay together.
      const say = warningSayer(contract);
      for (const o of created.outside) io.err(`create: no handler for ${o.operation}: ${say(`operations.${o.operation} ${o.reason}`)}`);
      for (const warning of created.warnings) io.err(`create: warning: ${say(warning)}`);
      io.out('Next:');
      if (framework) io.out(`  cd ${shellWord(directory)} && npm install && npm run codegen`);
      else io.out(unpublishedFrameworkSteps(directory, contract).join('\n'));
    } catch (error) {
      if (error instanceof CreateError) throw new CliError(error.message);
      throw error;
    }
    return 0;
  },
};

/**
 * What to do after a project was created without `--framework`: its package.json names the
 * @sluice packages at their versions, which the npm registry does not have (nothing @sluice is
 * published yet), so a plain `npm install` fails; the lines say so and how to get them as
 * tarballs (as README.md's "Start a project of your own"), then create the project again from them.
 */
export function unpublishedFrameworkSteps(directoryGiven: string, contractGiven: string): string[] {
  // Shell words: a path with a space (or a quote) is written so that the line runs as printed.
  const [directory, contract] = [shellWord(directoryGiven), shellWord(contractGiven)];
  const version = FRAMEWORK_VERSIONS['@sluice/runtime'];
  const workspaces = FRAMEWORK_PACKAGES.map((pkg) => `-w packages/${pkg.slice('@sluice/'.length)}`).join(' ');
  return [
    `  The @sluice packages are not on the npm registry yet: \`npm install\` cannot fetch the @sluice/* ${version} that package.json names.`,
    "  It needs them as tarballs. In the Sluice repository, build and pack them (the first line once: SST's platform, which the infra package is compiled against):",
    '    npm run sst:install',
    '    npm run build:packages',
    `    SLUICE_PACKAGES_BUILT=1 npm pack ${workspaces} --pack-destination ../tarballs`,
    `  then create the project again from them (they become file: dependencies), into a new folder or after \`rm -r ${directory}\` (it holds only what create just wrote):`,
    `    npm run create -- ${directory} --contract ${contract} --framework ../tarballs`,
    `    cd ${directory} && npm install && npm run codegen`,
  ];
}

/**
 * The framework packages packed in `dir` (`npm pack` names them `sluice-<name>-<version>.tgz`), as
 * `file:` dependency specifiers by package name; refuses a folder that lacks one.
 *
 * @param dir - the folder of tarballs
 * @param project - the project that will depend on them: the paths are relative to it, as `npm
 *   install ../tarballs/x.tgz` writes them, so the project and the tarballs can move together (and
 *   the project be committed and cloned beside them); absolute without it
 * @returns `{ '@sluice/runtime': 'file:../tarballs/sluice-runtime-0.2.0.tgz', ... }`
 * @throws CliError naming the packages that are missing
 * @example
 * ```ts
 * import { frameworkTarballs } from '@sluice/create';
 *
 * frameworkTarballs('/tmp/tarballs', '/tmp/payments')['@sluice/runtime']; // 'file:../tarballs/sluice-runtime-0.2.0.tgz'
 * frameworkTarballs('/tmp/tarballs')['@sluice/runtime']; // 'file:/tmp/tarballs/sluice-runtime-0.2.0.tgz'
 * ```
 */
export function frameworkTarballs(dir: string, project?: string): Record<string, string> {
  const files = readdirSync(dir);
  const sources: Record<string, string> = {};
  const missing: string[] = [];
  for (const pkg of FRAMEWORK_PACKAGES) {
    const prefix = `${pkg.slice(1).replace('/', '-')}-`;
    const tarball = files.filter((f) => f.startsWith(prefix) && /^\d/.test(f.slice(prefix.length)) && f.endsWith('.tgz')).sort().at(-1);
    const absolute = tarball && path.resolve(dir, tarball);
    if (absolute) sources[pkg] = `file:${project ? path.relative(path.resolve(project), absolute).split(path.sep).join('/') : absolute}`;
    else missing.push(pkg);
  }
  if (missing.length) throw new CliError(`${dir} has no tarball of ${missing.join(', ')}: pack them (npm pack -w packages/<name>, or scripts/try-create.sh) into it`);
  return sources;
}

if (isEntry(import.meta)) await main(createProgram);
