/**
 * The application headers of a message: the headers (SNS or SQS message attributes) its contract
 * declares or requires besides the framework's own (`eventType` and `schemaVersion`, its identity,
 * and `correlationId` and `traceparent`, which every publish sets). The framework's publishers
 * (`publish-message`, the local console) take them from their user and check them here, against
 * the message's headers schema as the contract declares it (its generated validator), before
 * anything is sent; the runtime publisher would refuse the same values, but only after the target
 * was reached and without saying how to give them.
 */
import { toIssues, type ContractValidator, type MessageContract } from '@sluice/runtime/contract';
import { editDistance } from '@sluice/cli';
import { attributeNameProblem, MAX_ATTRIBUTE_NAME_LENGTH } from '@sluice/model';

/** The headers every publish of the framework sets itself: never given as application headers. */
export const FRAMEWORK_HEADER_NAMES: readonly string[] = Object.freeze(['eventType', 'schemaVersion', 'correlationId', 'traceparent']);

/** SNS and SQS allow at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;

/** One application header of a message, as a publisher asks for it. */
export interface ApplicationHeader {
  /** The header's name (`tenantId`). */
  name: string;
  /** The headers schema requires it: nothing is published without it. */
  required: boolean;
  /** The values the schema allows (`enum`, `const`), when it lists them. */
  allowedValues?: string[];
  /** The pattern its value must match, when the schema gives one. */
  pattern?: string;
  /** Its schema's `description` in the contract, when {@link documentedHeadersOf} found one. */
  description?: string;
  /** A value of it from the message's examples in the contract, when {@link documentedHeadersOf} found one. */
  example?: string;
}

/** What the contract's document says of one application header, besides its schema's rules: see {@link documentedHeadersOf}. */
export interface HeaderDocs {
  /** The header's schema `description`. */
  description?: string;
  /** A value from the message's examples (`examples[].headers`), else the header schema's own `examples`/`example`. */
  example?: string;
}

/** How a publisher asks for headers: its words for giving one, and for setting each framework header. */
export interface HeaderWording {
  /**
   * How its user gives `header` (with `value`, else a placeholder): `--header tenantId=<value>` on
   * a command line, `the tenantId field` on a page.
   */
  give(header: string, value?: string): string;
  /**
   * How its user gives `header` with one of `values` (`eu or us in the region field` on a page).
   * @default each value with {@link HeaderWording.give}, joined with ` or `
   */
  giveOneOf?(header: string, values: readonly string[]): string;
  /** What sets each framework header instead, by name (`correlationId`: `--correlation-id <id>`). */
  frameworkSetters: Readonly<Record<string, string>>;
}

/** One thing wrong with the headers given, and what to write instead. */
export interface HeaderProblem {
  /** The header it is about, or `(headers)` for the headers as a whole. */
  header: string;
  /** What is wrong and what to write, in the publisher's words: `required by UserSignedUp: add --header tenantId=<value>`. */
  message: string;
}

/** What {@link checkApplicationHeaders} returns. */
export interface HeaderCheck {
  /** The application headers to publish (pass them as the publisher's `attributes`), when there is no problem. */
  attributes: Record<string, string>;
  /** Every problem, in one list: nothing may be published while there is one. */
  problems: HeaderProblem[];
  /** Headers given that the message does not declare, which its schema lets through: say so, they are sent. */
  notes: string[];
}

/** The framework's own values in one publish, as given by the user (undefined: the publisher makes one). */
export interface FrameworkValues {
  /** The correlationId given (`--correlation-id`), else the publisher makes a new one. */
  correlationId?: string | undefined;
  /** The traceparent given (`--traceparent`), else the publisher starts a new trace. */
  traceparent?: string | undefined;
}

// Stand-ins for what the publisher makes when the user gives none: a new UUID and a new trace.
const SAMPLE_CORRELATION_ID = '00000000-0000-4000-8000-000000000000';
const SAMPLE_TRACEPARENT = '00-00000000000000000000000000000001-0000000000000001-01';

