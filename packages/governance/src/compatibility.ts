/**
 * The breaking-change classifier: compares two dereferenced AsyncAPI 3 documents (the released
 * contract and the working one) and classifies every difference under a compatibility mode.
 *
 * Why not `@asyncapi/diff` with overrides: it reports leaf JSON-pointer edits and classifies each
 * by its path alone. Whether an edit breaks depends on its direction and on other parts of the
 * schema, which a path cannot express: `maximum` 1000 → 500 breaks and 1000 → 5000 may not; a
 * property added is breaking only when it is also added to `required`; an enum value removed shows
 * up as edits of every later array index. So this module compares what the contract *means*:
 * channels and operations by id, messages by name, payloads and headers as JSON Schemas.
 */
import { deriveTopology, filterPolicyAdmits, TopologyError } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { ContractDocument } from './contract-document.ts';

/**
 * Who must keep working across a change, as schema registries name it.
 * - `backward`: consumers on the new contract read messages valid under the released one
 *   (messages still in the queue, in the DLQ, or from producers not yet upgraded).
 * - `forward`: consumers still on the released contract read messages valid under the new one
 *   (a producer upgraded first).
 * - `full`: both.
 */
export type CompatibilityMode = 'backward' | 'forward' | 'full';

export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = ['backward', 'forward', 'full'];

/**
 * The mode used when a contract does not declare one in `info.x-compatibility`: `backward`, the
 * default of schema registries (consumers on the new contract read what was produced before).
 *
 * This project's contract declares `full`, because its evolution policy breaks both directions:
 * adding a required field or narrowing breaks new readers of old messages (backward), and removing
 * a field or *any* enum change breaks released readers of new messages (forward). Producers and the
 * subscriber deploy independently, the subscriber validates every known field strictly (an unknown
 * enum value goes to the DLQ), and messages wait in the DLQ for up to 14 days before a redrive
 * replays them to a newer subscriber.
 */
export const DEFAULT_COMPATIBILITY_MODE: CompatibilityMode = 'backward';

export type Classification = 'breaking' | 'non-breaking' | 'unclassified';

export interface ContractChange {
  /** Where, as a dotted path readers can follow: `messages.OrderPlaced.payload.properties.quantity.maximum`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  classification: Classification;
  /** Stable name of the rule that classified the change (`schema.maximum-lowered`), for tests and docs. */
  rule: string;
  /** What changed and why it is classified so, in one line. */
  detail: string;
}

export interface ContractDiff {
  mode: CompatibilityMode;
  changes: ContractChange[];
  /** Advice that does not fail the check (a version that should have been bumped). */
  notes: string[];
}

/** Which readers a change breaks; `undefined` when no rule knows (reported as unclassified). */
interface Breaks {
  /** New readers reject messages valid before (narrowing). */
  backward: boolean;
  /** Old readers reject messages valid now (widening). */
  forward: boolean;
}

const NARROWS: Breaks = { backward: true, forward: false };
const WIDENS: Breaks = { backward: false, forward: true };
const BOTH: Breaks = { backward: true, forward: true };
const NEITHER: Breaks = { backward: false, forward: false };

/** Keys that only document; editing them never changes which messages are valid. */
const DOC_KEYS = new Set(['description', 'summary', 'title', 'examples', 'example', '$comment', 'externalDocs', 'tags', 'default', 'deprecated', 'readOnly', 'writeOnly', '$id']);

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

/** Keywords whose addition narrows and whose removal widens, while any edit is unprovable. */
const OPAQUE_CONSTRAINTS = ['pattern', 'format', 'multipleOf', 'contentEncoding', 'contentMediaType'];

