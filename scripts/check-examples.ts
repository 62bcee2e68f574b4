/**
 * The public API docs check, run by `npm run typecheck`.
 *
 * 1. Every TSDoc `@example` with a fenced ```ts block in `packages/*\/src/**\/*.ts` is written to a
 *    module of its own under `node_modules/.cache/sluice-examples/` and all of them are
 *    type-checked in one program (a tsconfig there that extends the repository's `tsconfig.json`),
 *    so an example that no longer compiles fails the typecheck at the line of its doc comment.
 *    Examples import the framework by package name and may declare what they need with
 *    `declare const x: T;`; an example of a module that no entry point exports may import it by a
 *    path relative to the documented file. Examples in files that only
 *    `tsconfig.sst.json` covers (SST's platform types) are checked against that config instead,
 *    when `.sst/platform` is installed.
 * 2. The public API of the framework packages (every package named `@sluice/*`, through the
 *    entry points its package.json `exports`) is audited: every export has TSDoc, every member
 *    of an exported interface, object type or class (its options) has TSDoc, and every exported
 *    function has an `@example` with a fenced ```ts block.
 *
 * Usage: `npm run typecheck` (both parts, after tsc), `npm run docs:check` (`--report`), or
 * `npm exec -- node scripts/check-examples.ts [--report | --summary] [--no-cache]`. Without a flag both parts fail
 * the run (exit 1). `--report` lists the audit's findings but fails only on examples that do not
 * compile; `--summary` does the same with one count per package instead of the list.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { closest, versionOf } from '@sluice/cli';

/** One fenced ```ts block of an `@example` tag. */
export interface DocExample {
  /** The source file holding the doc comment, relative to the root. */
  file: string;
  /** The 1-based line of the example's first code line in `file`. */
  line: number;
  /** The example's code, exactly as written between the fences (comment stars removed). */
  code: string;
}

/** An example that does not type-check. */
export interface ExampleFailure {
  /** `file:line:column` of the failing code in the original doc comment. */
  location: string;
  /** The compiler's message. */
  message: string;
}

/** What the audit found missing on one export of a framework package. */
export interface DocFinding {
  /** `file:line` of the declaration. */
  location: string;
  /** The package and the exported name, e.g. `@sluice/runtime: createPublisher`, or a member `Options.retries`. */
  symbol: string;
  /** What is missing. */
  problem: 'no TSDoc' | 'no @example' | '@example without a ```ts fence';
}

/** A workspace package: its name, folder and entry files. */
interface WorkspacePackage {
  name: string;
  dir: string;
  entries: string[];
}

const fenceOpen = /^```(ts|typescript)\s*$/;
const fenceClose = /^```\s*$/;

/** The workspace packages under `<root>/packages`, with the entry files their `exports` name. */
function workspacePackages(root: string): WorkspacePackage[] {
  const dir = path.join(root, 'packages');
  if (!existsSync(dir)) return [];
  const packages: WorkspacePackage[] = [];
  for (const name of readdirSync(dir).sort()) {
    const manifestPath = path.join(dir, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name?: string;
      exports?: Record<string, string | { types?: string; default?: string }>;
    };
    const entries: string[] = [];
    for (const target of Object.values(manifest.exports ?? {})) {
      const file = typeof target === 'string' ? target : (target.types ?? target.default);
      if (file?.endsWith('.ts')) entries.push(path.join(dir, name, file));
    }
    packages.push({ name: manifest.name ?? name, dir: path.join(dir, name), entries });
  }
  return packages;
}

