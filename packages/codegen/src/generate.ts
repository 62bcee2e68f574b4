/**
 * The code generator: asyncapi.yaml (+ the schemas it references) → the files of `generated/`:
 * types and standalone validators for every message, typed operations (what publishers and
 * consumers are built from) and the topology manifest (what the infrastructure and the local
 * runtime create).
 *
 * Pure with respect to the file system's output: {@link generate} returns the files in memory, so
 * `npm run codegen` writes them and `npm run codegen:check` compares them without writing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import { loadProject } from '@sluice/model';
import { inputsHashOf } from './freshness.ts';
import { declaredTypeName, memberAccess, propertyKey, typeIdentifier } from './identifiers.ts';
import { CodegenError, type ContractModel, createAjv, type MessageInfo, readContract } from './read-contract.ts';
import { cacheFolderFor, readEntry, writeEntry } from './result-cache.ts';
import { literalsRestored } from './schemas.ts';
import { FORMATS_MODULE } from './formats.ts';
import { withLengthShortcuts } from './length-shortcuts.ts';
import { warningSayer } from './said-places.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireFromHere = createRequire(import.meta.url);
/** The run-time contract module the generated code builds on (bundled formats, imported helpers). */
const RUNTIME_CONTRACT = '@sluice/runtime/contract';
const runtimeContractDir = path.dirname(requireFromHere.resolve(RUNTIME_CONTRACT));

/** The options of {@link generate}. */
export interface GenerateOptions {
  /** Path of the AsyncAPI document. */
  specPath: string;
  /**
   * npm package name of the generated module.
   * @default the `contractPackage` of the project whose package.json sits beside the spec (see `loadProject` of `@sluice/model`)
   */
  packageName?: string;
}

/** One file of the generated package, in memory. */
export interface GeneratedFile {
  /** Path relative to the output folder, with `/` separators. */
  path: string;
  /** The file's text. */
  content: string;
}

export { collectInputs } from './freshness.ts';
export { CodegenError, type ContractModel, type ContractProblem, createAjv, FRAMEWORK_HEADERS, type MessageInfo, readContract, readMessages } from './read-contract.ts';
export { declaredTypeName, memberAccess, propertyKey, typeIdentifier } from './identifiers.ts';
export { generatedFormats } from './formats.ts';
export { recursionsOf, unwrapSchema } from './schemas.ts';

/**
 * What an object with declared properties and `additionalProperties` (or `patternProperties`)
 * becomes: Modelina declares those as a property literally named `additionalProperties`, typed as
 * a dictionary, where a payload (plain JSON) has the extra keys beside the declared ones. They are
 * declared as an index signature instead; `unknown`, the one value type every declared property's
 * type is assignable to.
 */
const EXTRA_KEYS_PRESET = {
  interface: {
    property({ property, content }: { property: { property: { serializationType?: string } }; content: string }): string {
      return property.property.serializationType === 'unwrap' ? '[key: string]: unknown;' : content;
    },
  },
};

/**
 * How the type generator (Modelina) is run: interfaces, unions for enums, property names as
 * written, and a map as the plain object JSON gives (`Record<string, V>`: Modelina's default is a
 * `Map`, which `JSON.parse` never returns and `JSON.stringify` writes as `{}`).
 */
const TYPE_OPTIONS = {
  modelType: 'interface',
  enumType: 'union',
  mapType: 'record',
  rawPropertyNames: true,
  processorOptions: { interpreter: { ignoreAdditionalProperties: true } },
} as const;
/** Bumped when what the type cache stores changes shape, or when {@link EXTRA_KEYS_PRESET} changes (its code is not in the key). */
const TYPE_CACHE_FORMAT = 2;
/** Type-cache entries kept (each a schema's models, a few KB): past this many, the least recently used go. */
const TYPE_CACHE_ENTRIES = 500;
const modelinaVersion = (): string => (JSON.parse(readFileSync(requireFromHere.resolve('@asyncapi/modelina/package.json'), 'utf8')) as { version: string }).version;

/** A model the type generator made of a schema: its name and its TypeScript declaration. */
interface TypeModel {
  modelName: string;
  result: string;
}

