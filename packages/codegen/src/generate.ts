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
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';
import { TypeScriptGenerator } from '@asyncapi/modelina';
import Ajv, { type AnySchemaObject, type ErrorObject } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import { build } from 'esbuild';
import { contractFormats, formatIssues, toIssues, type Topology } from '@sluice/runtime/contract';
import { deriveTopology, loadProject, messageIdentity, TopologyError } from '@sluice/model';
import { inputsHashOf } from './freshness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireFromHere = createRequire(import.meta.url);
/** The run-time contract module the generated code builds on (bundled formats, imported helpers). */
const RUNTIME_CONTRACT = '@sluice/runtime/contract';
const runtimeContractDir = path.dirname(requireFromHere.resolve(RUNTIME_CONTRACT));

/** A spec problem that stops generation; `message` says what and where. */
export class CodegenError extends Error {
  override name = 'CodegenError';
}

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

/** One message of the spec, as the generator sees it. */
export interface MessageInfo {
  /** The message's `name`, used for type and validator names (`PaymentCaptured`). */
  name: string;
  /** The message's `title`, else its name. */
  title: string;
  /** The TypeScript type of the payload (the payload schema's `title`). */
  payloadType: string;
  /** The TypeScript type of the headers, when the message declares headers. */
  headersType?: string;
  /** Top-level payload properties: what a tolerant reader keeps. */
  properties: string[];
  /** Value of the `eventType` header (its `const`), defaulting to the message name. */
  eventType: string;
  /** Header names besides the identity (`eventType`, `schemaVersion`): optional attributes like `correlationId`. */
  headers: string[];
  /** `x-schema-version` of the message: what producers send as the `schemaVersion` attribute. */
  schemaVersion: string;
  /** The payload's JSON Schema, without the parser's `x-parser-*` keys. */
  payloadSchema: AnySchemaObject;
  /** The headers' JSON Schema, when the message declares headers. */
  headersSchema?: AnySchemaObject;
  /** The message's `examples` (each checked against the schemas when read). */
  examples: { name: string; payload: unknown; headers?: unknown }[];
}

/**
 * Ajv settings shared by the generated validators and by every runtime-compiled comparison: all
 * errors, strict mode, `x-schema-version` allowed, the contract's formats registered.
 *
 * @param options - `standalone: true` for generating validator source (ESM, formats imported
 *   from `@sluice/runtime/contract`)
 *
 * @example
 * ```ts
 * import { createAjv } from '@sluice/codegen';
 *
 * const validate = createAjv({ standalone: false }).compile({ type: 'string', format: 'date-time' });
 * validate('2026-01-01T09:00:00Z'); // true
 * ```
 */
export function createAjv(options: { standalone: boolean }): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    // `x-*` keys are AsyncAPI extensions, not validation keywords.
    keywords: ['x-schema-version'],
    code: options.standalone
      ? { source: true, esm: true, lines: true, formats: _`require(${path.join(runtimeContractDir, `formats${path.extname(requireFromHere.resolve(RUNTIME_CONTRACT))}`)}).contractFormats` }
      : undefined,
  });
  for (const [name, format] of Object.entries(contractFormats)) ajv.addFormat(name, format);
  return ajv;
}

/** Deep copy of a parsed schema without the parser's `x-parser-*` bookkeeping keys. */
function cleanSchema(value: unknown): any {
  if (Array.isArray(value)) return value.map(cleanSchema);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-parser-')) out[k] = cleanSchema(v);
    return out;
  }
  return value;
}

function identifier(name: string, what: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new CodegenError(`${what} "${name}" must be a PascalCase identifier (letters and digits, starting with a capital): it names a TypeScript type.`);
  }
  return name;
}

export { collectInputs } from './freshness.ts';

async function parseSpec(specPath: string) {
  if (!existsSync(specPath)) throw new CodegenError(`${path.relative(process.cwd(), specPath)} does not exist: pass --spec <file>, or set eventContract.spec in package.json.`);
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, specPath).parse();
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  if (errors.length > 0 || !document) {
    const lines = errors.map((d) => {
      const where = d.path.length ? d.path.join('.') : '(document)';
      const line = d.range ? ` (line ${d.range.start.line + 1})` : '';
      return `  - ${where}${line}: ${d.message}`;
    });
    throw new CodegenError(`${path.relative(process.cwd(), specPath)} is not a valid AsyncAPI document:\n${lines.join('\n') || '  - the parser returned no document'}`);
  }
  return document;
}

/** The parsed contract: its messages (checked against their examples) and its topology. */
export interface ContractModel {
  /** Every message, in the order the document declares them. */
  messages: MessageInfo[];
  /** The topology manifest derived from the document. */
  topology: Topology;
  /** Topology problems that do not stop generation (a queue nobody consumes). */
  warnings: string[];
}

