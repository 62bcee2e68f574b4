/**
 * The AsyncAPI schema's validator, compiled once per installation instead of once per process.
 *
 * spec-schema-validators.ts makes a process compile the parser's two copies of the AsyncAPI schema
 * once; that first compile is still ≈ 260 ms of CPU in every process that parses a document the
 * parse cache does not hold (a changed contract's `codegen`, `contract:diff`, `docs`, each test
 * process). ajv can write what it compiled as a module ("standalone code"): {@link specSchemaValidator}
 * keeps that module in `node_modules/.cache/sluice-asyncapi-schema/` (≈ 1.1 MB for AsyncAPI 3.0)
 * of the installation's top-level `node_modules`, where npm and pnpm alike have the parser (pnpm
 * deep in `node_modules/.pnpm/`), and loads it, ≈ 20 ms, where one is kept.
 *
 * The module is compiled by an ajv set up as Spectral sets up the one it would have used (the same
 * ajv, ajv-formats and ajv-errors Spectral resolves, the same options, formats and meta-schemas), so
 * it is the same validator: the same errors, in the same order, which Spectral turns into the
 * parser's diagnostics. It is kept under the sha256 of what it depends on (the schema, the options
 * below, the versions and folders of Spectral and those packages, Spectral's draft-04 meta-schema),
 * written whole then renamed, and written only when every module it requires is named by its full
 * path. A kept module that does not load as a function is compiled and written again; where nothing
 * can be written (a read-only `node_modules`), the validator compiled is used as it is. Anything
 * unexpected (another dialect, a package not where it was) returns undefined: the caller compiles
 * as before. `SLUICE_PARSE_CACHE=0` turns it off with the other caches.
 */
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cachesOn, installationNodeModules, writeEntry } from './result-cache.ts';

/** A compiled validator, as ajv and Spectral use it: `errors` is set by each call. */
export type CompiledValidator = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/** Bumped when what is written changes shape. */
const CODE_FORMAT = 1;

/** The most recently used modules kept (two per AsyncAPI version in use). */
const KEEP = 8;

/** The packages Spectral compiles with, resolved from Spectral's own folder; undefined when one is missing. */
interface Toolkit {
  require: NodeJS.Require;
  /** Where the modules are written: `node_modules/.cache/sluice-asyncapi-schema` of the installation holding the parser (its top-level `node_modules`, with npm and pnpm alike). */
  folder: string;
  /** The versions and folders the written module depends on. */
  identity: string;
}

/** Per parser main file: its toolkit, or null when it has none. */
const toolkits = new Map<string, Toolkit | null>();

function toolkitOf(parserMain: string): Toolkit | undefined {
  if (!toolkits.has(parserMain)) toolkits.set(parserMain, findToolkit(parserMain));
  return toolkits.get(parserMain) ?? undefined;
}

function findToolkit(parserMain: string): Toolkit | null {
  try {
    const functions = createRequire(parserMain).resolve('@stoplight/spectral-functions');
    const spectral = createRequire(functions);
    const modules = installationNodeModules(parserMain);
    if (!modules) return null;
    const folder = path.join(modules, '.cache', 'sluice-asyncapi-schema');
    const versionOf = (manifest: string) => `${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version} ${path.dirname(manifest)}`;
    const packages = ['ajv', 'ajv-formats', 'ajv-errors'].map((name) => `${name}@${versionOf(spectral.resolve(`${name}/package.json`))}`);
    const functionsManifest = path.join(path.dirname(functions), '..', 'package.json');
    const draft4 = readFileSync(path.join(path.dirname(functions), 'schema', 'draft4.json'), 'utf8');
    const identity = [`format ${CODE_FORMAT}`, `options ${JSON.stringify(AJV_OPTIONS)}`, `@stoplight/spectral-functions@${versionOf(functionsManifest)}`, ...packages, draft4];
    return { require: spectral, folder, identity: identity.join('\0') };
  } catch {
    return null;
  }
}

/** The options Spectral gives its ajv (besides allErrors, its logger, and the code options ajv needs to write a module). */
const AJV_OPTIONS = { meta: true, messages: true, strict: false, allowUnionTypes: true, unicodeRegExp: false };

/** Spectral's logger: ajv's "unknown format" warnings are not said (strict is off). */
const logger = {
  log: console.log,
  warn: (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('unknown format')) return;
    console.warn(...args);
  },
  error: console.error,
};

/**
 * Compiles `schema` as Spectral's default (draft-07) ajv would: the validator, and the module ajv
 * writes for it, its requires by full path (undefined when one cannot be).
 */
