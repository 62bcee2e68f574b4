/**
 * Parsing an AsyncAPI document with `@asyncapi/parser`, remembering the documents it accepted.
 *
 * The parser compiles the AsyncAPI schemas and rules with ajv before the first document: about
 * 2 s of CPU in every process that parses (codegen, codegen:check, contract:diff, docs, create,
 * infra:plan's freshness check does not parse). In the edit–check loop the contract is mostly the
 * same as last time, so what the parser returned for a VALID document is kept in
 * `node_modules/.cache/sluice-asyncapi/`, keyed by the sha256 of every file the document is made
 * of (the spec and each local file its `$ref`s reach, with their paths relative to the spec), the
 * parser's version and the kind of parse. A hit skips the parser entirely (not even loaded).
 *
 * Never remembered: a document with errors (it is parsed, and its diagnostics reported, every
 * time), one with remote or unreadable `$ref`s, one whose result is not plain JSON (a recursive
 * schema). `SLUICE_PARSE_CACHE=0` turns the cache off. At most {@link PARSE_CACHE_ENTRIES} entries are
 * kept, the least recently used removed first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Parser } from '@asyncapi/parser';
import { collectInputs } from './freshness.ts';

export { parserErrorLines } from './parser-hints.ts';

/** One error of a document the parser refused: where (a path into the document, a line when known) and what. */
export interface ContractDiagnostic {
  /** The path into the document, e.g. `['channels', 'orders', 'address']`; empty for the document itself. */
  path: (string | number)[];
  /** The parser's message. */
  message: string;
  /** The 1-based line in the spec, when the parser knows it. */
  line?: number;
}

/** What {@link parseContract} returns: the parsed document, or the errors that refused it. */
export type ParsedContract =
  | {
      /** The dereferenced document as the parser's `json()` (its `x-parser-*` keys included). */
      document: Record<string, any>;
      /** Empty: the document was accepted. */
      errors: [];
      /** Whether it came from the cache (the parser did not run). */
      cached: boolean;
    }
  | {
      /** Absent: the document was refused. */
      document: undefined;
      /** Every error the parser reported, in its order. */
      errors: ContractDiagnostic[];
      /** Always false: refused documents are never cached. */
      cached: false;
    };

/** The options of {@link parseContract}. */
export interface ParseContractOptions {
  /**
   * Check the document against the AsyncAPI schemas and core rules (the default). `false` only
   * dereferences: for documents known to be valid.
   * @default true
   */
  validate?: boolean;
}

/** Bumped when what is stored changes shape. */
const CACHE_FORMAT = 1;
/** Entries kept: past this many, the least recently used go (each is a document's JSON, tens of KB). */
export const PARSE_CACHE_ENTRIES = 100;
const CACHE_FOLDER = path.join('.cache', 'sluice-asyncapi');

const require = createRequire(import.meta.url);
const parserVersion = (): string => (JSON.parse(readFileSync(require.resolve('@asyncapi/parser/package.json'), 'utf8')) as { version: string }).version;

/**
 * A new Parser for each parse (only on a miss): one Parser keeps the files its `$ref`s reached, so
 * reused in a process it would return a schema file as it was at its first parse.
 */
async function newParser(validate: boolean): Promise<Parser> {
  const { Parser } = await import('@asyncapi/parser');
  return validate ? new Parser() : new Parser({ ruleset: { core: false, recommended: false } });
}

/** The nearest `node_modules` folder at or above `dir`, where the cache lives; none outside a project. */
function nodeModulesAbove(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) return path.join(at, 'node_modules');
    if (path.dirname(at) === at) return undefined;
  }
}