/** Every `.ts` file under `dir`, sorted. */
function typeScriptFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The doc comments (`/** ... *\/`) of a source file, as the parser attached them to declarations. */
function docComments(sourceFile: ts.SourceFile): { pos: number; end: number }[] {
  const found = new Map<number, { pos: number; end: number }>();
  const visit = (node: ts.Node): void => {
    for (const doc of (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) found.set(doc.pos, { pos: doc.pos, end: doc.end });
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return [...found.values()].sort((a, b) => a.pos - b.pos);
}

/**
 * The `@example` sections of one doc comment: each with its 1-based start line and its lines
 * (comment stars removed), and the fenced ```ts blocks inside them.
 */
function exampleSections(text: string, commentPos: number, commentEnd: number) {
  const startLine = text.slice(0, commentPos).split('\n').length;
  const lines = text
    .slice(commentPos, commentEnd)
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*? ?/, ''));
  const sections: { fenced: DocExample[]; line: number }[] = [];
  let current: { fenced: DocExample[]; line: number } | undefined;
  let fence: { line: number; code: string[] } | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    const fileLine = startLine + i;
    if (fence) {
      if (fenceClose.test(line.trim())) {
        current?.fenced.push({ file: '', line: fence.line, code: fence.code.join('\n') });
        fence = undefined;
      } else fence.code.push(raw);
      return;
    }
    const tag = /^\s*@(\w+)/.exec(line);
    if (tag) current = tag[1] === 'example' ? { fenced: [], line: fileLine } : undefined;
    if (current) {
      if (current.line === fileLine) sections.push(current);
      if (fenceOpen.test(line.trim())) fence = { line: fileLine + 1, code: [] };
    }
  });
  return sections;
}

/**
 * Every fenced ```ts block of every `@example` tag in `files`.
 *
 * @param root - the folder `file` in the results is relative to
 * @param files - absolute paths of TypeScript files
 */
export function findExamples(root: string, files: readonly string[]): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('@example')) continue;
    const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const comment of docComments(sourceFile)) {
      for (const section of exampleSections(text, comment.pos, comment.end)) {
        for (const example of section.fenced) examples.push({ ...example, file: path.relative(root, file) });
      }
    }
  }
  return examples;
}

/** The files a tsconfig covers, or none when it cannot be read. */
function configFiles(configPath: string): Set<string> {
  if (!existsSync(configPath)) return new Set();
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  return new Set((parsed?.fileNames ?? []).map((f) => path.resolve(f)));
}

/** `file:line:col` of a diagnostic, mapped back through `origin` when it is in an example module. */
function diagnosticLocation(root: string, diagnostic: ts.Diagnostic, origin: Map<string, DocExample>): string {
  if (!diagnostic.file || diagnostic.start === undefined) return '(no location)';
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const example = origin.get(path.resolve(diagnostic.file.fileName));
  if (example) return `${example.file}:${example.line + line}:${character + 1}`;
  return `${path.relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1}`;
}

/**
 * Type-checks `examples` in one program per base config: each becomes a module of its own in
 * `cacheDir`, with a tsconfig there that extends the base (`tsconfig.json`, or
 * `tsconfig.sst.json` for examples in files only that config covers). Diagnostics are mapped back
 * to the line in the doc comment; errors inside the imported sources are left to tsc.
 *
 * @param root - the repository root (the base tsconfigs and the example files are relative to it)
 * @param examples - what {@link findExamples} returned
 * @param cacheDir - where the modules are written; emptied first
 * @param read - when given, every file the compiler read is added to it (absolute)
 * @returns the failures, and the examples left unchecked because their config is not installed
 */
