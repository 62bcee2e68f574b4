/**
 * The AsyncAPI schema, compiled once per process instead of once per document parsed.
 *
 * The AsyncAPI parser checks each document against the AsyncAPI schema, in two variants (the
 * document as written and resolved: copies of the schema the parser makes once per process, their
 * `$id`s renamed `…/asyncapi-unresolved.json` and `…/asyncapi-resolved.json`), through Spectral's
 * `schema` function. Spectral keeps its ajv instances per document, so that one document's own
 * schemas (a payload's `$id`) never meet another's: every parse compiles both variants of the
 * AsyncAPI schema again, ≈ 280 ms of CPU of a ≈ 310 ms parse of this repository's contract. With
 * them compiled once, a parse after the first takes ≈ 30 ms: `contract:diff` and `contract:release`
 * parse two documents, the tests hundreds.
 *
 * {@link shareSpecSchemaValidators} gives those two variants, and nothing else, ajv instances of
 * their own shared by every parse of the process: only a schema whose `$id` is one of the
 * parser's variant names, and only the very object first compiled under that `$id`. The binding
 * schemas are part of the AsyncAPI schema, so they are shared with it; everything else Spectral
 * compiles (the ruleset's own small schemas, an AsyncAPI 2 document's example checked against its
 * payload) keeps Spectral's instances per document. A compiled schema is a pure function of the
 * schema, so what the parser says of an AsyncAPI 3 document (the only kind the framework reads)
 * does not change. One thing changes, for the better: a document's own schema that borrowed a
 * variant's `$id` was found by that `$id` in its document's instance, where the AsyncAPI schema was
 * compiled first, and so checked against the AsyncAPI schema; it is now checked against itself.
 * The first compile of a process is skipped too where an earlier process kept what it compiled
 * (spec-schema-code.ts). While `SLUICE_PARSE_CACHE=0` turns codegen's caches off, nothing is shared
 * or kept.
 *
 * It works on Spectral's module as the parser loads it (its `createAjvInstances`, which Spectral
 * reads at each document): if a version of Spectral lays it out otherwise (another file, an export
 * that cannot be replaced), nothing is shared and parsing is only as slow as before. A version that
 * read the function once would ignore the replacement: the test that counts the compiles says so.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { cachesOn } from './result-cache.ts';
import { specSchemaValidator } from './spec-schema-code.ts';

/** Spectral's function that returns the validator of a schema (compiled by its ajv instance for `dialect`). */
type AssignValidator = (schema: Record<string, unknown>, dialect: string, allErrors: boolean) => unknown;

/** `@stoplight/spectral-functions/dist/schema/ajv.js`, the part of it read here. */
interface SpectralAjvModule {
  createAjvInstances?: () => AssignValidator;
}

/** The `$id`s the parser gives its two copies of the AsyncAPI schema (documentStructure.js). */
const SPEC_VARIANT_ID = /^http:\/\/asyncapi\.com\/definitions\/[^/]+\/asyncapi-(resolved|unresolved)\.json$/;

let state: 'shared' | 'not shared' | undefined;

/** Spectral's ajv module, as the AsyncAPI parser resolves it, and the parser's main file; undefined when it is not where this version has it. */
function spectralAjvModule(): { module: SpectralAjvModule; parserMain: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const parserMain = require.resolve('@asyncapi/parser');
    const functions = require.resolve('@stoplight/spectral-functions', { paths: [path.dirname(parserMain)] });
    return { module: require(path.join(path.dirname(functions), 'schema', 'ajv.js')) as SpectralAjvModule, parserMain };
  } catch {
    return undefined;
  }
}

/**
 * From now on in this process, the AsyncAPI parser compiles the AsyncAPI schema at its first parse
 * only (see the file's comment). Call it before a parse; calling it again does nothing. Returns
 * whether the schema is shared now: false while `SLUICE_PARSE_CACHE=0` turns codegen's caches off
 * (read at each parse), or when Spectral's module is not laid out as this version knows it.
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
  if (!state) state = install();
  return state === 'shared' && cachesOn();
}

/** Replaces Spectral's `createAjvInstances` by one that shares the variants (while codegen's caches are on). */
function install(): 'shared' | 'not shared' {
  const found = spectralAjvModule();
  const perDocument = found?.module.createAjvInstances;
  if (!found || typeof perDocument !== 'function') return 'not shared';
  const { module, parserMain } = found;
  /** Per variant `$id`: the schema object compiled under it, and its validators by dialect and allErrors. */
  const variants = new Map<string, { schema: object; validators: Map<string, unknown>; spectral: AssignValidator }>();
  const sharing = () => {
    const documents = perDocument();
    return (schema: Record<string, unknown>, dialect: string, allErrors: boolean) => {
      const id = schema?.$id;
      if (typeof id === 'string' && SPEC_VARIANT_ID.test(id) && cachesOn()) {
        let variant = variants.get(id);
        if (!variant) variants.set(id, (variant = { schema, validators: new Map(), spectral: perDocument() }));
        if (variant.schema === schema) {
          const key = `${dialect} ${allErrors}`;
          let validator = variant.validators.get(key);
          // The module kept for it (spec-schema-code.ts), else compiled by instances of its own.
          if (!validator) variant.validators.set(key, (validator = specSchemaValidator(parserMain, schema, dialect, allErrors) ?? variant.spectral(schema, dialect, allErrors)));
          return validator;
        }
      }
      return documents(schema, dialect, allErrors);
    };
  };
  try {
    module.createAjvInstances = sharing;
  } catch {
    return 'not shared'; // an export that cannot be replaced
  }
  return module.createAjvInstances === sharing ? 'shared' : 'not shared';
}