/** The cache file for the document at `spec`, or undefined when it cannot be cached. */
function cacheFileOf(spec: string, validate: boolean): string | undefined {
  if (process.env.SLUICE_PARSE_CACHE === '0') return undefined;
  const modules = nodeModulesAbove(path.dirname(spec));
  if (!modules) return undefined;
  let inputs: string[];
  try {
    inputs = collectInputs(spec);
  } catch {
    return undefined; // a file it cannot read: the parser says which
  }
  const hash = createHash('sha256').update(`format ${CACHE_FORMAT}\0parser ${parserVersion()}\0validate ${validate}\0`);
  const root = path.dirname(spec);
  for (const file of inputs) {
    const text = readFileSync(file, 'utf8');
    // A remote $ref (which collectInputs leaves out) makes the result depend on the network: not cached.
    if (/\$ref['"]?\s*:\s*['"]?[a-z][a-z0-9+.-]*:/i.test(text)) return undefined;
    hash.update(path.relative(root, file).replace(/\\/g, '/')).update('\0').update(text).update('\0');
  }
  return path.join(modules, CACHE_FOLDER, `${hash.digest('hex')}.json`);
}

/** Keeps the {@link PARSE_CACHE_ENTRIES} most recently used entries of `dir` (written or read), removing the others. */
function prune(dir: string): void {
  const entries = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (entries.length <= PARSE_CACHE_ENTRIES) return;
  const byAge = entries
    .map((f) => {
      try {
        return { f, at: statSync(path.join(dir, f)).mtimeMs };
      } catch {
        return { f, at: 0 }; // removed by another process meanwhile
      }
    })
    .sort((a, b) => a.at - b.at);
  for (const { f } of byAge.slice(0, entries.length - PARSE_CACHE_ENTRIES)) rmSync(path.join(dir, f), { force: true });
}

/**
 * Parses (and by default validates) the AsyncAPI document at `specPath`, dereferenced; a valid
 * document the parser accepted before, unchanged with everything it references, is read back
 * from `node_modules/.cache/sluice-asyncapi/` instead.
 *
 * @param specPath - the document (YAML or JSON); its relative `$ref`s are followed
 * @returns the document as the parser's `json()`, or every error it reported
 * @throws when the file cannot be read at all (the parser's own error)
 * @example
 * ```ts
 * import { parseContract } from '@sluice/codegen/parse';
 *
 * const parsed = await parseContract('asyncapi.yaml');
 * if (parsed.document) console.log(Object.keys(parsed.document.components?.messages ?? {}));
 * else for (const e of parsed.errors) console.error(`${e.path.join('.')}: ${e.message}`);
 * ```
 */
export async function parseContract(specPath: string, options: ParseContractOptions = {}): Promise<ParsedContract> {
  const spec = path.resolve(specPath);
  const validate = options.validate ?? true;
  const cacheFile = cacheFileOf(spec, validate);
  if (cacheFile && existsSync(cacheFile)) {
    try {
      const document = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, any>;
      try {
        const now = new Date();
        utimesSync(cacheFile, now, now); // used: the last to go when the cache is pruned
      } catch {
        // removed meanwhile by another process's pruning: the document read is whole
      }
      return { document, errors: [], cached: true };
    } catch {
      // A damaged entry: parse again, and the write below replaces it.
    }
  }
  const { fromFile, DiagnosticSeverity } = await import('@asyncapi/parser');
  const { document, diagnostics } = await fromFile(await newParser(validate), spec).parse();
  const errors = diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => ({ path: [...d.path], message: d.message, ...(d.range ? { line: d.range.start.line + 1 } : {}) }));
  if (errors.length > 0 || !document) return { document: undefined, errors, cached: false };
  const json = document.json() as Record<string, any>;
  if (cacheFile) {
    let text: string | undefined;
    try {
      text = JSON.stringify(json);
    } catch {
      text = undefined; // a recursive schema: not plain JSON, not cached
    }
    if (text !== undefined) {
      try {
        mkdirSync(path.dirname(cacheFile), { recursive: true });
        // Written whole, then renamed: a process reading it at the same time sees all of it or nothing.
        const partial = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(partial, text);
        renameSync(partial, cacheFile);
        prune(path.dirname(cacheFile));
      } catch {
        // A read-only node_modules: the next run parses again.
      }
    }
  }
  return { document: json, errors: [], cached: false };
}