/**
 * Reads every message of the spec and checks each example against its schemas.
 *
 * @throws CodegenError when the spec is invalid, a message name is not PascalCase, or an example
 *   breaks its schema
 *
 * @example
 * ```ts
 * import { readMessages } from '@sluice/codegen';
 *
 * const names = (await readMessages('asyncapi.yaml')).map((m) => m.name);
 * ```
 */
export async function readMessages(specPath: string): Promise<MessageInfo[]> {
  return (await readContract(specPath)).messages;
}

/**
 * Reads the contract: messages (examples checked) and the topology manifest (consistency checked).
 *
 * @throws CodegenError when the spec is invalid or inconsistent; its message says what and where
 *
 * @example
 * ```ts
 * import { readContract } from '@sluice/codegen';
 *
 * const { messages, topology, warnings } = await readContract('asyncapi.yaml');
 * for (const warning of warnings) console.warn(warning);
 * ```
 */
export async function readContract(specPath: string): Promise<ContractModel> {
  const document = await parseSpec(specPath);
  const byName = new Map<string, MessageInfo>();
  for (const message of document.allMessages().all()) {
    const name = identifier(message.name() ?? message.id(), 'Message name');
    if (byName.has(name)) continue;
    if (!message.hasPayload()) throw new CodegenError(`Message ${name} has no payload.`);
    const payloadSchema = cleanSchema(message.payload()!.json());
    const payloadType = identifier(payloadSchema.title ?? '', `Payload schema of message ${name} needs a "title"; its title`);
    if (payloadSchema.type !== 'object' || !payloadSchema.properties) {
      throw new CodegenError(`Payload of message ${name} must be an object schema with properties.`);
    }
    const headersSchema = message.hasHeaders() ? cleanSchema(message.headers()!.json()) : undefined;
    const headersType = headersSchema
      ? identifier(headersSchema.title ?? '', `Headers schema of message ${name} needs a "title"; its title`)
      : undefined;
    const schemaVersion = message.extensions().get('x-schema-version')?.value<string>();
    if (typeof schemaVersion !== 'string' || !/^\d+\.\d+\.\d+$/.test(schemaVersion)) {
      throw new CodegenError(`Message ${name} needs "x-schema-version: MAJOR.MINOR.PATCH": the version producers send in the schemaVersion attribute.`);
    }
    const identity = messageIdentity({ name, 'x-schema-version': schemaVersion, headers: headersSchema }, name);
    byName.set(name, {
      name,
      title: message.title() ?? name,
      payloadType,
      headersType,
      properties: Object.keys(payloadSchema.properties),
      eventType: identity.eventType,
      headers: Object.keys(headersSchema?.properties ?? {}).filter((h) => h !== 'eventType' && h !== 'schemaVersion'),
      schemaVersion,
      payloadSchema,
      headersSchema,
      examples: message.examples().all().map((e, i) => ({
        name: e.name() ?? `#${i + 1}`,
        payload: e.hasPayload() ? e.payload() : undefined,
        headers: e.hasHeaders() ? e.headers() : undefined,
      })),
    });
  }
  if (byName.size === 0) throw new CodegenError('The spec declares no messages: nothing to generate.');
  const messages = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  checkExamples(messages);
  let derived;
  try {
    derived = deriveTopology(cleanSchema(document.json()));
  } catch (error) {
    if (error instanceof TopologyError) throw new CodegenError(error.message);
    throw error;
  }
  return { messages, ...derived };
}

/** Fails when an example violates its own schema: AsyncAPI 3 tooling does not check this. */
function checkExamples(messages: MessageInfo[]): void {
  const ajv = createAjv({ standalone: false });
  const problems: string[] = [];
  for (const m of messages) {
    const validatePayload = ajv.compile(m.payloadSchema);
    const validateHeaders = m.headersSchema ? ajv.compile(m.headersSchema) : undefined;
    const sentVersion = { eventType: m.eventType, schemaVersion: m.schemaVersion };
    if (validateHeaders && !validateHeaders(sentVersion)) {
      problems.push(`  - ${m.name}: x-schema-version ${m.schemaVersion} does not satisfy its headers schema: ${formatIssues(toIssues(validateHeaders.errors as ErrorObject[]))}`);
    }
    if (m.examples.length === 0) problems.push(`  - ${m.name}: has no examples (at least one is needed for the contract tests)`);
    for (const e of m.examples) {
      if (e.payload === undefined) problems.push(`  - ${m.name} example "${e.name}": has no payload`);
      else if (!validatePayload(e.payload)) {
        problems.push(`  - ${m.name} example "${e.name}" payload: ${formatIssues(toIssues(validatePayload.errors as ErrorObject[]))}`);
      }
      if (e.headers !== undefined && validateHeaders && !validateHeaders(e.headers)) {
        problems.push(`  - ${m.name} example "${e.name}" headers: ${formatIssues(toIssues(validateHeaders.errors as ErrorObject[]))}`);
      }
    }
  }
  if (problems.length) throw new CodegenError(`Message examples violate their schemas:\n${problems.join('\n')}`);
}

