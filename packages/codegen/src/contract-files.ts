/**
 * The files of a contract (the spec and the local files its `$ref`s reach), each read once and
 * parsed as YAML once, for everything that looks at them before the AsyncAPI parser: parseContract's
 * checks of what is written and its cache's key read the same text, so a check cannot see one
 * version of a file and the key another.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';

/** A YAML or JSON file as written, with its line counter. */
export interface Loaded {
  /** The document as the `yaml` package parses it (JSON is YAML too). */
  doc: Document;
  /** Where each line of the file starts: `lines.linePos(node.range[0]).line`. */
  lines: LineCounter;
}

/**
 * The files of one contract, each read and parsed at the first question about it and answered from
 * memory after. A file that cannot be read throws, at every question, what reading it threw; a
 * question about its data throws what `yaml.parse` (or `JSON.parse`) throws on it.
 */
export interface ContractFiles {
  /** The file's text (UTF-8). */
  text(file: string): string;
  /** The file parsed as YAML, syntax errors and all (`doc.errors`). */
  document(file: string): Loaded;
  /** The file parsed as YAML, or undefined when it cannot be read or has syntax errors. */
  written(file: string): Loaded | undefined;
  /** The file's data as `yaml.parse` returns it (the first syntax error thrown, its warnings emitted once). */
  yamlData(file: string): unknown;
  /** The file's data: `JSON.parse` of a `.json` file, else {@link ContractFiles.yamlData}. */
  data(file: string): unknown;
}

/** `compute`'s value, computed at the first call; the error it threw, thrown again at every call. */
function once<T>(compute: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    if (!outcome) {
      try {
        outcome = { value: compute() };
      } catch (error) {
        outcome = { error };
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

/** What is known of one file. */
interface FileReads {
  text: () => string;
  document: () => Loaded;
  yamlData: () => unknown;
  data: () => unknown;
}

function readsOf(file: string): FileReads {
  const text = once(() => readFileSync(file, 'utf8'));
  // Its errors and warnings prettified (with their line), as `yaml.parse` throws and warns them.
  const document = once(() => {
    const lines = new LineCounter();
    return { doc: parseDocument(text(), { lineCounter: lines }), lines };
  });
  // What yaml.parse does with the document it parses.
  const yamlData = once(() => {
    const { doc } = document();
    for (const warning of doc.warnings) process.emitWarning(warning);
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS();
  });
  const data = once(() => (file.endsWith('.json') ? JSON.parse(text()) : yamlData()));
  return { text, document, yamlData, data };
}

/**
 * A new set of a contract's files, empty: each file is read when first asked about (by its absolute
 * path, relative ones from the working directory), then remembered as it was read. One per parse,
 * so that a file changed since is read again by the next.
 *
 * @example
 * ```ts
 * import { contractFiles } from '@sluice/codegen/parse';
 *
 * const files = contractFiles();
 * const version = (files.yamlData('asyncapi.yaml') as { asyncapi?: string }).asyncapi;
 * const spec = files.written('asyncapi.yaml'); // the same reading: { doc, lines }, or undefined
 * ```
 */
export function contractFiles(): ContractFiles {
  const known = new Map<string, FileReads>();
  const of = (file: string): FileReads => {
    const abs = path.resolve(file);
    let reads = known.get(abs);
    if (!reads) known.set(abs, (reads = readsOf(abs)));
    return reads;
  };
  return {
    text: (file) => of(file).text(),
    document: (file) => of(file).document(),
    written: (file) => {
      try {
        const loaded = of(file).document();
        return loaded.doc.errors.length > 0 ? undefined : loaded;
      } catch {
        return undefined; // a file it cannot read: the parser says which
      }
    },
    yamlData: (file) => of(file).yamlData(),
    data: (file) => of(file).data(),
  };
}

/**
 * The spec and every file it references through relative `$ref`s, recursively, sorted (absolute
 * paths), read from `files`: the inputs the generated files' hash covers (`collectInputs` of
 * freshness.ts is this walk on a reading of its own).
 *
 * @param unreadable - when given, told of each file that cannot be read or parsed (which is listed, its `$ref`s not followed), instead of the throw
 * @throws what reading or parsing a file throws (`JSON.parse` for a `.json` file, else `yaml.parse`), without `unreadable`
 * @example
 * ```ts
 * import { contractFiles, contractInputs } from './contract-files.ts';
 *
 * const inputs = contractInputs('asyncapi.yaml', contractFiles()); // ['/repo/asyncapi.yaml', '/repo/schemas/payment.json', ...]
 * ```
 */
export function contractInputs(specPath: string, files: ContractFiles, unreadable?: (file: string, error: unknown) => void): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const abs = path.resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    let doc: unknown;
    try {
      doc = files.data(abs);
    } catch (error) {
      if (!unreadable) throw error;
      unreadable(abs, error);
      return;
    }
    // A YAML alias can make a node that contains itself: each node is walked once.
    const walked = new Set<object>();
    const walk = (node: unknown) => {
      if (!node || typeof node !== 'object' || walked.has(node)) return;
      walked.add(node);
      if (Array.isArray(node)) return node.forEach(walk);
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && !v.startsWith('#') && !/^[a-z]+:/i.test(v)) {
          visit(path.resolve(path.dirname(abs), v.split('#')[0]!));
        } else walk(v);
      }
    };
    walk(doc);
  };
  visit(specPath);
  return [...seen].sort();
}
