/**
 * Payload compatibility: how a message's content type, payload and headers (JSON Schemas) changed,
 * and which readers each change breaks. A schema is compared by what it *means*: a bound lowered
 * or raised, a property added as required or optional, an enum value removed or added.
 */
import { DEFAULT_SCHEMA_VERSION, messageIdentity } from '@sluice/model';
import type { ContractDocument } from './contract-document.ts';
import { BOTH, type Collector, compareGeneric, DOC_KEYS, isObject, kindOf, NARROWS, NEITHER, same, show, showChange, unionKeys, WIDENS } from './classification.ts';

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

/** Keywords whose addition narrows and whose removal widens, while any edit is unprovable. */
const OPAQUE_CONSTRAINTS = ['pattern', 'format', 'multipleOf', 'contentEncoding', 'contentMediaType'];
/** JSON Schema `type` as the set of types it allows; `integer` is inside `number`. */
function typeSet(schema: Record<string, any>): Set<string> | undefined {
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}
const typeCovered = (t: string, set: Set<string> | undefined) => !set || set.has(t) || (t === 'integer' && set.has('number'));

/** Compares two JSON Schemas (draft-07 keywords); `path` names the schema. */
export function compareSchema(out: Collector, path: string, before: any, after: any): void {
  if (same(before, after)) return;
  // `true`/`{}` allow everything, `false` nothing: keep the comparisons below on objects.
  const a: Record<string, any> = before === true ? {} : before;
  const b: Record<string, any> = after === true ? {} : after;
  if (!isObject(a) || !isObject(b)) {
    out.unclassified(path, 'changed', `${showChange(before, after)}: no rule classifies this; review it`);
    return;
  }
  const handled = new Set(['type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items', 'uniqueItems', ...LOWER_BOUNDS, ...UPPER_BOUNDS, ...OPAQUE_CONSTRAINTS]);

  const ta = typeSet(a);
  const tb = typeSet(b);
  if (!same(a.type, b.type) && ta && tb && ta.size === tb.size && [...ta].every((t) => tb.has(t))) {
    // The same types listed in another order: no message changes validity.
    out.add(`${path}.type`, 'changed', 'documentation', NEITHER, `${showChange(a.type, b.type)}: the same types in another order`);
  } else if (!same(a.type, b.type)) {
    const narrowed = ta ? [...ta].some((t) => !typeCovered(t, tb)) : true;
    const widened = tb ? [...tb].some((t) => !typeCovered(t, ta)) : true;
    const rule = narrowed && widened ? 'schema.type-changed' : narrowed ? 'schema.type-narrowed' : 'schema.type-widened';
    const effect = narrowed && widened ? 'values of the old type are rejected now, and the other way round' : narrowed ? 'values valid before are rejected now' : 'values valid now are rejected by released readers';
    out.add(`${path}.type`, kindOf(a.type, b.type), rule, { backward: narrowed, forward: widened }, `${showChange(a.type, b.type)}: ${effect}`);
  }

  compareAllowedValues(out, path, a, b);

  for (const side of ['lower', 'upper'] as const) compareNumericBound(out, path, a, b, side);
  for (const key of LOWER_BOUNDS) if (!NUMERIC_BOUNDS.lower.includes(key)) compareBound(out, path, key, a[key], b[key], 'lower');
  for (const key of UPPER_BOUNDS) if (!NUMERIC_BOUNDS.upper.includes(key)) compareBound(out, path, key, a[key], b[key], 'upper');
  for (const key of OPAQUE_CONSTRAINTS) {
    if (same(a[key], b[key])) continue;
    const kind = kindOf(a[key], b[key]);
    const [breaks, why] =
      kind === 'added' ? [NARROWS, 'a new constraint rejects values valid before']
      : kind === 'removed' ? [WIDENS, 'released readers still enforce it']
      : [BOTH, 'neither constraint can be shown to contain the other'];
    out.add(`${path}.${key}`, kind, `schema.${key}-${kind}`, breaks, `${showChange(a[key], b[key])}: ${why}`);
  }
  if (!!a.uniqueItems !== !!b.uniqueItems) {
    out.add(`${path}.uniqueItems`, kindOf(a.uniqueItems, b.uniqueItems), 'schema.uniqueItems-changed', b.uniqueItems ? NARROWS : WIDENS, `${showChange(a.uniqueItems, b.uniqueItems)}`);
  }

  compareProperties(out, path, a, b);
  compareAdditionalProperties(out, path, a.additionalProperties, b.additionalProperties);
  if (!same(a.items, b.items)) {
    if (isObject(a.items) && isObject(b.items)) compareSchema(out, `${path}.items`, a.items, b.items);
    else out.unclassified(`${path}.items`, kindOf(a.items, b.items), `${showChange(a.items, b.items)}: no rule classifies this; review it`);
  }

  for (const key of unionKeys(a, b)) {
    if (handled.has(key) || same(a[key], b[key])) continue;
    if (DOC_KEYS.has(key) || key.startsWith('x-')) {
      out.add(`${path}.${key}`, kindOf(a[key], b[key]), 'documentation', NEITHER, `${showChange(a[key], b[key])}: documentation only`);
    } else {
      out.unclassified(`${path}.${key}`, kindOf(a[key], b[key]), `keyword "${key}" changed (${showChange(a[key], b[key])}); no rule classifies it, review it`);
    }
  }
}