type Validator = ContractValidator<unknown>;

/** The attributes a publish of `contract` sends besides the application's: its identity, correlationId and traceparent. */
function frameworkAttributes(contract: MessageContract, given: FrameworkValues): Record<string, string> {
  return {
    correlationId: given.correlationId ?? SAMPLE_CORRELATION_ID,
    traceparent: given.traceparent ?? SAMPLE_TRACEPARENT,
    eventType: contract.attributes.eventType,
    schemaVersion: contract.attributes.schemaVersion,
  };
}

/**
 * The application headers of `contract`: those its headers schema declares besides the
 * framework's, and those it requires, each with whether it is required and, when the schema says,
 * its allowed values and pattern (read from the contract's generated headers validator), and,
 * when `documented` ({@link documentedHeadersOf}) has them, its description and an example value.
 *
 * @example
 * ```ts
 * import { applicationHeadersOf } from '@sluice/ops';
 * import type { MessageContract } from '@sluice/runtime/contract';
 *
 * declare const paymentCaptured: MessageContract; // messages.PaymentCaptured of the generated contract
 * applicationHeadersOf(paymentCaptured);
 * // [{ name: 'tenantId', required: true, pattern: '^[a-z][a-z0-9-]*$' }]
 * ```
 */
export function applicationHeadersOf(contract: MessageContract, documented: Readonly<Record<string, HeaderDocs>> = {}): ApplicationHeader[] {
  const validate = contract.validateHeaders as Validator | undefined;
  const base = frameworkAttributes(contract, {});
  const required = new Set<string>();
  if (validate && !validate(base)) {
    for (const e of validate.errors ?? []) if (e.keyword === 'required' && e.instancePath === '') required.add(String(e.params.missingProperty));
  }
  const names = [...new Set([...contract.headers, ...required])].filter((h) => !FRAMEWORK_HEADER_NAMES.includes(h));
  return names.map((name) => {
    const header: ApplicationHeader = { name, required: required.has(name) };
    // What the schema says of the value: ask the validator about one no schema allows by accident.
    if (validate && !validate({ ...base, [name]: '\u0000' })) {
      for (const e of validate.errors ?? []) {
        if (e.instancePath !== `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`) continue;
        if (e.keyword === 'enum') header.allowedValues = (e.params.allowedValues as unknown[]).map(String);
        if (e.keyword === 'const') header.allowedValues = [String(e.params.allowedValue)];
        if (e.keyword === 'pattern') header.pattern = String(e.params.pattern);
      }
    }
    const docs = Object.hasOwn(documented, name) ? documented[name]! : {};
    if (docs.description !== undefined) header.description = docs.description;
    if (docs.example !== undefined) header.example = docs.example;
    return header;
  });
}

/**
 * Checks the application headers a user gives for one publish of `contract` against its headers
 * schema, as the publisher will send them (with the message's identity, and the correlationId and
 * traceparent given or made): a required header missing, a value the schema refuses (type, enum,
 * pattern, length), a header the message does not declare when its schema allows no others, a
 * framework header (set by `wording.frameworkSetters`, never as an application header), an empty
 * value (SNS drops it), a name SNS and SQS refuse for a message attribute (only letters A-Z a-z,
 * digits, `_`, `-`, `.`; at most 256 characters; not beginning with `AWS.` or `Amazon.` in any case;
 * no period first, last or twice in a row) or that JavaScript objects cannot carry (`__proto__`),
 * more attributes than SNS takes, and a message larger than its target takes (its attributes, and
 * its body when `message.body` is given). Every problem is in the list, each naming its header and
 * what to write in `wording`'s terms; no header is ever dropped without one. A header the schema
 * does not declare but lets through is sent, and said in `notes`.
 *
 * Whitespace, the same for every publisher: a header's name is trimmed (two names the same once
 * trimmed are a header given twice); its value is sent exactly as given, spaces and all. Names such
 * as `constructor` or `toString` are names like any other.
 *
 * @param contract - the message's generated contract (its `validateHeaders`, `headers`, identity)
 * @param given - the application headers, by name, as the user typed them (own properties only)
 * @param wording - how this publisher asks for a header and sets the framework's
 * @param framework - the correlationId and traceparent the user gave (checked too, named by their setters)
 * @param message - where the message goes (SNS: 256 KiB, SQS: 1 MiB) and its body when known, for its size
 * @param documented - what the contract's document says of each header ({@link documentedHeadersOf}):
 *   a fix to write a header's value adds its description and an example value
 *
 * @example
 * ```ts
 * import { checkApplicationHeaders } from '@sluice/ops';
 * import type { MessageContract } from '@sluice/runtime/contract';
 *
 * declare const paymentCaptured: MessageContract; // messages.PaymentCaptured of the generated contract
 * const { problems } = checkApplicationHeaders(paymentCaptured, {}, {
 *   give: (header, value) => `--header ${header}=${value ?? '<value>'}`,
 *   frameworkSetters: { correlationId: '--correlation-id <id>' },
 * });
 * // [{ header: 'tenantId', message: 'required by PaymentCaptured: add --header tenantId=<value>' }]
 * ```
 */
