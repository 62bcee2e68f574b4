/**
 * The code generator: asyncapi.yaml (+ the schemas it references) → the files of `generated/`.
 *
 * Pure with respect to the file system's output: {@link generate} returns the files in memory, so
 * `npm run codegen` writes them and `npm run codegen:check` compares them without writing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';
import { TypeScriptGenerator } from '@asyncapi/modelina';
import Ajv, { type AnySchemaObject, type ErrorObject } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { contractFormats } from './runtime/formats.ts';
import { formatIssues, toIssues } from './runtime/issues.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtimeDir = path.join(here, 'runtime');
const repoRoot = path.resolve(here, '../..');
const requireFromHere = createRequire(import.meta.url);

/** A spec problem that stops generation; `message` says what and where. */
export class CodegenError extends Error {
  override name = 'CodegenError';
}

export interface GenerateOptions {
  /** Path of the AsyncAPI document. */
  specPath: string;
  /** npm package name of the generated module. @default '@orders/contract' */
  packageName?: string;
}

export interface GeneratedFile {
  /** Path relative to the output folder, with `/` separators. */
  path: string;
  content: string;
}

/** One message of the spec, as the generator sees it. */
export interface MessageInfo {
  /** The message's `name`, used for type and validator names (`OrderPlaced`). */
  name: string;
  title: string;
  /** The TypeScript type of the payload (the payload schema's `title`). */
  payloadType: string;
  /** The TypeScript type of the headers, when the message declares headers. */
  headersType?: string;
  /** Top-level payload properties: what a tolerant reader keeps. */
  properties: string[];
  /** Value of the `eventType` header (its `const`), defaulting to the message name. */
  eventType: string;
  /** `x-schema-version` of the message: what producers send as the `schemaVersion` attribute. */
  schemaVersion: string;
  payloadSchema: AnySchemaObject;
  headersSchema?: AnySchemaObject;
  examples: { name: string; payload: unknown; headers?: unknown }[];
}

/** Ajv settings shared by the generated validators and by every runtime-compiled comparison. */
export function createAjv(options: { standalone: boolean }): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    // `x-*` keys are AsyncAPI extensions, not validation keywords.
    keywords: ['x-schema-version'],
    code: options.standalone
      ? { source: true, esm: true, lines: true, formats: _`require(${path.join(runtimeDir, 'formats.ts')}).contractFormats` }
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

