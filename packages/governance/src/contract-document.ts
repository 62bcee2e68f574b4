/**
 * Loading a contract for comparison: an AsyncAPI document (YAML or JSON, with `$ref`s into
 * `schemas/`) parsed and dereferenced by `@asyncapi/parser`, as plain JSON.
 *
 * The released snapshot is such a document written to disk, so both sides of a comparison go
 * through the same loader and differ only in what the contract says, never in how it was read.
 */
import { MESSAGE_KEY, parseContract, parserErrorLines, placeOf } from '@sluice/codegen/parse';
import path from 'node:path';

/** A parsed, dereferenced AsyncAPI document as plain JSON (no parser bookkeeping keys). */
export type ContractDocument = Record<string, any>;

/** The contract cannot be read; `message` says which file and what to fix. */
export class ContractLoadError extends Error {
  override name = 'ContractLoadError';
}

/** A JSON pointer's segment. */
const segment = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * What to say of an object that contains itself where the framework reads it: `at` refers back to
 * `target`, which it is inside. In an SNS or SQS binding, the binding is named: it must be finite
 * plain data; in a message's payload or headers, it is a recursive schema.
 */
function cycleProblem(file: string, at: string, target: string, place: ReturnType<typeof placeOf>): string {
  if (place.kind === 'binding') {
    const root = at.split('/').slice(0, place.depth + 1).join('/');
    return (
      `${file}#${at}: the ${place.protocol} binding at #${root} contains itself: this refers back to #${target}, which it is inside (a $ref to its own ancestor). ` +
      'A binding must be finite plain data (it is compared and recorded as written): write the value out in full, without the $ref back.'
    );
  }
  return `${file}#${at}: the contract has a recursive schema (this refers back to #${target}, which it is inside); contract snapshots support only non-recursive schemas.`;
}

/**
 * Drops the parser's `x-parser-*` keys and turns shared objects into copies, so the result is
 * JSON a snapshot file can hold. An object that contains itself (a recursive schema, a binding
 * with a `$ref` to its own ancestor) where the framework reads it (a message's payload or headers,
 * an SNS or SQS binding: what codegen refuses too) is reported with the file and the JSON path of
 * the reference back. Anywhere else (a recursive schema in an HTTP binding or only in
 * `components.schemas`: nothing here reads it) the reference back is written as the `$ref` it was:
 * `{ "$ref": "#/components/schemas/<key>" }` when it is a components schema (so is such a recursive
 * schema wherever else it is reached, as written), else the JSON pointer of the ancestor it refers
 * to, whose copy the result holds. The result is finite, and a snapshot of it loads the same.
 */
function toPlainJson(document: unknown, file: string): any {
  const components = (document as Record<string, any> | undefined)?.components?.schemas;
  const named = new Map<object, string>();
  if (components && typeof components === 'object') {
    for (const [k, v] of Object.entries(components)) if (v && typeof v === 'object') named.set(v, `/components/schemas/${segment(k)}`);
  }
  const recursions = new Map<object, boolean>();
  /** Whether `value` reaches itself. */
  const recursive = (value: object): boolean => {
    let found = recursions.get(value);
    if (found === undefined) {
      const seen = new Set<object>();
      const reaches = (node: unknown): boolean => {
        if (!node || typeof node !== 'object') return false;
        if (node === value) return true;
        if (seen.has(node)) return false;
        seen.add(node);
        return Object.values(node).some(reaches);
      };
      found = Object.values(value).some(reaches);
      recursions.set(value, found);
    }
    return found;
  };
  const ancestors = new Map<object, string>();
  const copy = (value: unknown, keys: (string | number)[]): any => {
    if (!value || typeof value !== 'object') return value;
    const at = keys.map((k) => `/${segment(k)}`).join('');
    const target = ancestors.get(value);
    if (target !== undefined) {
      const place = placeOf(keys);
      if ((place.kind === 'binding' && place.read) || (place.kind === 'schema' && place.message)) throw new ContractLoadError(cycleProblem(file, at, target, place));
      return { $ref: `#${named.get(value) ?? target}` };
    }
    // A recursive components schema reached elsewhere, where nothing reads it: the $ref it was
    // written as (so that a snapshot of the result loads the same, not a level deeper each time).
    const name = named.get(value);
    if (name !== undefined && name !== at && recursive(value)) {
      const place = placeOf(keys);
      if (!(place.kind === 'binding' && place.read) && !(place.kind === 'schema' && place.message)) return { $ref: `#${name}` };
    }
    ancestors.set(value, at);
    try {
      if (Array.isArray(value)) return value.map((v, i) => copy(v, [...keys, i]));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-parser-')) out[k] = copy(v, [...keys, k]);
      // The parser's name of a message, kept as codegen keeps it: it tells apart two messages of the
      // same content (@sluice/model's messageNameOf). A release snapshot leaves it out (released-contract.ts).
      const message = (value as Record<string, unknown>)['x-parser-message-name'];
      if (typeof message === 'string' && !message.startsWith('<anonymous')) out[MESSAGE_KEY] = message;
      return out;
    } finally {
      ancestors.delete(value);
    }
  };
  return copy(document, []);
}

