/**
 * The JSON Schemas of a contract's messages, made ready for the type generator and the validators:
 * the multi-format `{ schemaFormat, schema }` wrapper read (JSON Schema and AsyncAPI schema
 * formats) or refused (Avro, RAML, Protobuf, anything else), the parser's bookkeeping removed,
 * keywords and formats ajv does not know found (kept as annotations, warned about once), and every
 * schema that becomes a TypeScript type given a deterministic title.
 */
import { declaredTypeName, typeIdentifier } from './identifiers.ts';
import { MESSAGE_KEY } from './parse-contract.ts';
import { schemaFormatRefusal } from './schema-format.ts';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Keywords whose value is a map of subschemas. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];
/** Keywords whose value is a subschema, or a list of them. */
const SCHEMA_VALUES = ['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'allOf', 'anyOf', 'oneOf', 'prefixItems'];

/** A payload or headers schema read out of a message, or why it cannot be. */
export type Unwrapped = { schema: Json } | { refusal: string };

/**
 * The schema inside a multi-format `{ schemaFormat, schema }` wrapper (or the schema itself when
 * it is not wrapped), or why the format cannot become types and validators (another schema
 * language, or a JSON Schema version other than draft-04, draft-06 and draft-07).
 *
 * @example
 * ```ts
 * import { unwrapSchema } from '@sluice/codegen';
 *
 * unwrapSchema({ schemaFormat: 'application/schema+json;version=draft-07', schema: { type: 'string' } }); // { schema: { type: 'string' } }
 * unwrapSchema({ schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: {} }); // { refusal: 'is an Avro schema …' }
 * unwrapSchema({ schemaFormat: 'application/schema+json;version=2020-12', schema: {} }); // { refusal: 'is JSON Schema 2020-12 … draft-04, draft-06 and draft-07 …' }
 * ```
 */
export function unwrapSchema(value: unknown): Unwrapped {
  if (!isObject(value)) return { refusal: 'is not a schema object: write a JSON Schema' };
  if (!(typeof value.schemaFormat === 'string' && 'schema' in value)) return { schema: value };
  const refusal = schemaFormatRefusal(value.schemaFormat);
  if (refusal !== undefined) return { refusal };
  return isObject(value.schema) ? { schema: value.schema } : { refusal: `is a ${value.schemaFormat.replace(/\s+/g, '')} wrapper whose schema is not an object` };
}

/** The key of the marker {@link stripParserKeys} leaves where a schema contains itself. */
export const RECURSION_KEY = 'x-sluice-recursive';

/** Where a schema contains itself: the schema (`target`, its components place when it has one) and the place of the reference back to it (`at`). */
export interface Recursion {
  /** JSON pointer of the schema that contains itself: `/components/schemas/<key>` when it is a components schema, else where it was first reached. */
  target: string;
  /** JSON pointer of the reference back to it, along the path the copy took. */
  at: string;
}

/**
 * A deep copy without the parser's `x-parser-*` keys; the parser's schema id (a components key)
 * is kept as `x-sluice-schema-key` for naming, when it is not an anonymous one, and its message
 * name as {@link MESSAGE_KEY}.
 *
 * The parser resolves a recursive schema (`Category` whose `children` are `Category`s) into an
 * object that contains itself. Where the copy meets an object it is already inside, it writes the
 * marker `{ "x-sluice-recursive": Recursion }` instead of following it: the copy is finite, and the
 * reader reports the message (see {@link recursionsOf}). `value` is the document when `pointer`
 * is empty: its `components.schemas` name the recursive schemas.
 */
export function stripParserKeys(value: unknown, pointer = ''): any {
  const places = new Map<object, string>();
  if (pointer === '' && isObject(value) && isObject(value.components) && isObject(value.components.schemas)) {
    for (const [k, v] of Object.entries(value.components.schemas)) if (isObject(v)) places.set(v, `/components/schemas/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
  const inside = new Map<object, string>();
  const copy = (node: unknown, where: string): any => {
    if (!node || typeof node !== 'object') return node;
    const ancestor = inside.get(node);
    if (ancestor !== undefined) return { [RECURSION_KEY]: { target: places.get(node) ?? ancestor, at: where } satisfies Recursion };
    inside.set(node, where);
    try {
      if (Array.isArray(node)) return node.map((v, i) => copy(v, `${where}/${i}`));
      const out: Json = {};
      for (const [k, v] of Object.entries(node)) if (!k.startsWith('x-parser-')) out[k] = copy(v, `${where}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      const id = (node as Json)['x-parser-schema-id'];
      if (typeof id === 'string' && !id.startsWith('<anonymous')) out['x-sluice-schema-key'] = id;
      // The parser's name of a message (its components key, or its channel key when it is declared
      // there): what tells apart two messages of the same content once they are copies.
      const message = (node as Json)['x-parser-message-name'];
      if (typeof message === 'string' && !message.startsWith('<anonymous')) out[MESSAGE_KEY] = message;
      return out;
    } finally {
      inside.delete(node);
    }
  };
  return copy(value, pointer);
}

/**
 * The places where a copy made by {@link stripParserKeys} met a schema that contains itself,
 * one per recursive schema (the first reference back to it).
 *
 * @example
 * ```ts
 * import { recursionsOf } from '@sluice/codegen';
 *
 * recursionsOf({ properties: { next: { 'x-sluice-recursive': { target: '/components/schemas/Node', at: '/x/properties/next' } } } });
 * // [{ target: '/components/schemas/Node', at: '/x/properties/next' }]
 * ```
 */
export function recursionsOf(value: unknown): Recursion[] {
  const found = new Map<string, Recursion>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isObject(node)) return;
    const marker = node[RECURSION_KEY];
    if (isObject(marker) && typeof marker.target === 'string' && typeof marker.at === 'string') {
      if (!found.has(marker.target)) found.set(marker.target, { target: marker.target, at: marker.at });
      return;
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(value);
  return [...found.values()];
}

/** A deep copy without the `x-sluice-*` naming hints: what validators and examples see. */
export function withoutHints(value: unknown): any {
  // Its input is a copy made by stripParserKeys (finite); an object met again inside itself is left out all the same.
  const inside = new Set<object>();
  const copy = (node: unknown): any => {
    if (!node || typeof node !== 'object') return node;
    if (inside.has(node)) return {};
    inside.add(node);
    try {
      if (Array.isArray(node)) return node.map(copy);
      return Object.fromEntries(Object.entries(node).filter(([k]) => !k.startsWith('x-sluice-')).map(([k, v]) => [k, copy(v)]));
    } finally {
      inside.delete(node);
    }
  };
  return copy(value);
}

/** Visits every subschema of `schema` (itself first) with its JSON pointer below `pointer`; a schema met again inside itself is not visited again. */
export function forEachSchema(schema: unknown, pointer: string, visit: (schema: Json, pointer: string) => void, inside: Set<object> = new Set()): void {
  if (!isObject(schema) || inside.has(schema)) return; // a schema inside itself is visited once
  inside.add(schema);
  try {
    eachSubschema(schema, pointer, visit, inside);
  } finally {
    inside.delete(schema);
  }
}

function eachSubschema(schema: Json, pointer: string, visit: (schema: Json, pointer: string) => void, inside: Set<object>): void {
  visit(schema, pointer);
  const part = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');
  for (const keyword of SCHEMA_MAPS) {
    if (isObject(schema[keyword])) for (const [k, v] of Object.entries(schema[keyword])) forEachSchema(v, `${pointer}/${keyword}/${part(k)}`, visit, inside);
  }
  for (const keyword of SCHEMA_VALUES) {
    const v = schema[keyword];
    if (Array.isArray(v)) v.forEach((s, i) => forEachSchema(s, `${pointer}/${keyword}/${i}`, visit, inside));
    else forEachSchema(v, `${pointer}/${keyword}`, visit, inside);
  }
  if (isObject(schema.dependencies)) {
    for (const [k, v] of Object.entries(schema.dependencies)) if (isObject(v)) forEachSchema(v, `${pointer}/dependencies/${part(k)}`, visit, inside);
  }
}

/**
 * A string `enum`/`const` value as the generator must receive it: Modelina writes such values
 * between quotes as they are, so a quote, a backslash or a line break (Gitter's heartbeat is
 * `"\r\n"`) would end the literal early. Escaped here, the generated literal means the value itself.
 */
function literalForTypes(value: string): string {
  return JSON.stringify(value).slice(1, -1).replace(/'/g, "\\'");
}

/**
 * What stands for `null`, `true` and `false` in an `enum` or `const` given to the type generator:
 * Modelina writes them as the strings `'null'`, `"true"` and `"false"` (and a `const: null` as
 * `any`), a type the validators refuse every value of. Given as these strings, they are put back as
 * the literals by {@link literalsRestored}. The mark holds a backslash, which a contract's own string
 * never reaches the generator with: {@link literalForTypes} doubles it.
 */
const LITERAL_MARK = (value: null | boolean) => `<sluice\\literal:${String(value)}>`;

/** An `enum` or `const` value as the type generator must receive it (see {@link literalForTypes} and {@link LITERAL_MARK}). */
function valueForTypes(value: unknown): unknown {
  if (typeof value === 'string') return literalForTypes(value);
  if (value === null || typeof value === 'boolean') return LITERAL_MARK(value);
  return value;
}

/** The generated code with the literals {@link valueForTypes} marked put back: `null`, `true`, `false`. */
export function literalsRestored(code: string): string {
  return code.replace(/(["'])<sluice\\literal:(null|true|false)>\1/g, '$2');
}

/**
 * A copy of `schema` for the type generator, where every schema that becomes a type has a title:
 * its own `title`, else its components key, else one derived from where it sits (`<Parent><Property>`,
 * `<Parent><Property>Item`, `<Parent>Option<n>`); every title made a type identifier. The root is
 * named `rootName` unless it has a title or key of its own.
 */
export function titledForTypes(schema: Json, rootName: string): Json {
  const name = (s: Json, fallback: string) => typeIdentifier(typeof s.title === 'string' && s.title ? s.title : typeof s['x-sluice-schema-key'] === 'string' ? s['x-sluice-schema-key'] : fallback);
  const becomesType = (s: Json) =>
    s.type === 'object' || isObject(s.properties) || Array.isArray(s.enum) || Array.isArray(s.oneOf) || Array.isArray(s.anyOf) || typeof s.title === 'string' || typeof s['x-sluice-schema-key'] === 'string';
  const copy = (s: unknown, fallback: string, root = false): unknown => {
    if (!isObject(s)) return s;
    const out: Json = { ...s };
    const own = root || becomesType(s) ? name(s, fallback) : fallback;
    if (root || becomesType(s)) out.title = own;
    delete out['x-sluice-schema-key'];
    if (Array.isArray(s.enum)) out.enum = s.enum.map(valueForTypes);
    if (Object.hasOwn(s, 'const')) out.const = valueForTypes(s.const);
    if (isObject(s.properties)) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, copy(v, `${own}${typeIdentifier(k)}`)]));
    if (isObject(s.items)) out.items = copy(s.items, `${own}Item`);
    if (Array.isArray(s.items)) out.items = s.items.map((v, i) => copy(v, `${own}Item${i + 1}`));
    for (const keyword of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(s[keyword])) out[keyword] = s[keyword].map((v: unknown, i: number) => copy(v, `${own}Option${i + 1}`));
    if (isObject(s.additionalProperties)) out.additionalProperties = copy(s.additionalProperties, `${own}Value`);
    for (const keyword of ['definitions', '$defs']) if (isObject(s[keyword])) out[keyword] = Object.fromEntries(Object.entries(s[keyword]).map(([k, v]) => [k, copy(v, typeIdentifier(k))]));
    return out;
  };
  return copy(schema, rootName, true) as Json;
}

/**
 * The top-level fields of a payload: its `properties`, and those of the schemas its `allOf`,
 * `oneOf` and `anyOf` combine (a union's fields are every branch's). `undefined` for a payload that
 * is not an object (a string, an array): nothing to pick.
 */
export function topLevelFields(schema: Json): string[] | undefined {
  const fields = new Set<string>();
  let objectLike = schema.type === 'object' || isObject(schema.properties);
  for (const k of Object.keys(isObject(schema.properties) ? schema.properties : {})) fields.add(k);
  for (const keyword of ['allOf', 'oneOf', 'anyOf']) {
    for (const branch of Array.isArray(schema[keyword]) ? schema[keyword] : []) {
      if (!isObject(branch)) continue;
      const inner = topLevelFields(branch);
      if (inner) {
        objectLike = true;
        for (const k of inner) fields.add(k);
      }
    }
  }
  return objectLike ? [...fields] : undefined;
}

/** Two different schemas of one payload (or headers) schema under one title: where each is, relative to it. */
export interface TitleClash {
  title: string;
  /** The TypeScript type both would be. */
  type: string;
  first: string;
  at: string;
}

/**
 * The different schemas of one payload (or headers) schema, as {@link titledForTypes} titles them,
 * that share a title: the type generator makes one type of them, silently (a `shipping` and a
 * `billing` both titled Address became one Address, the billing one). Annotations (`x-` keys, which
 * codegen keeps as written: Springwolf's `x-json-schema` repeats the payload's own schema) and
 * values (`examples`, `default`, `const`, `enum`) are not schemas of it.
 */
export function titleClashesWithin(schema: unknown): TitleClash[] {
  const byName = new Map<string, { text: string; at: string }>();
  const clashes: TitleClash[] = [];
  const seen = new Set<object>();
  // `names`: the node is a map of schemas by name (properties, $defs…), whose keys are names, an `x-trace` header's included, not keywords.
  const visit = (node: unknown, at: string, names = false): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${at}/${i}`));
      return;
    }
    const record = node as Json;
    if (names) {
      for (const [key, value] of Object.entries(record)) visit(value, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      return;
    }
    if (typeof record.title === 'string' && at !== '') {
      const type = declaredTypeName(typeIdentifier(record.title));
      let text: string;
      try {
        text = JSON.stringify(record);
      } catch {
        text = `recursive ${at}`; // a recursive schema: compared by place, never equal to another
      }
      const first = byName.get(type);
      if (!first) byName.set(type, { text, at });
      else if (first.text !== text) clashes.push({ title: record.title, type, first: first.at, at });
    }
    for (const [key, value] of Object.entries(record)) {
      if (key.startsWith('x-') || key === 'examples' || key === 'default' || key === 'const' || key === 'enum') continue;
      visit(value, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, SCHEMA_MAPS.includes(key));
    }
  };
  visit(schema, '');
  return clashes;
}