export function compileExamples(
  root: string,
  examples: readonly DocExample[],
  cacheDir: string,
  read?: Set<string>,
): { failures: ExampleFailure[]; unchecked: DocExample[] } {
  rmSync(cacheDir, { recursive: true, force: true });
  const failures: ExampleFailure[] = [];
  const unchecked: DocExample[] = [];
  const mainConfig = path.join(root, 'tsconfig.json');
  const sstConfig = path.join(root, 'tsconfig.sst.json');
  const mainFiles = configFiles(mainConfig);
  const sstFiles = existsSync(sstConfig) ? configFiles(sstConfig) : new Set<string>();
  const groups = new Map<string, DocExample[]>();
  for (const example of examples) {
    const source = path.resolve(root, example.file);
    const base = !mainFiles.has(source) && sstFiles.has(source) ? sstConfig : mainConfig;
    if (base === sstConfig && !existsSync(path.join(root, '.sst', 'platform'))) {
      unchecked.push(example);
      continue;
    }
    groups.set(base, [...(groups.get(base) ?? []), example]);
  }
  for (const [base, group] of groups) {
    const dir = path.join(cacheDir, path.basename(base, '.json'));
    mkdirSync(dir, { recursive: true });
    const origin = new Map<string, DocExample>();
    const files = group.map((example) => {
      const name = `${example.file.replace(/[\\/]/g, '__').replace(/\.ts$/, '')}_L${example.line}.ts`;
      const file = path.join(dir, name);
      // A relative import (an example of a module no entry point exports) is resolved from the
      // documented file; `export {}` after the code keeps each example a module of its own.
      const from = path.dirname(path.resolve(root, example.file));
      const code = example.code.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.\.?\/[^'"]*)\2/g, (_all, lead: string, quote: string, spec: string) => {
        const target = path.relative(dir, path.resolve(from, spec)).split(path.sep).join('/');
        return `${lead}${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`;
      });
      writeFileSync(file, `${code}\nexport {};\n`);
      origin.set(path.resolve(file), example);
      return name;
    });
    // The base config's declaration files (ambient modules, e.g. for untyped dependencies) too.
    const ambient = [...(base === sstConfig ? sstFiles : mainFiles)].filter((f) => f.endsWith('.d.ts')).map((f) => path.relative(dir, f));
    const configPath = path.join(dir, 'tsconfig.json');
    writeFileSync(
      configPath,
      JSON.stringify({ extends: path.relative(dir, base), compilerOptions: { noEmit: true, noUnusedLocals: false }, include: [], files: [...ambient, ...files] }, null, 2),
    );
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (!parsed) throw new Error(`cannot read ${configPath}`);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    for (const f of program.getSourceFiles()) read?.add(path.resolve(f.fileName));
    read?.add(path.resolve(base));
    // Only the examples' own diagnostics: errors in the sources they import are tsc's to report
    // (`tsc -p tsconfig.json`, `npm run typecheck:infra`), not an example's.
    const diagnostics = [
      ...parsed.errors,
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSourceFiles().filter((f) => origin.has(path.resolve(f.fileName))).flatMap((f) => [
        ...program.getSyntacticDiagnostics(f),
        ...program.getSemanticDiagnostics(f),
      ]),
    ];
    for (const diagnostic of diagnostics) {
      failures.push({
        location: diagnosticLocation(root, diagnostic, origin),
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return { failures, unchecked };
}

/** The doc comments of a declaration (for a variable, those of its statement). */
function docsOf(declaration: ts.Node): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(declaration).filter((d): d is ts.JSDoc => ts.isJSDoc(d));
}

/** Whether a declaration has a doc comment with some text or a tag. */
function hasDoc(declaration: ts.Node): boolean {
  return docsOf(declaration).some((d) => (d.comment !== undefined && ts.getTextOfJSDocComment(d.comment)?.trim()) || (d.tags?.length ?? 0) > 0);
}

/** Whether a declaration is a function: a function declaration or a const bound to a function. */
function isFunctionDeclaration(declaration: ts.Declaration): boolean {
  if (ts.isFunctionDeclaration(declaration)) return true;
  return (
    ts.isVariableDeclaration(declaration) &&
    declaration.initializer !== undefined &&
    (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer))
  );
}

/** The documented members of an interface, object type or class: the ones a user sets or calls. */
function publicMembers(declaration: ts.Declaration): ts.NamedDeclaration[] {
  let members: readonly ts.Node[] = [];
  if (ts.isInterfaceDeclaration(declaration) || ts.isClassDeclaration(declaration)) members = declaration.members;
  else if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)) members = declaration.type.members;
  return members.filter((m): m is ts.NamedDeclaration => {
    if (ts.isConstructorDeclaration(m) || ts.isIndexSignatureDeclaration(m) || ts.isClassStaticBlockDeclaration(m)) return false;
    const name = (m as ts.NamedDeclaration).name;
    if (!name || ts.isPrivateIdentifier(name)) return false;
    // An override is documented where it is declared first (e.g. an Error's `name`).
    const flags = ts.getCombinedModifierFlags(m as ts.Declaration);
    return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Override));
  });
}

/** `file:line` of a node. */
function locationOf(root: string, node: ts.Node): string {
  const sourceFile = node.getSourceFile();
  const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return `${path.relative(root, sourceFile.fileName)}:${line + 1}`;
}