/** The values `enum` and `const` allow together (as JSON texts), in order; undefined when neither is written (or `enum` is no list). */
function allowedValues(schema: Record<string, any>): string[] | undefined {
  const listed = Array.isArray(schema.enum) ? [...new Set(schema.enum.map((v: unknown) => JSON.stringify(v)))] : undefined;
  if (schema.const === undefined) return listed;
  const only = JSON.stringify(schema.const);
  return listed === undefined || listed.includes(only) ? [only] : [];
}

/** `const "X"`, `enum ["X","Y"]`, or both, as written. */
const writtenValues = (schema: Record<string, any>): string =>
  [schema.const !== undefined ? `const ${show(schema.const)}` : '', schema.enum !== undefined ? `enum ${show(schema.enum)}` : ''].filter(Boolean).join(' and ');

/**
 * `enum` and `const`. Written with the same keywords on both sides, each is compared as it was;
 * written with others (`const: X` ↔ `enum: [X]`), both are compared as the one set of values they
 * allow: the same set is no change to any message, a value no longer allowed narrows, a value
 * newly allowed widens.
 */
function compareAllowedValues(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  if (same(a.enum, b.enum) && same(a.const, b.const)) return;
  const [before, after] = [allowedValues(a), allowedValues(b)];
  const sameKeywords = (a.enum === undefined) === (b.enum === undefined) && (a.const === undefined) === (b.const === undefined);
  if (sameKeywords || before === undefined || after === undefined) {
    compareEnum(out, path, a.enum, b.enum);
    if (!same(a.const, b.const)) {
      const breaks = a.const === undefined ? NARROWS : b.const === undefined ? WIDENS : BOTH;
      out.add(`${path}.const`, kindOf(a.const, b.const), 'schema.const-changed', breaks, `${showChange(a.const, b.const)}`);
    }
    return;
  }
  const where = `${path}.${b.enum !== undefined ? 'enum' : 'const'}`;
  const written = `${writtenValues(a)} → ${writtenValues(b)}`;
  const removed = before.filter((v) => !after.includes(v));
  const added = after.filter((v) => !before.includes(v));
  for (const v of removed) out.add(where, 'removed', 'schema.enum-value-removed', NARROWS, `value ${v} no longer allowed (${written}): messages carrying it are rejected now`);
  for (const v of added) out.add(where, 'added', 'schema.enum-value-added', WIDENS, `value ${v} allowed now (${written}): consumers on the released contract reject it`);
  // Not documentation: the validator words a rejection after the keyword, and the generated type may be spelt otherwise.
  if (removed.length === 0 && added.length === 0) out.add(where, 'changed', 'schema.values-rewritten', NEITHER, `${written}: the same allowed values, written another way; no message changes validity (only the validator's words for a rejected value)`);
}

function compareEnum(out: Collector, path: string, before: unknown[] | undefined, after: unknown[] | undefined): void {
  if (same(before, after)) return;
  if (before === undefined) {
    out.add(`${path}.enum`, 'added', 'schema.enum-added', NARROWS, `now only ${show(after)}: values outside it were valid before`);
    return;
  }
  if (after === undefined) {
    out.add(`${path}.enum`, 'removed', 'schema.enum-removed', WIDENS, `was ${show(before)}: released readers still reject other values`);
    return;
  }
  const old = new Set(before.map((v) => JSON.stringify(v)));
  const now = new Set(after.map((v) => JSON.stringify(v)));
  for (const v of old) {
    if (!now.has(v)) out.add(`${path}.enum`, 'removed', 'schema.enum-value-removed', NARROWS, `value ${v} removed: messages carrying it are rejected now`);
  }
  for (const v of now) {
    if (!old.has(v)) out.add(`${path}.enum`, 'added', 'schema.enum-value-added', WIDENS, `value ${v} added: consumers on the released contract reject it`);
  }
  // Only the order changed: no message changes validity.
  if ([...old].every((v) => now.has(v)) && [...now].every((v) => old.has(v))) {
    out.add(`${path}.enum`, 'changed', 'documentation', NEITHER, 'same values in another order');
  }
}

