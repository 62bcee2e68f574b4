/**
 * Reading a contract for generation: every message (payload and headers schemas, identity,
 * examples checked) and the topology, with EVERY problem of the document reported in one run, each
 * with its file, its JSON pointer and what to change. No house rule without a default: names,
 * titles, `x-schema-version` and examples are optional (see the README, "Any AsyncAPI 3.0
 * document"); what cannot become types and validators (Avro, RAML, Protobuf payloads, recursive
 * schemas, remote `$ref`s) is refused saying why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type AnySchemaObject, type ErrorObject, type Format } from 'ajv';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import { parse as parseYaml } from 'yaml';
import { formatIssues, toIssues, type Topology } from '@sluice/runtime/contract';
import { attributeNameProblem, COMPATIBILITY_MODES, DEFAULT_SCHEMA_VERSION, deriveTopology, listMessages, messageIdentity, TopologyError } from '@sluice/model';
import { FORMATS_MODULE, generatedFormats } from './formats.ts';
import { type ContractDiagnostic, parseContract, parserErrorLines, placeOf, READ_BINDINGS } from './parse-contract.ts';
import { declaredTypeName, typeIdentifier } from './identifiers.ts';
import { writtenFiles, writtenPlace, type WrittenPlace } from './written-places.ts';
import { placeOfSaid, placeShown, warningSayer } from './said-places.ts';
import { forEachSchema, RECURSION_KEY, recursionsOf, stripParserKeys, titleClashesWithin, titledForTypes, topLevelFields, unwrapSchema, withoutHints } from './schemas.ts';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** One problem of a contract: where (file and JSON pointer) and what to change. */
export interface ContractProblem {
  /** The file, as given (relative to the working directory when inside it). */
  file: string;
  /**
   * JSON pointer in the dereferenced document (`/components/messages/PaymentCaptured/payload`); empty when the message names the place.
   * For a `$ref` that is the problem (one by which a binding contains itself, one the parser left unresolved), where that `$ref` is written in `file`.
   */
  pointer: string;
  /** The 1-based line of the place in `file`, when codegen traced it to the text. */
  line?: number;
  /** The 1-based column on `line`, when known (a YAML syntax error's). */
  column?: number;
  /** What is wrong and what to change. */
  message: string;
}

/**
 * A spec problem that stops generation; `message` lists every problem, `problems` holds them.
 * The warnings found on the way (what would be said on success) are not lost with the refusal:
 * `warnings` holds them, and `message` lists them after the problems, saying they do not block.
 */
export class CodegenError extends Error {
  override name = 'CodegenError';
  /** Every problem found, when the error is about the document's content. */
  readonly problems: readonly ContractProblem[];
  /** The warnings found before the refusal (no examples, an unknown format, …): what a successful run would print too. */
  readonly warnings: readonly string[];
  /**
   * The files the problems are written in (absolute), the contract first when it is one of them:
   * what to fix (a schema file a `$ref` names, not the contract that names it). Empty when not known.
   */
  readonly files: readonly string[];
  /** The message without the warnings' section. */
  readonly #refusal: string;
  /** How the message says each warning (with the file and line of its place, see {@link warningSayer}). */
  readonly #say: ((warning: string) => string) | undefined;
  constructor(message: string, problems: readonly ContractProblem[] = [], warnings: readonly string[] = [], say?: (warning: string) => string, files: readonly string[] = []) {
    super(warnings.length > 0 ? `${message}\n${warningsSection(warnings, say)}` : message);
    this.problems = problems;
    this.warnings = warnings;
    this.files = files;
    this.#refusal = message;
    this.#say = say;
  }

  /** The same refusal with `warnings` added after its own (each once): what an earlier step of the same run found; said by `say` when it has no way of its own. */
  withWarnings(warnings: readonly string[], say?: (warning: string) => string): CodegenError {
    const all = [...new Set([...this.warnings, ...warnings])];
    if (all.length === this.warnings.length) return this;
    const error = new CodegenError(this.#refusal, this.problems, all, this.#say ?? say, this.files);
    error.stack = this.stack;
    return error;
  }
}

/** The lines a refusal adds for its warnings: after the problems, saying they do not block (as a successful run would print them). */
function warningsSection(warnings: readonly string[], say: (warning: string) => string = (w) => w): string {
  return `and ${warnings.length} warning(s), which do not block generation (a successful run prints them too):\n${warnings.map((w) => `  - warning: ${say(w)}`).join('\n')}`;
}

/** The framework's headers: every message carries them (the publisher sets them, consumers log them), declared or not. */
export const FRAMEWORK_HEADERS: Readonly<Record<string, AnySchemaObject>> = Object.freeze({
  correlationId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:/-]+$' },
  traceparent: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
});

/** One message of the spec, as the generator sees it. */
export interface MessageInfo {
  /** The message's `name`, else its components key, else its channel key: its key in `messages` and in operations. */
  name: string;
  /** A TypeScript identifier derived from the name (`io.github.Payment` → `IoGithubPayment`). */
  identifier: string;
  /** JSON pointer of the message in the document. */
  pointer: string;
  /** The message's `title`, else its name. */
  title: string;
  /** The TypeScript type of the payload: the payload schema's `title`, else its components key, else the message's identifier. */
  payloadType: string;
  /** The TypeScript type of the headers, when the message declares headers (`title`, else components key, else `<Identifier>Headers`). */
  headersType?: string;
  /** Top-level payload properties (of every branch of a union): what a tolerant reader keeps; empty for a payload that is no object. */
  properties: string[];
  /** Whether the payload is an object (picked field by field) or not (a string, an array: kept whole). */
  objectPayload: boolean;
  /** Value of the `eventType` header (its `const`), defaulting to the message name. */
  eventType: string;
  /** Header names besides the identity (`eventType`, `schemaVersion`): the declared ones, then the framework's (`correlationId`, `traceparent`). */
  headers: string[];
  /** `x-schema-version` of the message, else `1.0.0`: what producers send as the `schemaVersion` attribute. */
  schemaVersion: string;
  /** The payload's JSON Schema, without the parser's `x-parser-*` keys. */
  payloadSchema: AnySchemaObject;
  /** The headers' JSON Schema, when the message declares headers. */
  headersSchema?: AnySchemaObject;
  /** What the headers validator checks: the declared headers schema plus the framework's headers it does not declare. */
  headersValidation: AnySchemaObject;
  /** The payload schema with a title on every schema that becomes a type (what the type generator reads). */
  payloadForTypes: AnySchemaObject;
  /** The headers schema titled the same way, when the message declares headers. */
  headersForTypes?: AnySchemaObject;
  /** The message's `examples` (each checked against the schemas when read). */
  examples: { name: string; payload: unknown; headers?: unknown }[];
}

