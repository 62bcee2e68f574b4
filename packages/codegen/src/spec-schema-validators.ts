/**
 * The AsyncAPI schema, compiled once per process instead of once per document parsed.
 *
 * The AsyncAPI parser checks each document against the AsyncAPI schema, in two variants (the
 * document as written and resolved: copies of the schema the parser makes once per process, their
 * `$id`s renamed `…/asyncapi-unresolved.json` and `…/asyncapi-resolved.json`), through Spectral's
 * `schema` function. Spectral keeps its ajv instances per document, so that one document's own
 * schemas (a payload's `$id`) never meet another's: every parse compiles both variants of the
 * AsyncAPI schema again. That is about 90 % of a parse after the first (≈ 280 ms of CPU against
 * ≈ 30 ms for this repository's contract, 2 cores): `contract:diff` parses two documents,
 * `--watch` one per change, `docs` and the tests many.
 *
 * {@link shareSpecSchemaValidators} gives those two variants, and nothing else, ajv instances of
 * their own shared by every parse of the process: only a schema whose `$id` is one of the
 * parser's variant names, and only the very object first compiled under that `$id` (a document's
 * own schema that borrowed the name is compiled in its document's instance, as before). A compiled
 * schema is a pure function of the schema, so what the parser says of a document does not change.
 * Every other schema (a message example checked against its payload, a binding's schema) keeps
 * Spectral's instances per document. `SLUICE_PARSE_CACHE=0` turns it off with codegen's caches.
 *
 * It works on Spectral's module as the parser loads it (its `createAjvInstances`, read by Spectral at
 * each document): if a version of the parser or Spectral lays it out otherwise, nothing is shared
 * and parsing is only as slow as before.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { cachesOn } from './result-cache.ts';

/** Spectral's function that returns the validator of a schema (compiled by its ajv instance for `dialect`). */
type AssignValidator = (schema: Record<string, unknown>, dialect: string, allErrors: boolean) => unknown;

/** `@stoplight/spectral-functions/dist/schema/ajv.js`, the part of it read here. */
interface SpectralAjvModule {
  createAjvInstances?: () => AssignValidator;
}

/** The `$id`s the parser gives its two copies of the AsyncAPI schema (documentStructure.js). */
const SPEC_VARIANT_ID = /^http:\/\/asyncapi\.com\/definitions\/[^/]+\/asyncapi-(resolved|unresolved)\.json$/;

let state: 'shared' | 'not shared' | undefined;

/** Spectral's ajv module, as the AsyncAPI parser resolves it; undefined when it is not where this version has it. */
function spectralAjvModule(): SpectralAjvModule | undefined {
  try {
    const require = createRequire(import.meta.url);
    const parser = require.resolve('@asyncapi/parser');
    const functions = require.resolve('@stoplight/spectral-functions', { paths: [path.dirname(parser)] });
    return require(path.join(path.dirname(functions), 'schema', 'ajv.js')) as SpectralAjvModule;
  } catch {
    return undefined;
  }
}

/**
 * From now on in this process, the AsyncAPI parser compiles the AsyncAPI schema at its first parse
 * only (see the file's comment). Call it before a parse; calling it again does nothing. Returns
 * whether the schema is shared: false when `SLUICE_PARSE_CACHE=0` turns codegen's caches off, or
 * when Spectral's module is not laid out as this version knows it.
 *
 * @example
 * ```ts
 * import { shareSpecSchemaValidators } from './spec-schema-validators.ts';
 *
 * // Before parsing several documents in one process: each parse after the first skips the compile.
 * if (!shareSpecSchemaValidators()) console.error('each parse compiles the AsyncAPI schema again');
 * ```
 */
export function shareSpecSchemaValidators(): boolean {
  if (state) return state === 'shared';
  state = 'not shared';
  if (!cachesOn()) return false;
  const module = spectralAjvModule();
  const perDocument = module?.createAjvInstances;
  if (!module || typeof perDocument !== 'function') return false;
  /** Per variant `$id`: the schema object compiled under it, and the instances that compiled it. */
  const variants = new Map<string, { schema: object; assign: AssignValidator }>();
  module.createAjvInstances = () => {
    const documents = perDocument();
    return (schema, dialect, allErrors) => {
      const id = schema?.$id;
      if (typeof id === 'string' && SPEC_VARIANT_ID.test(id)) {
        let variant = variants.get(id);
        if (!variant) variants.set(id, (variant = { schema, assign: perDocument() }));
        if (variant.schema === schema) return variant.assign(schema, dialect, allErrors);
      }
      return documents(schema, dialect, allErrors);
    };
  };
  state = 'shared';
  return true;
}
