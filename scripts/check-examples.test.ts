import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDocs, compileExamples, findExamples, main } from './check-examples.ts';
import type { DocExample } from './check-examples.ts';

/** A workspace of one framework package, `@sluice/demo`, resolvable by name from its examples. */
const source = `/**
 * Adds two numbers.
 *
 * @example
 * \`\`\`ts
 * import { add } from '@sluice/demo';
 *
 * const sum: number = add(1, 2);
 * \`\`\`
 */
export function add(a: number, b: number): number {
  return a + b;
}

/**
 * Doubles a number.
 *
 * @example
 * \`\`\`ts
 * import { double } from '@sluice/demo';
 *
 * const text: string = double(2);
 * \`\`\`
 */
export function double(n: number): number {
  return n * 2;
}

/** Negates a number. */
export const negate = (n: number): number => -n;

/**
 * Squares a number.
 *
 * @example
 * square(3) // 9
 */
export function square(n: number): number {
  return n * n;
}

export interface Options {
  /** How many times. */
  times: number;
  label: string;
}

/** Documented, with a documented member and an override that needs none. */
export class Named extends Error {
  override name = 'Named';
  /** The count. */
  count = 0;
}

/**
 * Not exported from the entry point, so not audited; its example imports it relatively.
 *
 * @example
 * \`\`\`ts
 * import { internal } from './math.ts';
 *
 * internal();
 * \`\`\`
 */
export function internal(): void {}
`;

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'check-examples-'));
  const pkg = path.join(root, 'packages', 'demo');
  mkdirSync(path.join(pkg, 'src'), { recursive: true });
  writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        allowImportingTsExtensions: true,
        noEmit: true,
        strict: true,
        types: [],
      },
      include: ['packages'],
    }),
  );
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: '@sluice/demo', type: 'module', exports: { '.': { types: './src/index.ts', default: './src/index.ts' } } }),
  );
  writeFileSync(path.join(pkg, 'src', 'index.ts'), "export { add, double, negate, square, type Options, Named } from './math.ts';\n");
  writeFileSync(path.join(pkg, 'src', 'math.ts'), source);
  mkdirSync(path.join(root, 'node_modules', '@sluice'), { recursive: true });
  symlinkSync(pkg, path.join(root, 'node_modules', '@sluice', 'demo'), 'dir');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check-examples', () => {
  it('finds each fenced ts example with the line of its first code line', () => {
    const examples = findExamples(root, [path.join(root, 'packages/demo/src/math.ts')]);
    expect(examples.map((e) => `${e.file}:${e.line}`)).toEqual(['packages/demo/src/math.ts:6', 'packages/demo/src/math.ts:20', 'packages/demo/src/math.ts:60']);
    expect(examples[0]!.code).toBe("import { add } from '@sluice/demo';\n\nconst sum: number = add(1, 2);");
  });

  it('reports an example that does not compile at its line in the doc comment, and passes the others (a relative import is resolved from the documented file)', () => {
    const examples = findExamples(root, [path.join(root, 'packages/demo/src/math.ts')]);
    const { failures, unchecked } = compileExamples(root, examples, path.join(root, 'node_modules/.cache/examples'));
    expect(unchecked).toEqual([]);
    expect(failures).toEqual([
      { location: 'packages/demo/src/math.ts:22:7', message: "Type 'number' is not assignable to type 'string'." },
    ]);
  });

  it('leaves errors inside the sources an example imports to tsc', () => {
    writeFileSync(path.join(root, 'packages/demo/src/broken.ts'), "export const x: number = 'not a number';\n");
    try {
      const example = { file: 'packages/demo/src/broken.ts', line: 1, code: "import { x } from './broken.ts';\n\nconst y: number = x;" };
      expect(compileExamples(root, [example], path.join(root, 'node_modules/.cache/examples')).failures).toEqual([]);
    } finally {
      rmSync(path.join(root, 'packages/demo/src/broken.ts'));
    }
  });

  it('reports exports without TSDoc, functions without an example or with an unfenced one, and undocumented options', () => {
    const findings = auditDocs(root, '@sluice/').map((f) => `${f.location} ${f.symbol}: ${f.problem}`);
    expect(findings.sort()).toEqual(
      [
        'packages/demo/src/math.ts:30 @sluice/demo: negate: no @example',
        'packages/demo/src/math.ts:38 @sluice/demo: square: @example without a ```ts fence',
        'packages/demo/src/math.ts:42 @sluice/demo: Options: no TSDoc',
        'packages/demo/src/math.ts:45 @sluice/demo: Options.label: no TSDoc',
      ].sort(),
    );
  });

  it('fails on both parts in strict mode and only on examples with --report', () => {
    const lines: string[] = [];
    const keep = (line: string) => void lines.push(line);
    expect(main(root, [], keep, keep)).toBe(1);
    expect(lines).toContain("packages/demo/src/math.ts:22:7: example does not compile: Type 'number' is not assignable to type 'string'.");
    expect(lines).toContain('packages/demo/src/math.ts:30: @sluice/demo: negate: no @example');
    expect(lines.at(-1)).toBe('check-examples: 3 examples, 1 compile errors; 4 missing docs');

    writeFileSync(path.join(root, 'packages/demo/src/math.ts'), source.replace('const text: string', 'const text: number'));
    lines.length = 0;
    expect(main(root, ['--report'], keep, keep)).toBe(0);
    expect(lines.at(-1)).toBe('check-examples: 3 examples, 0 compile errors; 4 missing docs (reported, not failed)');
    expect(main(root, [], keep, keep)).toBe(1);
    expect(main(root, ['--nope'], keep, keep)).toBe(2);
    // The convention of every entry point: what is wrong, then the pointer to --help.
    expect(lines.slice(-2)).toEqual(['docs:check: unknown option --nope: it takes --report, --summary, --no-cache, --help and --version', 'Run `npm run docs:check -- --help` for usage.']);
  });

  it('has --help, as every script does (npm run docs:check -- --help refused it as an unknown argument)', () => {
    const lines: string[] = [];
    const keep = (line: string) => void lines.push(line);
    // After --report, as npm run docs:check passes it.
    expect(main(root, ['--report', '--help'], keep, keep)).toBe(0);
    expect(lines.join('\n')).toMatch(/^Usage: npm run docs:check -- \[options\][^]*--summary[^]*--no-cache[^]*-h, --help/);
  });

  it("says in one line, not one per example, which examples wait for SST's platform types, and is not remembered as clean", () => {
    // Files only tsconfig.sst.json covers (as packages/infra's), and no .sst/platform: a fresh clone before sst:install.
    const sst = mkdtempSync(path.join(tmpdir(), 'check-examples-sst-'));
    try {
      const pkg = path.join(sst, 'packages', 'infra');
      mkdirSync(path.join(pkg, 'src'), { recursive: true });
      writeFileSync(path.join(sst, 'tsconfig.json'), JSON.stringify({ ...JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')), include: [], files: [] }));
      writeFileSync(path.join(sst, 'tsconfig.sst.json'), JSON.stringify({ extends: './tsconfig.json', include: ['packages/infra/src'] }));
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@sluice/infra', type: 'module', exports: { '.': { types: './src/index.ts', default: './src/index.ts' } } }));
      writeFileSync(path.join(pkg, 'src', 'index.ts'), "export { add, double } from './math.ts';\n");
      writeFileSync(path.join(pkg, 'src', 'math.ts'), source.slice(0, source.indexOf('/** Negates')).replaceAll('@sluice/demo', '@sluice/infra'));
      const lines: string[] = [];
      const keep = (line: string) => void lines.push(line);
      expect(main(sst, [], keep, keep)).toBe(0);
      expect(lines).toEqual([
        "check-examples: 2 example(s) not checked, in 1 file(s) only tsconfig.sst.json covers (packages/infra/src/math.ts): SST's platform types are not installed; run npm run sst:install, then this check again",
        'check-examples: 2 examples (2 not checked), 0 compile errors; 0 missing docs',
      ]);
      lines.length = 0;
      expect(main(sst, [], keep, keep)).toBe(0);
      expect(lines[0]).toMatch(/^check-examples: 2 example\(s\) not checked/);
    } finally {
      rmSync(sst, { recursive: true, force: true });
    }
  });

  it('names the first three files of many, and how many more', async () => {
    const { uncheckedLine } = await import('./check-examples.ts');
    const example = (file: string): DocExample => ({ file, line: 1, code: '' });
    expect(uncheckedLine(['a.ts', 'a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'].map(example))).toBe(
      "check-examples: 6 example(s) not checked, in 5 file(s) only tsconfig.sst.json covers (a.ts, b.ts, c.ts and 2 more): SST's platform types are not installed; run npm run sst:install, then this check again",
    );
  });

  it('remembers a clean run, and compiles again once anything it read, or the set of files, changed', () => {
    const { clean, pkg, lines, run } = cleanProject();
    try {
      expect(run()).toBe(0);
      expect(lines.at(-1)).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs');
      expect(run()).toBe(0);
      expect(lines.at(-1)).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs (nothing they read changed since the last clean check; --no-cache to check again)');
      expect(run(['--no-cache'])).toBe(0);
      expect(lines.at(-1)).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs');

      // A file the example reaches only through an import changes: the example no longer compiles.
      writeFileSync(path.join(pkg, 'src', 'plus.ts'), "export const plus = (a: number, b: number): string => `${a + b}`;\n");
      expect(run()).toBe(1);
      expect(lines).toContain("packages/demo/src/add.ts:10:7: example does not compile: Type 'string' is not assignable to type 'number'.");
      // A failed run is not remembered: fixed and broken again, it is found again.
      writeFileSync(path.join(pkg, 'src', 'plus.ts'), 'export const plus = (a: number, b: number): number => a + b;\n');
      expect(run()).toBe(0);
      writeFileSync(path.join(pkg, 'src', 'index.ts'), "export { add } from './add.ts';\nexport const undocumented = 1;\n");
      expect(run()).toBe(1);
      expect(lines).toContain('packages/demo/src/index.ts:2: @sluice/demo: undocumented: no TSDoc');
      writeFileSync(path.join(pkg, 'src', 'index.ts'), "export { add } from './add.ts';\n");
      expect(run()).toBe(0);
      expect(run()).toBe(0);
      expect(lines.at(-1)).toMatch(/nothing they read changed/);
      // A new file anywhere under packages/ may change what an import resolves to: compiled again.
      writeFileSync(path.join(pkg, 'src', 'other.ts'), 'export {};\n');
      expect(run()).toBe(0);
      expect(lines.at(-1)).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs');
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it('takes a cache file cut short, empty or not its own for no cache: compiles again, and remembers anew', () => {
    const { clean, lines, run, cacheFile } = cleanProject();
    try {
      expect(run()).toBe(0);
      const whole = readFileSync(cacheFile, 'utf8');
      for (const corrupt of [whole.slice(0, whole.length / 2), '', 'null', '[]', '"clean"']) {
        writeFileSync(cacheFile, corrupt);
        expect(run(), corrupt).toBe(0);
        expect(lines.at(-1), corrupt).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs');
        expect(readFileSync(cacheFile, 'utf8'), corrupt).toBe(whole);
      }
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it('replaces its cache file whole, never rewriting it in place', () => {
    const { clean, run, cacheFile } = cleanProject();
    try {
      // A second name for the file there before (a hard link): rewritten in place, it would change too.
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, 'the last run');
      linkSync(cacheFile, `${cacheFile}.before`);
      expect(run()).toBe(0);
      expect(readFileSync(`${cacheFile}.before`, 'utf8')).toBe('the last run');
      expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toMatchObject({ key: expect.any(String) });
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it('when its cache file cannot be written, passes all the same, says so, and leaves no temporary file', () => {
    const { clean, lines, run, cacheFile } = cleanProject();
    try {
      // A folder in the way of its name.
      mkdirSync(cacheFile, { recursive: true });
      writeFileSync(path.join(cacheFile, 'in-the-way'), '');
      expect(run()).toBe(0);
      expect(lines).toContainEqual(expect.stringMatching(/^check-examples: warning: could not remember this clean run in node_modules\/\.cache\/sluice-examples-clean\.json \(.+\); the next run compiles again$/));
      expect(lines.at(-1)).toBe('check-examples: 1 examples, 0 compile errors; 0 missing docs');
      expect(readdirSync(path.dirname(cacheFile)).sort()).toEqual(['sluice-examples', 'sluice-examples-clean.json']);
      // With findings, the same folder in the way: they are listed, and the run fails on them (it crashed: EISDIR).
      writeFileSync(path.join(clean, 'packages', 'demo', 'src', 'index.ts'), "export { add } from './add.ts';\nexport const undocumented = 1;\n");
      expect(run()).toBe(1);
      expect(lines).toContain('packages/demo/src/index.ts:2: @sluice/demo: undocumented: no TSDoc');
      expect(lines).toContainEqual(expect.stringMatching(/^check-examples: warning: could not forget the last clean run in node_modules\/\.cache\/sluice-examples-clean\.json \(.+\); delete it, or the next run may skip this check$/));
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});

/**
 * A clean project of its own: one documented function with an example, and a file it imports;
 * `run` runs the check on it, its lines in `lines`.
 */
function cleanProject() {
  const clean = mkdtempSync(path.join(tmpdir(), 'check-examples-clean-'));
  const pkg = path.join(clean, 'packages', 'demo');
  mkdirSync(path.join(pkg, 'src'), { recursive: true });
  writeFileSync(path.join(clean, 'tsconfig.json'), readFileSync(path.join(root, 'tsconfig.json')));
  writeFileSync(path.join(pkg, 'package.json'), readFileSync(path.join(root, 'packages/demo/package.json')));
  writeFileSync(path.join(pkg, 'src', 'index.ts'), "export { add } from './add.ts';\n");
  writeFileSync(path.join(pkg, 'src', 'add.ts'), source.slice(0, source.indexOf('/**\n * Doubles')).replace('return a + b;', 'return plus(a, b);').replace('add(a: number, b: number): number {', 'add(a: number, b: number) {').replace(/^/, "import { plus } from './plus.ts';\n\n"));
  writeFileSync(path.join(pkg, 'src', 'plus.ts'), 'export const plus = (a: number, b: number): number => a + b;\n');
  mkdirSync(path.join(clean, 'node_modules', '@sluice'), { recursive: true });
  symlinkSync(pkg, path.join(clean, 'node_modules', '@sluice', 'demo'), 'dir');
  const lines: string[] = [];
  const keep = (line: string) => void lines.push(line);
  const run = (args: string[] = []) => {
    lines.length = 0;
    return main(clean, args, keep, keep);
  };
  return { clean, pkg, lines, run, cacheFile: path.join(clean, 'node_modules', '.cache', 'sluice-examples-clean.json') };
}