/** The parsed contract: its messages (checked against their examples) and its topology. */
export interface ContractModel {
  /** Every message, sorted by name. */
  messages: MessageInfo[];
  /** The topology manifest derived from the document. */
  topology: Topology;
  /** What works but deserves a look (no examples, unknown formats and keywords, operations outside the AWS topology), each once. */
  warnings: string[];
  /** Keywords ajv does not know, kept as annotations (`x-*` extensions, `example`, …). */
  annotations: string[];
  /** Formats neither ajv-formats nor the contract knows: accepted, not checked. */
  unknownFormats: string[];
}

/**
 * Ajv settings shared by the generated validators and by every runtime-compiled comparison: all
 * errors, strict mode (union types allowed, type lints off), `x-schema-version` and the contract's annotation
 * keywords allowed, every format of ajv-formats registered (the contract's RFC 3339 rule for
 * `date-time`), unknown formats accepted unchecked.
 *
 * @param options - `standalone: true` for generating validator source (ESM, formats bundled from
 *   `@sluice/codegen`'s formats module); `annotations` and `unknownFormats` as {@link readContract} found them
 *
 * @example
 * ```ts
 * import { createAjv } from '@sluice/codegen';
 *
 * const validate = createAjv({ standalone: false }).compile({ type: 'string', format: 'email' });
 * validate('someone@example.com'); // true
 * ```
 */
export function createAjv(options: { standalone: boolean; annotations?: readonly string[]; unknownFormats?: readonly string[] }): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    // Lints, not validation: real documents write `properties` without `type: object`.
    strictTypes: false,
    strictTuples: false,
    // A lint as well: `if: {…}, then: { required: [price] }` requires a property declared beside
    // the `if`, as JSON Schema allows; strict mode refused it in ajv's words ("strictRequired").
    strictRequired: false,
    // `x-*` keys are AsyncAPI extensions, not validation keywords.
    keywords: ['x-schema-version', ...(options.annotations ?? [])],
    code: options.standalone ? { source: true, esm: true, lines: true, formats: _`require(${FORMATS_MODULE}).generatedFormats` } : undefined,
  });
  for (const [name, format] of Object.entries(generatedFormats)) ajv.addFormat(name, format as Format);
  for (const name of options.unknownFormats ?? []) ajv.addFormat(name, true);
  return ajv;
}

/** `file` relative to the working directory when it is inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/** One error listing every problem, each on its own line with file, pointer (and line, when known) and what to change. */
function problemsError(specPath: string, problems: ContractProblem[], warnings: readonly string[] = []): CodegenError {
  const load = writtenFiles();
  const files = new Set<string>();
  const lines = problems.map((p) => {
    // A place of the dereferenced document, or one the message names, is said where it is written (the file a $ref leads to, the line).
    const place =
      p.line !== undefined
        ? undefined
        : p.file === shown(specPath)
          ? placeOfSaid(specPath, { pointer: p.pointer, text: p.message }, load)
          : // Another file, at a pointer as written there: its line.
            p.pointer
            ? writtenPlace(path.resolve(p.file), p.pointer, { followLast: false }, load)
            : undefined;
    const where = place ? placeShown(specPath, place, { pointer: p.pointer !== '' }) : `${p.file}${p.pointer ? `#${p.pointer}` : ''}${p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : ''}`;
    files.add(path.resolve(place?.file ?? p.file));
    return `  - ${where}: ${p.message}`;
  });
  return new CodegenError(`${shown(specPath)}: ${problems.length} problem(s), each with where and what to change:\n${lines.join('\n')}`, problems, warnings, warningSayer(specPath, load), contractFirst(specPath, files));
}

/** `files` (absolute), the contract first when it is one of them. */
function contractFirst(specPath: string, files: Iterable<string>): string[] {
  const spec = path.resolve(specPath);
  return [...files].sort((a, b) => Number(b === spec) - Number(a === spec));
}

async function parseSpec(specPath: string) {
  if (!existsSync(specPath)) throw new CodegenError(`${shown(specPath)} does not exist: pass --spec <file>, or set eventContract.spec in package.json.`);
  /** What is found before the parser (a YAML alias inside the node it names, a $ref that is no string) as problems of the contract, in its own words. */
  const written = (errors: readonly ContractDiagnostic[]) =>
    errors.map(({ written: w }) => {
      // Its line, said first in its words, is the problem's line.
      const line = /^\(line (\d+)(?:, column (\d+))?\) /.exec(w!.problem);
      return {
        file: shown(w!.file),
        pointer: w!.pointer,
        ...(line ? { line: Number(line[1]), ...(line[2] ? { column: Number(line[2]) } : {}), message: w!.problem.slice(line[0].length) } : { message: w!.problem }),
      };
    });
  // A remote or missing $ref, a YAML alias inside the node it names, a $ref that is no string: found
  // before the parser runs (it would fetch the remote ones), all in one report (parseContract).
  const { document, errors } = await parseContract(specPath);
  if (!document) {
    // Found before the parser ran: problems of the contract, said in their own words; the parser did
    // not run, so there are no other checks to add.
    if (errors.length > 0 && errors.every((e) => e.written)) throw problemsError(specPath, written(errors));
    const lines = parserErrorLines(errors);
    const { lines: own, warnings } = await ownChecksOfRefused(specPath, errors);
    throw new CodegenError(
      `${shown(specPath)} is not a valid AsyncAPI document:\n${lines.join('\n') || '  - the parser returned no document'}${own.length ? `\nand the framework's own checks of its bindings and operations (read without the parser's checks):\n${own.join('\n')}` : ''}`,
      [],
      warnings,
      warningSayer(specPath),
      // The files of the parser's errors (a schema file a $ref names has its own), and the contract's when the framework's checks add lines.
      contractFirst(specPath, new Set([...errors.map((e) => e.file ?? path.resolve(specPath)), ...(own.length > 0 ? [path.resolve(specPath)] : [])])),
    );
  }
  return document;
}

/**
 * The framework's own problems of a document the parser refused, so that one run reports them all:
 * the document read without the parser's checks, its topology derived. A problem at a path the
 * parser already named is left to the parser's line. When the document is too broken to derive
 * anything, one line says that these checks wait for the parser's errors to be fixed. The
 * warnings a successful run would print (of the messages and of the topology, see
 * ownWarnings) are returned too: the refusal says them.
 */
