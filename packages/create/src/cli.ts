/**
 * `npm run create -- <directory> --contract <file>` (the `create-sluice` bin): a new project from
 * any AsyncAPI 3.0 contract; see {@link createProject}.
 */
import path from 'node:path';
import { CliError, main, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { CreateError, createProject } from './create.ts';

/** The `create` command. Run it with `main(createProgram)` from `@sluice/cli`. */
export const createProgram: ProgramSpec = {
  name: 'create',
  invocation: 'npm run create --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'start a project of your own from an AsyncAPI 3.0 contract',
  description: `Writes a new project into <directory>: the contract and every local file it $refs, package.json
with eventContract and the npm scripts (codegen, typecheck, test, start, infra:plan, dev, deploy,
contract:*, docs), a settings module, one typed handler per receive operation, a contract test
over the examples, sst.config.ts, tsconfig.json, .gitignore and a README.`,
  positionals: [{ name: 'directory', description: 'the new project folder (new or empty)', required: true }],
  options: {
    contract: { type: 'string', valueName: 'file', description: 'the AsyncAPI 3.0 document', existing: true },
  },
  examples: ['npm run create -- ../payments --contract payments.yaml'],
  async run({ values, positionals, io }) {
    const contract = values.contract as string | undefined;
    const directory = positionals[0];
    if (!directory) throw new UsageError('name the new project folder: npm run create -- <directory> --contract <file>');
    if (!contract) throw new UsageError('--contract <file> is required: the AsyncAPI 3.0 document to start from');
    try {
      const created = createProject({ directory, contract });
      io.out(`create: ${path.relative(process.cwd(), created.directory) || '.'}/ written (${created.files.length} files, ${created.consumers.length} consumer(s)). Next:`);
      io.out(`  cd ${directory} && npm install && npm run codegen`);
    } catch (error) {
      if (error instanceof CreateError) throw new CliError(error.message);
      throw error;
    }
    return 0;
  },
};

if (import.meta.main) await main(createProgram);