async function renderTypes(messages: MessageInfo[]): Promise<string> {
  const generator = new TypeScriptGenerator({
    modelType: 'interface',
    enumType: 'union',
    rawPropertyNames: true,
    processorOptions: { interpreter: { ignoreAdditionalProperties: true } },
  });
  const models = new Map<string, string>();
  const schemas = messages.flatMap((m) => [m.payloadSchema, ...(m.headersSchema ? [m.headersSchema] : [])]);
  for (const schema of schemas) {
    for (const model of await generator.generate(schema)) {
      const code = `export ${model.result.trim()}`;
      const previous = models.get(model.modelName);
      if (previous !== undefined && previous !== code) {
        throw new CodegenError(`Two different schemas are both titled "${model.modelName}"; give them distinct titles.`);
      }
      models.set(model.modelName, code);
    }
  }
  const anonymous = [...models.keys()].filter((n) => /^Anonymous/.test(n));
  if (anonymous.length) {
    throw new CodegenError(`Schemas without a "title" would become types named ${anonymous.join(', ')}; give every schema that becomes a type a title.`);
  }
  return [...models.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, code]) => code)
    .join('\n\n');
}

/**
 * A pick function specialised to one payload: an object literal of the required fields (one
 * hidden class, no loop) plus the optional ones that are present. A generic loop over the field
 * list cost as much as validation itself on the subscriber's hot path.
 */
function renderPick(m: MessageInfo): string {
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
  const ajv = createAjv({ standalone: true });
  const exportsMap: Record<string, string> = {};
  for (const m of messages) {
    ajv.addSchema({ ...m.payloadSchema, $id: `#payload/${m.name}` }, `payload/${m.name}`);
    exportsMap[`validate${m.payloadType}`] = `payload/${m.name}`;
    if (m.headersSchema && m.headersType) {
      ajv.addSchema({ ...m.headersSchema, $id: `#headers/${m.name}` }, `headers/${m.name}`);
      exportsMap[`validate${m.headersType}`] = `headers/${m.name}`;
    }
  }
  const validators = standaloneCode(ajv, exportsMap);
  const contracts = messages.map((m) => {
    const meta = { name: m.name, title: m.title, eventType: m.eventType, schemaVersion: m.schemaVersion, properties: m.properties, headers: m.headers };
    const headers = m.headersType ? `validate${m.headersType}` : 'undefined';
    return `  ${m.name}: defineMessage(${JSON.stringify(meta)}, validate${m.payloadType}, ${headers}, ${renderPick(m)}),`;
  });
  const operations = Object.keys(topology.operations).map((id) => `  ${id}: defineOperation(topology.operations[${JSON.stringify(id)}], messages),`);
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
  return result.outputFiles[0]!.text.replace(/^\/\/ .*$/gm, (line) => line.replace(/\\/g, '/').replace(/(\.\.\/)+/g, ''));
}

function renderDeclarations(model: ContractModel): string {
  const { messages, topology } = model;
  const typeNames = messages.flatMap((m) => [m.payloadType, ...(m.headersType ? [m.headersType] : [])]);
  const messageType = (name: string) => `typeof messages.${name}`;
  const lines = [
    `import type { ${[...new Set(typeNames)].sort().join(', ')} } from './types.js';`,
    `import type { ContractValidator, MessageContract, ReceiveOperation, SendOperation, Topology } from '${RUNTIME_CONTRACT}';`,
    `export type * from './types.js';`,
    `export type { CheckResult, ContractValidator, MessageContract, ReceiveOperation, SendOperation, Topology, ValidationIssue } from '${RUNTIME_CONTRACT}';`,
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
  for (const m of messages) lines.push(`  readonly ${m.name}: MessageContract<${m.payloadType}, ${m.headersType ?? 'never'}>;`);
  lines.push('};', '', '/** Every operation, with its message contracts: pass one to `createPublisher` or `defineConsumer`. */', 'export declare const operations: {');
  for (const op of Object.values(topology.operations)) {
    const kind = op.action === 'send' ? 'SendOperation' : 'ReceiveOperation';
    const map = op.messages.map((name) => `readonly ${name}: ${messageType(name)}`).join('; ');
    lines.push(`  /** ${op.title.replaceAll('*/', '*\\/')} */`);
    lines.push(`  readonly ${op.id}: ${kind}<'${op.id}', { ${map} }>;`);
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
  const specPath = path.resolve(options.specPath);
  const root = path.dirname(specPath);
  const model = await readContract(specPath);
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
    { path: 'types.d.ts', content: `${header('//')}\n\n${await renderTypes(model.messages)}\n` },
    { path: 'index.d.ts', content: `${header('//')}\n\n${renderDeclarations(model)}\n` },
    { path: 'index.js', content: `${header('//')}\n\n${(await renderModule(model)).trim()}\n` },
    { path: 'topology.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
  ];
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), model };
}