async function ownChecksOfRefused(specPath: string, errors: readonly { path: (string | number)[]; message: string }[]): Promise<{ lines: string[]; warnings: readonly string[] }> {
  // The fields the parser's lines name (not an umbrella line, "must match \"then\" schema", with nothing said under it): a problem of the same field is
  // left to the parser's line; one deeper in it (a misspelt key of an object the parser finds incomplete) is not.
  const named = errors
    .filter((e) => !/must match "(?:then|else)" schema/.test(e.message))
    .map((e) => e.path.join('.'))
    .filter(Boolean);
  // The framework writes list indexes as consumers[1], the parser as consumers.1.
  const sameWhere = (problem: string) => problem.replace(/\[(\d+)\]/g, '.$1');
  let warnings: readonly string[] = [];
  try {
    const { document } = await parseContract(specPath, { validate: false });
    if (!document) return { lines: ["  - (the framework's checks of bindings and operations run once the parser's errors above are fixed)"], warnings: [] };
    warnings = ownWarnings(document, specPath);
    return { lines: [], warnings: [...new Set([...warnings, ...deriveTopology(withoutHints(stripParserKeys(document))).warnings])] };
  } catch (error) {
    if (!(error instanceof TopologyError)) return { lines: [`  - (the framework's checks of bindings and operations run once the parser's errors above are fixed: ${(error as Error).message})`], warnings };
    const load = writtenFiles();
    const lines = error.problems
      .filter((p) => !named.some((n) => [' ', ':'].some((after) => sameWhere(p).startsWith(`${n}${after}`))))
      .map((p) => `  - ${placeShown(specPath, placeOfSaid(specPath, { text: p }, load))}: ${p}`);
    return { lines, warnings: [...new Set([...warnings, ...error.warnings])] };
  }
}

/**
 * The warnings of the framework's own reading of a document the parser refused (read without its
 * checks): what a successful run would say of its messages (no examples, no `x-schema-version`,
 * unknown formats and keywords, what SNS and SQS carry) and of its topology. Its problems are
 * not added: the parser's errors come first, and a document it refuses can be read as other
 * than meant. None when the reading fails on what the parser refused.
 */
function ownWarnings(document: Json, specPath: string): readonly string[] {
  try {
    return readParsed(document, specPath).warnings;
  } catch (error) {
    return error instanceof CodegenError ? error.warnings : [];
  }
}

/** A JSON pointer's segment. */
const segment = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/** A `$ref` by which a binding contains itself: where it is written (file, pointer, line) and what to change. */
interface BindingCycle {
  /** The file where the `$ref` back is written (as shown). */
  file: string;
  /** Where the `$ref` back is written in `file`; the dereferenced place when it cannot be traced to the text. */
  pointer: string;
  /** The line of the `$ref` back in `file`, when known. */
  line?: number;
  /** What is wrong and what to change. */
  message: string;
}

/**
 * Every place where a binding the framework reads (SNS or SQS, see READ_BINDINGS; of a server,
 * channel, operation or message, or of `components.*Bindings`) contains itself: a `$ref` inside it
 * to an object it is inside (`filterPolicy: {nested: {$ref: '#/…/filterPolicy'}}`), directly or
 * through other `$ref`s. The parser resolves it into an object that contains itself, which the
 * copy the framework reads cuts (stripParserKeys): the binding would be read, compared and
 * deployed as something the document does not say. A binding of another protocol (an HTTP `query`
 * schema that is recursive) is nobody's business here: nothing of the framework reads it. Each
 * `$ref` back is reported once, where it is written (file, pointer, line: see
 * {@link writtenPlace}), which is what the author edits; the message also says where the document
 * (servers, channels, operations, then components) first reaches it, when that is elsewhere.
 */