/** A value for a one-line detail; long texts are cut so the table stays readable. */
const show = (value: unknown): string => {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

class Collector {
  readonly changes: ContractChange[] = [];
  constructor(readonly mode: CompatibilityMode) {}

  /** Records a change whose effect on readers is known; the mode decides whether it breaks. */
  add(path: string, kind: ContractChange['kind'], rule: string, breaks: Breaks, detail: string): void {
    const breaking = (this.mode !== 'forward' && breaks.backward) || (this.mode !== 'backward' && breaks.forward);
    this.changes.push({ path, kind, rule, detail, classification: breaking ? 'breaking' : 'non-breaking' });
  }

  /** Records a change no rule covers: it fails the check until a person has looked at it. */
  unclassified(path: string, kind: ContractChange['kind'], detail: string): void {
    this.changes.push({ path, kind, rule: 'unclassified', classification: 'unclassified', detail });
  }
}

const kindOf = (before: unknown, after: unknown): ContractChange['kind'] =>
  before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';

/**
 * Anything without a dedicated rule: documentation keys are non-breaking, every other difference
 * is unclassified (reported, and failing, rather than silently let through).
 */
function compareGeneric(out: Collector, path: string, before: unknown, after: unknown, key = ''): void {
  if (same(before, after)) return;
  if (DOC_KEYS.has(key) || key.startsWith('x-')) {
    out.add(path, kindOf(before, after), 'documentation', NEITHER, `${show(before)} → ${show(after)}: documentation only`);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const k of unionKeys(before, after)) compareGeneric(out, `${path}.${k}`, before[k], after[k], k);
    return;
  }
  out.unclassified(path, kindOf(before, after), `${show(before)} → ${show(after)}: no rule classifies this; review it`);
}

