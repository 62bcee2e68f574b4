/**
 * Loading a contract for comparison: an AsyncAPI document (YAML or JSON, with `$ref`s into
 * `schemas/`) parsed and dereferenced by `@asyncapi/parser`, as plain JSON.
 *
 * The released snapshot is such a document written to disk, so both sides of a comparison go
 * through the same loader and differ only in what the contract says, never in how it was read.
 */
import { MESSAGE_KEY, parseContract, parserErrorLines } from '@sluice/codegen/parse';
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
 * What to say of an object that contains itself: `at` refers back to `target`, which it is inside.
 * Inside a binding (`…/bindings/<protocol>/…`), the binding is named: it must be finite plain data.
 */
function cycleProblem(file: string, at: string, target: string): string {
  const parts = at.split('/');
  const binding = parts.lastIndexOf('bindings');
  if (binding >= 0 && binding + 1 < parts.length) {
    const root = parts.slice(0, binding + 2).join('/');
    return (
      `${file}#${at}: the ${parts[binding + 1]} binding at #${root} contains itself: this refers back to #${target}, which it is inside (a $ref to its own ancestor). ` +
      'A binding must be finite plain data (it is compared and recorded as written): write the value out in full, without the $ref back.'
    );
  }
  return `${file}#${at}: the contract has a recursive schema (this refers back to #${target}, which it is inside); contract snapshots support only non-recursive schemas.`;
}

/**
 * Drops the parser's `x-parser-*` keys and turns shared objects into copies, so the result is
 * JSON a snapshot file can hold. An object that contains itself (a recursive schema, a binding
 * with a `$ref` to its own ancestor) cannot be snapshotted this way: it is reported with the file
 * and the JSON path of the reference back.
 */
function toPlainJson(value: unknown, file: string, at = '', ancestors: Map<object, string> = new Map()): any {
  if (!value || typeof value !== 'object') return value;
  const target = ancestors.get(value);
  if (target !== undefined) throw new ContractLoadError(cycleProblem(file, at, target));
  ancestors.set(value, at);
  try {
    if (Array.isArray(value)) return value.map((v, i) => toPlainJson(v, file, `${at}/${i}`, ancestors));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-parser-')) out[k] = toPlainJson(v, file, `${at}/${segment(k)}`, ancestors);
    // The parser's name of a message, kept as codegen keeps it: it tells apart two messages of the
    // same content (@sluice/model's messageNameOf). A release snapshot leaves it out (released-contract.ts).
    const message = (value as Record<string, unknown>)['x-parser-message-name'];
    if (typeof message === 'string' && !message.startsWith('<anonymous')) out[MESSAGE_KEY] = message;
    return out;
  } finally {
    ancestors.delete(value);
  }
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
 *   rules, or holds an object that contains itself (a recursive schema, a binding with a `$ref` to
 *   its own ancestor); the message lists each error with its path
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
  const shown = path.relative(process.cwd(), specPath) || specPath;
  let parsed;
  try {
    // The parser, or what it returned for the same files before (@sluice/codegen's parse cache).
    parsed = await parseContract(specPath, { validate: options.validate ?? true });
  } catch (error) {
    throw new ContractLoadError(`Cannot read ${shown}: ${(error as Error).message}`);
  }
  if (!parsed.document) {
    const lines = parserErrorLines(parsed.errors);
    throw new ContractLoadError(`${shown} is not a valid AsyncAPI document (run \`npm run contract:lint\` for details):\n${lines.join('\n')}`);
  }
  return toPlainJson(parsed.document, shown);
}