function bindingCycles(document: Json, specPath: string): BindingCycle[] {
  const found: BindingCycle[] = [];
  const reported = new Map<object, Set<string>>();
  const reportedPlaces = new Set<string>();
  const walkedBindings = new Set<object>();
  const done = new Set<object>();
  const finite = 'A binding must be finite plain data (the framework reads, compares and deploys it as written), so it would be read cut short here';
  const report = (protocol: string, root: string, here: string, target: string) => {
    const written = writtenPlace(specPath, here, { followLast: false });
    const refAt = written?.ref !== undefined ? written : undefined;
    const key = refAt ? `${refAt.file}\0${refAt.pointer}` : `\0${here}`;
    if (reportedPlaces.has(key)) return;
    reportedPlaces.add(key);
    // A `$ref: '#'` on the way, which the parser reads as the contract's root (also in a file the contract references): where it is written.
    const hash = refAt ? undefined : rootRefOn(specPath, here);
    if (hash) {
      const key = `${hash.file}\0${hash.pointer}`;
      if (reportedPlaces.has(key)) return;
      reportedPlaces.add(key);
      found.push({ file: shown(hash.file), pointer: hash.pointer, ...(hash.line !== undefined ? { line: hash.line } : {}), message: rootRefProblem(hash, specPath, `the ${protocol} binding at #${root}`, here, 'a binding must be finite plain data (the framework reads, compares and deploys it as written): write the value out in full, without the $ref') });
      return;
    }
    if (!refAt) {
      found.push({
        file: shown(specPath),
        pointer: here,
        message: `the ${protocol} binding at #${root} contains itself: #${here} refers back to #${target}, which it is inside (a $ref to its own ancestor). ${finite}: write the value out in full, without the $ref back`,
      });
      return;
    }
    const place = (dereferenced: string) => {
      const p = writtenPlace(specPath, dereferenced, { followLast: true });
      if (!p) return `#${dereferenced}`;
      return `#${p.pointer}${p.file === path.resolve(specPath) ? '' : ` of ${shown(p.file)}`}${p.line !== undefined ? ` (line ${p.line})` : ''}`;
    };
    found.push({
      file: shown(refAt.file),
      pointer: refAt.pointer,
      ...(refAt.line !== undefined ? { line: refAt.line } : {}),
      message:
        `the $ref ${JSON.stringify(refAt.ref)} here refers back to ${place(target)}, which it is inside (a $ref to its own ancestor, directly or through other $refs), ` +
        `so the ${protocol} binding at ${place(root)} contains itself${refAt.pointer !== here || refAt.file !== path.resolve(specPath) ? ` (the document reaches this $ref as #${here})` : ''}. ` +
        `${finite}: break the cycle: replace this $ref with the value written out in full (finite), or remove it`,
    });
  };
  const readBindings = (bindings: unknown, where: string) => {
    if (!isObject(bindings) || walkedBindings.has(bindings)) return;
    walkedBindings.add(bindings);
    for (const [protocol, binding] of Object.entries(bindings)) {
      if (!READ_BINDINGS.includes(protocol)) continue;
      const root = `${where}/${segment(protocol)}`;
      const inside = new Map<object, string>([[bindings, where]]);
      const walk = (node: unknown, at: string) => {
        if (!node || typeof node !== 'object' || done.has(node)) return;
        inside.set(node, at);
        for (const [k, v] of Object.entries(node)) {
          if (k.startsWith('x-parser-') || !v || typeof v !== 'object') continue;
          const here = `${at}/${segment(k)}`;
          const target = inside.get(v);
          if (target !== undefined) {
            const keys = reported.get(node) ?? new Set<string>();
            reported.set(node, keys);
            if (!keys.has(k)) {
              keys.add(k);
              report(protocol, root, here, target);
            }
          } else walk(v, here);
        }
        inside.delete(node);
        done.add(node);
      };
      walk(binding, root);
    }
  };
  const entries = (map: unknown) => (isObject(map) ? Object.entries(map).filter(([, v]) => isObject(v)) : []) as [string, Json][];
  const readMessage = (message: Json, where: string) => readBindings(message.bindings, `${where}/bindings`);
  const readPlaces = (container: Json | undefined, base: string) => {
    for (const [key, server] of entries(container?.servers)) readBindings(server.bindings, `${base}/servers/${segment(key)}/bindings`);
    for (const [key, channel] of entries(container?.channels)) {
      readBindings(channel.bindings, `${base}/channels/${segment(key)}/bindings`);
      for (const [name, message] of entries(channel.messages)) readMessage(message, `${base}/channels/${segment(key)}/messages/${segment(name)}`);
    }
    for (const [key, operation] of entries(container?.operations)) {
      readBindings(operation.bindings, `${base}/operations/${segment(key)}/bindings`);
      (Array.isArray(operation.messages) ? operation.messages : []).forEach((m: unknown, i: number) => isObject(m) && readMessage(m, `${base}/operations/${segment(key)}/messages/${i}`));
    }
    for (const [key, message] of entries(container?.messages)) readMessage(message, `${base}/messages/${segment(key)}`);
  };
  readPlaces(document, '');
  readPlaces(isObject(document.components) ? document.components : undefined, '/components');
  for (const kind of ['serverBindings', 'channelBindings', 'operationBindings', 'messageBindings']) {
    for (const [key, bindings] of entries(document.components?.[kind])) readBindings(bindings, `/components/${kind}/${segment(key)}`);
  }
  return found;
}

/** Whether `value` holds an object with a string `$ref`: one the parser left unresolved (a property named `$ref` is a schema, no string). */
function hasLeftRef(value: unknown, inside: Set<object> = new Set()): boolean {
  if (!value || typeof value !== 'object' || inside.has(value)) return false;
  if (isObject(value) && typeof value.$ref === 'string') return true;
  inside.add(value);
  try {
    return Object.values(value).some((v) => hasLeftRef(v, inside));
  } finally {
    inside.delete(value);
  }
}

/**
 * Every `$ref` the AsyncAPI parser left in the document as it is written (an object
 * `{"$ref": "…"}` in place of what it refers to), where the framework reads it: an SNS or SQS
 * binding (see READ_BINDINGS), a message's payload or headers, or any other part of a server,
 * channel, operation or message (not a binding of another protocol, nor a schema no message
 * uses: nothing of the framework reads them; see {@link placeOf}). The parser resolves every
 * other `$ref` or reports it (a missing file or place is one of its errors); what it leaves, and
 * says nothing of, is a cycle written in a file the contract references (`bindings.json` with
 * `deadLetterQueue: {$ref: '#/q/sqs/queue'}`, the queue it is inside, directly or through other
 * `$ref`s; a recursive schema in `schemas.json`): in the contract itself it makes an object that
 * contains itself (see bindingCycles, recursionsOf), in another file it stays a `$ref`, except
 * where the parser guesses its place. Codegen would read such a binding as an object with a
 * `$ref` key (a dead-letter queue with no name) and compile such a schema with a `$ref` ajv cannot
 * resolve, or resolves elsewhere. Each is reported once, where it is written (file, pointer,
 * line: see {@link writtenPlace}), saying what to change.
 */
function unresolvedRefs(document: Json, specPath: string): ContractProblem[] {
  const found: ContractProblem[] = [];
  const reported = new Set<string>();
  const spec = path.resolve(specPath);
  const report = (ref: string, at: (string | number)[]) => {
    const here = `/${at.map(segment).join('/')}`;
    const written = writtenPlace(specPath, here, { followLast: false, ref });
    const place = written?.ref === ref ? written : undefined;
    const key = place ? `${place.file}\0${place.pointer}` : `\0${here}`;
    if (reported.has(key)) return;
    reported.add(key);
    const where = placeOf(at);
    const moved = place && (place.pointer !== here || place.file !== spec);
    const cause =
      `the AsyncAPI parser left the $ref ${JSON.stringify(ref)} here unresolved, without an error${moved ? ` (the document reaches it as #${here})` : ''}: ` +
      'it leads back, directly or through other $refs, to a place it is inside (a cycle), and in a file the contract references (not in the contract itself) the parser leaves such a cycle as a literal {"$ref": …} object';
    let change: string;
    if (where.kind === 'binding') {
      change =
        `so the ${at[where.depth - 1]} binding at #/${at.slice(0, where.depth).map(segment).join('/')} would be read with {"$ref": ${JSON.stringify(ref)}} in place of the value. ` +
        'A binding must be finite plain data (the framework reads, compares and deploys it as written): write the value out here in full (finite), without the $ref back';
    } else if (where.kind === 'schema') {
      const part = at[where.depth - 1] === 'headers' ? 'headers' : 'payload';
      change =
        `so the ${part} schema at #/${at.slice(0, where.depth).map(segment).join('/')} is recursive. Codegen inlines every schema into the types and validators, so recursive schemas are not supported: ` +
        "bound the depth (a schema per level, the deepest without the self-reference), or send the tree flat (a list of nodes, each with its parent's id)";
    } else {
      change = `so #${here} would be read as an object with a "$ref" key instead of what it refers to: write the value out here in full (finite), without the $ref back`;
    }
    found.push({
      file: shown(place?.file ?? specPath),
      pointer: place?.pointer ?? here,
      ...(place?.line !== undefined ? { line: place.line } : {}),
      message: `${cause}, ${change}`,
    });
  };
  // The document itself: where the parser resolved a `$ref: '#'` of a referenced file (to the document's root, a cycle recursionsOf reports).
  const inside = new Set<object>([document]);
  const walk = (node: unknown, at: (string | number)[]) => {
    if (!node || typeof node !== 'object' || inside.has(node)) return;
    if (at.length > 0) {
      const where = placeOf(at);
      // What nothing of the framework reads: another protocol's binding, a schema no message uses.
      if ((where.kind === 'binding' && !where.read) || (where.kind === 'schema' && !where.message)) return;
    }
    if (isObject(node) && typeof node.$ref === 'string') return report(node.$ref, at);
    inside.add(node);
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...at, i]));
    else for (const [k, v] of Object.entries(node)) if (!k.startsWith('x-parser-')) walk(v, [...at, k]);
    inside.delete(node);
  };
  for (const root of ['servers', 'channels', 'operations', 'components']) walk(document[root], [root]);
  return found;
}