/** The spec and every file it references through relative `$ref`s, recursively, sorted. */
export function collectInputs(specPath: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const abs = path.resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    const text = readFileSync(abs, 'utf8');
    const doc = abs.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
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

async function parseSpec(specPath: string) {
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

/** Reads every message of the spec and checks each example against its schemas. */
export async function readMessages(specPath: string): Promise<MessageInfo[]> {
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
    byName.set(name, {
      name,
      title: message.title() ?? name,
      payloadType,
      headersType,
      properties: Object.keys(payloadSchema.properties),
      eventType: headersSchema?.properties?.eventType?.const ?? name,
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
  return messages;
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

async function renderValidators(messages: MessageInfo[]): Promise<string> {
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
    const fields = {
      name: m.name,
      title: m.title,
      eventType: m.eventType,
      schemaVersion: m.schemaVersion,
      properties: m.properties,
    };
    const headers = m.headersType ? `validate${m.headersType}` : 'undefined';
    return `  ${m.name}: defineMessage(${JSON.stringify(fields)}, validate${m.payloadType}, ${headers}, ${renderPick(m)}),`;
  });
  const entry = [
    validators,
    `export { isRfc3339DateTime, toUtcInstant } from ${JSON.stringify(path.join(runtimeDir, 'rfc3339.ts'))};`,
    `export { toIssues, formatIssues } from ${JSON.stringify(path.join(runtimeDir, 'issues.ts'))};`,
    `import { defineMessage } from ${JSON.stringify(path.join(runtimeDir, 'message.ts'))};`,
    `export { ContractViolation } from ${JSON.stringify(path.join(runtimeDir, 'message.ts'))};`,
    `export const messages = {\n${contracts.join('\n')}\n};`,
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: repoRoot, sourcefile: 'contract-entry.js', loader: 'js' },
    absWorkingDir: repoRoot,
    // Bundled module paths (in comments) must not depend on where node_modules really lives.
    preserveSymlinks: true,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  // esbuild names bundled modules by their path relative to the working directory; make that
  // independent of where the generator runs.
  return result.outputFiles[0]!.text.replace(/^\/\/ .*$/gm, (line) => line.replace(/\\/g, '/'));
}

function renderDeclarations(messages: MessageInfo[]): string {
  const typeNames = messages.flatMap((m) => [m.payloadType, ...(m.headersType ? [m.headersType] : [])]);
  const lines = [
    `import type { ${[...new Set(typeNames)].sort().join(', ')} } from './types.js';`,
    `import type { ContractValidator, MessageContract } from './message.js';`,
    `export type * from './types.js';`,
    `export type { ContractValidator, MessageContract, CheckResult, ValidationIssue } from './message.js';`,
    `export { ContractViolation } from './message.js';`,
    '',
    '/** True when `s` is an RFC 3339 date-time with an offset on a real calendar date. */',
    'export declare function isRfc3339DateTime(s: string): boolean;',
    '/** Fixed-width UTC form (`YYYY-MM-DDThh:mm:ss.fffffffffZ`) of an RFC 3339 date-time; compares as the instants do. */',
    'export declare function toUtcInstant(s: string): string | undefined;',
    `/** Converts ajv errors to readable issues (\`quantity: must be >= 1\`). */`,
    `export declare function toIssues(errors: readonly { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null | undefined): import('./message.js').ValidationIssue[];`,
    `/** Joins issues as \`path: message; path: message\`. */`,
    `export declare function formatIssues(issues: readonly import('./message.js').ValidationIssue[]): string;`,
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
  for (const m of messages) {
    lines.push(`  readonly ${m.name}: MessageContract<${m.payloadType}${m.headersType ? `, ${m.headersType}` : ''}>;`);
  }
  lines.push('};');
  return lines.join('\n');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Generates every file of the output folder, in memory, deterministically. */
export async function generate(options: GenerateOptions): Promise<GeneratedFile[]> {
  const specPath = path.resolve(options.specPath);
  const root = path.dirname(specPath);
  const inputs = collectInputs(specPath);
  // The hash covers the inputs and the generator itself (its code and the tools it runs).
  const generatorFiles = ['generate.ts', 'runtime/rfc3339.ts', 'runtime/issues.ts', 'runtime/message.ts', 'runtime/message.d.ts', 'runtime/formats.ts'];
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(path.relative(root, file).replace(/\\/g, '/')).update('\0').update(sha256(readFileSync(file))).update('\0');
  for (const file of generatorFiles) hash.update(file).update('\0').update(sha256(readFileSync(path.join(here, file)))).update('\0');
  for (const tool of ['@asyncapi/modelina', 'ajv', 'esbuild']) hash.update(`${tool}@${toolVersion(tool)}\0`);
  const inputsHash = hash.digest('hex');
  const inputList = inputs.map((f) => path.relative(root, f).replace(/\\/g, '/')).join(', ');
  const header = (comment: string) =>
    [
      `${comment} Generated by \`npm run codegen\` (scripts/codegen). Do not edit: change the contract and regenerate.`,
      `${comment} Inputs: ${inputList}`,
      `${comment} Inputs hash (sha256 of inputs and generator): ${inputsHash}`,
    ].join('\n');

  const messages = await readMessages(specPath);
  const packageName = options.packageName ?? '@orders/contract';
  const pkg = {
    '//': `Generated by \`npm run codegen\` (scripts/codegen) from ${inputList}; inputs hash ${inputsHash}. Do not edit.`,
    name: packageName,
    version: '0.0.0',
    private: true,
    type: 'module',
    description: 'Types and validators generated from the AsyncAPI contract.',
    sideEffects: false,
    exports: { '.': { types: './index.d.ts', default: './index.js' } },
  };
  const files: GeneratedFile[] = [
    { path: 'package.json', content: `${JSON.stringify(pkg, null, 2)}\n` },
    { path: 'types.d.ts', content: `${header('//')}\n\n${await renderTypes(messages)}\n` },
    { path: 'message.d.ts', content: `${header('//')}\n\n${readFileSync(path.join(runtimeDir, 'message.d.ts'), 'utf8').trim()}\n` },
    { path: 'index.d.ts', content: `${header('//')}\n\n${renderDeclarations(messages)}\n` },
    { path: 'index.js', content: `${header('//')}\n\n${(await renderValidators(messages)).trim()}\n` },
  ];
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

function toolVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(requireFromHere.resolve(`${name}/package.json`), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}