/**
 * Audits the public API of the workspace packages whose name starts with `scope`: through each
 * package's `exports` entry points, every exported declaration needs TSDoc, so does every public
 * member of an exported interface, object type or class, and every exported function an
 * `@example` with a fenced ```ts block. A declaration reached from several entry points is
 * reported once.
 *
 * @param root - the repository root (holding `packages/` and `tsconfig.json`)
 * @param scope - the package name prefix, `@sluice/` for the framework
 * @param read - when given, every file the compiler read is added to it (absolute)
 */
export function auditDocs(root: string, scope: string, read?: Set<string>): DocFinding[] {
  const packages = workspacePackages(root).filter((p) => p.name.startsWith(scope));
  const entries = packages.flatMap((p) => p.entries);
  if (entries.length === 0) return [];
  const configPath = path.join(root, 'tsconfig.json');
  const options = existsSync(configPath)
    ? (ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })?.options ?? {})
    : {};
  const program = ts.createProgram({ rootNames: entries, options: { ...options, noEmit: true } });
  for (const f of program.getSourceFiles()) read?.add(path.resolve(f.fileName));
  for (const p of packages) read?.add(path.join(p.dir, 'package.json'));
  if (existsSync(configPath)) read?.add(configPath);
  const checker = program.getTypeChecker();
  const findings: DocFinding[] = [];
  const seen = new Set<ts.Node>();
  for (const pkg of packages) {
    for (const entry of pkg.entries) {
      const sourceFile = program.getSourceFile(entry);
      const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
      if (!moduleSymbol) continue;
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const declarations = (symbol.declarations ?? []).filter((d) => !ts.isSourceFile(d) && !ts.isModuleDeclaration(d));
        if (declarations.length === 0 || declarations.some((d) => seen.has(d))) continue;
        for (const d of declarations) seen.add(d);
        const first = declarations[0]!;
        const name = `${pkg.name}: ${exported.name}`;
        if (!declarations.some(hasDoc)) findings.push({ location: locationOf(root, first), symbol: name, problem: 'no TSDoc' });
        if (declarations.some(isFunctionDeclaration)) {
          const docs = declarations.flatMap(docsOf);
          const examples = docs.flatMap((d) => (d.tags ?? []).filter((t) => t.tagName.text === 'example'));
          const text = first.getSourceFile().text;
          const fenced = docs.some((d) => exampleSections(text, d.pos, d.end).some((s) => s.fenced.length > 0));
          if (examples.length === 0) findings.push({ location: locationOf(root, first), symbol: name, problem: 'no @example' });
          else if (!fenced) findings.push({ location: locationOf(root, first), symbol: name, problem: '@example without a ```ts fence' });
        }
        for (const declaration of declarations) {
          for (const member of publicMembers(declaration)) {
            if (seen.has(member)) continue;
            seen.add(member);
            if (hasDoc(member)) continue;
            const memberName = member.name ? member.name.getText() : '?';
            findings.push({ location: locationOf(root, member), symbol: `${name}.${memberName}`, problem: 'no TSDoc' });
          }
        }
      }
    }
  }
  return findings;
}

const sha1 = (text: string | Buffer) => createHash('sha1').update(text).digest('hex');

/**
 * What a clean result depends on besides the files the compiler read: the root (a copy of the
 * project, whose node_modules may be this one's, keeps its result apart), this script, the compiler's
 * version, the examples found (each file, line and code), whether SST's platform is installed
 * (the infra examples are checked only then), and the names of every file under `packages/` and
 * `generated/` (node_modules left out), as a file created may change what an import resolves to.
 */
function resultKey(root: string, examples: readonly DocExample[]): string {
  const names: string[] = [];
  for (const top of ['packages', 'generated']) {
    const dir = path.join(root, top);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]) {
      const file = path.relative(root, path.join(entry.parentPath, entry.name));
      if (!file.split(path.sep).includes('node_modules')) names.push(file);
    }
  }
  return sha1(
    JSON.stringify({
      root: path.resolve(root),
      script: sha1(readFileSync(fileURLToPath(import.meta.url))),
      typescript: ts.version,
      examples,
      sstPlatform: existsSync(path.join(root, '.sst', 'platform')),
      names: names.sort(),
    }),
  );
}