/**
 * The topology's problems and warnings that do not come from a binding's value cut short where it
 * contains itself (see bindingCycles): what a derivation says of the cut value is the same root
 * cause again, and would change with whatever the author writes in place of the `$ref`. The
 * document is derived again with each cut value of a binding put otherwise: left out (an array's
 * item becomes null, so that the others keep their places), a string, an object with a name (what
 * most SNS and SQS binding objects are known by); what every derivation says is kept: a distinct
 * problem does not depend on the cut value. Should a derivation fail otherwise, all is kept.
 */
function notOfCutBindings(found: { problems: readonly string[]; warnings: readonly string[] }, hinted: Json): { problems: readonly string[]; warnings: readonly string[] } {
  const cut = (v: unknown) => isObject(v) && (RECURSION_KEY in v || typeof v.$ref === 'string');
  const leftOut = Symbol('left out');
  /** `node` with each cut value of a binding replaced by `instead`. */
  const replaced = (node: unknown, inBinding: boolean, instead: unknown): unknown => {
    if (Array.isArray(node)) return node.map((v) => (inBinding && cut(v) ? (instead === leftOut ? null : structuredClone(instead)) : replaced(v, inBinding, instead)));
    if (!isObject(node)) return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([, v]) => !(inBinding && cut(v) && instead === leftOut))
        .map(([k, v]) => [k, inBinding && cut(v) ? structuredClone(instead) : replaced(v, inBinding || k === 'bindings' || /^(server|channel|operation|message)Bindings$/.test(k), instead)]),
    );
  };
  let kept = found;
  for (const instead of [leftOut, '(cut short)', { name: '(cut short)' }]) {
    let other: { problems: readonly string[]; warnings: readonly string[] };
    try {
      other = { problems: [], warnings: deriveTopology(withoutHints(replaced(hinted, false, instead))).warnings };
    } catch (error) {
      if (!(error instanceof TopologyError)) return found;
      other = error;
    }
    kept = { problems: kept.problems.filter((p) => other.problems.includes(p)), warnings: kept.warnings.filter((w) => other.warnings.includes(w)) };
  }
  return kept;
}

/**
 * What is said of a `$ref: '#'` that a message's payload or headers (`what`) reaches at `reached`
 * (the dereferenced place), written at `place`: the AsyncAPI parser reads `#` as the root of the
 * whole contract, also inside a file the contract references (where it would mean that file's
 * root), so the schema contains the whole document, refused as recursive; what to write instead.
 */
function rootRefProblem(place: WrittenPlace, specPath: string, what: string, reached: string, remedy?: string): string {
  const recursive =
    remedy ??
    "a schema that contains itself is recursive all the same, and codegen inlines every schema into the types and validators, so recursive schemas are not supported: bound the depth (a schema per level, the deepest without the self-reference), or send the tree flat (a list of nodes, each with its parent's id)";
  const elsewhere = place.pointer !== reached || place.file !== path.resolve(specPath) ? ` (the document reaches this $ref as #${reached})` : '';
  if (place.file !== path.resolve(specPath)) {
    return (
      `the $ref "#" here is read by the AsyncAPI parser as the root of the whole contract (${shown(specPath)}), not of ${path.basename(place.file)}: inside a file the contract references, "#" stands for the contract's root, ` +
      `so ${what} contains the whole document${elsewhere}. To refer to a place of this file, write its pointer ('#/<Name>'; '${path.basename(place.file)}#/<Name>' from the contract); ${recursive}`
    );
  }
  return `the $ref "#" here refers to the root of the whole document, which contains ${what}${elsewhere}. To refer to a place of it, write its pointer ('#/components/schemas/<Name>'); ${recursive}`;
}

/** Where the first `$ref: '#'` met along `pointer` (a place of the dereferenced document) is written, if one is. */
function rootRefOn(specPath: string, pointer: string): WrittenPlace | undefined {
  const parts = pointer.split('/');
  for (let n = 2; n <= parts.length; n++) {
    const place = writtenPlace(specPath, parts.slice(0, n).join('/'), { followLast: false, ref: '#' });
    if (place?.ref === '#') return place;
  }
  return undefined;
}

