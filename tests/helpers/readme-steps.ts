/**
 * The README's "Add a message or a consumer" steps, as `tests/framework/readme-steps.test.ts`
 * applies them: every block marked `<!-- apply: <file> [<path>] -->` in that section, in order,
 * is merged into a YAML file at the dotted path (a map merged, a list appended) or written as a
 * whole file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

/** What marks a test file (or a helper it imports) as reading the application's contract or code. */
const APPLICATION_MARKERS = ['@orders/', 'asyncapi.yaml', 'generated/', 'loadApplication', 'packages/orders', 'ordersProgram', 'copyProject', 'README.md', 'docs/topology.svg', "'packages/", 'loadProject('];

/**
 * The helpers that load a fixture system (tests/fixtures; point-to-point-project.ts: the SQS
 * binding's point-to-point example under packages/model/tests/fixtures), never the application,
 * and the fixture systems' own files (their settings, consumers): a test that imports them depends
 * on the application only through markers of its own.
 */
const FIXTURE_HELPERS = /\/tests\/(helpers\/(fixture-[^/]+|point-to-point-project)|fixtures\/.+)\.ts$/;

/**
 * A framework package's own source (packages/<name>/src, the order application's excepted): it
 * reads an application only where a test runs it on one, which the test's own text says (the
 * application's names, its folder as the working directory, the stack started without an
 * application of its own); the generic defaults it names (asyncapi.yaml, generated/) are no
 * application's.
 */
const FRAMEWORK_SOURCE = /\/packages\/(?!orders\/)[^/]+\/src\//;

/**
 * Whether `text` starts the local stack on the application of the working directory: a
 * `startLocalRuntime(…)` call that is given no `application` of its own (a fixture's).
 */
function startsTheApplication(text: string): boolean {
  for (let at = text.indexOf('startLocalRuntime('); at !== -1; at = text.indexOf('startLocalRuntime(', at + 1)) {
    let depth = 0;
    let end = at + 'startLocalRuntime'.length;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')' && --depth === 0) break;
    }
    if (!/\bapplication\b/.test(text.slice(at, end))) return true;
  }
  return false;
}

/**
 * The test files whose outcome can depend on the application's contract, consumers or settings:
 * those that (or whose relative imports, transitively) name the application, its contract, its
 * generated code, its commands, or start the local stack on it (a `startLocalRuntime` call with
 * no `application` of its own). The rest test code that reads none of them (kits, validators of
 * their own inputs, fixtures of their own: the fixture helpers count as reading none).
 */
export function applicationDependentTests(files: readonly string[], exclude: readonly string[] = []): string[] {
  const seen = new Map<string, boolean>();
  const depends = (file: string): boolean => {
    if (seen.has(file)) return seen.get(file)!;
    seen.set(file, false);
    if (FIXTURE_HELPERS.test(file) || FRAMEWORK_SOURCE.test(file)) return false;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    const own = APPLICATION_MARKERS.some((marker) => text.includes(marker)) || startsTheApplication(text);
    const imported = [...text.matchAll(/from '(\.\.?\/[^']+\.ts)'/g)].some((m) => depends(path.resolve(path.dirname(file), m[1]!)));
    seen.set(file, own || imported);
    return own || imported;
  };
  return files.filter((file) => !exclude.includes(file) && depends(path.join(root, file)));
}
