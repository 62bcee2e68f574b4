/**
 * The README's "Add a message or a consumer" steps, as `tests/framework/readme-steps.test.ts`
 * applies them: every block marked `<!-- apply: <file> [<path>] -->` in that section, in order,
 * is merged into a YAML file at the dotted path (a map merged, a list appended) or written as a
 * whole file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse, stringify } from 'yaml';
import type { ProjectCopy } from './project-copy.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface ReadmeStep {
  file: string;
  /** Dotted path inside a YAML file where the block goes (merged into a map, appended to a list). */
  at: string | undefined;
  body: string;
}

/** The steps of the README section, in order. */
export function readmeSteps(readme = readFileSync(path.join(root, 'README.md'), 'utf8')): ReadmeStep[] {
  const start = readme.indexOf('## Add a message or a consumer');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
  const steps: ReadmeStep[] = [];
  for (const match of section.matchAll(/<!-- apply: (\S+)(?: (\S+))? -->\n```\w*\n([\s\S]*?)\n```/g)) steps.push({ file: match[1]!, at: match[2], body: match[3]! });
  return steps;
}

/** Applies one step to the copy; a path that does not exist in the file fails, naming it. */
export function applyStep(copy: ProjectCopy, step: ReadmeStep): void {
  if (!step.at) {
    copy.write(step.file, `${step.body}\n`);
    return;
  }
  const doc = parse(copy.read(step.file)) as Record<string, unknown>;
  let target: any = doc;
  for (const key of step.at.split('.')) {
    target = target?.[key];
    if (target === undefined) throw new Error(`${step.file} has no ${step.at} (at ${key}): the README step cannot be applied`);
  }
  const fragment = parse(step.body) as unknown;
  if (Array.isArray(target)) target.push(...(fragment as unknown[]));
  else Object.assign(target, fragment);
  copy.write(step.file, stringify(doc, { lineWidth: 0 }));
}

/**
 * The application's files and folders, relative to the repository root: its contract and
 * schemas, its generated code (@orders/contract), its package (consumers, settings, commands),
 * its released contract, its deployment, its README and its picture. (The root package.json is
 * the workspace's as much as the application's: what reads the project there, `loadProject(root)`
 * or a command run in the root, counts, not its version read by a CLI.)
 */
const APPLICATION_PATHS = ['asyncapi.yaml', 'schemas', 'generated', 'released', 'packages/orders', 'sst.config.ts', 'README.md', 'docs/topology.svg'];

const isApplicationPath = (relative: string) => APPLICATION_PATHS.some((p) => relative === p || relative.startsWith(`${p}/`));

/**
 * Modules whose use the test's own call decides, never their text: a framework package's source
 * (packages/<name>/src, the order application's excepted: its defaults, e.g. a project loaded from
 * the working directory, name no application; a test runs it on one with words of its own), the
 * project copy (what it copies the test's `copyProject(…)` call says) and the fixture systems'
 * files (tests/fixtures: their consumers import `@orders/contract` as the name of the contract of
 * the copy they are copied into, which is then the fixture's).
 */
const DECIDED_BY_THE_CALLER = [/\/packages\/(?!orders\/)[^/]+\/src\//, /\/tests\/helpers\/project-copy\.ts$/, /\/tests\/fixtures\//];

/** The code of a module without its comments (TSDoc examples and prose name paths they do not read). */
const codeOf = (text: string) => text.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, '').replace(/^[ \t]*\/\/.*$/gm, '');

/** The modules `text` imports (static, dynamic, re-exported), as TypeScript reads them: not the ones named in its strings or comments. */
const importsOf = (text: string) => ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text of each `name(…)` call in `code` (parentheses balanced). */
function callsOf(code: string, name: string): string[] {
  const calls: string[] = [];
  for (let at = code.search(new RegExp(`\\b${escape(name)}\\(`)); at !== -1; ) {
    let depth = 0;
    let end = at + name.length;
    for (; end < code.length; end++) {
      if (code[end] === '(') depth++;
      else if (code[end] === ')' && --depth === 0) break;
    }
    calls.push(code.slice(at, end + 1));
    const next = code.slice(end + 1).search(new RegExp(`\\b${escape(name)}\\(`));
    at = next === -1 ? -1 : end + 1 + next;
  }
  return calls;
}

/** The call that encloses `index` (a spawn or exec of a command), from its name to `index`. */
function callBefore(code: string, index: number): string {
  const before = code.slice(0, index);
  const start = Math.max(...['spawn(', 'spawnSync(', 'execFile(', 'execFileSync(', 'execSync(', 'exec(', 'fork(', 'run('].map((c) => before.lastIndexOf(c)));
  return start === -1 ? before.slice(-200) : before.slice(start);
}

/**
 * Why the module `file` (absolute) reads the application by itself, or undefined: it is in the
 * application; imports it by name; names one of its paths relative to itself; names one of them
 * under the repository root (a `path.resolve(<its folder>, '../..')` that is the root, or
 * `process.cwd()`) or hands that root to what reads a project (a command's `cwd`, or one that falls back to it,
 * `loadProject`/`loadApplication`, `root:`); starts the local stack or copies this project
 * without an application of its own (a fixture's). Not seen: a command spawned with no `cwd` at
 * all (it inherits the root); no test spawns a project command that way.
 */
