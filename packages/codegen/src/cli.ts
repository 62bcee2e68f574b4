/**
 * `npm run codegen` / `npm run codegen:check`: writes or verifies `generated/`, and checks that
 * every receive operation has its handler (and every handler an operation), and that each handler
 * file parses.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, isEntry, main, terminalSafeIO, versionOf, type ProgramSpec } from '@sluice/cli';
import { checkHandlers } from '@sluice/model';
import { loadProject } from '@sluice/model';
import { warningSayer } from './said-places.ts';

/** Files of `dir` relative to it, excluding node_modules. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), rel) : [rel];
  });
}

/** `a`, `a and b`, `a, b and c`. */
const listed = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

interface Values {
  spec?: string;
  out?: string;
  consumers?: string;
  check?: boolean;
}

/**
 * The `codegen` command (`npm run codegen`, `npm run codegen:check`): writes or, with `--check`,
 * verifies the generated package, then checks handlers against receive operations. Run it with
 * `main(codegenProgram)` or `runCli(codegenProgram, args, io)` from `@sluice/cli`.
 */
export const codegenProgram: ProgramSpec = {
  name: 'codegen',
  invocation: 'npm run codegen --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'generate types, validators, operations and the topology manifest from the contract',
  description: `Reads the AsyncAPI 3.0 contract and writes an npm workspace package (default generated/,
named by eventContract.contractPackage, else <package name>-contract): TypeScript types and standalone validators for every message, the
typed operations that publishers and consumers are built from, and the topology manifest
(topics, queues, dead-letter queues, subscriptions with their filter policies) that the
infrastructure and the local runtime create. Then checks that every receive operation has its
handler file in the consumers folder, and every handler file an operation, and that each handler
file parses (file:line:column of a syntax error; no type check: that is npm run typecheck).`,
  options: {
    spec: { type: 'string', valueName: 'file', description: 'AsyncAPI document', defaultText: 'eventContract.spec, else asyncapi.yaml', existing: true },
    out: { type: 'string', valueName: 'dir', path: true, description: 'output folder', defaultText: 'eventContract.generated, else generated' },
    consumers: { type: 'string', valueName: 'dir', path: true, description: 'one handler per receive operation: <dir>/<operationId>.ts', defaultText: 'eventContract.consumers, else consumers' },
    check: { type: 'boolean', description: 'write nothing; exit 1 naming stale files, missing or orphan handlers and handlers that do not parse' },
  },
  examples: ['npm run codegen', 'npm run codegen:check', 'npm run codegen -- --spec asyncapi.yaml --out /tmp/generated-preview'],
  async run({ values, io: terminal }) {
    // Its warnings and problems quote the contract (names, keys): shown as escapes where they hold controls.
    const io = terminalSafeIO(terminal);
    const { spec: specOption, out: outOption, consumers: consumersOption, check } = values as Values;
    const project = loadProject(process.cwd(), {
      ...(specOption ? { spec: specOption } : {}),
      ...(outOption ? { generated: outOption } : {}),
      ...(consumersOption ? { consumers: consumersOption } : {}),
    });
    const shown = (file: string) => {
      const relative = path.relative(process.cwd(), file);
      return relative.startsWith('..') ? file : relative || '.';
    };
    const started = performance.now();
    // Loaded here, not at the top: the AsyncAPI parser takes seconds to load, and --help or a usage error should not wait for it.
    const { CodegenError, generateWithModel } = await import('./generate.ts');
    let generated;
    try {
      generated = await generateWithModel({ specPath: project.spec, packageName: project.contractPackage });
    } catch (error) {
      // The files the problems are written in: a schema file a $ref names is fixed there, not in the contract.
      const files = error instanceof CodegenError && error.files.length > 0 ? error.files.map(shown) : [shown(project.spec)];
      if (error instanceof CodegenError) throw new CliError(error.message, { next: `Fix ${listed(files)} and run npm run codegen again.` });
      throw error;
    }
    const { files, model } = generated;
    const outDir = project.generated;
    const wanted = new Map(files.map((f) => [f.path, f.content]));
    const existing = listFiles(outDir);
    const stale = [
      ...files.filter((f) => !existsSync(path.join(outDir, f.path)) || readFileSync(path.join(outDir, f.path), 'utf8') !== f.content).map((f) => f.path),
      ...existing.filter((f) => !wanted.has(f)),
    ];
    const handlerProblems = checkHandlers(model.topology, project.consumers, process.cwd(), project.contractPackage);
    // Each handler file parsed (not type-checked): one that does not is said here, with the rest, not first by typecheck or npm start.
    const { handlerSyntaxProblems } = await import('./handler-syntax.ts');
    const syntaxProblems = await handlerSyntaxProblems(model.topology, project.consumers, process.cwd());
    const doNotParse = syntaxProblems.length === 1 ? 'a handler does not parse' : `${syntaxProblems.length} handlers do not parse`;
    const say = warningSayer(project.spec);
    for (const warning of model.warnings) io.err(`codegen: warning: ${say(warning)}`);

    if (check) {
      let failed = false;
      if (stale.length === 0) {
        io.out(`codegen:check: ${shown(outDir)}/ is up to date with ${shown(project.spec)} (${files.length} files).`);
      } else {
        failed = true;
        io.err(`codegen:check: ${shown(outDir)}/ is stale; these files differ from what ${shown(project.spec)} produces:`);
        for (const f of stale) io.err(`  - ${shown(path.join(outDir, f))}${wanted.has(f) ? '' : ' (not generated any more)'}`);
        io.err('Run `npm run codegen` and commit generated/.');
      }
      if (handlerProblems.length > 0) {
        failed = true;
        io.err(`codegen:check: the consumers in ${shown(project.consumers)}/ do not match the contract's receive operations:`);
        for (const problem of handlerProblems) io.err(`  - ${problem}`);
      }
      if (syntaxProblems.length > 0) {
        failed = true;
        io.err(`codegen:check: ${doNotParse}:`);
        for (const problem of syntaxProblems) io.err(`  - ${problem}`);
      }
      if (handlerProblems.length === 0 && syntaxProblems.length === 0) io.out(`codegen:check: every receive operation has its handler in ${shown(project.consumers)}/.`);
      return failed ? 1 : 0;
    }

    mkdirSync(outDir, { recursive: true });
    for (const f of existing) if (!wanted.has(f)) rmSync(path.join(outDir, f));
    // Only what differs: a file rewritten with the same bytes still changes its time, and
    // `npm start -- --watch` then reloads the consumers for nothing.
    const changed = new Set(stale);
    for (const f of files.filter((f) => changed.has(f.path))) {
      mkdirSync(path.dirname(path.join(outDir, f.path)), { recursive: true });
      writeFileSync(path.join(outDir, f.path), f.content);
    }
    const ms = Math.round(performance.now() - started);
    const t = model.topology;
    io.out(`codegen: ${stale.length === 0 ? 'no changes' : `updated ${stale.map((f) => shown(path.join(outDir, f))).join(', ')}`} (${files.length} files in ${shown(outDir)}/, ${ms} ms).`);
    io.out(
      `codegen: ${model.messages.length} message(s), ${Object.keys(t.topics).length} topic(s), ${Object.keys(t.queues).length} queue(s), ` +
        `${t.subscriptions.length} subscription(s), ${Object.values(t.operations).filter((o) => o.action === 'receive').length} consumer(s).`,
    );
    if (handlerProblems.length > 0) {
      io.err('codegen: next, make the consumers match the contract (npm test fails until you do):');
      for (const problem of handlerProblems) io.err(`  - ${problem}`);
    }
    if (syntaxProblems.length > 0) {
      io.err(`codegen: next, fix the syntax (npm test fails until you do): ${doNotParse}:`);
      for (const problem of syntaxProblems) io.err(`  - ${problem}`);
    }
    return 0;
  },
};

/**
 * The program as npm started it: `npm run codegen:check --` (its usage line and its messages name
 * that script, whose --check is already given) when `npm_lifecycle_event` is `codegen:check`, else
 * {@link codegenProgram}.
 */
function asStarted(env: NodeJS.ProcessEnv = process.env): ProgramSpec {
  if (env.npm_lifecycle_event !== 'codegen:check') return codegenProgram;
  return {
    ...codegenProgram,
    name: 'codegen:check',
    invocation: 'npm run codegen:check --',
    description: `This script passes --check: it writes nothing, and exits 1 naming the files of generated/ that
differ from what the contract produces, the missing or orphan handlers and those that do not
parse. Without --check
(npm run codegen):

${codegenProgram.description}`,
  };
}

if (isEntry(import.meta)) await main(asStarted());
