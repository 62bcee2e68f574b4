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
 * Read back, a document is the parser's, its shared objects (a `$ref`'s target, a recursive
 * schema) shared again ({@link StoredDocument}). Never remembered: a document with errors (it is
 * parsed, and its diagnostics reported, every time), one with remote or unreadable `$ref`s.
 * `SLUICE_PARSE_CACHE=0` turns it off, with the type generator's (generate.ts). At most {@link PARSE_CACHE_ENTRIES} entries are
 * kept, the least recently used removed first.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Parser } from '@asyncapi/parser';
import { closest, editDistance } from '@sluice/cli';
import { isAlias, isMap, isPair, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { contractFiles, type ContractFiles, contractInputs } from './contract-files.ts';
import { bindingRefSiblings } from './ref-siblings.ts';
import { cacheFolderFor, readEntry, writeEntry } from './result-cache.ts';
import { shareSpecSchemaValidators } from './spec-schema-validators.ts';
import { nodeAtFragment } from './written-places.ts';
import { yamlSyntaxErrors, yamlSyntaxProblem } from './yaml-syntax.ts';
import { schemaFormatRefusal } from './schema-format.ts';

/** The contract's files, each read and parsed once, shared by the checks below (parseContract makes one per parse). */
export { contractFiles, type ContractFiles, type Loaded } from './contract-files.ts';

/** A contract file that does not read as YAML: its syntax errors where to fix them, with the line as written. */
export { type YamlSyntaxError, yamlSyntaxErrors, yamlSyntaxProblem } from './yaml-syntax.ts';

/** Fields beside a `$ref` in an SNS or SQS binding, which AsyncAPI ignores: refused before the parser. */
export { bindingRefSiblings } from './ref-siblings.ts';

/** Where a place of the contract is written (file, pointer, line): also here, so that readers of the contract need not load the generator. */
export { writtenPlace, type WrittenPlace } from './written-places.ts';

/**
 * Where a plain copy of a parsed document keeps the parser's name of a message
 * (`x-parser-message-name`: its components key, or its channel key when it is declared there),
 * which tells apart two messages of the same content once they are copies. Written by codegen's
 * and governance's loaders, read by `messageNameOf` of @sluice/model.
 *
 * @example
 * ```ts
 * import { MESSAGE_KEY } from '@sluice/codegen/parse';
 *
 * const named = { payload: {}, [MESSAGE_KEY]: 'OrderCreated' };
 * ```
 */
export const MESSAGE_KEY = 'x-sluice-message-key';

/** One error of a document the parser refused: where (a path into the document, a line when known) and what. */
export interface ContractDiagnostic {
  /** The path into the document, e.g. `['channels', 'orders', 'address']`; empty for the document itself. */
  path: (string | number)[];
  /** The parser's message. */
  message: string;
  /** The 1-based line in the spec (or in `file`), when the parser knows it. */
  line?: number;
  /** The 1-based column on `line`, when known (a YAML syntax error's). */
  column?: number;
  /**
   * The file the error is in, when it is another than the spec (a schema file a `$ref` names that
   * does not read as JSON or YAML), absolute: its line is that file's.
   */
  file?: string;
  /**
   * Set on the errors of {@link selfContainingAliases} (not the parser's): the file (absolute), the
   * JSON pointer of the alias in it, and `problem`, the message without the place, so that a
   * reader can report it as a problem of the contract with its own words rather than as a parser error.
   */
  alias?: { file: string; pointer: string; problem: string };
  /**
   * Set on every error found before the parser ran ({@link unreachableRefs},
   * {@link selfContainingAliases}, {@link nonStringRefs}): the file (absolute), the JSON pointer of the place in it, and `problem`,
   * the message without the place (led by its line, when known), so that a reader reports it as a
   * problem of the contract where it is written, all of them in one report.
   */
  written?: { file: string; pointer: string; problem: string };
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

/** Bumped when what is stored changes shape (2: {@link StoredDocument}, shared objects kept shared). */
const CACHE_FORMAT = 2;

/**
 * A parsed document as the cache stores it. The parser's JSON shares objects: a `$ref` resolves to
 * the object it names, so a message is one object under its channel and under `components`, and a
 * recursive schema contains itself. Plain `JSON.stringify` would write each place a copy (and throw
 * on a cycle): read back, the document would not be the parser's, and AsyncAPI's own tools, which
 * write a shared object once (`$ref:$…` in the docs page), would render it differently from a
 * fresh parse. So each object is written once, at the first place a walk of the document meets it,
 * and every other place it appears is listed in `shared` (its path, and the path of that first
 * place), with `null` written there instead.
 */
interface StoredDocument {
  document: Record<string, unknown>;
  /** `[where, what]`: the key path of a place, and the key path of the object to put there. */
  shared: [string[], string[]][];
}

type Node = Record<string, unknown> | unknown[];
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

/** `document` as {@link StoredDocument}: every object written once, the other places it appears listed. */
function toStored(document: Record<string, unknown>): StoredDocument {
  const first = new Map<object, string[]>();
  const shared: [string[], string[]][] = [];
  const copy = (value: unknown, at: string[]): unknown => {
    if (!isNode(value)) return value;
    const seen = first.get(value);
    if (seen) {
      shared.push([at, seen]);
      return null;
    }
    first.set(value, at);
    if (Array.isArray(value)) return value.map((item, i) => copy(item, [...at, String(i)]));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = copy(item, [...at, key]);
    return out;
  };
  return { document: copy(document, []) as Record<string, unknown>, shared };
}

/** The document {@link toStored} wrote, its shared objects shared again; undefined when the entry is not one. */
function fromStored(stored: StoredDocument | undefined): Record<string, unknown> | undefined {
  if (!stored || !isNode(stored.document) || !Array.isArray(stored.shared)) return undefined;
  const { document } = stored;
  const at = (keys: string[]): unknown => keys.reduce<unknown>((node, key) => (isNode(node) ? (node as Record<string, unknown>)[key] : undefined), document);
  // Every path runs through first places only (a walk never enters an object it met before), so the order does not matter.
  for (const [where, what] of stored.shared) {
    const parent = at(where.slice(0, -1));
    const target = at(what);
    if (!isNode(parent) || !isNode(target)) return undefined; // a damaged entry: parsed again
    (parent as Record<string, unknown>)[where[where.length - 1]!] = target;
  }
  return document;
}
/** Entries kept: past this many, the least recently used go (each is a document's JSON, tens of KB). */
export const PARSE_CACHE_ENTRIES = 100;
const CACHE_FOLDER = 'sluice-asyncapi';

const require = createRequire(import.meta.url);
const parserVersion = (): string => (JSON.parse(readFileSync(require.resolve('@asyncapi/parser/package.json'), 'utf8')) as { version: string }).version;

/**
 * A new Parser for each parse (only on a miss): one Parser keeps the files its `$ref`s reached, so
 * reused in a process it would return a schema file as it was at its first parse. What does not
 * depend on the document, the AsyncAPI schema compiled, is shared by every parse of the process.
 */
async function newParser(validate: boolean): Promise<Parser> {
  // The AsyncAPI schema compiled at the first parse of the process only, not at each (spec-schema-validators.ts).
  shareSpecSchemaValidators();
  const { Parser } = await import('@asyncapi/parser');
  return validate ? new Parser() : new Parser({ ruleset: { core: false, recommended: false } });
}

/** The cache file for the document at `spec` (its files as `files` read them), or undefined when it cannot be cached. */
function cacheFileOf(spec: string, validate: boolean, files: ContractFiles): string | undefined {
  const folder = cacheFolderFor(path.dirname(spec), CACHE_FOLDER);
  if (!folder) return undefined;
  let inputs: string[];
  try {
    inputs = contractInputs(spec, files);
  } catch {
    return undefined; // a file it cannot read: the parser says which
  }
  const hash = createHash('sha256').update(`format ${CACHE_FORMAT}\0parser ${parserVersion()}\0validate ${validate}\0`);
  const root = path.dirname(spec);
  for (const file of inputs) {
    const text = files.text(file);
    // A remote $ref (which contractInputs leaves out) makes the result depend on the network: not cached.
    if (/\$ref['"]?\s*:\s*['"]?[a-z][a-z0-9+.-]*:/i.test(text)) return undefined;
    hash.update(path.relative(root, file).replace(/\\/g, '/')).update('\0').update(text).update('\0');
  }
  return path.join(folder, `${hash.digest('hex')}.json`);
}

/** A JSON pointer's segment. */
const segment = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/** The protocols whose bindings the framework reads (`@sluice/model`'s topology): SNS and SQS. */
export const READ_BINDINGS: readonly string[] = ['sns', 'sqs'];

/**
 * What a place of an AsyncAPI 3 document is, from its path: inside a binding (`protocol`, the
 * first `depth` segments being the binding itself; `read` when the framework reads it, see
 * {@link READ_BINDINGS}), inside a JSON Schema (`depth` segments to the schema; `message` when it
 * is a message's payload or headers, which codegen makes types and validators of), or neither.
 * The path is read from the document's root along its structure (a property named `bindings`
 * inside a schema is a property), whatever it resolves through.
 *
 * @example
 * ```ts
 * import { placeOf } from '@sluice/codegen/parse';
 *
 * placeOf(['operations', 'send', 'bindings', 'http', 'query', 'properties', 'child']);
 * // { kind: 'binding', protocol: 'http', depth: 4, read: false }
 * placeOf(['components', 'messages', 'OrderPlaced', 'payload', 'properties', 'tree']);
 * // { kind: 'schema', depth: 4, message: true }
 * ```
 */
export function placeOf(
  at: readonly (string | number)[],
): { kind: 'binding'; protocol: string; depth: number; read: boolean } | { kind: 'schema'; depth: number; message: boolean } | { kind: 'other' } {
  type State = 'root' | 'components' | 'server' | 'channel' | 'operation' | 'reply' | 'message' | 'bindings';
  // Each state: the key read in it, the state it leads to, and whether a name (map key or index) follows the key.
  const next: Record<State, Record<string, [State | 'schema' | 'payload', boolean]>> = {
    root: { servers: ['server', true], channels: ['channel', true], operations: ['operation', true], components: ['components', false] },
    components: {
      schemas: ['schema', true],
      servers: ['server', true],
      channels: ['channel', true],
      operations: ['operation', true],
      messages: ['message', true],
      replies: ['reply', true],
      messageTraits: ['message', true],
      operationTraits: ['operation', true],
      serverBindings: ['bindings', true],
      channelBindings: ['bindings', true],
      operationBindings: ['bindings', true],
      messageBindings: ['bindings', true],
    },
    server: { bindings: ['bindings', false] },
    channel: { messages: ['message', true], bindings: ['bindings', false] },
    operation: { channel: ['channel', false], messages: ['message', true], bindings: ['bindings', false], reply: ['reply', false], traits: ['operation', true] },
    reply: { channel: ['channel', false], messages: ['message', true] },
    message: { payload: ['payload', false], headers: ['payload', false], bindings: ['bindings', false], traits: ['message', true] },
    bindings: {},
  };
  let state: State = 'root';
  for (let i = 0; i < at.length; i++) {
    const key = String(at[i]);
    if (state === 'bindings') return { kind: 'binding', protocol: key, depth: i + 1, read: READ_BINDINGS.includes(key) };
    const step: [State | 'schema' | 'payload', boolean] | undefined = Object.hasOwn(next[state], key) ? next[state][key] : undefined;
    if (!step) return { kind: 'other' };
    const [to, named]: [State | 'schema' | 'payload', boolean] = step;
    const depth = i + 1 + (named ? 1 : 0);
    if (named && depth > at.length) return { kind: 'other' };
    if (to === 'schema' || to === 'payload') return { kind: 'schema', depth, message: to === 'payload' };
    state = to;
    if (named) i++;
  }
  return { kind: 'other' };
}

/** What {@link selfContainingAliases} says of an alias at `at` (a path of the spec, or undefined in another file). */
function aliasProblem(name: string, at: readonly (string | number)[] | undefined): string {
  const found = `the YAML alias *${name} refers to the node &${name}, which it is inside`;
  const cut = 'the AsyncAPI parser reads it cut after two levels, with null in place of the rest, silently';
  const named = `name it in components.schemas and refer to it with $ref: '#/components/schemas/<Name>' (where it refers back to itself too)`;
  const refused =
    "codegen refuses a recursive payload or headers schema all the same (it inlines every schema into the types and validators): flatten it (a list of nodes, each with its parent's id) or bound its depth (a schema per level)";
  const place = at ? placeOf(at) : undefined;
  if (place?.kind === 'binding' && place.read) {
    return (
      `${found}: ${cut}, so the ${place.protocol} binding at #/${at!.slice(0, place.depth).map(segment).join('/')} would be read cut short: a binding must be finite plain data (the framework reads, compares and deploys it as written). ` +
      'Write the value out in full (finite), without the alias back to its own ancestor'
    );
  }
  if (place?.kind === 'schema') {
    const accepted = place.message ? '' : ' (a recursive schema that is no payload or headers is accepted)';
    return `${found}: a recursive schema (${cut}). Write it as a named schema: ${named}${accepted}; ${refused}`;
  }
  if (place?.kind === 'binding') {
    return (
      `${found}: ${cut}, so the ${place.protocol} binding at #/${at!.slice(0, place.depth).map(segment).join('/')} would say something else than written (the framework does not read it, its tools record it). ` +
      `If it is a recursive schema, ${named} (a recursive schema the framework does not read is accepted); else write the value out in full (finite), without the alias back to its own ancestor`
    );
  }
  return `${found}: ${cut}, so what it is part of would be read cut short. If it is a recursive schema, ${named}, knowing that ${refused}; else write the value out in full (finite), without the alias back to its own ancestor`;
}

/**
 * Every YAML alias of the document's files (the spec and the local files its `$ref`s reach) that
 * refers to a node it is inside (`policy: &p {statements: [*p]}`), as errors of the document. The
 * AsyncAPI parser reads such an alias cut short after two levels, with null in place of the rest,
 * and says nothing: a binding (free-form data its schema accepts) would be read as something the
 * document does not say. One error per alias, with its path (`[]` and the file named in the
 * message when the alias is in a referenced file), its line and `alias` (file, pointer, the
 * message without the place). What it says depends on the place ({@link placeOf}): in an SNS or
 * SQS binding, write it out in full; in a schema, it is a recursive schema: name it in
 * `components.schemas` and `$ref` it (codegen then refuses it as any recursive payload or headers
 * schema: flatten it).
 *
 * @param files - where the files are read from: parseContract gives every check one reading ({@link contractFiles})
 * @example
 * ```ts
 * import { selfContainingAliases } from '@sluice/codegen/parse';
 *
 * for (const e of selfContainingAliases('asyncapi.yaml')) console.error(`${e.path.join('.')} (line ${e.line}): ${e.message}`);
 * ```
 */
export function selfContainingAliases(specPath: string, files: ContractFiles = contractFiles()): ContractDiagnostic[] {
  const spec = path.resolve(specPath);
  let inputs: string[];
  try {
    inputs = contractInputs(spec, files);
  } catch {
    return []; // a file it cannot read: the parser says which
  }
  const errors: ContractDiagnostic[] = [];
  // The spec first: its errors carry their path into the document.
  for (const file of [spec, ...inputs.filter((f) => f !== spec)]) {
    if (file.endsWith('.json')) continue; // JSON has no aliases
    // Syntax errors and all: an alias is found wherever the rest of the file is wrong.
    const { doc, lines } = files.document(file);
    const inside = new Set<YamlNode>();
    const walk = (node: unknown, at: (string | number)[]) => {
      if (isAlias(node)) {
        const target = node.resolve(doc);
        if (target && inside.has(target)) {
          const line = node.range ? lines.linePos(node.range[0]).line : undefined;
          const pointer = `/${at.map(segment).join('/')}`;
          const problem = aliasProblem(node.source, file === spec ? at : undefined);
          const alias = { file, pointer, problem: `${line !== undefined ? `(line ${line}) ` : ''}${problem}` };
          if (file === spec) errors.push({ path: at, message: problem, ...(line !== undefined ? { line } : {}), alias, written: alias });
          else errors.push({ path: [], message: `${path.relative(path.dirname(spec), file)}#${pointer}${line !== undefined ? ` (line ${line})` : ''}: ${problem}`, alias, written: alias });
        }
        return;
      }
      if (!isMap(node) && !isSeq(node)) return;
      inside.add(node);
      node.items.forEach((item: unknown, i: number) => {
        if (isPair(item)) {
          const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
          walk(item.value, [...at, key]);
        } else walk(item, [...at, i]);
      });
      inside.delete(node);
    };
    walk(doc.contents, []);
  }
  return errors;
}


/** Keys whose value is data (an example, a constant), not schema or document structure, when they are no property's name. */
const DATA_KEYS = new Set(['examples', 'example', 'const', 'enum', 'default']);

/** What {@link nonStringRefs} says of a `$ref` key at `at` (the path of the object it is a key of, in its file) whose value is `value`. */
function nonStringRefProblem(at: readonly string[], value: string): string {
  const fails = 'the AsyncAPI parser reads every "$ref" key as a reference, wherever it is, and fails on one whose value is no string (in most places with a stack trace that names no place)';
  if (at[at.length - 1] === 'properties') {
    return `a property named "$ref" (its schema is ${value}): ${fails}. Rename the property (e.g. "ref"), in required and in the examples too (a "$ref" key in an example is read as a reference as well)`;
  }
  const data = at.findIndex((key, i) => DATA_KEYS.has(key) && at[i - 1] !== 'properties');
  if (data >= 0) return `a "$ref" key in data (under ${at[data]}), its value ${value}: ${fails}. Rename the key (and the schema's property it stands for)`;
  return `$ref is ${value}, but a $ref must be a string, a URI reference to what it stands for ('#/components/schemas/<Name>' in the same file, '<file>.yaml#/<Name>' in another): ${fails}. Write the reference as a string, or remove the $ref`;
}

/**
 * A document that says it is AsyncAPI 2 (or names no version) as an error found before the parser:
 * the parser reads 2.x too, and codegen then wrote a package of messages with no topics, queues or
 * operations, saying nothing of why. A file that does not read as YAML is left to the parser,
 * which says where.
 *
 * @param files - where the files are read from: parseContract gives every check one reading ({@link contractFiles})
 * @example
 * ```ts
 * import { otherMajor } from '@sluice/codegen/parse';
 *
 * otherMajor('legacy/asyncapi.yaml')[0]?.written?.problem; // 'AsyncAPI "2.6.0": the framework reads AsyncAPI 3 documents (3.0, 3.1). Convert it first: …'
 * ```
 */
export function otherMajor(specPath: string, files: ContractFiles = contractFiles()): ContractDiagnostic[] {
  const spec = path.resolve(specPath);
  let version: unknown;
  try {
    version = (files.yamlData(spec) as { asyncapi?: unknown } | null)?.asyncapi;
  } catch {
    return [];
  }
  if (typeof version === 'string' && version.startsWith('3.')) return [];
  // As a command line to copy: relative inside the working directory, absolute outside it.
  const relative = path.relative(process.cwd(), spec);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : spec;
  const problem =
    version === undefined
      ? 'no asyncapi field: the framework reads AsyncAPI 3 documents (3.0, 3.1). Start it with asyncapi: 3.0.0.'
      : `AsyncAPI ${JSON.stringify(version)}: the framework reads AsyncAPI 3 documents (3.0, 3.1).${typeof version === 'string' && version.startsWith('2.') ? ` Convert it first: npx asyncapi convert ${shown} --target-version 3.0.0 --output ${shown} (then check its operations: in 3.0 a send or receive is the application's own action, not the reader's).` : ' Write asyncapi: 3.0.0.'}`;
  return [{ path: ['asyncapi'], message: problem, written: { file: spec, pointer: version === undefined ? '' : '/asyncapi', problem } }];
}

/**
 * The first YAML syntax error of the spec, and of each YAML file its `$ref`s reach, where to fix
 * it: its line and column, the `yaml` package's words and the line as written
 * ({@link yamlSyntaxErrors}), with the lines of the errors after it, found before the parser. The AsyncAPI parser reads on past a syntax
 * error and checks what it made of the rest: one bad indent came out as several errors, some at
 * places the document does not have (`channels.` and an empty key). A `.json` file that does not
 * parse is left to the parser, which says where.
 *
 * @param files - where the files are read from: parseContract gives every check one reading ({@link contractFiles})
 * @example
 * ```ts
 * import { yamlSyntax } from '@sluice/codegen/parse';
 *
 * for (const e of yamlSyntax('asyncapi.yaml')) console.error(`${e.file ?? 'asyncapi.yaml'} (line ${e.line}, column ${e.column}): ${e.message}`);
 * ```
 */
export function yamlSyntax(specPath: string, files: ContractFiles = contractFiles()): ContractDiagnostic[] {
  const spec = path.resolve(specPath);
  const unread: string[] = [];
  contractInputs(spec, files, (file) => unread.push(file));
  return unread
    .filter((file) => !file.endsWith('.json'))
    .flatMap((file) => {
      let parsed;
      try {
        parsed = files.document(file);
      } catch {
        return []; // a file it cannot read: unreachableRefs or the parser says which
      }
      const [first, ...after] = yamlSyntaxErrors(files.text(file), parsed);
      if (!first) return [];
      // The YAML parser reads on past its first error by guesses: one bad indent makes several errors,
      // the lines after it out of line with the guess. The first is said; the others, by their lines.
      const lines = [...new Set(after.map((e) => e.line))];
      const more = after.length
        ? `\n      (and ${after.length} more YAML error(s) after it, at line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}, which may follow from this one: fix it, then run again)`
        : '';
      const problem = `${yamlSyntaxProblem(first)}${more}`;
      const { line, column } = first;
      return [{ path: [], message: problem, line, column, ...(file === spec ? {} : { file }), written: { file, pointer: '', problem: `(line ${line}, column ${column}) ${problem}` } }];
    });
}

/**
 * Every `$ref` key whose value is no string (`$ref: 42`, or a schema property named `$ref`:
 * `properties: {$ref: {type: string}}`), in the spec and in what its `$ref`s reach of the local
 * files they name (the AsyncAPI parser reads only those parts of another file), as errors of the
 * document. The parser reads every `$ref` key as a reference, wherever it is (a property's name,
 * an example's data, an extension), and fails on one that is no string with "Error thrown during
 * AsyncAPI document parsing … path.startsWith is not a function" and a stack, naming no place.
 * One error per key, with its path (`[]` and the file named in the message when it is in another
 * file), its line and `written` (file, pointer, the message without the place). What it says
 * depends on the place: a property named `$ref`: rename it; a `$ref` key in data: rename the key;
 * else: write the reference as a string.
 *
 * @param files - where the files are read from: parseContract gives every check one reading ({@link contractFiles})
 * @example
 * ```ts
 * import { nonStringRefs } from '@sluice/codegen/parse';
 *
 * for (const e of nonStringRefs('asyncapi.yaml')) console.error(e.written?.file, e.written?.pointer, e.written?.problem);
 * ```
 */
export function nonStringRefs(specPath: string, files: ContractFiles = contractFiles()): ContractDiagnostic[] {
  const spec = path.resolve(specPath);
  // Per file, the nodes walked already; a file that cannot be read, or has syntax errors, is the parser's to report.
  const walkedIn = new Map<string, Set<unknown>>();
  const load = (file: string) => {
    const loaded = files.written(file);
    if (!loaded) return undefined;
    let walked = walkedIn.get(file);
    if (!walked) walkedIn.set(file, (walked = new Set()));
    return { ...loaded, walked };
  };
  const errors: ContractDiagnostic[] = [];
  // Each part of a file the spec's $refs reach: the spec whole, another file from the place a $ref names.
  const queue: [string, string][] = [[spec, '']];
  const queued = new Set<string>([`${spec}#`]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [file, fragment] = next;
    const loaded = load(file);
    if (!loaded) continue;
    const { doc, lines, walked } = loaded;
    const lineOf = (node: unknown) => {
      const range = (node as { range?: readonly number[] | null } | null)?.range;
      return range ? lines.linePos(range[0]!).line : undefined;
    };
    const keyOf = (pair: { key: unknown }) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
    // Down to the place the fragment names; a place that is not there is the parser's to report.
    const start = nodeAtFragment(doc, fragment);
    if (!start) continue;
    const { node, at } = start;
    const walk = (value: unknown, where: string[]) => {
      if (isAlias(value)) value = value.resolve(doc);
      // Each node once (a YAML alias can make one that contains itself; two $refs can reach the same place).
      if ((!isMap(value) && !isSeq(value)) || walked.has(value)) return;
      walked.add(value);
      if (isSeq(value)) return value.items.forEach((item, i) => walk(item, [...where, String(i)]));
      for (const pair of value.items) {
        if (!isPair(pair)) continue;
        const key = keyOf(pair);
        const ref = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
        if (key !== '$ref') walk(pair.value, [...where, key]);
        else if (isScalar(ref) && typeof ref.value === 'string') {
          const [target = '', part = ''] = ref.value.split('#');
          // A remote $ref is unreachableRefs' to report; '#' alone is the spec's root, walked whole.
          if (/^[a-z][a-z0-9+.-]*:/i.test(ref.value) || (!target && !part)) continue;
          const reached = target ? path.resolve(path.dirname(file), target) : file;
          if (reached === spec || queued.has(`${reached}#${part}`)) continue;
          queued.add(`${reached}#${part}`);
          queue.push([reached, part]);
        } else {
          const shownValue = isMap(ref) ? 'an object' : isSeq(ref) ? 'a list' : JSON.stringify(isScalar(ref) ? ref.value : null);
          const line = lineOf(pair.key);
          const pointer = `/${[...where, key].map(segment).join('/')}`;
          const problem = nonStringRefProblem(where, shownValue ?? 'null');
          const written = { file, pointer, problem: `${line !== undefined ? `(line ${line}) ` : ''}${problem}` };
          if (file === spec) errors.push({ path: [...where, key], message: problem, ...(line !== undefined ? { line } : {}), written });
          else errors.push({ path: [], message: `${path.relative(path.dirname(spec), file)}#${pointer}${line !== undefined ? ` (line ${line})` : ''}: ${problem}`, written });
          // What it holds (a property's schema) may hold more.
          walk(pair.value, [...where, key]);
        }
      }
    };
    walk(node, at);
  }
  return errors;
}

/**
 * Every `$ref` of the spec, and of the local files it references, that points at the network (the
 * framework works offline and never fetches one: the AsyncAPI parser would) or at a missing file,
 * each found where it is written ({@link ContractDiagnostic.written}). {@link parseContract} refuses
 * a document that has any, before the parser runs.
 *
 * @param specPath - the AsyncAPI document
 * @param files - where the files are read from: parseContract gives every check one reading ({@link contractFiles})
 * @returns one diagnostic per such `$ref` (none when every one is local and there)
 * @example
 * ```ts
 * import { unreachableRefs } from '@sluice/codegen/parse';
 *
 * for (const d of unreachableRefs('asyncapi.yaml')) console.error(`${d.written!.file}#${d.written!.pointer}: ${d.written!.problem}`);
 * ```
 */
export function unreachableRefs(specPath: string, files: ContractFiles = contractFiles()): ContractDiagnostic[] {
  const found: ContractDiagnostic[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    const abs = path.resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    let doc: unknown;
    try {
      doc = files.data(abs);
    } catch {
      return; // the parser reports what it cannot read
    }
    const at = (pointer: string, problem: string) => found.push({ path: [], message: problem, written: { file: abs, pointer, problem } });
    // A YAML alias can make a node that contains itself: each node is walked once.
    const walked = new Set<object>();
    const walk = (node: unknown, pointer: string) => {
      if (!node || typeof node !== 'object' || walked.has(node)) return;
      walked.add(node);
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${pointer}/${i}`));
      // A schema in a format codegen does not read (Avro, Protobuf…) behind a $ref not here: that
      // format is the problem to say, not how to fetch the file (it would be refused once fetched).
      const wrapped = node as { schemaFormat?: unknown; schema?: { $ref?: unknown } };
      const ref = typeof wrapped.schemaFormat === 'string' && wrapped.schema && typeof wrapped.schema === 'object' ? wrapped.schema.$ref : undefined;
      const refused = typeof ref === 'string' && !ref.startsWith('#') ? schemaFormatRefusal(wrapped.schemaFormat as string) : undefined;
      if (refused !== undefined && (/^[a-z][a-z0-9+.-]*:/i.test(ref as string) || !existsSync(path.resolve(path.dirname(abs), (ref as string).split('#')[0]!)))) {
        at(`${pointer}/schema/$ref`, `$ref ${ref as string}: the schema it names ${refused}. Fetching it would not help: codegen refuses it then`);
        for (const [k, v] of Object.entries(node)) if (k !== 'schema') walk(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
        return;
      }
      for (const [k, v] of Object.entries(node)) {
        const here = `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        if (k === '$ref' && typeof v === 'string') {
          if (/^[a-z][a-z0-9+.-]*:/i.test(v)) {
            at(here, `$ref ${v} is remote: the framework works offline and does not fetch it. Download it beside the contract and $ref the local file`);
          } else if (!v.startsWith('#')) {
            const target = path.resolve(path.dirname(abs), v.split('#')[0]!);
            if (!existsSync(target)) at(here, `$ref ${v}: ${path.relative(process.cwd(), target) || target} does not exist${decodedInstead(v.split('#')[0]!, abs)}`);
            else visit(target);
          }
        } else walk(v, here);
      }
    };
    walk(doc, '');
  };
  visit(specPath);
  return found;
}

/**
 * For a `$ref` path to a file that is not there, percent-encoded (`payload%20schema.json`), whose
 * decoded path is: what to write instead. The AsyncAPI parser opens a `$ref`'s path as written,
 * without decoding it, so the encoded form names a file that does not exist.
 */
function decodedInstead(refPath: string, from: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(refPath);
  } catch {
    return '';
  }
  if (decoded === refPath || !existsSync(path.resolve(path.dirname(from), decoded))) return '';
  return `. The AsyncAPI parser reads a $ref's path as written, without percent-decoding it, and ${JSON.stringify(decoded)} exists: write the $ref as ${JSON.stringify(decoded)}`;
}

/** ajv's line for an `if`/`then`/`else` of the AsyncAPI schemas whose branch failed: the sum of the errors inside it, none of its own. */
const WRAPPER = /must match "(?:then|else)" schema$/;

/**
 * `errors` without the `if`/`then`/`else` wrapper lines that another error inside them explains
 * (`schemas/x.json (line 1): "payload" property must match "else" schema` above
 * `schemas/x.json#/properties/id/type (line 5): … allowed values`): a consequence, not one more
 * error. A wrapper line with nothing reported under it stays, the only trace of its error.
 */
function withoutWrappers<T extends { path: (string | number)[]; message: string; file?: string }>(errors: T[]): T[] {
  const inside = (outer: T, inner: T) =>
    inner !== outer && inner.file === outer.file && inner.path.length > outer.path.length && outer.path.every((key, i) => String(key) === String(inner.path[i]));
  return errors.filter((e) => !(WRAPPER.test(e.message) && errors.some((o) => inside(e, o))));
}

/**
 * Parses (and by default validates) the AsyncAPI document at `specPath`, dereferenced; a valid
 * document the parser accepted before, unchanged with everything it references, is read back
 * from `node_modules/.cache/sluice-asyncapi/` instead.
 *
 * A YAML alias inside the node it names, and a `$ref` key whose value is no string, are errors of
 * the document, found before the cache and the parser (see {@link selfContainingAliases},
 * {@link nonStringRefs}), all of them at once.
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
  // Before the cache: a document read cut short is refused, however it was read before; and before
  // the parser: it would fetch a remote $ref, and a $ref that is no string makes it fail naming no place.
  // A document of another major is refused alone: the rest would be read in a language it does not speak.
  // Every file read and parsed once, for all the checks and the cache's key.
  const files = contractFiles();
  // A file that does not read as YAML: its syntax errors alone, not what the parser made of the rest.
  const syntaxErrors = yamlSyntax(spec, files);
  if (syntaxErrors.length > 0) return { document: undefined, errors: syntaxErrors, cached: false };
  const major = otherMajor(spec, files);
  if (major.length > 0) return { document: undefined, errors: major, cached: false };
  const written = [...unreachableRefs(spec, files), ...selfContainingAliases(spec, files), ...nonStringRefs(spec, files), ...bindingRefSiblings(spec, files)];
  if (written.length > 0) return { document: undefined, errors: written, cached: false };
  const cacheFile = cacheFileOf(spec, validate, files);
  // A damaged entry reads as none: parsed again, and the write below replaces it.
  const remembered = cacheFile ? fromStored(readEntry<StoredDocument>(cacheFile)) : undefined;
  if (remembered) return { document: remembered as Record<string, any>, errors: [], cached: true };
  const { fromFile, DiagnosticSeverity } = await import('@asyncapi/parser');
  const { document, diagnostics } = await fromFile(await newParser(validate), spec).parse();
  const refused = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  // A YAML syntax error (the parser's own code) leaves a document that is not what was written:
  // the schema's errors about it (`channels.null.eventType … not expected`) are made up. Only the
  // syntax errors are said, until they are fixed.
  const syntax = refused.filter((d) => d.code === 'parser');
  const errors = (syntax.length > 0 ? syntax : refused).map((d) => {
    // An error in a file a $ref names is said with that file (its line is that file's, not the spec's).
    const source = (d as { source?: unknown }).source;
    const elsewhere = typeof source === 'string' && source !== '' && path.resolve(source) !== spec ? { file: path.resolve(source) } : {};
    return { path: [...d.path], message: d.message, ...(d.range ? { line: d.range.start.line + 1 } : {}), ...elsewhere };
  });
  if (errors.length > 0 || !document) return { document: undefined, errors: withoutWrappers(errors), cached: false };
  const json = document.json() as Record<string, any>;
  if (cacheFile) writeEntry(cacheFile, JSON.stringify(toStored(json)), PARSE_CACHE_ENTRIES);
  return { document: json, errors: [], cached: false };
}

/*
 * The AsyncAPI parser's errors as lines a contract's author can act on: each with its path and
 * line, and, where the parser's words do not say it, what to change. The parser checks bindings
 * against their official schemas (SNS 0.1.0, SQS 0.2.0); its messages say what the schema wants
 * ("type must be string"), not what the framework does with the field. The umbrella line of a
 * binding ("must match \"then\" schema") comes only when nothing under it is reported (parseContract
 * drops it otherwise: withoutWrappers), and is said in the parser's words, the only trace of its error.
 */

const pathOf = (d: ContractDiagnostic) => d.path.join('.');

/** What to change for one parser error, or undefined when its words say it (or nothing more is known). */
function hintOf(d: ContractDiagnostic, all: readonly ContractDiagnostic[]): string | undefined {
  const at = pathOf(d);
  const last = String(d.path[d.path.length - 1] ?? '');
  const filter = /^(.*\.consumers\.\d+\.filterPolicy)(\.|$)/.exec(at);
  if (filter) {
    // Said once per filter policy: its first line.
    const first = all.find((o) => pathOf(o) === filter[1] || pathOf(o).startsWith(`${filter[1]}.`));
    if (first !== d) return undefined;
    return "the framework writes each subscription's filter policy itself, from the messages (eventType, schemaVersion) its receive operation declares, and filters on nothing else: leave filterPolicy out; to receive fewer messages, declare a message of their own for them, or filter in the handler";
  }
  if (last === 'bindingVersion' && /allowed values/.test(d.message)) return 'the framework reads SNS bindings 0.1.0 and SQS bindings 0.2.0, the versions this AsyncAPI parser knows: write that version, or leave bindingVersion out';
  if (last === 'principal' && /type must be string/.test(d.message)) {
    return 'the SNS 0.1.0 and SQS 0.2.0 schemas take a principal as a string or a list of strings: write "*", or the account ids, IAM ARNs and services (sns.amazonaws.com) as a list; the framework deploys them in IAM\'s { AWS: […], Service: […] } spelling';
  }
  if (/is not expected to be here/.test(d.message)) {
    const typo = misspelt(d, all).find((m) => m.unknown === d);
    if (typo) {
      const { renamed, required } = typo;
      if (renamed === d) return `did you mean ${required}? It is required there: rename ${last} to ${required}`;
      return `remove it: ${String(renamed.path[renamed.path.length - 1])}${renamed.line !== undefined ? ` (line ${renamed.line})` : ''} is the one to rename to ${required}, as one key`;
    }
    return 'remove it, or correct its spelling (a note for people or tools can be an x-… extension)';
  }
  const required = /must have required property "([^"]+)"/.exec(d.message);
  if (required) {
    const typo = misspelt(d, all).find((m) => m.missing === d)?.renamed;
    const written = typo && String(typo.path[typo.path.length - 1]);
    return `add ${required[1]}${written ? `, or correct the spelling of ${written}${typo.line !== undefined ? ` (line ${typo.line})` : ''}` : ''}`;
  }
  return undefined;
}