/** The options of {@link loadContract}. */
export interface LoadOptions {
  /**
   * Check the document against the AsyncAPI rules. Turn off only where the documents are known
   * to be valid (the test pairs, validated once by their own test).
   * @default true
   */
  validate?: boolean;
}

/**
 * Parses an AsyncAPI document and returns it dereferenced, as plain JSON.
 *
 * @param specPath - the document (YAML or JSON); its relative `$ref`s are followed
 * @throws ContractLoadError when the file cannot be read, (with `validate`) breaks the AsyncAPI
 *   rules, has a YAML alias inside the node it names or a `$ref` key whose value is no string (a
 *   schema property named `$ref`: both found before the parser and reported as codegen reports them,
 *   each with file, pointer, line and what to change), or holds an object that contains itself
 *   where the framework reads it (a recursive payload or headers schema, an SNS or SQS binding with
 *   a `$ref` to its own ancestor); the message lists each error with its path
 *
 * @example
 * ```ts
 * import { loadContract } from '@sluice/governance';
 *
 * const working = await loadContract('asyncapi.yaml');
 * const messageNames = Object.keys(working.components?.messages ?? {});
 * ```
 */
export async function loadContract(specPath: string, options: LoadOptions = {}): Promise<ContractDocument> {
  return (await loadParsedContract(specPath, options)).contract;
}

/**
 * {@link loadContract}, also returning what the parser returned (its `json()`, the `x-parser-…`
 * annotations in it), for a reader that hands the document on to AsyncAPI's own tools (the docs
 * generator), so that they need not parse the file again.
 *
 * @param specPath - the document (YAML or JSON); its relative `$ref`s are followed
 * @param options - as {@link loadContract}'s
 * @returns `contract`: what {@link loadContract} returns; `parsed`: the parser's JSON of the same document
 * @throws ContractLoadError as {@link loadContract}
 *
 * @example
 * ```ts
 * import { loadParsedContract } from '@sluice/governance';
 *
 * const { contract, parsed } = await loadParsedContract('asyncapi.yaml');
 * console.log(Object.keys(contract.channels ?? {}), parsed['x-parser-spec-parsed']);
 * ```
 */
export async function loadParsedContract(specPath: string, options: LoadOptions = {}): Promise<{ contract: ContractDocument; parsed: Record<string, any> }> {
  const shown = path.relative(process.cwd(), specPath) || specPath;
  let parsed;
  try {
    // The parser, or what it returned for the same files before (@sluice/codegen's parse cache).
    parsed = await parseContract(specPath, { validate: options.validate ?? true });
  } catch (error) {
    throw new ContractLoadError(`Cannot read ${shown}: ${(error as Error).message}`);
  }
  if (!parsed.document) {
    // Found before the parser ran (a YAML alias inside the node it names, a $ref key whose value is no
    // string): problems of the contract where they are written, in their own words, as codegen says them.
    if (parsed.errors.length > 0 && parsed.errors.every((e) => e.written)) {
      const lines = parsed.errors.map(({ written }) => `  - ${path.relative(process.cwd(), written!.file) || written!.file}#${written!.pointer}: ${written!.problem}`);
      throw new ContractLoadError(`${shown}: ${lines.length} problem(s), each with where and what to change:\n${lines.join('\n')}`);
    }
    const lines = parserErrorLines(parsed.errors);
    throw new ContractLoadError(`${shown} is not a valid AsyncAPI document (run \`npm run contract:lint\` for details):\n${lines.join('\n')}`);
  }
  return { contract: toPlainJson(parsed.document, shown), parsed: parsed.document };
}