/**
 * The type generator (Modelina) run on one schema, or what it returned for the same schema before:
 * its output depends only on the schema, the options above and its version, which key the entry
 * (`node_modules/.cache/sluice-types/`, beside the parser's). On a hit Modelina is not loaded at
 * all: its package loads every input processor (the AsyncAPI parser, the TypeScript compiler…),
 * over a second of CPU. `SLUICE_PARSE_CACHE=0` turns it off with the parser's cache.
 */
function typeGenerator(cacheFolder: string | undefined): (schema: unknown) => Promise<TypeModel[]> {
  let generator: { generate(input: unknown): Promise<TypeModel[]> } | undefined;
  const run = async (schema: unknown): Promise<TypeModel[]> => {
    if (!generator) {
      const { TypeScriptGenerator } = await import('@asyncapi/modelina');
      generator = new TypeScriptGenerator({ ...TYPE_OPTIONS, presets: [EXTRA_KEYS_PRESET as never] });
    }
    return (await generator.generate(schema)).map(({ modelName, result }) => ({ modelName, result }));
  };
  if (!cacheFolder) return run;
  return async (schema) => {
    let text: string;
    try {
      text = JSON.stringify(schema);
    } catch {
      return run(schema); // a recursive schema: not plain JSON, not remembered
    }
    const key = createHash('sha256').update(`format ${TYPE_CACHE_FORMAT}\0modelina ${modelinaVersion()}\0options ${JSON.stringify(TYPE_OPTIONS)}\0`).update(text).digest('hex');
    const file = path.join(cacheFolder, `${key}.json`);
    const remembered = readEntry<TypeModel[]>(file);
    if (Array.isArray(remembered) && remembered.every((m) => typeof m?.modelName === 'string' && typeof m.result === 'string')) return remembered;
    const models = await run(schema);
    writeEntry(file, JSON.stringify(models), TYPE_CACHE_ENTRIES);
    return models;
  };
}

async function renderTypes(messages: MessageInfo[], cacheFolder: string | undefined): Promise<string> {
  const generate = typeGenerator(cacheFolder);
  const models = new Map<string, { code: string; from: string }>();
  const schemas = messages.flatMap((m) => [
    { schema: m.payloadForTypes, from: `the payload of ${m.name} (#${m.pointer}/payload)` },
    ...(m.headersForTypes ? [{ schema: m.headersForTypes, from: `the headers of ${m.name} (#${m.pointer}/headers)` }] : []),
  ]);
  // Clashes within one payload (or headers) schema are refused when the contract is read (titleClashesWithin), with every other problem.
  const clashes: string[] = [];
  for (const { schema, from } of schemas) {
    for (const model of await generate(schema)) {
      const code = `export ${literalsRestored(model.result.trim())}`;
      const previous = models.get(model.modelName);
      if (previous !== undefined && previous.code !== code) {
        clashes.push(`  - ${from} and ${previous.from} each have a different schema that would be the TypeScript type ${model.modelName}: give one of them its own title`);
      } else if (previous === undefined) models.set(model.modelName, { code, from });
    }
  }
  if (clashes.length) throw new CodegenError(`Types would be lost, each a problem naming both places:\n${[...new Set(clashes)].join('\n')}`);
  return [...models.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, { code }]) => code)
    .join('\n\n');
}

/** The export name of a message's headers validator: `validate<HeadersType>`, or `validate<Identifier>FrameworkHeaders` when the message declares no headers. */
function headersValidatorOf(m: MessageInfo): string {
  return m.headersType ? `validate${m.headersType}` : `validate${m.identifier}FrameworkHeaders`;
}

/**
 * A pick function specialised to one payload: an object literal of the required fields (one
 * hidden class, no loop) plus the optional ones that are present. A generic loop over the field
 * list cost as much as validation itself on the subscriber's hot path.
 */
function renderPick(m: MessageInfo): string {
  // A payload that is no object (a string, an array) is kept whole.
  if (!m.objectPayload) return '(d) => d';
  const required = new Set<string>(m.payloadSchema.required ?? []);
  const key = (k: string) => JSON.stringify(k);
  const literal = m.properties.filter((k) => required.has(k)).map((k) => `${key(k)}: d[${key(k)}]`).join(', ');
  const optional = m.properties
    .filter((k) => !required.has(k))
    .map((k) => `if (Object.prototype.hasOwnProperty.call(d, ${key(k)})) o[${key(k)}] = d[${key(k)}]; `)
    .join('');
  return `(d) => { const o = { ${literal} }; ${optional}return o; }`;
}