/** The keywords that bound a number on each side, inclusive first. */
const NUMERIC_BOUNDS: Record<'lower' | 'upper', readonly string[]> = { lower: ['minimum', 'exclusiveMinimum'], upper: ['maximum', 'exclusiveMaximum'] };

/** A number's bound on one side: `value`, excluded or not, and the keyword that sets it. */
interface NumericBound {
  value: number;
  exclusive: boolean;
  key: string;
}

/** A schema that allows integers only (`type: integer`). */
const integerOnly = (schema: Record<string, any>): boolean => {
  const types = typeSet(schema);
  return types !== undefined && types.size === 1 && types.has('integer');
};

/**
 * The one bound `minimum` and `exclusiveMinimum` (or the maximums) set together: the tighter of
 * them; `integers`, as the inclusive integer bound (`exclusiveMinimum: 0` is `minimum: 1`).
 * Undefined when neither is written, null when one is not a number.
 */
function effectiveBound(schema: Record<string, any>, side: 'lower' | 'upper', integers: boolean): NumericBound | undefined | null {
  const [inclusive, exclusive] = NUMERIC_BOUNDS[side] as [string, string];
  if ([schema[inclusive], schema[exclusive]].some((v) => v !== undefined && typeof v !== 'number')) return null;
  const written: NumericBound[] = [];
  if (schema[inclusive] !== undefined) written.push({ value: schema[inclusive], exclusive: false, key: inclusive });
  if (schema[exclusive] !== undefined) written.push({ value: schema[exclusive], exclusive: true, key: exclusive });
  const bounds = integers
    ? written.map((b) => ({ key: b.key, exclusive: false, value: side === 'lower' ? (b.exclusive ? Math.floor(b.value) + 1 : Math.ceil(b.value)) : b.exclusive ? Math.ceil(b.value) - 1 : Math.floor(b.value) }))
    : written;
  return bounds.reduce<NumericBound | undefined>((tightest, b) => (tightest === undefined || tighter(b, tightest, side) ? b : tightest), undefined);
}

/** True when `x` admits fewer numbers than `y`. */
function tighter(x: NumericBound, y: NumericBound, side: 'lower' | 'upper'): boolean {
  if (x.value !== y.value) return side === 'lower' ? x.value > y.value : x.value < y.value;
  return x.exclusive && !y.exclusive;
}

/**
 * A number's bound on one side, as the one bound its keywords set together: `minimum: 1` and
 * `exclusiveMinimum: 0` of an integer are the same bound, `exclusiveMinimum: 1` of a number a
 * higher one. A bound added or removed, or one keyword changed alone between two bounds that
 * differ, is compared keyword by keyword as before.
 */
function compareNumericBound(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>, side: 'lower' | 'upper'): void {
  const keys = NUMERIC_BOUNDS[side]!;
  if (keys.every((k) => same(a[k], b[k]))) return;
  const integers = integerOnly(a) && integerOnly(b);
  const [before, after] = [effectiveBound(a, side, integers), effectiveBound(b, side, integers)];
  const oneKeyword = keys.filter((k) => a[k] !== undefined || b[k] !== undefined).length === 1;
  const keywordByKeyword = () => keys.forEach((k) => compareBound(out, path, k, a[k], b[k], side));
  if (!before || !after) return keywordByKeyword();
  const written = (s: Record<string, any>) => keys.filter((k) => s[k] !== undefined).map((k) => `${k} ${s[k]}`).join(' and ');
  const change = `${written(a)} → ${written(b)}`;
  const where = `${path}.${after.key}`;
  if (!tighter(before, after, side) && !tighter(after, before, side)) {
    const bound = `${integers ? 'integers ' : ''}${side === 'lower' ? (after.exclusive ? '>' : '≥') : after.exclusive ? '<' : '≤'} ${after.value}`;
    out.add(where, 'changed', 'schema.bound-rewritten', NEITHER, `${change}: the same bound (${bound}), written another way; no message changes validity (only the validator's words for a rejected value)`);
    return;
  }
  // One keyword on both sides: compared as it always was (the bounds differ the same way).
  if (oneKeyword) return keywordByKeyword();
  const narrows = tighter(after, before, side);
  const verb = narrows === (side === 'lower') ? 'raised' : 'lowered';
  out.add(where, 'changed', `schema.${after.key}-${verb}`, narrows ? NARROWS : WIDENS, `${change}: ${verb}; ${narrows ? 'values valid before are rejected now' : 'released readers reject values valid now'}`);
}