/** The value at a JSON pointer. */
function at(doc: Json, pointer: string): any {
  return pointer
    .split('/')
    .slice(1)
    .reduce<any>((node, part) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}

/** Type names must be unique: the same name for two different schemas is a problem naming both messages. */
class TypeNames {
  private readonly seen = new Map<string, { schema: string; where: string }>();
  private readonly report: (pointer: string, message: string) => void;
  constructor(report: (pointer: string, message: string) => void) {
    this.report = report;
  }
  claim(name: string, schema: unknown, where: string, pointer: string): void {
    const json = JSON.stringify(schema);
    const previous = this.seen.get(name);
    if (!previous) this.seen.set(name, { schema: json, where });
    else if (previous.schema !== json) {
      this.report(pointer, `${where} and ${previous.where} would both be the TypeScript type ${name}, but their schemas differ: give one a title of its own`);
    }
  }
}

/**
 * Reads every message of the spec and checks each example against its schemas.
 *
 * @throws CodegenError listing every problem of the document
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
 * Reads the contract: messages (examples checked) and the topology manifest (consistency
 * checked), collecting every problem before failing, and the warnings.
 *
 * @throws CodegenError listing every problem, each with its file, JSON pointer and what to change
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
  return readParsed(await parseSpec(specPath), specPath);
}

/**
 * What {@link readContract} does with the parser's document: the messages, their checks and the
 * topology, every problem collected before the CodegenError that lists them (with the warnings).
 * Also run on a document the parser refused, read without its checks, for the warnings.
 */
function readParsed(document: Json, specPath: string): ContractModel {
  const file = shown(specPath);
  const hinted: Json = stripParserKeys(document);
  const doc: Json = withoutHints(hinted);
  const problems: ContractProblem[] = [];
  const warnings: string[] = [];
  const problem = (pointer: string, message: string) => problems.push({ file, pointer, message });
  const cycles = bindingCycles(document, specPath);
  for (const { file: where, pointer, line, message } of cycles) problems.push({ file: where, pointer, ...(line !== undefined ? { line } : {}), message });
  const unresolved = unresolvedRefs(document, specPath);
  problems.push(...unresolved);
  const types = new TypeNames(problem);
  const identifiers = new Map<string, { name: string; pointer: string }>();
  const unversioned: string[] = [];
  const messages: MessageInfo[] = [];
  /** What travels of every message (those whose payload is refused too), for the checks of what SNS and SQS carry. */
  const wireMessages: WireMessage[] = [];

  for (const listed of listMessages(doc).messages) {
    const { name, pointer, message } = listed;
    const identifier = typeIdentifier(name);
    const clash = identifiers.get(identifier);
    if (clash) problem(pointer, `messages ${clash.name} (#${clash.pointer}) and ${name} would share the identifier ${identifier}: rename one`);
    else identifiers.set(identifier, { name, pointer });
    const withHints: Json = at(hinted, pointer) ?? message;
    // What travels (content type, correlation id, headers) is checked for every message, its payload refused or not: one report.
    const onWire: WireMessage = { name, pointer, contentType: message.contentType, correlationId: message.correlationId };
    wireMessages.push(onWire);
    // A $ref the parser left in its payload or headers (reported by unresolvedRefs): no schema to read; what travels is still checked.
    if (hasLeftRef(withHints.payload) || hasLeftRef(withHints.headers)) continue;
    const headers = withHints.headers === undefined ? undefined : unwrapSchema(withHints.headers);
    if (headers && 'refusal' in headers) problem(`${pointer}/headers`, `the headers of ${name} ${headers.refusal}`);
    const headerRecursions = headers && 'schema' in headers ? recursionsOf(headers.schema) : [];
    if (headers && 'schema' in headers && headerRecursions.length === 0) {
      onWire.headersSchema = withoutHints(headers.schema);
      onWire.headersAt = isObject(withHints.headers) && withHints.headers.schema === headers.schema ? `${pointer}/headers/schema` : `${pointer}/headers`;
    }
    if (withHints.payload === undefined) {
      problem(`${pointer}/payload`, `message ${name} has no payload: add one (a JSON Schema)`);
      continue;
    }
    const payload = unwrapSchema(withHints.payload);
    if ('refusal' in payload) problem(`${pointer}/payload`, `the payload of ${name} ${payload.refusal}`);
    const recursions = [
      ...('schema' in payload ? recursionsOf(payload.schema).map((r) => ({ ...r, part: 'payload' })) : []),
      ...headerRecursions.map((r) => ({ ...r, part: 'headers' })),
    ];
    for (const { target, at: where, part } of recursions) {
      // The whole document contains itself: a `$ref: '#'`, which the parser reads as the contract's root, in a file the contract references too.
      const root = target === '' ? rootRefOn(specPath, where) : undefined;
      if (root) {
        problems.push({ file: shown(root.file), pointer: root.pointer, ...(root.line !== undefined ? { line: root.line } : {}), message: rootRefProblem(root, specPath, `the ${part} of ${name}`, where) });
        continue;
      }
      problem(
        where,
        `the ${part} of ${name} is recursive: #${target} contains itself (here). Codegen inlines every schema into the types and validators, so recursive schemas are not supported: ` +
          `bound the depth (a schema per level, the deepest without the self-reference), or send the tree flat (a list of nodes, each with its parent's id)`,
      );
    }
    if ('refusal' in payload || (headers && 'refusal' in headers) || recursions.length > 0) continue;
    const payloadSchema = withoutHints(payload.schema);
    const fields = topLevelFields(payloadSchema);
    if (fields && fields.length === 0) {
      problem(`${pointer}/payload`, `the payload of ${name} is an object without properties: declare its fields under properties (publishers send exactly the declared fields, consumers keep them)`);
    }
    const payloadForTypes = titledForTypes(payload.schema, identifier);
    types.claim(payloadForTypes.title, payloadSchema, `the payload of ${name}`, `${pointer}/payload`);
    const headersSchema = onWire.headersSchema;
    const headersForTypes = headers ? titledForTypes(headers.schema, `${identifier}Headers`) : undefined;
    if (headersForTypes) types.claim(headersForTypes.title, headersSchema, `the headers of ${name}`, `${pointer}/headers`);
    // Two different schemas of one payload (or headers) under one title would be one type, the later one lost.
    const payloadAt = isObject(withHints.payload) && withHints.payload.schema === payload.schema ? `${pointer}/payload/schema` : `${pointer}/payload`;
    for (const [part, forTypes, at] of [['payload', payloadForTypes, payloadAt], ['headers', headersForTypes, onWire.headersAt ?? `${pointer}/headers`]] as const) {
      for (const c of forTypes ? titleClashesWithin(forTypes) : []) {
        problem(
          `${at}${c.at}`,
          `the ${part} of ${name}: the schemas at #${at}${c.first} and here (#${at}${c.at}) are both titled ${JSON.stringify(c.title)} and differ: they would be one TypeScript type ${c.type}, and one of them lost; give one of them its own title`,
        );
      }
    }
    const version = message['x-schema-version'];
    if (version === undefined) unversioned.push(name);
    else if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) {
      problem(`${pointer}/x-schema-version`, `x-schema-version of ${name} must be MAJOR.MINOR.PATCH (the version producers send in the schemaVersion attribute), got ${JSON.stringify(version)}`);
    }
    const identity = messageIdentity({ ...message, headers: headersSchema }, name);
    const declared = Object.keys(isObject(headersSchema?.properties) ? headersSchema.properties : {}).filter((h) => h !== 'eventType' && h !== 'schemaVersion');
    const missing = Object.keys(FRAMEWORK_HEADERS).filter((h) => !declared.includes(h));
    messages.push({
      name,
      identifier,
      pointer,
      title: typeof message.title === 'string' ? message.title : name,
      payloadType: declaredTypeName(payloadForTypes.title as string),
      ...(headersForTypes ? { headersType: declaredTypeName(headersForTypes.title as string) } : {}),
      properties: fields ?? [],
      objectPayload: fields !== undefined,
      eventType: identity.eventType,
      headers: [...declared, ...missing],
      schemaVersion: typeof version === 'string' ? version : DEFAULT_SCHEMA_VERSION,
      payloadSchema,
      ...(headersSchema ? { headersSchema } : {}),
      headersValidation: frameworkHeaders(headersSchema, missing),
      payloadForTypes,
      ...(headersForTypes ? { headersForTypes } : {}),
      examples: (Array.isArray(message.examples) ? message.examples : []).map((e: Json, i: number) => ({
        name: typeof e?.name === 'string' ? e.name : `#${i + 1}`,
        payload: e?.payload,
        ...(e?.headers !== undefined ? { headers: e.headers } : {}),
      })),
    });
  }
  if (listMessages(doc).messages.length === 0) problem('', 'the document declares no messages: nothing to generate. Add messages to a channel or to components.messages');
  // Read by contract:diff (and npm test): a mode it does not know failed there, naming no file.
  const mode = doc.info?.['x-compatibility'];
  if (mode !== undefined && !COMPATIBILITY_MODES.includes(mode)) {
    problem('/info/x-compatibility', `${JSON.stringify(mode)} is no compatibility mode: write one of ${COMPATIBILITY_MODES.join(', ')} (contract:diff classifies changes under it), or leave it out (backward)`);
  }
  messages.sort((a, b) => a.name.localeCompare(b.name));

  if (unversioned.length > 0) {
    warnings.push(`${unversioned.join(', ')} ha${unversioned.length === 1 ? 's' : 've'} no x-schema-version: sent and filtered as schemaVersion ${DEFAULT_SCHEMA_VERSION}. Set x-schema-version to version a message`);
  }
  const { annotations, unknownFormats } = findUnknowns(messages, warnings);
  checkSchemasAndExamples(messages, { annotations, unknownFormats }, problem, warnings);

  let derived: { topology: Topology; warnings: string[] } | undefined;
  /** The topology's warnings, also when it has problems: a refusal says them too. */
  let topologyWarnings: readonly string[] = [];
  let topologyProblems: readonly string[] = [];
  try {
    derived = deriveTopology(doc);
    topologyWarnings = derived.warnings;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    topologyWarnings = error.warnings;
    topologyProblems = error.problems;
  }
  // A binding that contains itself is read cut short: what the derivation says of the cut value is the same problem again.
  if (cycles.length > 0 || unresolved.length > 0) ({ problems: topologyProblems, warnings: topologyWarnings } = notOfCutBindings({ problems: topologyProblems, warnings: topologyWarnings }, hinted));
  for (const message of topologyProblems) {
    const pointer = /^#(\/\S+)/.exec(message)?.[1];
    problems.push({ file, pointer: pointer && !message.includes(' and #') ? pointer : '', message });
  }
  checkCarried(wireMessages, carriedBy(derived?.topology), { defaultContentType: doc.defaultContentType, file }, problem, warnings);
  if (problems.length > 0 || !derived) throw problemsError(specPath, problems, [...warnings, ...topologyWarnings]);
  return { messages, topology: derived.topology, warnings: [...warnings, ...topologyWarnings], annotations, unknownFormats };
}