async function renderModule(model: ContractModel): Promise<string> {
  const { messages, topology } = model;
  const ajv = createAjv({ standalone: true, annotations: model.annotations, unknownFormats: model.unknownFormats });
  const exportsMap: Record<string, string> = {};
  for (const m of messages) {
    ajv.addSchema({ ...m.payloadSchema, $id: `#payload/${m.identifier}` }, `payload/${m.identifier}`);
    exportsMap[`validate${m.payloadType}`] = `payload/${m.identifier}`;
    // Every message gets a headers validator: the framework's headers (correlationId, traceparent) are bounded even where the contract does not declare them.
    ajv.addSchema({ ...m.headersValidation, $id: `#headers/${m.identifier}` }, `headers/${m.identifier}`);
    exportsMap[headersValidatorOf(m)] = `headers/${m.identifier}`;
  }
  // Bounded string lengths are counted (in code points) only when `.length` cannot decide them.
  const validators = withLengthShortcuts(standaloneCode(ajv, exportsMap));
  const contracts = messages.map((m) => {
    const meta = { name: m.name, title: m.title, eventType: m.eventType, schemaVersion: m.schemaVersion, properties: m.properties, headers: m.headers };
    const headers = headersValidatorOf(m);
    return `  ${propertyKey(m.name)}: defineMessage(${JSON.stringify(meta)}, validate${m.payloadType}, ${headers}, ${renderPick(m)}),`;
  });
  const operations = Object.keys(topology.operations).map((id) => `  ${propertyKey(id)}: defineOperation(topology.operations[${JSON.stringify(id)}], messages),`);
  const entry = [
    validators,
    `import { defineMessage, defineOperation, deepFreeze } from ${JSON.stringify(RUNTIME_CONTRACT)};`,
    `export { ContractViolation, formatIssues, isRfc3339DateTime, toIssues, toUtcInstant } from ${JSON.stringify(RUNTIME_CONTRACT)};`,
    `/** Every message of the contract, by name. */`,
    `export const messages = Object.freeze({\n${contracts.join('\n')}\n});`,
    `/** The topology manifest (also in topology.json): topics, queues, subscriptions, operations. */`,
    `export const topology = deepFreeze(${JSON.stringify(topology, null, 2)});`,
    `/** Every operation, with its message contracts: what publishers and consumers are built from. */`,
    `export const operations = Object.freeze({\n${operations.join('\n')}\n});`,
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'contract-entry.js', loader: 'js' },
    plugins: [usedFormatsOnly(validators)],
    absWorkingDir: here,
    // Bundled module paths (in comments) must not depend on where node_modules really lives.
    preserveSymlinks: true,
    bundle: true,
    // The helpers are imported at run time (one ContractViolation class for everyone); only the
    // validators' own dependencies (ajv's small runtime pieces, the formats) are bundled.
    external: [RUNTIME_CONTRACT],
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  // esbuild names bundled modules by their path relative to the working directory; make that
  // independent of where the generator runs and of the operating system.
  return result.outputFiles[0]!.text
    .replace(/^\/\/ .*$/gm, (line) => line.replace(/\\/g, '/').replace(/(\.\.\/)+/g, ''))
    .replace(/"(?:\.\.\/)+node_modules\//g, '"node_modules/');
}

/**
 * The formats the validators' source refers to (`require(<formats module>).generatedFormats["date-time"]`).
 *
 * @example
 * ```ts
 * import { formatsUsedBy } from '@sluice/codegen';
 *
 * formatsUsedBy('const f0 = require("/x/formats.ts").generatedFormats["date-time"];'); // ['date-time']
 * ```
 */
export function formatsUsedBy(validators: string): string[] {
  const names = new Set<string>();
  for (const m of validators.matchAll(/\.generatedFormats(?:\[("(?:[^"\\]|\\.)*")\]|\.([A-Za-z_$][\w$]*))/g)) names.add(m[1] !== undefined ? (JSON.parse(m[1]) as string) : m[2]!);
  return [...names].sort();
}

/**
 * The formats module the validators are bundled with: only the formats they use, instead of every
 * format ajv-formats has (about 8 KB minified, and its regular expressions and closures made at
 * import, in every consumer's cold start). `date-time` is the contract's own (date-time-format.ts);
 * any other comes from ajv-formats, which is then bundled whole.
 *
 * @example
 * ```ts
 * import { usedFormatsModule } from '@sluice/codegen';
 *
 * usedFormatsModule(['date-time']);
 * // import { dateTimeFormat } from "./date-time-format.ts";
 * // export const generatedFormats = { "date-time": dateTimeFormat };
 * ```
 */
export function usedFormatsModule(names: readonly string[]): string {
  const ext = path.extname(FORMATS_MODULE);
  const others = names.filter((n) => n !== 'date-time');
  return [
    ...(names.includes('date-time') ? [`import { dateTimeFormat } from ${JSON.stringify(`./date-time-format${ext}`)};`] : []),
    ...(others.length > 0 ? ['import { fullFormats } from "ajv-formats/dist/formats.js";'] : []),
    `export const generatedFormats = { ${names.map((n) => `${JSON.stringify(n)}: ${n === 'date-time' ? 'dateTimeFormat' : `fullFormats[${JSON.stringify(n)}]`}`).join(', ')} };`,
  ].join('\n');
}

/** An esbuild plugin: the validators' formats module is {@link usedFormatsModule} of what `validators` uses. */
function usedFormatsOnly(validators: string): Plugin {
  const names = formatsUsedBy(validators);
  return {
    name: 'used-formats-only',
    setup(b) {
      b.onResolve({ filter: /formats\.[cm]?[jt]s$/ }, (args) => (args.path === FORMATS_MODULE ? { path: 'used-formats.js', namespace: 'sluice-formats' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'sluice-formats' }, () => ({ contents: usedFormatsModule(names), resolveDir: path.dirname(FORMATS_MODULE), loader: 'js' }));
    },
  };
}

function renderDeclarations(model: ContractModel): string {
  const { messages, topology } = model;
  const typeNames = messages.flatMap((m) => [m.payloadType, ...(m.headersType ? [m.headersType] : [])]);
  const messageType = (name: string) => `typeof messages${memberAccess(name)}`;
  const lines = [
    `import type { ${[...new Set(typeNames)].sort().join(', ')} } from './types.js';`,
    `import type { ContractValidator, MessageContract, QueueSendOperation, ReceiveOperation, TopicSendOperation, Topology } from '${RUNTIME_CONTRACT}';`,
    `export type * from './types.js';`,
    `export type { CheckResult, ContractValidator, MessageContract, QueueSendOperation, ReceiveOperation, SendOperation, TopicSendOperation, Topology, ValidationIssue } from '${RUNTIME_CONTRACT}';`,
    `export { ContractViolation, formatIssues, isRfc3339DateTime, toIssues, toUtcInstant } from '${RUNTIME_CONTRACT}';`,
    '',
  ];
  for (const m of messages) {
    lines.push(`/** Type guard for the payload of ${m.name}: true when \`data\` satisfies its schema; see \`.errors\` otherwise. */`);
    lines.push(`export declare const validate${m.payloadType}: ContractValidator<${m.payloadType}>;`);
    if (m.headersType) {
      lines.push(`/** Type guard for the headers (SNS message attributes) of ${m.name}. */`);
      lines.push(`export declare const validate${m.headersType}: ContractValidator<${m.headersType}>;`);
    }
  }
  lines.push('', '/** Every message of the contract, by name. */', 'export declare const messages: {');
  for (const m of messages) lines.push(`  readonly ${propertyKey(m.name)}: MessageContract<${m.payloadType}, ${m.headersType ?? 'never'}>;`);
  lines.push('};', '', '/** Every operation, with its message contracts: pass one to `createPublisher` or `defineConsumer`. */', 'export declare const operations: {');
  for (const op of Object.values(topology.operations)) {
    // A send operation is to a topic (createPublisher) or point-to-point to a queue (createQueuePublisher): each its own type, so the wrong publisher is a type error.
    const kind = op.action === 'receive' ? 'ReceiveOperation' : op.topic !== undefined ? 'TopicSendOperation' : 'QueueSendOperation';
    const map = op.messages.map((name) => `readonly ${propertyKey(name)}: ${messageType(name)}`).join('; ');
    lines.push(`  /** ${op.title.replaceAll('*/', '*\\/')} */`);
    lines.push(`  readonly ${propertyKey(op.id)}: ${kind}<'${op.id.replace(/[\\']/g, '\\$&')}', { ${map} }>;`);
  }
  lines.push('};', '', '/** The topology manifest: topics, queues, subscriptions (with filter policies) and operations. */', 'export declare const topology: Topology;');
  return lines.join('\n');
}

/**
 * Generates every file of the output folder, in memory, deterministically: the same inputs and
 * generator give the same files, byte for byte (what `codegen --check` compares).
 *
 * @throws CodegenError when the spec is invalid or inconsistent
 *
 * @example
 * ```ts
 * import { generate } from '@sluice/codegen';
 *
 * const files = await generate({ specPath: 'asyncapi.yaml', packageName: '@payments/contract' });
 * for (const file of files) console.log(file.path, file.content.length);
 * ```
 */
export async function generate(options: GenerateOptions): Promise<GeneratedFile[]> {
  return (await generateWithModel(options)).files;
}

/**
 * {@link generate}, also returning the contract model it read (for the CLI's checks and notes).
 *
 * @example
 * ```ts
 * import { generateWithModel } from '@sluice/codegen';
 *
 * const { files, model } = await generateWithModel({ specPath: 'asyncapi.yaml' });
 * console.log(`${files.length} files, ${model.messages.length} messages`);
 * ```
 */
export async function generateWithModel(options: GenerateOptions): Promise<{ files: GeneratedFile[]; model: ContractModel }> {
  const model = await readContract(path.resolve(options.specPath));
  try {
    return await render(options, model);
  } catch (error) {
    // A refusal after reading (two schemas that would be one type) keeps the warnings the reading found.
    if (error instanceof CodegenError) throw error.withWarnings(model.warnings, warningSayer(options.specPath));
    throw error;
  }
}

/** The files of the generated package for a contract read by {@link readContract}. */
async function render(options: GenerateOptions, model: ContractModel): Promise<{ files: GeneratedFile[]; model: ContractModel }> {
  const specPath = path.resolve(options.specPath);
  const root = path.dirname(specPath);
  // The hash covers the inputs and the generator itself (its code and the tools it runs); see freshness.ts.
  const { hash: inputsHash, inputs } = inputsHashOf(specPath);
  const inputList = inputs.join(', ');
  const header = (comment: string) =>
    [
      `${comment} Generated by \`npm run codegen\` (@sluice/codegen). Do not edit: change the contract and regenerate.`,
      `${comment} Inputs: ${inputList}`,
      `${comment} Inputs hash (sha256 of inputs and generator): ${inputsHash}`,
    ].join('\n');

  const packageName = options.packageName ?? loadProject(root).contractPackage;
  const pkg = {
    '//': `Generated by \`npm run codegen\` (@sluice/codegen) from ${inputList}; inputs hash ${inputsHash}. Do not edit.`,
    name: packageName,
    version: '0.0.0',
    private: true,
    type: 'module',
    description: 'Types, validators, operations and the topology manifest generated from the AsyncAPI contract.',
    sideEffects: false,
    exports: { '.': { types: './index.d.ts', default: './index.js' }, './topology.json': './topology.json' },
  };
  const manifest = {
    '//': `Generated by \`npm run codegen\` (@sluice/codegen) from ${inputList}; inputs hash ${inputsHash}. Do not edit.`,
    ...model.topology,
  };
  const files: GeneratedFile[] = [
    { path: 'package.json', content: `${JSON.stringify(pkg, null, 2)}\n` },
    { path: 'types.d.ts', content: `${header('//')}\n\n${await renderTypes(model.messages, cacheFolderFor(root, 'sluice-types'))}\n` },
    { path: 'index.d.ts', content: `${header('//')}\n\n${renderDeclarations(model)}\n` },
    { path: 'index.js', content: `${header('//')}\n\n${(await renderModule(model)).trim()}\n` },
    { path: 'topology.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
  ];
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), model };
}