/**
 * The keys not expected where they are written that are a missing required key of the same object
 * misspelt (`acton` beside a missing `action`), each with the error that says the key missing: the
 * nearest required key to each unknown one (see `closest`), of the object `d` is about. Of two
 * misspellings of one key (`acton` and `actin`), renaming both would write it twice: `renamed` is
 * the one to rename, the closest (of equals, the first).
 */
function misspelt(
  d: ContractDiagnostic,
  all: readonly ContractDiagnostic[],
): { unknown: ContractDiagnostic; missing: ContractDiagnostic; required: string; renamed: ContractDiagnostic }[] {
  const objectOf = (e: ContractDiagnostic) => (/is not expected to be here/.test(e.message) ? pathOf({ ...e, path: e.path.slice(0, -1) }) : pathOf(e));
  const here = (e: ContractDiagnostic) => e.file === d.file && objectOf(e) === objectOf(d);
  const keyOf = (e: ContractDiagnostic) => String(e.path[e.path.length - 1] ?? '');
  const missing = all.flatMap((e) => {
    const required = /must have required property "([^"]+)"/.exec(e.message)?.[1];
    return required !== undefined && here(e) ? [{ missing: e, required }] : [];
  });
  const guesses = all
    .filter((e) => /is not expected to be here/.test(e.message) && here(e))
    .flatMap((unknown) => {
      const required = closest(keyOf(unknown), missing.map((m) => m.required));
      const found = missing.find((m) => m.required === required);
      return found && required !== undefined ? [{ unknown, missing: found.missing, required, distance: editDistance(keyOf(unknown), required) }] : [];
    });
  return guesses.map(({ distance: _, ...guess }) => {
    const rivals = guesses.filter((g) => g.required === guess.required);
    const renamed = rivals.reduce((best, g) => (g.distance < best.distance ? g : best)).unknown;
    return { ...guess, renamed };
  });
}

/**
 * The parser's errors, one line each: `  - <path> (line <n>): <message>[ — <what to change>]`.
 *
 * @param errors - the errors of a refused document, as `parseContract` returns them
 * @returns one line per error, in the parser's order
 *
 * @example
 * ```ts
 * import { parseContract, parserErrorLines } from '@sluice/codegen';
 *
 * const parsed = await parseContract('asyncapi.yaml');
 * if (!parsed.document) console.error(parserErrorLines(parsed.errors).join('\n'));
 * ```
 */
export function parserErrorLines(errors: readonly ContractDiagnostic[]): string[] {
  return errors.map((d) => {
    const file = d.file && (path.relative(process.cwd(), d.file).startsWith('..') ? d.file : path.relative(process.cwd(), d.file));
    const where = file ? `${file}${d.path.length ? `#/${d.path.join('/')}` : ''}` : d.path.length ? pathOf(d) : '(document)';
    const line = d.line !== undefined ? ` (line ${d.line}${d.column !== undefined ? `, column ${d.column}` : ''})` : '';
    const hint = hintOf(d, errors);
    return `  - ${where}${line}: ${d.message}${hint ? ` — ${hint}` : ''}`;
  });
}