/**
 * Whether a message is carried by SNS or SQS (a topic's or an AWS operation's message): what the
 * publisher and consumers of the framework send and read. `undefined` when the topology could not
 * be derived: every message is checked then.
 */
function carriedBy(topology: Topology | undefined): (name: string) => boolean {
  if (!topology) return () => true;
  const carried = new Set([...Object.values(topology.topics).flatMap((t) => t.messages), ...Object.values(topology.operations).flatMap((o) => o.messages)]);
  return (name) => carried.has(name);
}

/** What a header property schema admits besides strings (`integer`, `no type`, `enum value 2`), or undefined when it admits strings only. */
function notStringOnly(schema: unknown): string | undefined {
  if (!isObject(schema)) return schema === false ? undefined : 'any value (no type)';
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const others = types.filter((t) => t !== 'string');
    return others.length === 0 ? undefined : others.join(', ');
  }
  if ('const' in schema) return typeof schema.const === 'string' ? undefined : `const ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) {
    const others = schema.enum.filter((v: unknown) => typeof v !== 'string');
    return others.length === 0 ? undefined : `enum value${others.length === 1 ? '' : 's'} ${others.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  }
  for (const keyword of ['anyOf', 'oneOf']) {
    if (Array.isArray(schema[keyword]) && schema[keyword].length > 0) {
      const others = schema[keyword].map(notStringOnly).filter((o: string | undefined) => o !== undefined);
      return others.length === 0 ? undefined : others.join(', ');
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.some((s: unknown) => notStringOnly(s) === undefined)) return undefined;
  return 'any value (no type)';
}

/** What travels of one message: its content type, its correlation id and its headers schema (when it could be read). */
interface WireMessage {
  name: string;
  pointer: string;
  contentType: unknown;
  correlationId: unknown;
  /** The headers schema without hints; absent when the message declares none, or they were refused. */
  headersSchema?: Json;
  /** Where the headers schema sits (below a `schemaFormat` wrapper's `schema` when wrapped). */
  headersAt?: string;
}

/** A JSON media type: `application/json` or `application/<anything>+json`, parameters allowed. */
const JSON_CONTENT_TYPE = /^application\/([^\s;/]+\+)?json\s*(;.*)?$/i;
/** The framework's correlation id: the `correlationId` message attribute the publisher sets and consumers log and pass on. */
const FRAMEWORK_CORRELATION = '$message.header#/correlationId';
const PAYLOADS_ARE_JSON = 'payloads are JSON (the publisher sends the payload as JSON.stringify writes it, consumers JSON.parse the body), so another content type would never be what travels';

/**
 * What the framework's publisher and consumers cannot carry, for every message SNS or SQS carries:
 * a header property that is not a string (every header travels as a String message attribute:
 * the publisher sends `DataType: 'String'`, consumers read strings, so an integer header fails
 * validation at every publish); a content type, its own or the document's default, that is not
 * JSON. A `correlationId` read elsewhere than the framework's `correlationId` header is warned
 * about: nothing reads it.
 */
