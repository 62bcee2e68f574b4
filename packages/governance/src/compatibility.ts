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
 *
 * The document is compared here (servers, channels, operations, messages by name, versions);
 * payloads in `payload-compatibility.ts`, the derived topology in `topology-compatibility.ts`.
 */
import { DEFAULT_SCHEMA_VERSION } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import type { ContractDocument } from './contract-document.ts';
import {
  BOTH,
  Collector,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  compareGeneric,
  type ContractChange,
  type ContractDiff,
  DEFAULT_COMPATIBILITY_MODE,
  isObject,
  kindOf,
  type ModeSource,
  NEITHER,
  same,
  show,
  showChange,
  unionKeys,
} from './classification.ts';
import { compareMessage } from './payload-compatibility.ts';
import { bindingsOutsideTopology, classifyTopology, diffTopologies } from './topology-compatibility.ts';

export {
  COMPATIBILITY_MODES,
  DEFAULT_COMPATIBILITY_MODE,
  type Classification,
  type CompatibilityMode,
  type ContractChange,
  type ContractDiff,
  type ModeSource,
} from './classification.ts';

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

function compareChannel(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  if (a.address !== b.address) out.add(`${path}.address`, 'changed', 'channel.renamed', BOTH, `${showChange(a.address, b.address)}: producers and consumers of the old address lose each other`);
  compareMessageLists(out, path, a.messages, b.messages, 'channel');
  for (const key of unionKeys(a, b)) {
    if (key === 'address' || key === 'messages') continue;
    if (key === 'bindings') compareGeneric(out, `${path}.bindings`, bindingsOutsideTopology(a.bindings), bindingsOutsideTopology(b.bindings), key);
    else compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}

function compareOperation(out: Collector, path: string, a: Record<string, any>, b: Record<string, any>): void {
  if (a.action !== b.action) out.add(`${path}.action`, 'changed', 'operation.action-changed', BOTH, `${showChange(a.action, b.action)}`);
  if (a.channel?.address !== b.channel?.address) {
    out.add(`${path}.channel`, 'changed', 'operation.channel-changed', BOTH, `${showChange(a.channel?.address, b.channel?.address)}: the operation moved to another channel`);
  }
  compareMessageLists(out, path, a.messages, b.messages, 'operation');
  for (const key of unionKeys(a, b)) {
    if (['action', 'channel', 'messages'].includes(key)) continue;
    if (key === 'bindings') compareGeneric(out, `${path}.bindings`, bindingsOutsideTopology(a.bindings), bindingsOutsideTopology(b.bindings), key);
    else compareGeneric(out, `${path}.${key}`, a[key], b[key], key);
  }
}

/**
 * Compares two maps of named things: removed is breaking, added is not, kept ones go to `compare`.
 * A name in `renamed` (released name → working name) is the same thing under a new name: `said`
 * reports the rename, and it is compared under its new name.
 */
function compareNamed<T>(
  out: Collector,
  path: string,
  a: Map<string, T>,
  b: Map<string, T>,
  what: string,
  compare: (path: string, a: T, b: T) => void,
  renamed: ReadonlyMap<string, string> = new Map(),
  said?: (path: string, from: string, before: T, after: T) => void,
): void {
  const targets = new Set(renamed.values());
  for (const [name, before] of a) {
    const now = b.has(name) ? name : renamed.get(name);
    const after = now === undefined ? undefined : b.get(now);
    if (after === undefined) out.add(`${path}.${name}`, 'removed', `${what}.removed`, BOTH, `${what} removed or renamed: everything that uses it breaks`);
    else {
      if (now !== name) said?.(`${path}.${now}`, name, before, after);
      compare(`${path}.${now}`, before, after);
    }
  }
  for (const name of b.keys()) if (!a.has(name) && !targets.has(name)) out.add(`${path}.${name}`, 'added', `${what}.added`, NEITHER, `new ${what}`);
}

/** What a channel is in the topology: a topic (an sns binding), a queue (an sqs binding), or neither. */
const channelKind = (channel: any): 'topic' | 'queue' | 'channel' => (isObject(channel?.bindings?.sns) ? 'topic' : isObject(channel?.bindings?.sqs) ? 'queue' : 'channel');

/**
 * Channels whose key changed while their address and kind stayed: released key → working key.
 * The key is the contract's own label: the topology, the publishers (by operation), the consumers,
 * the generated types and the settings are named after addresses, bindings, operations and
 * messages, never after it. Only a one-to-one match counts (one channel gone and one new with that
 * address and kind); a channel without an address is not matched.
 */
function renamedChannels(released: Record<string, any>, working: Record<string, any>): Map<string, string> {
  const unmatched = (side: Record<string, any>, other: Record<string, any>) => {
    const byAddress = new Map<string, string[]>();
    for (const [id, channel] of Object.entries(side)) {
      if (id in other || typeof channel?.address !== 'string') continue;
      const key = `${channelKind(channel)} ${channel.address}`;
      byAddress.set(key, [...(byAddress.get(key) ?? []), id]);
    }
    return byAddress;
  };
  const [gone, added] = [unmatched(released, working), unmatched(working, released)];
  const renamed = new Map<string, string>();
  for (const [key, ids] of gone) {
    const now = added.get(key);
    if (ids.length === 1 && now?.length === 1) renamed.set(ids[0]!, now[0]!);
  }
  return renamed;
}

const major = (version: unknown) => (typeof version === 'string' ? Number(version.split('.')[0]) : NaN);

/** `info.x-compatibility` names no mode the framework knows: a problem of the contract, not a crash. */
export class CompatibilityModeError extends Error {
  override name = 'CompatibilityModeError';
  /** Which contract holds it: the released one (a release recorded before the check) or the working one. */
  readonly of: 'released' | 'working';
  /** What is wrong, without what to write instead: `info.x-compatibility is "fulll", which is no compatibility mode`. */
  readonly fault: string;
  /**
   * @param declared - what `info.x-compatibility` holds
   * @param of - which contract holds it
   */
  constructor(declared: unknown, of: 'released' | 'working' = 'working') {
    const fault = `info.x-compatibility is ${show(declared)}, which is no compatibility mode`;
    super(`${fault}: write one of ${COMPATIBILITY_MODES.join(', ')}, or leave it out (backward)`);
    this.of = of;
    this.fault = fault;
  }
}

/**
 * Reads `info.x-compatibility`, falling back to {@link DEFAULT_COMPATIBILITY_MODE}.
 *
 * @example
 * ```ts
 * import { compatibilityModeOf, loadContract } from '@sluice/governance';
 *
 * const mode = compatibilityModeOf(await loadContract('asyncapi.yaml')); // 'full'
 * ```
 */
export function compatibilityModeOf(doc: ContractDocument): CompatibilityMode {
  const declared = doc.info?.['x-compatibility'];
  if (declared === undefined) return DEFAULT_COMPATIBILITY_MODE;
  if (!COMPATIBILITY_MODES.includes(declared)) throw new CompatibilityModeError(declared);
  return declared;
}

/**
 * The mode a change from `released` to `working` is judged under: the stricter of their
 * `info.x-compatibility` (full is stricter than backward and forward; backward and forward
 * together are full). A mode weakened in the same edit would otherwise let that edit's own
 * changes through; it applies from the next release on.
 *
 * @example
 * ```ts
 * import { diffModeOf, loadContract } from '@sluice/governance';
 *
 * const mode = diffModeOf(await loadContract('released/asyncapi.json'), await loadContract('asyncapi.yaml')); // 'full'
 * ```
 */
export function diffModeOf(released: ContractDocument, working: ContractDocument): CompatibilityMode {
  let a: CompatibilityMode;
  try {
    a = compatibilityModeOf(released);
  } catch (error) {
    throw error instanceof CompatibilityModeError ? new CompatibilityModeError(released.info?.['x-compatibility'], 'released') : error;
  }
  const b = compatibilityModeOf(working);
  return a === b ? a : 'full';
}

/**
 * Classifies every difference between the released and the working contract.
 *
 * @param released the last released contract, dereferenced (see `loadContract`)
 * @param working the contract as it is now, dereferenced
 * @param told compatibility mode told (`--mode`, or the caller's choice: see {@link DiffOptions.modeFrom}); by default the stricter of the two contracts' `info.x-compatibility` ({@link diffModeOf})
 * @param options the topology deployed with the released contract, when its release recorded it; where `told` came from
 * @example
 * ```ts
 * import { diffContracts, loadContract } from '@sluice/governance';
 *
 * const diff = diffContracts(await loadContract('released/asyncapi.json'), await loadContract('asyncapi.yaml'));
 * const failing = diff.changes.filter((c) => c.classification !== 'non-breaking');
 * ```
 */
export function diffContracts(
  released: ContractDocument,
  working: ContractDocument,
  told?: CompatibilityMode,
  options: DiffOptions = {},
): ContractDiff {
  const mode = told ?? diffModeOf(released, working);
  const declared = released.info?.['x-compatibility'] !== undefined || working.info?.['x-compatibility'] !== undefined;
  const modeFrom: ModeSource = told === undefined ? (declared ? 'contract' : 'default') : (options.modeFrom ?? 'option');
  const out = new Collector(mode, modeFrom);
  const notes: string[] = [];

  if (released.asyncapi !== working.asyncapi) out.unclassified('asyncapi', 'changed', `AsyncAPI ${released.asyncapi} → ${working.asyncapi}: review what the new spec version changes`);
  if (released.defaultContentType !== working.defaultContentType) {
    // What it changes is each message's content type that it stands for: compared there, message by message.
    const following = [...messagesByName(working)].filter(([, m]) => m.contentType === undefined).map(([name]) => name);
    out.add('defaultContentType', kindOf(released.defaultContentType, working.defaultContentType), 'content-type-default', NEITHER, `${showChange(released.defaultContentType, working.defaultContentType)}: ${following.length > 0 ? `the content type of ${following.join(', ')}, compared with each message` : 'every message sets its own contentType'}`);
  }
  for (const key of unionKeys(released.info, working.info)) {
    const [a, b] = [released.info?.[key], working.info?.[key]];
    if (same(a, b)) continue;
    if (key === 'x-compatibility') {
      // Told on the command line (--mode), that is the why; else a mode weakened in this edit, said.
      const why = modeFrom === 'option' ? ' (--mode)' : modeFrom === 'working' || modeFrom === 'working-default' ? ` (the working contract's mode alone: the released ${show(a)} is no mode)` : told === undefined && mode !== compatibilityModeOf(working) ? ` (the released contract's mode${compatibilityModeOf(released) === mode ? '' : ' and the new one together'}: a mode weakened in the same edit would let its own changes through; ${compatibilityModeOf(working)} applies from the next release on)` : '';
      out.add(`info.${key}`, kindOf(a, b), 'policy.mode-changed', NEITHER, `${showChange(a, b)}: changes were classified under ${mode}${why}`);
    }
    else out.add(`info.${key}`, kindOf(a, b), key === 'version' ? 'info.version' : 'documentation', NEITHER, `${showChange(a, b)}${key === 'version' ? '' : ': documentation only'}`);
  }
  compareNamed(out, 'servers', new Map(Object.entries(released.servers ?? {})), new Map(Object.entries(working.servers ?? {})), 'server',
    (p, a, b) => compareGeneric(out, p, a, b));
  compareNamed<any>(out, 'channels', new Map(Object.entries(released.channels ?? {})), new Map(Object.entries(working.channels ?? {})), 'channel',
    (p, a, b) => compareChannel(out, p, a, b), renamedChannels(released.channels ?? {}, working.channels ?? {}),
    (p, from, a) => out.add(p, 'changed', 'channel.key-renamed', NEITHER, `renamed from channels.${from}, with the same address (${show(a.address)}) and kind (${channelKind(a)}): nothing deployed, published, consumed or generated is named after the key; only the "channel" label of its entries in the generated topology changes`));
  compareNamed<any>(out, 'operations', new Map(Object.entries(released.operations ?? {})), new Map(Object.entries(working.operations ?? {})), 'operation',
    (p, a, b) => compareOperation(out, p, a, b));
  const [ma, mb] = [messagesByName(released), messagesByName(working)];
  // Both topologies, derived once: the messages a FIFO publisher sends (their x-message-group-id groups them), and the topology's own rows below.
  const topologies = diffTopologies(released, working, options.releasedTopology);
  const fifoMessages = new Set([topologies.released, topologies.working].flatMap((t) => Object.values(t?.operations ?? {}).flatMap((o) => (o.fifo ? o.messages : []))));
  compareNamed<any>(out, 'messages', ma, mb, 'message', (p, a, b) => compareMessage(out, p, a, b, [released, working], fifoMessages));
  // Root keys other than these (components, id, tags, …): components are compared where the
  // channels and messages use them; an unused component is not part of what travels.
  const compared = new Set(['asyncapi', 'defaultContentType', 'info', 'servers', 'channels', 'operations', 'components']);
  for (const key of unionKeys(released, working)) if (!compared.has(key)) compareGeneric(out, key, released[key], working[key], key);

  // Topology: derived from each document (the released one as deployed, when recorded).
  classifyTopology(out, notes, topologies, options.settings);

  // Versions: a breaking change in place is not fixed by bumping the version in place, and a
  // compatible change should still be visible in the version producers send.
  const brokenInPlace = new Map(messagesBrokenInPlace(released, working, out.changes).map((b) => [b.message, b]));
  for (const [name, after] of mb) {
    const before = ma.get(name);
    if (!before) continue;
    const own = out.changes.filter((c) => c.path.startsWith(`messages.${name}.`) && c.rule !== 'message.version-changed');
    // Unset, a message is sent and filtered as DEFAULT_SCHEMA_VERSION: said as that, never as "undefined".
    const versionOf = (message: any): string => message['x-schema-version'] ?? `${DEFAULT_SCHEMA_VERSION} (x-schema-version not set: the default)`;
    const [va, vb] = [versionOf(before), versionOf(after)];
    const broken = brokenInPlace.get(name);
    if (own.some((c) => c.classification !== 'non-breaking') && major(vb) > major(va)) {
      notes.push(`${name}: x-schema-version went ${va} → ${vb} in place. A new major version is a new message (e.g. ${name}V${major(vb)} with its own payload schema file) published side by side with ${name} ${va}, which stays unchanged while consumers move.`);
    } else if (broken) {
      notes.push(`${name}: its own changes are breaking but x-schema-version ${va === vb ? `is still ${vb}` : `went ${va} → ${vb}, the same major`}; a minor or patch bump does not help: consumers of major ${major(va)} would get both shapes. ${sideBySide(name, major(va))}`);
    } else if (own.some((c) => (c.path.includes('.payload') || c.path.includes('.headers')) && c.rule !== 'documentation') && va === vb) {
      const review = own.some((c) => c.classification === 'unclassified') ? ' (if your review of the unclassified change finds it breaking, publish a new major version side by side instead)' : '';
      notes.push(`${name}: its payload or headers changed but x-schema-version is still ${vb}; bump the minor (or patch) version so producers announce it${review}.`);
    }
  }
  if (out.changes.length > 0 && released.info?.version === working.info?.version) {
    notes.push(
      onlyDocumentation(out.changes)
        ? `only documentation changed: nothing that is sent, validated or deployed differs, so no version needs a bump (\`npm run contract:release\` records it under ${working.info?.version})`
        : `info.version is still ${working.info?.version}; bump it before \`npm run contract:release\`.`,
    );
  }
  return { mode, modeFrom, changes: out.changes, notes };
}

/**
 * True when every change is documentation (descriptions, summaries, titles, examples, tags: rule
 * `documentation`), besides a bump of `info.version`: nothing that is sent, validated or deployed
 * differs, so no version needs a bump. False for no changes at all.
 *
 * @param changes - the changes {@link diffContracts} found
 * @example
 * ```ts
 * import { diffContracts, loadContract, onlyDocumentation } from '@sluice/governance';
 *
 * const diff = diffContracts(await loadContract('released/asyncapi.json'), await loadContract('asyncapi.yaml'));
 * if (onlyDocumentation(diff.changes)) console.log('wording only: release it under the same version');
 * ```
 */
export function onlyDocumentation(changes: readonly ContractChange[]): boolean {
  const own = changes.filter((c) => c.rule !== 'info.version');
  return own.length > 0 && own.every((c) => c.rule === 'documentation');
}

/** The words of `contract:diff`'s "What to do next" for one message: its next major, published side by side. */
function sideBySide(name: string, current: number): string {
  const next = Number.isFinite(current) ? current + 1 : 2;
  return `Changing a message on purpose: publish a new major version side by side. Copy its payload schema and edit the copy, add a message (e.g. ${name}V${next}, x-schema-version: ${next}.0.0, its own headers schema) to the channels and operations, leave the released message exactly as it is, then \`npm run codegen\` and \`npm run contract:release\`. Retire the old version once no consumer reads it.`;
}

/** A message whose own changes break its consumers while its `x-schema-version` keeps its major. */
export interface InPlaceBreak {
  /** The message's name. */
  message: string;
  /** Its `x-schema-version` in the released contract. */
  released: string;
  /** Its `x-schema-version` in the working contract (same major). */
  working: string;
  /** Its own breaking changes, as `kind path`. */
  changes: string[];
  /**
   * What happens to its messages once this is released: every one of that major, old shape or
   * new, still reaches the consumers of that major, which refuse the shape they do not expect.
   */
  warning: string;
}

/**
 * The messages whose own changes (payload, headers, content type…) are breaking while their
 * `x-schema-version` keeps its major: released like that (`contract:release --accept-breaking`),
 * messages of the old shape (in flight, waiting in queues and dead-letter queues, sent by a
 * producer not yet deployed) still carry that major, still pass the subscriptions' filter on it,
 * and consumers expecting the new shape refuse them (and the other way round).
 *
 * @param released the released contract, dereferenced
 * @param working the working contract, dereferenced
 * @param changes the changes {@link diffContracts} found between them
 * @returns one entry per such message, by name
 * @example
 * ```ts
 * import { diffContracts, loadContract, messagesBrokenInPlace } from '@sluice/governance';
 *
 * const released = await loadContract('released/asyncapi.json');
 * const working = await loadContract('asyncapi.yaml');
 * for (const b of messagesBrokenInPlace(released, working, diffContracts(released, working).changes)) console.warn(b.warning);
 * ```
 */
export function messagesBrokenInPlace(released: ContractDocument, working: ContractDocument, changes: readonly ContractChange[]): InPlaceBreak[] {
  const [ma, mb] = [messagesByName(released), messagesByName(working)];
  const found: InPlaceBreak[] = [];
  for (const [name, after] of mb) {
    const before = ma.get(name);
    if (!before) continue;
    // Unset, a message is sent and filtered as DEFAULT_SCHEMA_VERSION: said as that, never as "undefined".
    const versionOf = (message: any): string => message['x-schema-version'] ?? `${DEFAULT_SCHEMA_VERSION} (x-schema-version not set: the default)`;
    const [va, vb] = [versionOf(before), versionOf(after)];
    if (major(va) !== major(vb)) continue;
    const breaking = changes.filter((c) => c.path.startsWith(`messages.${name}.`) && c.rule !== 'message.version-changed' && c.classification === 'breaking');
    if (breaking.length === 0) continue;
    const m = major(va);
    found.push({
      message: name,
      released: String(va),
      working: String(vb),
      changes: breaking.map((c) => `${c.kind} ${c.path}`),
      warning: `${name} changes in a breaking way but keeps major ${m} (x-schema-version ${va === vb ? `still ${vb}` : `${va} → ${vb}`}). Its old-shape messages (in flight, waiting in queues or dead-letter queues, or sent by a producer not yet redeployed) still carry schemaVersion ${m}.x, still pass the subscriptions' "${m}." filter, and consumers that expect the new shape refuse them (PAYLOAD_INVALID: retried, then dead-lettered); consumers not yet redeployed may refuse the new shape the same way. Drain those queues and deploy producers and consumers together, or publish ${name}V${m + 1} side by side instead.`,
    });
  }
  return found;
}

/** Options of {@link diffContracts}. */
export interface DiffOptions {
  /**
   * The topology deployed with the released contract, as its release recorded it. Without it, it
   * is derived from the released document.
   */
  releasedTopology?: Topology;
  /**
   * The application's settings (`eventContract.settings`): a queue's visibility timeout not written
   * in the contract is derived from its consumer's function timeout, which they hold. Without them,
   * a value written where it was derived (or the other way round) is said against "6 × the
   * function timeout" rather than compared.
   */
  settings?: AppSettings;
  /**
   * Where a `told` mode came from, as the report says it: a command without `--mode` that picks
   * the mode itself (`contract:release` judging under the working contract's when the released
   * one's is no mode) says `working` or `working-default`, not a `--mode` nobody gave. Ignored
   * without `told`: the mode is then the contracts' own.
   *
   * @default 'option'
   */
  modeFrom?: ModeSource;
}

/**
 * True when the diff has a change that must not pass (breaking or unclassified).
 *
 * @example
 * ```ts
 * import { diffContracts, hasFailingChanges, loadContract } from '@sluice/governance';
 *
 * const diff = diffContracts(await loadContract('released/asyncapi.json'), await loadContract('asyncapi.yaml'));
 * if (hasFailingChanges(diff)) process.exitCode = 1;
 * ```
 */
export function hasFailingChanges(diff: ContractDiff): boolean {
  return diff.changes.some((c) => c.classification !== 'non-breaking');
}