/** The hashes of `files`' contents; undefined when one cannot be read. */
function contentHashes(files: Iterable<string>): Record<string, string> | undefined {
  const hashes: Record<string, string> = {};
  for (const file of files) {
    try {
      hashes[file] = sha1(readFileSync(file));
    } catch {
      return undefined;
    }
  }
  return hashes;
}

/** A clean result as {@link main} keeps it: its key, and every file read with its content's hash. */
interface CleanResult {
  key: string;
  inputs: Record<string, string>;
}

/**
 * Whether the last run found nothing (no example that does not compile, no missing docs, none
 * left unchecked) and nothing it read has changed since: every file both compilers read has the
 * same content (sources, declaration files in node_modules, tsconfigs, package.json files), and
 * {@link resultKey} is the same. Only a clean result is kept: a run that finds something always
 * compiles again.
 */
function unchangedSinceClean(file: string, key: string): boolean {
  let kept: Partial<CleanResult> | null;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<CleanResult> | null;
  } catch {
    return false; // none, or not JSON (cut short): no clean result
  }
  if (kept === null || kept.key !== key || typeof kept.inputs !== 'object' || kept.inputs === null) return false;
  const now = contentHashes(Object.keys(kept.inputs));
  return now !== undefined && Object.entries(kept.inputs).every(([f, hash]) => now[f] === hash);
}

/**
 * Writes `text` to `file` whole or not at all: beside it first, then renamed over it, so a run cut
 * short leaves the last result or none, never half of one. The temporary file is removed when
 * either step fails, and the failure thrown.
 */
function writeWhole(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // never written, or a folder by that name (not ours): the failure to say is the one thrown
    }
    throw error;
  }
}

/**
 * One line for the examples left unchecked (SST's platform, whose types they need, not installed:
 * a fresh clone before `npm run sst:install`), instead of one line per example: how many, in which
 * files (the first three), and what to run.
 */
export function uncheckedLine(unchecked: readonly DocExample[]): string {
  const files = [...new Set(unchecked.map((e) => e.file))];
  const named = `${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`;
  return `check-examples: ${unchecked.length} example(s) not checked, in ${files.length} file(s) only tsconfig.sst.json covers (${named}): SST's platform types are not installed; run npm run sst:install, then this check again`;
}

/** What `npm run docs:check -- --help` prints. */
export const CHECK_EXAMPLES_HELP = `Usage: npm run docs:check -- [options]     (npm run typecheck runs it after tsc, strict)

Checks the framework's public API docs: every TSDoc @example compiles (type-checked in one
program), and every export of the @sluice packages has TSDoc, every exported function an @example.

Options:
  --report      list what the docs lack, but fail only on an example that does not compile
                (npm run docs:check passes it)
  --summary     as --report, with one count per package instead of the list
  --no-cache    compile again even when nothing it reads changed since the last clean run
  -h, --help    this help
  --version     print the version (the framework's, whose docs it checks)

Without --report or --summary (npm run typecheck), a missing doc fails the run too (exit 1).`;

/** What `--version` prints: the framework's version (its packages share one), whose docs this checks. */
export const CHECK_EXAMPLES_VERSION = versionOf(new URL('../packages/runtime/package.json', import.meta.url));

const FLAGS = ['--report', '--summary', '--no-cache'];

/**
 * The one-line usage error for `args` (the bad word echoed, what to type instead), or undefined
 * when they are all options it takes.
 */
function usageProblem(args: readonly string[]): string | undefined {
  const bad = args.find((a) => !FLAGS.includes(a));
  if (bad === undefined) return undefined;
  const takes = `it takes ${FLAGS.join(', ')}, --help and --version`;
  if (!bad.startsWith('-')) return `unexpected argument ${JSON.stringify(bad)}: it checks the whole workspace, no file or package by name; ${takes}`;
  const [flag, ...value] = bad.split('=');
  if (FLAGS.includes(flag!)) return `${flag} takes no value, got ${JSON.stringify(value.join('='))}: give ${flag} alone`;
  // A one- or two-letter typo is as close to every option as to the one meant: no guess.
  const name = flag!.replace(/^-+/, '');
  const guess = name.length > 2 ? closest(name, FLAGS.map((f) => f.slice(2))) : undefined;
  return `unknown option ${bad}: ${guess ? `did you mean --${guess}?` : takes}`;
}