export function checkApplicationHeaders(
  contract: MessageContract,
  given: Readonly<Record<string, string>>,
  wording: HeaderWording,
  framework: FrameworkValues = {},
  message: MessageToSend = {},
  documented: Readonly<Record<string, HeaderDocs>> = {},
): HeaderCheck {
  const problems: HeaderProblem[] = [];
  const notes: string[] = [];
  // Maps, never plain objects: a header named constructor, toString or __proto__ is a name like any other here.
  const attributes = new Map<string, string>();
  const typed = new Map<string, string>();
  const declared = applicationHeadersOf(contract, documented);
  const declaredNames = declared.map((h) => h.name);
  // What the contract documents of a header, after its fix: `(the tenant's code; e.g. --header tenantId=acme-01)`.
  const aside = (header: string) => {
    const known = declared.find((h) => h.name === header);
    const said = [known?.description, known?.example !== undefined ? `e.g. ${wording.give(header, known.example)}` : undefined].filter((s) => s !== undefined);
    return said.length ? ` (${said.join('; ')})` : '';
  };
  const oneOf = (header: string, values: readonly string[]) => (wording.giveOneOf ? wording.giveOneOf(header, values) : values.map((v) => wording.give(header, v)).join(' or '));
  const setter = (header: string) => (Object.hasOwn(wording.frameworkSetters, header) ? wording.frameworkSetters[header]! : 'the publisher');
  for (const [typedName, value] of Object.entries(given)) {
    // The name is trimmed (a space around it is never meant); the value is sent exactly as given.
    const name = typedName.trim();
    const before = typed.get(name);
    if (before !== undefined) {
      problems.push({ header: name, message: `given twice (${JSON.stringify(before)} and ${JSON.stringify(typedName)}: the name is trimmed): give it once` });
      continue;
    }
    typed.set(name, typedName);
    const refused = FRAMEWORK_HEADER_NAMES.includes(name) ? undefined : nameProblem(name, value, wording);
    if (FRAMEWORK_HEADER_NAMES.includes(name)) {
      problems.push({ header: name, message: `a header the framework sets itself, not an application header: it is set by ${setter(name)}` });
    } else if (refused) {
      problems.push({ header: name, message: refused });
    } else if (value === '') {
      problems.push({ header: name, message: `empty: a message attribute needs a value (an empty one is not sent): write ${wording.give(name)}` });
    } else {
      attributes.set(name, value);
    }
  }
  const validate = contract.validateHeaders as Validator | undefined;
  const sent = Object.fromEntries([...attributes, ...Object.entries(frameworkAttributes(contract, framework))]);
  if (validate && !validate(sent)) {
    const errors = validate.errors ?? [];
    for (const e of errors) {
      if (e.instancePath !== '' || e.keyword !== 'additionalProperties') continue;
      const name = String(e.params.additionalProperty);
      const near = closestName(name, declaredNames);
      problems.push({
        header: name,
        message: `not a header of ${contract.name}, whose headers schema allows no others (${declaredNames.length ? `it declares ${declaredNames.join(', ')}` : 'it declares no application header'})${near ? `: did you mean ${wording.give(near, attributes.get(name))}?` : ''}`,
      });
    }
    const rest = errors.filter((e) => !(e.instancePath === '' && e.keyword === 'additionalProperties'));
    for (const issue of toIssues(rest)) {
      const header = issue.path === '(root)' ? '(headers)' : issue.path;
      const known = declared.find((h) => h.name === header);
      if (issue.keyword === 'required') {
        const near = [...attributes.keys()].find((g) => closestName(g, [header]) === header);
        const only = known?.allowedValues?.length === 1 ? known.allowedValues[0] : undefined;
        problems.push({ header, message: `required by ${contract.name}: add ${wording.give(header, only)}${only === undefined ? aside(header) : ''}${near ? ` (${near} is not ${header}: names are case-sensitive)` : ''}` });
      } else if (header === 'correlationId' || header === 'traceparent') {
        const value = framework[header];
        problems.push({ header, message: `${value === undefined ? '' : `${JSON.stringify(value)} `}${issue.message}${value === undefined ? ` (the one the publisher makes)` : ''}: give one with ${setter(header)}` });
      } else if (attributes.has(header)) {
        const hint = known?.allowedValues ? `: write ${oneOf(header, known.allowedValues)}` : `: write ${wording.give(header)}${aside(header)}`;
        problems.push({ header, message: `${JSON.stringify(attributes.get(header))} ${issue.message}${hint}` });
      } else {
        problems.push({ header, message: issue.message });
      }
    }
  }
  const trace = framework.traceparent === undefined ? undefined : traceparentProblem(framework.traceparent);
  if (trace !== undefined && !problems.some((p) => p.header === 'traceparent')) {
    problems.push({ header: 'traceparent', message: `${JSON.stringify(framework.traceparent)}: ${trace}` });
  }
  for (const name of attributes.keys()) {
    if (!declaredNames.includes(name) && !problems.some((p) => p.header === name)) {
      notes.push(`${name} is not a header ${contract.name} declares (${declaredNames.length ? `it declares ${declaredNames.join(', ')}` : 'it declares no application header'}); sent as given, since its headers schema allows others`);
    }
  }
  const count = Object.keys(sent).length;
  const own = count - attributes.size;
  if (count > MAX_ATTRIBUTES) {
    problems.push({
      header: '(headers)',
      message: `${count} message attributes (${count - own} application headers and the framework's ${own}): SNS and SQS take at most ${MAX_ATTRIBUTES}, so give at most ${MAX_ATTRIBUTES - own} application headers`,
    });
  }
  problems.push(...sizeProblems(contract, attributes, framework, message));
  return { attributes: problems.length ? {} : Object.fromEntries(attributes), problems, notes };
}