function unionKeys(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/** JSON Schema `type` as the set of types it allows; `integer` is inside `number`. */
function typeSet(schema: Record<string, any>): Set<string> | undefined {
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}
const typeCovered = (t: string, set: Set<string> | undefined) => !set || set.has(t) || (t === 'integer' && set.has('number'));

/** Compares two JSON Schemas (draft-07 keywords); `path` names the schema. */
function compareSchema(out: Collector, path: string, before: any, after: any): void {
  if (same(before, after)) return;
  // `true`/`{}` allow everything, `false` nothing: keep the comparisons below on objects.
  const a: Record<string, any> = before === true ? {} : before;
  const b: Record<string, any> = after === true ? {} : after;
  if (!isObject(a) || !isObject(b)) {
    out.unclassified(path, 'changed', `${show(before)} → ${show(after)}: no rule classifies this; review it`);
    return;
  }
  const handled = new Set(['type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items', 'uniqueItems', ...LOWER_BOUNDS, ...UPPER_BOUNDS, ...OPAQUE_CONSTRAINTS]);

  const ta = typeSet(a);
  const tb = typeSet(b);
  if (!same(a.type, b.type)) {
    const narrowed = ta ? [...ta].some((t) => !typeCovered(t, tb)) : true;
    const widened = tb ? [...tb].some((t) => !typeCovered(t, ta)) : true;
    const rule = narrowed && widened ? 'schema.type-changed' : narrowed ? 'schema.type-narrowed' : 'schema.type-widened';
    const effect = narrowed && widened ? 'values of the old type are rejected now, and the other way round' : narrowed ? 'values valid before are rejected now' : 'values valid now are rejected by released readers';
    out.add(`${path}.type`, kindOf(a.type, b.type), rule, { backward: narrowed, forward: widened }, `${show(a.type)} → ${show(b.type)}: ${effect}`);
  }

  compareEnum(out, path, a.enum, b.enum);
  if (!same(a.const, b.const)) {
    const breaks = a.const === undefined ? NARROWS : b.const === undefined ? WIDENS : BOTH;
    out.add(`${path}.const`, kindOf(a.const, b.const), 'schema.const-changed', breaks, `${show(a.const)} → ${show(b.const)}`);
  }

  for (const key of LOWER_BOUNDS) compareBound(out, path, key, a[key], b[key], 'lower');
  for (const key of UPPER_BOUNDS) compareBound(out, path, key, a[key], b[key], 'upper');
  for (const key of OPAQUE_CONSTRAINTS) {
    if (same(a[key], b[key])) continue;
    const kind = kindOf(a[key], b[key]);
    const [breaks, why] =
      kind === 'added' ? [NARROWS, 'a new constraint rejects values valid before']
      : kind === 'removed' ? [WIDENS, 'released readers still enforce it']
      : [BOTH, 'neither constraint can be shown to contain the other'];
    out.add(`${path}.${key}`, kind, `schema.${key}-${kind}`, breaks, `${show(a[key])} → ${show(b[key])}: ${why}`);
  }
  if (!!a.uniqueItems !== !!b.uniqueItems) {
    out.add(`${path}.uniqueItems`, kindOf(a.uniqueItems, b.uniqueItems), 'schema.uniqueItems-changed', b.uniqueItems ? NARROWS : WIDENS, `${show(a.uniqueItems)} → ${show(b.uniqueItems)}`);
  }

  compareProperties(out, path, a, b);
  compareAdditionalProperties(out, path, a.additionalProperties, b.additionalProperties);
  if (!same(a.items, b.items)) {
    if (isObject(a.items) && isObject(b.items)) compareSchema(out, `${path}.items`, a.items, b.items);
    else out.unclassified(`${path}.items`, kindOf(a.items, b.items), `${show(a.items)} → ${show(b.items)}: no rule classifies this; review it`);
  }

  for (const key of unionKeys(a, b)) {
    if (handled.has(key) || same(a[key], b[key])) continue;
    if (DOC_KEYS.has(key) || key.startsWith('x-')) {
      out.add(`${path}.${key}`, kindOf(a[key], b[key]), 'documentation', NEITHER, `${show(a[key])} → ${show(b[key])}: documentation only`);
    } else {
      out.unclassified(`${path}.${key}`, kindOf(a[key], b[key]), `keyword "${key}" changed (${show(a[key])} → ${show(b[key])}); no rule classifies it, review it`);
    }
  }
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

function compareBound(out: Collector, path: string, key: string, before: unknown, after: unknown, side: 'lower' | 'upper'): void {
  if (same(before, after)) return;
  const where = `${path}.${key}`;
  if (before === undefined) {
    out.add(where, 'added', `schema.${key}-added`, NARROWS, `none → ${show(after)}: values beyond it were valid before`);
  } else if (after === undefined) {
    out.add(where, 'removed', `schema.${key}-removed`, WIDENS, `${show(before)} → none: released readers still enforce it`);
  } else if (typeof before !== 'number' || typeof after !== 'number') {
    out.unclassified(where, 'changed', `${show(before)} → ${show(after)}: not a number; review it`);
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
      if (rb.has(name)) out.add(where, 'added', 'field.required-added', NARROWS, 'required field added: messages without it (all released ones) are rejected now');
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
  if (open(before)) out.add(where, kindOf(before, after), 'schema.closed', NARROWS, `${show(before)} → ${show(after)}: unknown fields are rejected now; tolerant readers need them accepted`);
  else if (open(after)) out.add(where, kindOf(before, after), 'schema.opened', WIDENS, `${show(before)} → ${show(after)}: released readers reject unknown fields`);
  else out.unclassified(where, 'changed', `${show(before)} → ${show(after)}: no rule classifies this; review it`);
}

/** Every message of a document by `name` (what codegen names types after), channels first. */
function messagesByName(doc: ContractDocument): Map<string, Record<string, any>> {
  const found = new Map<string, Record<string, any>>();
  const visit = (messages: Record<string, any> | undefined) => {
    for (const [key, m] of Object.entries(messages ?? {})) if (isObject(m) && !found.has(m.name ?? key)) found.set(m.name ?? key, m);
  };
  for (const channel of Object.values<any>(doc.channels ?? {})) visit(channel?.messages);
  visit(doc.components?.messages);
  return found;
}

const messageNames = (messages: Record<string, any> | unknown[] | undefined): Set<string> =>
  new Set(Object.entries(messages ?? {}).map(([key, m]: [string, any]) => m?.name ?? key));

/** Channels' and operations' lists of messages, compared by message name. */
function compareMessageLists(out: Collector, path: string, before: any, after: any, what: string): void {
  const a = messageNames(before);
  const b = messageNames(after);
  for (const name of a) if (!b.has(name)) out.add(`${path}.messages.${name}`, 'removed', `${what}.message-removed`, BOTH, `no longer carries ${name}: its consumers get nothing`);
  for (const name of b) {
    if (!a.has(name)) out.add(`${path}.messages.${name}`, 'added', `${what}.message-added`, NEITHER, `now also carries ${name}: consumers ignore (or filter out by eventType) messages they do not know`);
  }
}

/**
 * The binding fields the topology owns (topic and queue names, FIFO, retention, visibility, redrive,
 * subscriptions): compared as topology, with their meaning, by {@link compareTopology}.
 */
const TOPOLOGY_FIELDS: Record<string, readonly string[]> = {
  'sns': ['name', 'ordering', 'consumers', 'bindingVersion'],
  'sqs.queue': ['name', 'fifoQueue', 'messageRetentionPeriod', 'visibilityTimeout', 'deliveryDelay', 'redrivePolicy'],
  'sqs.deadLetterQueue': ['name', 'fifoQueue', 'messageRetentionPeriod', 'visibilityTimeout', 'deliveryDelay'],
  'sqs': ['queue', 'deadLetterQueue', 'bindingVersion'],
};

/** Bindings without the fields the topology owns; what is left is compared generically. */
function bindingsOutsideTopology(bindings: unknown): unknown {
  if (!isObject(bindings)) return bindings;
  const strip = (value: unknown, prefix: string): unknown => {
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const owned = TOPOLOGY_FIELDS[prefix]?.includes(k);
      const nested = TOPOLOGY_FIELDS[`${prefix}.${k}`];
      if (nested) {
        const rest = strip(v, `${prefix}.${k}`);
        if (isObject(rest) && Object.keys(rest).length > 0) out[k] = rest;
      } else if (!owned) out[k] = v;
    }
    return out;
  };
  return Object.fromEntries(Object.entries(bindings).map(([protocol, binding]) => [protocol, strip(binding, protocol)]));
}

function compareChannel(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  if (a.address !== b.address) out.add(`${path}.address`, 'changed', 'channel.renamed', BOTH, `${show(a.address)} → ${show(b.address)}: producers and consumers of the old address lose each other`);
  compareMessageLists(out, path, a.messages, b.messages, 'channel');
  for (const key of unionKeys(a, b)) {
    if (key === 'address' || key === 'messages') continue;
    if (key === 'bindings') compareGeneric(out, `${path}.bindings`, bindingsOutsideTopology(a.bindings), bindingsOutsideTopology(b.bindings), key);
    else compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}

function compareOperation(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  if (a.action !== b.action) out.add(`${path}.action`, 'changed', 'operation.action-changed', BOTH, `${show(a.action)} → ${show(b.action)}`);
  if (a.channel?.address !== b.channel?.address) {
    out.add(`${path}.channel`, 'changed', 'operation.channel-changed', BOTH, `${show(a.channel?.address)} → ${show(b.channel?.address)}: the operation moved to another channel`);
  }
  compareMessageLists(out, path, a.messages, b.messages, 'operation');
  for (const key of unionKeys(a, b)) {
    if (['action', 'channel', 'messages'].includes(key)) continue;
    if (key === 'bindings') compareGeneric(out, `${path}.bindings`, bindingsOutsideTopology(a.bindings), bindingsOutsideTopology(b.bindings), key);
    else compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}

/** The subscription's attributes for a message, as its publisher sets them. */
const attributesOf = (topology: Topology, message: string): Record<string, string> => ({ ...topology.messages[message] });

/** Which message of a consumer's operation a message is, by identity (event type and major version). */
function declares(topology: Topology, consumerMessages: readonly string[], attributes: Record<string, string>): boolean {
  const majorOf = (v: string | undefined) => (v ?? '').split('.')[0];
  return consumerMessages.some((name) => {
    const own = topology.messages[name];
    return own !== undefined && own.eventType === attributes.eventType && majorOf(own.schemaVersion) === majorOf(attributes.schemaVersion);
  });
}

/**
 * Classifies what changed in the topology: queues, topics, subscriptions and which consumer a new
 * message reaches. `released` is the topology deployed with the released contract.
 */
function compareTopology(out: Collector, released: Topology, working: Topology): void {
  for (const [name, before] of Object.entries(released.queues)) {
    const after = working.queues[name];
    const where = `topology.queues.${name}`;
    if (!after) {
      out.add(where, 'removed', 'topology.queue-removed', BOTH, `queue removed or renamed: the messages waiting in it${before.deadLetterFor.length ? ' (dead letters)' : ''} are stranded and what consumed it gets nothing`);
      continue;
    }
    if (before.fifo !== after.fifo) out.add(`${where}.fifo`, 'changed', 'topology.queue-fifo-changed', BOTH, `${before.fifo} → ${after.fifo}: a queue cannot change type; it is replaced, and what it holds is lost`);
    if (after.retentionSeconds < before.retentionSeconds) {
      out.add(`${where}.retentionSeconds`, 'changed', 'topology.retention-lowered', BOTH, `${before.retentionSeconds} → ${after.retentionSeconds} s: messages older than that are deleted`);
    } else if (after.retentionSeconds > before.retentionSeconds) {
      out.add(`${where}.retentionSeconds`, 'changed', 'topology.retention-raised', NEITHER, `${before.retentionSeconds} → ${after.retentionSeconds} s`);
    }
    if (before.visibilityTimeoutSeconds !== after.visibilityTimeoutSeconds) {
      out.add(`${where}.visibilityTimeoutSeconds`, 'changed', 'topology.visibility-changed', NEITHER, `${show(before.visibilityTimeoutSeconds)} → ${show(after.visibilityTimeoutSeconds)} s: retries come at another pace`);
    }
    const [dlqA, dlqB] = [before.deadLetter, after.deadLetter];
    if (dlqA && !dlqB) out.add(`${where}.redrive`, 'removed', 'topology.redrive-removed', BOTH, `no dead-letter queue any more: a message that always fails is retried until it expires, then lost`);
    else if (!dlqA && dlqB) out.add(`${where}.redrive`, 'added', 'topology.redrive-added', NEITHER, `failing messages move to ${dlqB.queue} after ${dlqB.maxReceiveCount} receives`);
    else if (dlqA && dlqB) {
      if (dlqA.queue !== dlqB.queue) {
        out.add(`${where}.redrive.queue`, 'changed', 'topology.dead-letter-queue-changed', BOTH, `${dlqA.queue} → ${dlqB.queue}: what waits in ${dlqA.queue} is no longer redriven, watched or alarmed on`);
      }
      if (dlqA.maxReceiveCount !== dlqB.maxReceiveCount) {
        out.add(`${where}.redrive.maxReceiveCount`, 'changed', 'topology.max-receive-count-changed', NEITHER, `${dlqA.maxReceiveCount} → ${dlqB.maxReceiveCount}: a failing message is tried that many times before it is dead-lettered`);
      }
    }
  }
  for (const name of Object.keys(working.queues)) {
    if (!released.queues[name]) out.add(`topology.queues.${name}`, 'added', 'topology.queue-added', NEITHER, 'new queue');
  }

  for (const [name, before] of Object.entries(released.topics)) {
    const after = working.topics[name];
    if (!after) out.add(`topology.topics.${name}`, 'removed', 'topology.topic-removed', BOTH, 'topic removed or renamed: its publishers and subscribers lose each other');
    else if (before.fifo !== after.fifo) out.add(`topology.topics.${name}.fifo`, 'changed', 'topology.topic-fifo-changed', BOTH, `${before.fifo} → ${after.fifo}: a topic cannot change type; it is replaced`);
  }
  for (const name of Object.keys(working.topics)) {
    if (!released.topics[name]) out.add(`topology.topics.${name}`, 'added', 'topology.topic-added', NEITHER, 'new topic');
  }

  const key = (s: { topic: string; queue: string }) => `${s.topic} → ${s.queue}`;
  const workingSubscriptions = new Map(working.subscriptions.map((s) => [key(s), s]));
  const releasedSubscriptions = new Map(released.subscriptions.map((s) => [key(s), s]));
  for (const [id, before] of releasedSubscriptions) {
    const after = workingSubscriptions.get(id);
    const where = `topology.subscriptions.${id}`;
    if (!after) {
      out.add(where, 'removed', 'topology.subscription-removed', BOTH, `${before.queue} no longer receives from ${before.topic}: its consumer gets nothing more`);
      continue;
    }
    if (before.rawMessageDelivery !== after.rawMessageDelivery) {
      out.add(`${where}.rawMessageDelivery`, 'changed', 'topology.raw-delivery-changed', BOTH, `${before.rawMessageDelivery} → ${after.rawMessageDelivery}: the queue's bodies change shape (envelope or raw) under its consumer`);
    }
    if (JSON.stringify(before.filterPolicy) !== JSON.stringify(after.filterPolicy)) {
      const kind = Object.keys(before.filterPolicy).length === 0 ? 'added' : 'changed';
      out.add(`${where}.filterPolicy`, kind, kind === 'added' ? 'topology.filter-added' : 'topology.filter-changed', NEITHER, `${show(before.filterPolicy)} → ${show(after.filterPolicy)}: admits exactly what ${before.queue}'s consumer declares`);
    }
  }
  for (const [id] of workingSubscriptions) {
    if (!releasedSubscriptions.has(id)) out.add(`topology.subscriptions.${id}`, 'added', 'topology.subscription-added', NEITHER, 'new subscription');
  }

  // A message new on a topic reaches every queue whose deployed (released) subscription admits it.
  // Producers and consumers deploy independently: until the new filter policies are deployed, a
  // consumer that does not declare the message dead-letters it.
  for (const topic of Object.values(working.topics)) {
    const before = released.topics[topic.name];
    if (!before) continue;
    for (const message of topic.messages) {
      if (before.messages.includes(message)) continue;
      const attributes = attributesOf(working, message);
      const reached = released.subscriptions
        .filter((s) => s.topic === topic.name && filterPolicyAdmits(s.filterPolicy, attributes))
        .filter((s) => {
          const consumer = Object.values(released.operations).find((o) => o.action === 'receive' && o.queue === s.queue);
          return consumer !== undefined && !declares(released, consumer.messages, attributes);
        });
      const where = `topology.topics.${topic.name}.messages.${message}`;
      if (reached.length > 0) {
        out.add(
          where,
          'added',
          'topology.message-reaches-undeclared-consumer',
          BOTH,
          `${message} (${attributes.eventType} ${attributes.schemaVersion}) on ${topic.name} reaches ${reached.map((s) => s.queue).join(', ')}, whose deployed subscription admits it but whose consumer does not declare it: dead-lettered there. Release filter policies first (they are derived since this framework version), or declare it in the consumer`,
        );
      } else {
        out.add(where, 'added', 'topology.message-added-to-topic', NEITHER, `${message} is filtered away from every consumer that does not declare it`);
      }
    }
  }
}

function compareMessage(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>, docs: [ContractDocument, ContractDocument]): void {
  const ca = a.contentType ?? docs[0].defaultContentType;
  const cb = b.contentType ?? docs[1].defaultContentType;
  if (ca !== cb) out.add(`${path}.contentType`, 'changed', 'message.content-type-changed', BOTH, `${show(ca)} → ${show(cb)}: readers decode the body differently`);
  for (const part of ['payload', 'headers'] as const) {
    if (same(a[part], b[part])) continue;
    if (a[part] === undefined) out.add(`${path}.${part}`, 'added', `message.${part}-added`, NARROWS, `the message declares ${part} now`);
    else if (b[part] === undefined) out.add(`${path}.${part}`, 'removed', `message.${part}-removed`, BOTH, `the message no longer declares ${part}`);
    else compareSchema(out, `${path}.${part}`, a[part], b[part]);
  }
  if (a['x-schema-version'] !== b['x-schema-version']) {
    out.add(`${path}.x-schema-version`, 'changed', 'message.version-changed', NEITHER, `${show(a['x-schema-version'])} → ${show(b['x-schema-version'])}`);
  }
  for (const key of unionKeys(a, b)) {
    if (!['name', 'contentType', 'payload', 'headers', 'x-schema-version'].includes(key)) compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}

/** Compares two maps of named things: removed is breaking, added is not, kept ones go to `compare`. */
function compareNamed<T>(out: Collector, path: string, a: Map<string, T>, b: Map<string, T>, what: string, compare: (path: string, a: T, b: T) => void): void {
  for (const [name, before] of a) {
    const after = b.get(name);
    if (after === undefined) out.add(`${path}.${name}`, 'removed', `${what}.removed`, BOTH, `${what} removed or renamed: everything that uses it breaks`);
    else compare(`${path}.${name}`, before, after);
  }
  for (const name of b.keys()) if (!a.has(name)) out.add(`${path}.${name}`, 'added', `${what}.added`, NEITHER, `new ${what}`);
}

const major = (version: unknown) => (typeof version === 'string' ? Number(version.split('.')[0]) : NaN);

/** Reads `info.x-compatibility`, falling back to {@link DEFAULT_COMPATIBILITY_MODE}. */
export function compatibilityModeOf(doc: ContractDocument): CompatibilityMode {
  const declared = doc.info?.['x-compatibility'];
  if (declared === undefined) return DEFAULT_COMPATIBILITY_MODE;
  if (!COMPATIBILITY_MODES.includes(declared)) {
    throw new Error(`info.x-compatibility is ${show(declared)}; use one of ${COMPATIBILITY_MODES.join(', ')}.`);
  }
  return declared;
}

/**
 * Classifies every difference between the released and the working contract.
 *
 * @param released the last released contract, dereferenced (see `loadContract`)
 * @param working the contract as it is now, dereferenced
 * @param mode compatibility mode; defaults to the working contract's `info.x-compatibility`
 * @example
 * const diff = diffContracts(await loadContract(releasedPath), await loadContract('asyncapi.yaml'));
 * const failing = diff.changes.filter((c) => c.classification !== 'non-breaking');
 */
export function diffContracts(
  released: ContractDocument,
  working: ContractDocument,
  mode: CompatibilityMode = compatibilityModeOf(working),
  options: DiffOptions = {},
): ContractDiff {
  const out = new Collector(mode);
  const notes: string[] = [];

  if (released.asyncapi !== working.asyncapi) out.unclassified('asyncapi', 'changed', `AsyncAPI ${released.asyncapi} → ${working.asyncapi}: review what the new spec version changes`);
  if (released.defaultContentType !== working.defaultContentType && released.defaultContentType !== undefined) {
    out.add('defaultContentType', kindOf(released.defaultContentType, working.defaultContentType), 'message.content-type-changed', BOTH, `${show(released.defaultContentType)} → ${show(working.defaultContentType)}: readers decode bodies differently`);
  }
  for (const key of unionKeys(released.info, working.info)) {
    const [a, b] = [released.info?.[key], working.info?.[key]];
    if (same(a, b)) continue;
    if (key === 'x-compatibility') out.add(`info.${key}`, kindOf(a, b), 'policy.mode-changed', NEITHER, `${show(a)} → ${show(b)}: changes were classified under ${mode}`);
    else out.add(`info.${key}`, kindOf(a, b), key === 'version' ? 'info.version' : 'documentation', NEITHER, `${show(a)} → ${show(b)}${key === 'version' ? '' : ': documentation only'}`);
  }
  compareNamed(out, 'servers', new Map(Object.entries(released.servers ?? {})), new Map(Object.entries(working.servers ?? {})), 'server',
    (p, a, b) => compareGeneric(out, p, a, b));
  compareNamed<any>(out, 'channels', new Map(Object.entries(released.channels ?? {})), new Map(Object.entries(working.channels ?? {})), 'channel',
    (p, a, b) => compareChannel(out, p, a, b));
  compareNamed<any>(out, 'operations', new Map(Object.entries(released.operations ?? {})), new Map(Object.entries(working.operations ?? {})), 'operation',
    (p, a, b) => compareOperation(out, p, a, b));
  const [ma, mb] = [messagesByName(released), messagesByName(working)];
  compareNamed<any>(out, 'messages', ma, mb, 'message', (p, a, b) => compareMessage(out, p, a, b, [released, working]));
  // Root keys other than these (components, id, tags, …): components are compared where the
  // channels and messages use them; an unused component is not part of what travels.
  const compared = new Set(['asyncapi', 'defaultContentType', 'info', 'servers', 'channels', 'operations', 'components']);
  for (const key of unionKeys(released, working)) if (!compared.has(key)) compareGeneric(out, key, released[key], working[key], key);

  // Topology: derived from each document (the released one as deployed, when recorded).
  let releasedTopology: Topology | undefined;
  let workingTopology: Topology | undefined;
  try {
    releasedTopology = options.releasedTopology ?? deriveTopology(released).topology;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    notes.push(`the released contract's topology cannot be derived (${error.problems[0]}); topology changes are not classified`);
  }
  try {
    workingTopology = deriveTopology(working).topology;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    for (const problem of error.problems) out.unclassified('topology', 'changed', `the working contract's topology is inconsistent: ${problem}`);
  }
  if (releasedTopology && workingTopology) compareTopology(out, releasedTopology, workingTopology);

  // Versions: a breaking change in place is not fixed by bumping the version in place, and a
  // compatible change should still be visible in the version producers send.
  for (const [name, after] of mb) {
    const before = ma.get(name);
    if (!before) continue;
    const own = out.changes.filter((c) => c.path.startsWith(`messages.${name}.`) && c.rule !== 'message.version-changed');
    const [va, vb] = [before['x-schema-version'], after['x-schema-version']];
    if (own.some((c) => c.classification !== 'non-breaking') && major(vb) > major(va)) {
      notes.push(`${name}: x-schema-version went ${va} → ${vb} in place. A new major version is a new message (e.g. ${name}V${major(vb)} with its own payload schema file) published side by side with ${name} ${va}, which stays unchanged while consumers move.`);
    } else if (own.some((c) => c.path.includes('.payload') || c.path.includes('.headers')) && va === vb) {
      notes.push(`${name}: its payload or headers changed but x-schema-version is still ${vb}; bump the minor (or patch) version so producers announce it.`);
    }
  }
  if (out.changes.length > 0 && released.info?.version === working.info?.version) {
    notes.push(`info.version is still ${working.info?.version}; bump it before \`npm run contract:release\`.`);
  }
  return { mode, changes: out.changes, notes };
}

export interface DiffOptions {
  /**
   * The topology deployed with the released contract, as its release recorded it. Without it, it
   * is derived from the released document.
   */
  releasedTopology?: Topology;
}

/** True when the diff has a change that must not pass (breaking or unclassified). */
export function hasFailingChanges(diff: ContractDiff): boolean {
  return diff.changes.some((c) => c.classification !== 'non-breaking');
}