function ownReason(file: string, text: string): string | undefined {
  const relative = path.relative(root, file);
  if (isApplicationPath(relative)) return 'is part of the application';
  const code = codeOf(text);
  const named = importsOf(text).find((specifier) => specifier.startsWith('@orders/'));
  if (named) return `imports the application (${named})`;
  for (const [, literal] of code.matchAll(/['`](\.\.?\/[^'`\s$]*)['`]/g)) {
    const target = path.relative(root, path.resolve(path.dirname(file), literal!));
    if (!target.startsWith('..') && isApplicationPath(target)) return `names the application's ${target}`;
  }
  const roots = [...code.matchAll(/(?:const|let|var)\s+(\w+)\s*=\s*path\.resolve\((?:[\w.]+|path\.dirname\(fileURLToPath\(import\.meta\.url\)\)),\s*'(\.\.(?:\/\.\.)*)\/?'\)/g)]
    .filter((m) => path.resolve(path.dirname(file), m[2]!) === root)
    .map((m) => escape(m[1]!));
  const R = `(?:${[...roots, 'process\\.cwd\\(\\)'].join('|')})`;
  const joined = (literals: string) => path.posix.normalize([...literals.matchAll(/'([^']*)'/g)].map((m) => m[1]).join('/'));
  for (const m of code.matchAll(new RegExp(`path\\.(?:join|resolve)\\(\\s*${R}\\s*,\\s*((?:'[^']*'\\s*,?\\s*)+)`, 'g'))) {
    if (isApplicationPath(joined(m[1]!))) return `reads the application's ${joined(m[1]!)}`;
  }
  // A helper that joins its argument to the root (`const at = (file) => path.join(root, file)`).
  for (const m of code.matchAll(new RegExp(`const\\s+(\\w+)\\s*=\\s*\\((\\w+)[^)]*\\)\\s*=>\\s*path\\.(?:join|resolve)\\(\\s*${R}\\s*,\\s*\\2\\s*\\)`, 'g'))) {
    for (const [, literal] of code.matchAll(new RegExp(`\\b${m[1]}\\(\\s*'([^']+)'`, 'g'))) if (isApplicationPath(joined(`'${literal}'`))) return `reads the application's ${literal}`;
  }
  // Also a `cwd` that falls back to the root (`cwd: run.cwd ?? root`): the command runs there unless told otherwise.
  for (const m of code.matchAll(new RegExp(`\\bcwd:\\s*(?:[\\w.]+\\s*\\?\\?\\s*)?${R}(?![\\w.])`, 'g'))) {
    // `npm pack <folder>` reads the package it packs, wherever it runs.
    if (!/'npm',\s*\['pack'/.test(callBefore(code, m.index))) return 'runs a command in the repository root (it reads the project there)';
  }
  if (new RegExp(`\\b(?:loadProject|loadApplication)\\(\\s*(?:${R}\\s*[,)]|\\))`).test(code)) return 'loads the project at the repository root';
  if (new RegExp(`\\broot:\\s*${R}(?![\\w.])`).test(code)) return 'hands the repository root to what reads the project there';
  for (const [, from] of code.matchAll(/\.copyIn\(\s*'([^']+)'/g)) if (isApplicationPath(from!)) return `copies the application's ${from} into a copy`;
  if (callsOf(code, 'startLocalRuntime').some((call) => !/\bapplication\b/.test(call))) return 'starts the local stack on the application of its working directory';
  if (callsOf(code, 'copyProject').some((call) => !/\bapplication\b/.test(call))) return 'copies this project with its application';
  return undefined;
}

/**
 * Why the test (or helper) `file` (relative to the repository root) can depend on the
 * application, or undefined when it reads none of it: its own reason (see the rules above) or that
 * of a module it imports relatively, transitively.
 *
 * @example
 * ```ts
 * import { applicationDependence } from '../helpers/readme-steps.ts';
 *
 * applicationDependence('packages/codegen/tests/codegen-root.test.ts'); // "reads the application's generated"
 * applicationDependence('packages/create/tests/create.test.ts'); // undefined: a created project of its own
 * ```
 */
export function applicationDependence(file: string): string | undefined {
  const seen = new Map<string, string | undefined>();
  const reason = (absolute: string): string | undefined => {
    if (seen.has(absolute)) return seen.get(absolute);
    seen.set(absolute, undefined);
    if (DECIDED_BY_THE_CALLER.some((pattern) => pattern.test(absolute))) return undefined;
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch {
      return undefined;
    }
    let found = ownReason(absolute, text);
    if (!found) {
      for (const specifier of importsOf(text).filter((s) => /^\.\.?\/.+\.ts$/.test(s))) {
        const imported = path.resolve(path.dirname(absolute), specifier);
        const why = reason(imported);
        if (why) {
          found = `imports ${path.relative(root, imported)}, which ${why.replace(/^imports .*?, which /, '… ')}`;
          break;
        }
      }
    }
    seen.set(absolute, found);
    return found;
  };
  return reason(path.join(root, file));
}

/**
 * The test files whose outcome can depend on the application (its contract, generated code,
 * consumers, settings, deployment, README, or the local stack started on it): those for which
 * {@link applicationDependence} gives a reason. The rest read none of it: kits, validators of their
 * own inputs, projects of their own (a temp folder, a fixture, a created project, a copy whose
 * application is a fixture's).
 */
export function applicationDependentTests(files: readonly string[], exclude: readonly string[] = []): string[] {
  return files.filter((file) => !exclude.includes(file) && applicationDependence(file) !== undefined);
}