/**
 * Why SNS and SQS (or the JavaScript objects on the way to them) would not carry a header named
 * `name` ({@link attributeNameProblem}: the rule codegen checks a declared header against too), with
 * a name to write instead when one can be made from it; undefined when it is a name they take.
 */
function nameProblem(name: string, value: string, wording: HeaderWording): string | undefined {
  const instead = (suggestion: string | undefined) => {
    const ok = suggestion !== undefined && !FRAMEWORK_HEADER_NAMES.includes(suggestion);
    return `give it another name${ok ? `, e.g. write ${wording.give(suggestion, value === '' ? undefined : value)}` : ''}`;
  };
  if (name === '') return `a header needs a name: write ${wording.give('<name>', value === '' ? undefined : value)}`;
  if (name === '__proto__') {
    return `a name a message attribute cannot have here: JavaScript objects on its way (the publisher's, the AWS SDK's) take __proto__ as their prototype, so it would be lost: ${instead('proto')}`;
  }
  const found = attributeNameProblem(name);
  if (found === undefined) return undefined;
  if (name.length > MAX_ATTRIBUTE_NAME_LENGTH) return `${found.rule}: give it another name, of at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters`;
  return `${found.rule}: ${instead(found.suggestion)}`;
}

const SAMPLE_VALID_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * Why W3C Trace Context refuses `traceparent` (`version-traceid-parentid-flags`, lowercase hex):
 * not that shape, version `ff`, an all-zero trace id or parent id; undefined when it is valid.
 */