function checkCarried(
  messages: WireMessage[],
  carried: (name: string) => boolean,
  document: { defaultContentType: unknown; file: string },
  problem: (pointer: string, message: string) => void,
  warnings: string[],
): void {
  const underDefault: string[] = [];
  for (const m of messages) {
    if (!carried(m.name)) continue;
    const { contentType, correlationId } = m;
    if (contentType === undefined) underDefault.push(m.name);
    else if (typeof contentType !== 'string' || !JSON_CONTENT_TYPE.test(contentType.trim())) {
      problem(`${m.pointer}/contentType`, `${m.name} has contentType ${typeof contentType === 'string' ? contentType : JSON.stringify(contentType)}: ${PAYLOADS_ARE_JSON}. Write contentType: application/json (or an application/*+json type), or leave it out`);
    }
    const location = isObject(correlationId) ? correlationId.location : undefined;
    if (correlationId !== undefined && location !== FRAMEWORK_CORRELATION) {
      warnings.push(
        `${document.file}#${m.pointer}/correlationId: ${m.name} declares its correlation id at ${typeof location === 'string' ? location : 'no location'}, which the framework does not read: ` +
          `its correlation id is the correlationId message attribute (location ${FRAMEWORK_CORRELATION}), set by the publisher and logged and passed on by consumers. Write location: ${FRAMEWORK_CORRELATION}, or leave correlationId out`,
      );
    }
    const properties = isObject(m.headersSchema?.properties) ? m.headersSchema.properties : {};
    for (const [header, schema] of Object.entries(properties)) {
      const at = `${m.headersAt ?? `${m.pointer}/headers`}/properties/${header.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      // Every header travels as a message attribute of that name: one SNS and SQS refuse could never be published.
      const badName = attributeNameProblem(header);
      if (badName) problem(at, `header ${JSON.stringify(header)} of ${m.name}: ${badName.rule}, so it could never be published: rename it${badName.suggestion ? ` (e.g. ${badName.suggestion})` : ''}`);
      const other = notStringOnly(schema);
      if (other === undefined) continue;
      problem(
        at,
        `header ${header} of ${m.name} is declared ${other}, but headers travel as SNS/SQS String message attributes (the publisher sends every header as a string, consumers receive strings), so it could never be published: ` +
          `declare it type: string (a number as a string with a pattern, e.g. pattern: '^[0-9]+$'; a choice as a string enum)`,
      );
    }
  }
  const fallback = document.defaultContentType;
  if (fallback !== undefined && underDefault.length > 0 && (typeof fallback !== 'string' || !JSON_CONTENT_TYPE.test(fallback.trim()))) {
    problem(
      '/defaultContentType',
      `defaultContentType ${typeof fallback === 'string' ? fallback : JSON.stringify(fallback)} applies to ${underDefault.join(', ')} (no contentType of ${underDefault.length === 1 ? 'its' : 'their'} own): ${PAYLOADS_ARE_JSON}. ` +
        `Write defaultContentType: application/json, or leave it out`,
    );
  }
}

/** The headers validator's schema: the declared one with the framework's headers it lacks, or the framework's alone. */
function frameworkHeaders(headersSchema: Json | undefined, missing: string[]): AnySchemaObject {
  const added = Object.fromEntries(missing.map((h) => [h, FRAMEWORK_HEADERS[h]!]));
  if (!headersSchema) return { type: 'object', properties: { ...FRAMEWORK_HEADERS } };
  // A headers schema that is not a plain object schema is validated as written.
  if (!isObject(headersSchema.properties) && headersSchema.type !== 'object') return headersSchema;
  return missing.length === 0 ? headersSchema : { ...headersSchema, properties: { ...(headersSchema.properties ?? {}), ...added } };
}

/** JSON Schema's own annotation and core keywords ajv handles without declaring them as keywords. */
const SCHEMA_WORDS = new Set(['$id', '$schema', '$defs', '$anchor', 'definitions', 'title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding']);
/** The AsyncAPI Schema Object's own additions: annotations for codegen, not worth a warning. */
const ASYNCAPI_WORDS = new Set(['discriminator', 'externalDocs']);

/** Keywords ajv does not know and formats nobody knows, each warned about once with its first place. */
function findUnknowns(messages: MessageInfo[], warnings: string[]): { annotations: string[]; unknownFormats: string[] } {
  const probe = createAjv({ standalone: false });
  const keywords = new Map<string, string>();
  const formats = new Map<string, string>();
  for (const m of messages) {
    const parts: [string, unknown][] = [[`${m.pointer}/payload`, m.payloadSchema], [`${m.pointer}/headers`, m.headersSchema]];
    for (const [base, schema] of parts) {
      forEachSchema(schema, base, (s, pointer) => {
        for (const key of Object.keys(s)) if (!SCHEMA_WORDS.has(key) && !probe.getKeyword(key) && !keywords.has(key)) keywords.set(key, pointer);
        if (typeof s.format === 'string' && !(s.format in generatedFormats) && !formats.has(s.format)) formats.set(s.format, pointer);
      });
    }
  }
  for (const [keyword, pointer] of keywords) if (!ASYNCAPI_WORDS.has(keyword)) warnings.push(`schema keyword ${keyword} (first at #${pointer}) is not a JSON Schema validation keyword: kept as an annotation, it checks nothing`);
  for (const [format, pointer] of formats) warnings.push(`format ${format} (first at #${pointer}) is not a format ajv-formats knows: accepted, not checked`);
  return { annotations: [...keywords.keys()].sort(), unknownFormats: [...formats.keys()].sort() };
}

/** Every schema compiles; every example satisfies its schemas; messages without examples are warned about once. */
function checkSchemasAndExamples(messages: MessageInfo[], unknowns: { annotations: string[]; unknownFormats: string[] }, problem: (pointer: string, message: string) => void, warnings: string[]): void {
  const ajv = createAjv({ standalone: false, ...unknowns });
  const compile = (schema: AnySchemaObject, pointer: string, what: string) => {
    try {
      return ajv.compile(schema);
    } catch (error) {
      problem(pointer, `${what} is not a schema the validators can compile: ${(error as Error).message}`);
      return undefined;
    }
  };
  const withoutExamples: string[] = [];
  for (const m of messages) {
    const validatePayload = compile(m.payloadSchema, `${m.pointer}/payload`, `the payload of ${m.name}`);
    const validateHeaders = compile(m.headersValidation, `${m.pointer}/headers`, `the headers of ${m.name}`);
    if (validateHeaders && m.headersSchema && !validateHeaders({ eventType: m.eventType, schemaVersion: m.schemaVersion })) {
      const errors = validateHeaders.errors as ErrorObject[];
      // A header the schema requires that the framework's publishers do not set (they set the
      // identity, and correlationId and traceparent): the application's publisher passes it; a warning.
      // (correlationId and traceparent, required or not, are set by every publish: not missing.)
      const absent = (e: ErrorObject) => e.keyword === 'required' && e.instancePath === '' && !['eventType', 'schemaVersion'].includes(String(e.params.missingProperty));
      const missing = errors.filter((e) => absent(e) && !(String(e.params.missingProperty) in FRAMEWORK_HEADERS)).map((e) => String(e.params.missingProperty));
      const others = errors.filter((e) => !absent(e));
      if (missing.length > 0) {
        warnings.push(
          `#${m.pointer}/headers/required: ${m.name} requires the header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: a publish must pass ${missing.length > 1 ? 'them' : 'it'} (createPublisher(…).publish(payload, { attributes: { ${missing[0]}: … } })), or it sends nothing and says so; publish-message takes ${missing.map((h) => `--header ${h}=<value>`).join(' ')}, and the local console asks for ${missing.length > 1 ? 'them' : 'it'} in a field each`,
        );
      }
      if (others.length > 0) {
        problem(`${m.pointer}/headers`, `the identity publishers send (eventType ${m.eventType}, schemaVersion ${m.schemaVersion}) does not satisfy the headers schema of ${m.name}: ${formatIssues(toIssues(others))}`);
      }
    }
    if (m.examples.length === 0) withoutExamples.push(m.name);
    m.examples.forEach((e, i) => {
      if (e.payload === undefined) problem(`${m.pointer}/examples/${i}`, `example "${e.name}" of ${m.name} has no payload: add one`);
      else if (validatePayload && !validatePayload(e.payload)) {
        problem(`${m.pointer}/examples/${i}/payload`, `example "${e.name}" of ${m.name} violates its payload schema: ${formatIssues(toIssues(validatePayload.errors as ErrorObject[]))}`);
      }
      if (e.headers !== undefined && m.headersSchema && validateHeaders && !validateHeaders(e.headers)) {
        problem(`${m.pointer}/examples/${i}/headers`, `example "${e.name}" of ${m.name} violates its headers schema: ${formatIssues(toIssues(validateHeaders.errors as ErrorObject[]))}`);
      }
    });
  }
  if (withoutExamples.length > 0) warnings.push(`${withoutExamples.join(', ')} ha${withoutExamples.length === 1 ? 's' : 've'} no examples: the contract test has nothing to check for ${withoutExamples.length === 1 ? 'it' : 'them'}. Add examples`);
}