function compareBound(out: Collector, path: string, key: string, before: unknown, after: unknown, side: 'lower' | 'upper'): void {
  if (same(before, after)) return;
  const where = `${path}.${key}`;
  if (before === undefined) {
    out.add(where, 'added', `schema.${key}-added`, NARROWS, `none → ${show(after)}: values beyond it were valid before`);
  } else if (after === undefined) {
    out.add(where, 'removed', `schema.${key}-removed`, WIDENS, `${show(before)} → none: released readers still enforce it`);
  } else if (typeof before !== 'number' || typeof after !== 'number') {
    out.unclassified(where, 'changed', `${showChange(before, after)}: not a number; review it`);
  } else {
    const raised = after > before;
    const narrows = side === 'lower' ? raised : !raised;
    const verb = raised ? 'raised' : 'lowered';
    out.add(where, 'changed', `schema.${key}-${verb}`, narrows ? NARROWS : WIDENS,
      `${before} → ${after}: ${verb}; ${narrows ? 'values valid before are rejected now' : 'released readers reject values valid now'}`);
  }
}

function compareProperties(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  const pa: Record<string, any> = a.properties ?? {};
  const pb: Record<string, any> = b.properties ?? {};
  const ra = new Set<string>(a.required ?? []);
  const rb = new Set<string>(b.required ?? []);
  const added = Object.keys(pb).filter((k) => !(k in pa));
  for (const name of unionKeys(pa, pb)) {
    const where = `${path}.properties.${name}`;
    if (!(name in pb)) {
      // A removed name is breaking in every mode: readers that still use it lose data, and the
      // name cannot be reused later without silently meaning something else to them.
      const twin = added.find((n) => same(pa[name], pb[n]));
      out.add(where, 'removed', 'field.removed', BOTH, `field removed${twin ? ` (renamed to "${twin}"?)` : ''}${ra.has(name) ? '; it was required' : ''}: readers that use it break`);
    } else if (!(name in pa)) {
      // Released readers of a closed schema (additionalProperties: false, or a schema the field may not meet) reject a field they do not know.
      const closed = a.additionalProperties === false || (isObject(a.additionalProperties) && Object.keys(a.additionalProperties).length > 0 && !same(a.additionalProperties, pb[name]));
      const rejected = closed ? `; released readers reject it: the released schema is closed (additionalProperties: ${show(a.additionalProperties)})` : '';
      if (rb.has(name)) out.add(where, 'added', 'field.required-added', closed ? BOTH : NARROWS, `required field added: messages without it (all released ones) are rejected now${rejected}`);
      else if (closed) out.add(where, 'added', 'field.optional-added-closed', WIDENS, `optional field added${rejected}`);
      else out.add(where, 'added', 'field.optional-added', NEITHER, 'optional field added: tolerant readers ignore fields they do not know');
    } else {
      compareSchema(out, where, pa[name], pb[name]);
      if (ra.has(name) && !rb.has(name)) out.add(`${path}.required`, 'removed', 'field.became-optional', WIDENS, `"${name}" is optional now: released readers reject messages without it`);
      if (!ra.has(name) && rb.has(name)) out.add(`${path}.required`, 'added', 'field.became-required', NARROWS, `"${name}" is required now: messages without it were valid before`);
    }
  }
  // `required` names without a property schema (allowed by JSON Schema) still constrain messages.
  for (const name of new Set([...ra, ...rb])) {
    if (name in pa || name in pb || ra.has(name) === rb.has(name)) continue;
    out.add(`${path}.required`, rb.has(name) ? 'added' : 'removed', rb.has(name) ? 'field.became-required' : 'field.became-optional', rb.has(name) ? NARROWS : WIDENS, `"${name}" ${rb.has(name) ? 'is required now' : 'is no longer required'}`);
  }
}