function traceparentProblem(traceparent: string): string | undefined {
  const parts = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  const example = `e.g. ${SAMPLE_VALID_TRACEPARENT}`;
  if (!parts) return `not a W3C traceparent: give version-traceid-parentid-flags in lowercase hex (2, 32, 16 and 2 digits), ${example}`;
  if (parts[1] === 'ff') return `version ff, which W3C Trace Context says is invalid: give version 00, ${example}`;
  if (/^0+$/.test(parts[2]!)) return `its trace id is all zeros, which W3C Trace Context says is invalid (no trace): give one with 32 hex digits, not all 0, ${example}`;
  if (/^0+$/.test(parts[3]!)) return `its parent id is all zeros, which W3C Trace Context says is invalid (no parent span): give one with 16 hex digits, not all 0, ${example}`;
  return undefined;
}

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value`, its local `$ref` (`#/components/...`) followed within `document`; undefined when it points elsewhere or nowhere. */
function deref(document: Schema, value: unknown, seen = 0): Schema | undefined {
  if (!isObject(value)) return undefined;
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  if (!ref.startsWith('#/') || seen > 20) return undefined;
  let at: unknown = document;
  for (const key of ref.slice(2).split('/').map((k) => decodeURIComponent(k).replace(/~1/g, '/').replace(/~0/g, '~'))) at = isObject(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  return deref(document, at, seen + 1);
}

const asText = (value: unknown) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined);

/**
 * What the contract's AsyncAPI document says of the application headers of message `name`
 * (`components.messages`, by its `name` or key): each header's schema `description`, and a value
 * of it from the message's `examples` (the first example that gives it in its `headers`), else
 * from the header schema's own `examples` or `example`. Only application headers: the framework's
 * (eventType, schemaVersion, correlationId, traceparent) are left out. The generated contract does
 * not carry these, so the publishers read the document (already parsed: YAML or JSON) and pass
 * the result to {@link applicationHeadersOf} and {@link checkApplicationHeaders}. `$ref`s within
 * the document are followed; one to another file is not (that header then has no entry).
 *
 * @param document - the parsed AsyncAPI document (anything else gives `{}`)
 * @param name - the message's name in the contract
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parse } from 'yaml';
 * import { documentedHeadersOf } from '@sluice/ops';
 *
 * documentedHeadersOf(parse(readFileSync('asyncapi.yaml', 'utf8')), 'PaymentCaptured');
 * // { tenantId: { description: 'the tenant, as its short code', example: 'acme-01' } }
 * ```
 */