function compileToModule(kit: Toolkit, schema: Record<string, unknown>, allErrors: boolean): { validate: CompiledValidator; code: string | undefined } {
  const ajvModule = kit.require('ajv') as { default: new (options: object) => any; _: (strings: TemplateStringsArray, ...values: unknown[]) => unknown };
  const Ajv = ajvModule.default;
  const formatsFile = kit.require.resolve('ajv-formats/dist/formats');
  const ajv = new Ajv({ allErrors, ...AJV_OPTIONS, logger, code: { source: true, formats: ajvModule._`require(${formatsFile}).fullFormats` } });
  (kit.require('ajv-formats') as { default: (ajv: unknown) => void }).default(ajv);
  if (allErrors) (kit.require('ajv-errors') as { default: (ajv: unknown) => void }).default(ajv);
  // The meta-schemas Spectral adds to its draft-07 ajv.
  ajv.addSchema(kit.require('ajv/dist/refs/json-schema-draft-06.json'));
  const functions = kit.require.resolve('@stoplight/spectral-functions');
  ajv.addSchema(kit.require(path.join(path.dirname(functions), 'schema', 'draft4.json')));
  const validate = ajv.compile(schema) as CompiledValidator;
  const standalone = (kit.require('ajv/dist/standalone') as { default: (ajv: unknown, validate: unknown) => string }).default(ajv, validate);
  const ajvFolder = path.dirname(kit.require.resolve('ajv/package.json'));
  const code = standalone.replace(/require\("ajv\/(dist\/runtime\/[\w./-]+)"\)/g, (_, file: string) => `require(${JSON.stringify(path.join(ajvFolder, file))})`);
  // Every module it requires by its full path: anything else would be resolved from the cache folder.
  const required = [...code.matchAll(/require\(("(?:[^"\\]|\\.)*")\)/g)].map((m) => JSON.parse(m[1]!) as string);
  return { validate, code: required.every((file) => path.isAbsolute(file)) ? code : undefined };
}

/** The module kept at `file`, marked used (the last to go when the folder is pruned); undefined when there is none or it is no validator. */
function keptValidator(kit: Toolkit, file: string): CompiledValidator | undefined {
  let kept: unknown;
  try {
    kept = kit.require(file);
  } catch {
    return undefined; // none kept, or one that does not load
  }
  if (typeof kept !== 'function') {
    delete kit.require.cache[file]; // an empty file loads as {}: compiled and written again
    return undefined;
  }
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // removed meanwhile by another process's pruning: what was loaded is whole
  }
  return kept as CompiledValidator;
}

/**
 * The validator of the parser's copy `schema` of the AsyncAPI schema, as Spectral's default
 * (draft-07) ajv compiles it, loaded from the module kept for it, which is compiled and kept first
 * when there is none. Undefined when it cannot be (caches off, another dialect, a package missing):
 * the caller compiles it itself.
 *
 * @example
 * ```ts
 * import { specSchemaValidator } from './spec-schema-code.ts';
 *
 * declare const parserMain: string;
 * declare const schema: Record<string, unknown>;
 * const validate = specSchemaValidator(parserMain, schema, 'draft7', true);
 * if (validate && !validate({ asyncapi: '3.0.0' })) console.log(validate.errors);
 * ```
 */
export function specSchemaValidator(parserMain: string, schema: Record<string, unknown>, dialect: string, allErrors: boolean): CompiledValidator | undefined {
  // Spectral's draft-07 ajv is the one for any dialect it has no ajv of its own for ("auto").
  if (!cachesOn() || ['draft4', 'draft2019-09', 'draft2020-12'].includes(dialect)) return undefined;
  const kit = toolkitOf(parserMain);
  if (!kit) return undefined;
  const key = createHash('sha256').update(kit.identity).update(`\0allErrors ${allErrors}\0`).update(JSON.stringify(schema)).digest('hex');
  const file = path.join(kit.folder, `${key}.cjs`);
  const kept = keptValidator(kit, file);
  if (kept) return kept;
  let compiled: ReturnType<typeof compileToModule>;
  try {
    compiled = compileToModule(kit, schema, allErrors);
  } catch {
    return undefined;
  }
  if (!compiled.code) return compiled.validate;
  writeEntry(file, compiled.code, KEEP);
  // What is used is what the next process loads; where it could not be written, the validator compiled.
  return keptValidator(kit, file) ?? compiled.validate;
}