function compareAdditionalProperties(out: Collector, path: string, before: unknown, after: unknown): void {
  if (same(before, after)) return;
  const where = `${path}.additionalProperties`;
  if (isObject(before) && isObject(after)) return compareSchema(out, where, before, after);
  const open = (v: unknown) => v === undefined || v === true || (isObject(v) && Object.keys(v).length === 0);
  if (open(before) && open(after)) return;
  if (open(before)) out.add(where, kindOf(before, after), 'schema.closed', NARROWS, `${showChange(before, after)}: unknown fields are rejected now; tolerant readers need them accepted`);
  else if (open(after)) out.add(where, kindOf(before, after), 'schema.opened', WIDENS, `${showChange(before, after)}: released readers reject unknown fields`);
  else out.unclassified(where, 'changed', `${showChange(before, after)}: no rule classifies this; review it`);
}
/**
 * Compares one message kept under the same name: its content type, payload and headers, its
 * `x-schema-version`, and the rest generically.
 */
export function compareMessage(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>, docs: [ContractDocument, ContractDocument], fifoMessages: ReadonlySet<string> = new Set()): void {
  // Unset, a payload is JSON: the framework's default (codegen reads it so).
  const ca = a.contentType ?? docs[0].defaultContentType ?? 'application/json';
  const cb = b.contentType ?? docs[1].defaultContentType ?? 'application/json';
  if (ca !== cb) out.add(`${path}.contentType`, 'changed', 'message.content-type-changed', BOTH, `${showChange(ca, cb)}: readers decode the body differently`);
  for (const part of ['payload', 'headers'] as const) {
    if (same(a[part], b[part])) continue;
    if (a[part] === undefined) out.add(`${path}.${part}`, 'added', `message.${part}-added`, NARROWS, `the message declares ${part} now`);
    else if (b[part] === undefined) out.add(`${path}.${part}`, 'removed', `message.${part}-removed`, BOTH, `the message no longer declares ${part}`);
    else compareSchema(out, `${path}.${part}`, a[part], b[part]);
  }
  // The eventType producers send as an attribute and the subscriptions filter on: the headers'
  // eventType `const`, else the message's name.
  const name = path.slice('messages.'.length);
  const [ea, eb] = [messageIdentity(a, name).eventType, messageIdentity(b, name).eventType];
  if (ea !== eb) {
    out.add(`${path}.eventType`, 'changed', 'message.event-type-changed', BOTH, `${showChange(ea, eb)} (the headers' eventType const, else the message's name): producers send it as the eventType attribute and the subscriptions filter on it, so released consumers no longer get the new messages, nor new consumers the released producers'`);
  }
  if (a['x-schema-version'] !== b['x-schema-version']) {
    // The subscriptions filter on the major (schemaVersion prefix "1."): a new major in place is
    // filtered out by the released consumers, and the released producers' messages by the new ones.
    const majorOf = (v: unknown) => String(v ?? DEFAULT_SCHEMA_VERSION).split('.')[0];
    const [from, to] = [majorOf(a['x-schema-version']), majorOf(b['x-schema-version'])];
    if (from !== to) {
      out.add(`${path}.x-schema-version`, 'changed', 'message.major-changed', BOTH, `${showChange(a['x-schema-version'], b['x-schema-version'])}: another major in place; the subscriptions filter on it (schemaVersion "${from}." → "${to}."), so released consumers no longer get the new messages, nor new consumers the released producers'`);
    } else out.add(`${path}.x-schema-version`, 'changed', 'message.version-changed', NEITHER, `${showChange(a['x-schema-version'], b['x-schema-version'])}`);
  }
  if (!same(a['x-message-group-id'], b['x-message-group-id']) && !fifoMessages.has(path.slice('messages.'.length))) {
    out.add(`${path}.x-message-group-id`, kindOf(a['x-message-group-id'], b['x-message-group-id']), 'documentation', NEITHER, `${showChange(a['x-message-group-id'], b['x-message-group-id'])}: no FIFO publisher sends the message, so nothing reads it`);
  } else if (!same(a['x-message-group-id'], b['x-message-group-id'])) {
    // Not documentation: a FIFO publisher takes the message group from that field.
    out.unclassified(`${path}.x-message-group-id`, kindOf(a['x-message-group-id'], b['x-message-group-id']), `${showChange(a['x-message-group-id'], b['x-message-group-id'])}: a FIFO publisher takes each message's group from it, so which messages keep their order (and are deduplicated together) changes; review it`);
  }
  for (const key of unionKeys(a, b)) {
    if (!['name', 'contentType', 'payload', 'headers', 'x-schema-version', 'x-message-group-id'].includes(key)) compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}