export function documentedHeadersOf(document: unknown, name: string): Record<string, HeaderDocs> {
  if (!isObject(document)) return {};
  const messages = deref(document, deref(document, document.components)?.messages) ?? {};
  const message = Object.entries(messages)
    .map(([key, m]) => [key, deref(document, m)] as const)
    .find(([key, m]) => m !== undefined && (m.name ?? key) === name)?.[1];
  if (!message) return {};
  const out = new Map<string, HeaderDocs>();
  const entry = (header: string) => out.get(header) ?? out.set(header, {}).get(header)!;
  const properties = deref(document, deref(document, message.headers)?.properties) ?? {};
  for (const [header, raw] of Object.entries(properties)) {
    if (FRAMEWORK_HEADER_NAMES.includes(header)) continue;
    const schema = deref(document, raw);
    const description = typeof schema?.description === 'string' ? schema.description.replace(/\s+/g, ' ').trim() : '';
    if (description !== '') entry(header).description = description;
  }
  for (const example of Array.isArray(message.examples) ? message.examples : []) {
    const headers = isObject(example) ? deref(document, example.headers) : undefined;
    for (const [header, value] of Object.entries(headers ?? {})) {
      const text = asText(value);
      if (FRAMEWORK_HEADER_NAMES.includes(header) || text === undefined || text === '' || out.get(header)?.example !== undefined) continue;
      entry(header).example = text;
    }
  }
  for (const [header, raw] of Object.entries(properties)) {
    const schema = deref(document, raw);
    const own = asText(Array.isArray(schema?.examples) ? schema.examples[0] : schema?.example);
    if (FRAMEWORK_HEADER_NAMES.includes(header) || own === undefined || own === '' || out.get(header)?.example !== undefined) continue;
    entry(header).example = own;
  }
  return Object.fromEntries(out);
}

/** Where a publish goes, and its body when known: what {@link checkApplicationHeaders} checks the message's size against. */
export interface MessageToSend {
  /** SNS (a topic: 256 KiB a message) or SQS (a queue, point-to-point: 1 MiB a message). @default 'SNS' */
  via?: 'SNS' | 'SQS';
  /** The message's body as it will be sent (`JSON.stringify` of the valid payload), when known: counted with the attributes. */
  body?: string;
}

/**
 * The largest message SNS and SQS take, in bytes: its body and every attribute's name, type and
 * value (UTF-8) together. SNS: 256 KiB. SQS: 1 MiB since August 2025 (a queue's
 * `MaximumMessageSize` can lower it).
 */
export const MAX_MESSAGE_BYTES: Readonly<Record<'SNS' | 'SQS', number>> = Object.freeze({ SNS: 262_144, SQS: 1_048_576 });

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const figure = (n: number) => n.toLocaleString('en-US');

/**
 * The message too large for its target: the attributes alone, else with the body when it is
 * known. Each attribute counts its name, its type (`String`) and its value; the framework's are
 * those the publisher sends (the identity always, correlationId and traceparent when the message
 * declares them).
 */
function sizeProblems(contract: MessageContract, attributes: ReadonlyMap<string, string>, framework: FrameworkValues, message: MessageToSend): HeaderProblem[] {
  const via = message.via ?? 'SNS';
  const limit = MAX_MESSAGE_BYTES[via];
  const all = new Map(attributes);
  for (const [name, value] of Object.entries(frameworkAttributes(contract, framework))) {
    if (name === 'eventType' || name === 'schemaVersion' || contract.headers.includes(name) || framework[name as keyof FrameworkValues] !== undefined) all.set(name, value);
  }
  const sizes = [...all].map(([name, value]) => ({ name, size: bytes(name) + bytes('String') + bytes(value) }));
  const total = sizes.reduce((sum, a) => sum + a.size, 0);
  const rule = `${via} takes at most ${figure(limit)} bytes for a message, its body and every attribute's name, type and value together`;
  if (total > limit) {
    const largest = sizes.reduce((a, b) => (b.size > a.size ? b : a));
    return [{ header: '(headers)', message: `the message attributes come to ${figure(total)} bytes (the largest: ${largest.name}, ${figure(largest.size)} bytes): ${rule}: give shorter values` }];
  }
  if (message.body !== undefined && bytes(message.body) + total > limit) {
    const body = bytes(message.body);
    return [{ header: '(message)', message: `the body (${figure(body)} bytes) and the message attributes (${figure(total)} bytes) come to ${figure(body + total)} bytes: ${rule}: make the payload or the headers smaller` }];
  }
  return [];
}

/** The name in `names` that `name` is most likely a slip for (same letters, other case, or one edit away). */
function closestName(name: string, names: readonly string[]): string | undefined {
  return names.find((n) => n !== name && (n.toLowerCase() === name.toLowerCase() || editDistance(n.toLowerCase(), name.toLowerCase()) <= 1));
}