/**
 * Runs both parts for the repository at `root`, prints what failed and returns the exit code.
 * A run that found nothing is remembered (`node_modules/.cache/sluice-examples-clean.json`): the
 * next, when nothing it read has changed, says so instead of compiling again (`--no-cache`
 * always compiles).
 */
export function main(root: string, args: readonly string[], out = console.log, err = console.error): number {
  if (args.includes('--help') || args.includes('-h')) {
    out(CHECK_EXAMPLES_HELP);
    return 0;
  }
  if (args.includes('--version')) {
    out(CHECK_EXAMPLES_VERSION);
    return 0;
  }
  const problem = usageProblem(args);
  if (problem) {
    // The convention of every entry point (@sluice/cli): what is wrong, then where the usage is.
    err(`docs:check: ${problem}`);
    err('Run `npm run docs:check -- --help` for usage.');
    return 2;
  }
  const mode = args.includes('--summary') ? 'summary' : args.includes('--report') ? 'report' : 'strict';
  const useCache = !args.includes('--no-cache');
  const files = workspacePackages(root).flatMap((p) => typeScriptFiles(path.join(p.dir, 'src')));
  const examples = findExamples(root, files);
  const cacheFile = path.join(root, 'node_modules', '.cache', 'sluice-examples-clean.json');
  const key = resultKey(root, examples);
  if (useCache && unchangedSinceClean(cacheFile, key)) {
    out(`check-examples: ${examples.length} examples, 0 compile errors; 0 missing docs (nothing they read changed since the last clean check; --no-cache to check again)`);
    return 0;
  }
  const read = new Set<string>([path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.sst.json')].filter((f) => existsSync(f)));
  const { failures, unchecked } = compileExamples(root, examples, path.join(root, 'node_modules', '.cache', 'sluice-examples'), read);
  for (const failure of failures) err(`${failure.location}: example does not compile: ${failure.message}`);
  if (unchecked.length > 0) out(uncheckedLine(unchecked));
  const findings = auditDocs(root, '@sluice/', read);
  if (failures.length === 0 && unchecked.length === 0 && findings.length === 0) {
    const inputs = contentHashes([...read].sort());
    if (inputs && existsSync(path.dirname(cacheFile))) {
      try {
        writeWhole(cacheFile, JSON.stringify({ key, inputs } satisfies CleanResult));
      } catch (error) {
        err(`check-examples: warning: could not remember this clean run in ${path.relative(root, cacheFile)} (${(error as Error).message}); the next run compiles again`);
      }
    }
  } else {
    // A failed run is not remembered. (A folder in the cache's place holds no clean run either.)
    try {
      rmSync(cacheFile, { force: true });
    } catch (error) {
      err(`check-examples: warning: could not forget the last clean run in ${path.relative(root, cacheFile)} (${(error as Error).message}); delete it, or the next run may skip this check`);
    }
  }
  if (mode === 'summary') {
    const counts = new Map<string, number>();
    for (const f of findings) counts.set(f.symbol.split(':')[0]!, (counts.get(f.symbol.split(':')[0]!) ?? 0) + 1);
    for (const [pkg, count] of counts) out(`docs: ${pkg}: ${count} missing (npm run docs:check lists them)`);
  } else {
    const print = mode === 'strict' ? err : out;
    for (const f of findings) print(`${f.location}: ${f.symbol}: ${f.problem}`);
  }
  out(
    `check-examples: ${examples.length} examples${unchecked.length ? ` (${unchecked.length} not checked)` : ''}, ${failures.length} compile errors; ` +
      `${findings.length} missing docs${mode === 'strict' ? '' : ' (reported, not failed)'}`,
  );
  return failures.length > 0 || (mode === 'strict' && findings.length > 0) ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), process.argv.slice(2));
}
