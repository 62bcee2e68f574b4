/**
 * Where a place of the dereferenced document is written in the contract's files: the parser's
 * document has every `$ref` replaced by what it refers to, so a path into it
 * (`/channels/q/bindings/sqs/queue`) can run through places written elsewhere
 * (`/components/channelBindings/q/sqs/queue`, or another file). What a contract's author must
 * edit is where the text is, with its line.
 */
import path from 'node:path';
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import { contractFiles, type Loaded } from './contract-files.ts';

export type { Loaded } from './contract-files.ts';

/** A place as written: the file, the JSON pointer in it and the 1-based line of its key, when known. */
export interface WrittenPlace {
  /** Absolute path of the file the place is written in. */
  file: string;
  /** JSON pointer of the place in that file (`/components/channelBindings/q/sqs/queue`). */
  pointer: string;
  /** The 1-based line where the place is written (its key's line; its `$ref`'s line when it is a `$ref` not followed), when the file reads as YAML or JSON. */
  line?: number;
  /** The `$ref` written at the place, when it is one (only with `followLast: false`). */
  ref?: string;
}

/**
 * Reads `file` as written (YAML, of which JSON is a part), each file once per loader; undefined
 * when it cannot be read or has syntax errors (the parser says which).
 *
 * @example
 * ```ts
 * import { writtenFiles } from './written-places.ts';
 *
 * const load = writtenFiles();
 * const spec = load('asyncapi.yaml'); // { doc, lines }, or undefined
 * ```
 */
export function writtenFiles(): (file: string) => Loaded | undefined {
  const files = contractFiles();
  return (file) => files.written(file);
}

/**
 * The node at `fragment` (a JSON pointer, `/channels/orders`) of a written document, YAML aliases
 * followed, with the path walked; undefined when it is not there.
 *
 * @example
 * ```ts
 * import { nodeAtFragment, writtenFiles } from './written-places.ts';
 *
 * const spec = writtenFiles()('asyncapi.yaml');
 * if (spec) nodeAtFragment(spec.doc, '/components/schemas/Money'); // { node, at: ['components', 'schemas', 'Money'] }
 * ```
 */
export function nodeAtFragment(doc: Document, fragment: string): { node: unknown; at: string[] } | undefined {
  const keyOf = (pair: { key: unknown }) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
  let node: unknown = doc.contents;
  const at: string[] = [];
  for (const part of fragment.split('/').slice(1).map(unsegment)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) node = node.items.find((p) => isPair(p) && keyOf(p) === part)?.value;
    else if (isSeq(node) && /^\d+$/.test(part)) node = node.items[Number(part)];
    else node = undefined;
    if (node === undefined || node === null) return undefined;
    at.push(part);
  }
  return { node, at };
}

type Ranged = { range?: readonly number[] | null } | null | undefined;

const segment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
/** A JSON pointer's segment, read back (URI-decoded when it is, `~1` and `~0` undone). */
export const unsegment = (part: string) => {
  let text = part;
  try {
    text = decodeURIComponent(part);
  } catch {
    // not URI-encoded
  }
  return text.replaceAll('~1', '/').replaceAll('~0', '~');
};

/**
 * Follows `pointer` (a JSON pointer into the dereferenced document of `specPath`) through the
 * files as written: each `$ref` met on the way (local, `#/…`, or to a local file, `other.yaml#/…`)
 * is followed where it points. With `followLast: false` a `$ref` at the end is not followed: the
 * result is where that `$ref` is written (and `ref` holds it); with `followLast: true`, where what
 * it refers to is written. `undefined` when the path leaves what is written (a place the parser
 * made, as a trait merged into a message), or a file does not read: the caller keeps the
 * dereferenced pointer then.
 *
 * @param specPath - the contract (YAML or JSON)
 * @param pointer - JSON pointer into the dereferenced document (`/channels/q/bindings/sqs`)
 * @param options - `followLast`: whether a `$ref` at the end is followed; `ref` (with `followLast:
 *   false`): the `$ref` wanted at the end, where a chain of `$refs` there is followed until it is met
 *   (`undefined` when it is not): the place of a `$ref` the parser left as it is written, which may
 *   be the last of a chain (`a: {$ref: '#/b'}`, `b: {$ref: '#/a'}` reached at `a` leaves `#/a`)
 * @param load - the files as read ({@link writtenFiles}), to share between calls
 *
 * @example
 * ```ts
 * import { writtenPlace } from '@sluice/codegen';
 *
 * const place = writtenPlace('asyncapi.yaml', '/channels/orderQueue/bindings/sqs/queue', { followLast: true });
 * if (place) console.log(`${place.file}#${place.pointer} (line ${place.line})`);
 * ```
 */
export function writtenPlace(specPath: string, pointer: string, options: { followLast: boolean; ref?: string }, load = writtenFiles()): WrittenPlace | undefined {
  const walk = walker(specPath, load);
  if (!walk) return undefined;
  for (const part of pointer.split('/').slice(1).map(unsegment)) {
    // A `$ref` key is the place of the `$ref` itself (one that cannot be followed, as a remote one): not followed first.
    const onRef = part === '$ref' && walk.refHere() !== undefined;
    if ((!onRef && !walk.resolve()) || !walk.step(part)) return undefined;
  }
  if (!options.followLast && options.ref !== undefined) {
    // The $ref asked for is where the chain of $refs at the end reaches it (each followed once).
    const seen = new Set<string>();
    for (let ref = walk.refHere()?.ref; ref !== undefined && ref !== options.ref; ref = walk.refHere()?.ref) {
      const key = `${walk.file()}\0${ref}`;
      if (seen.has(key) || !walk.follow(ref)) return undefined;
      seen.add(key);
    }
    if (walk.refHere()?.ref !== options.ref) return undefined;
  }
  const last = walk.refHere();
  if (options.followLast && !walk.resolve()) return undefined;
  const place = walk.place();
  if (!options.followLast && last) {
    place.ref = last.ref;
    if (last.line !== undefined) place.line = last.line;
  }
  return place;
}

/** A place a path names, as written, and the places the same path names when read otherwise. */
export interface PathPlace extends WrittenPlace {
  /**
   * The places the same dotted path names when its keys are read otherwise, each written as far as
   * this one (`channels.user.address`: the channel `user.address`, and the address of the channel
   * `user`): which one the path means cannot be told from it, so none is picked. Absent when the
   * path reads one way.
   */
  otherReadings?: WrittenPlace[];
}

/**
 * Where the place a problem or warning names by its path in the dereferenced document is written:
 * a dotted path as the framework's messages write it
 * (`channels.orderQueue.bindings.sqs.queue.tags`, `operations.publish.bindings.sns.consumers[1]`),
 * or the path's keys one by one (`['channels', 'order.placed', 'address']`), which reads one way
 * only. Each `$ref` on the way is followed, and a place an operation or a message has from its
 * traits (which the parser merged) is found in the trait that writes it. A dotted path whose keys
 * may have dots (`order.placed`) is read every way the files allow: the reading written furthest
 * wins; when two are written as far, one is returned and the others are in `otherReadings`. When
 * the path leaves what is written (a key the parser made, a misspelt one), the deepest place of it
 * that is written; undefined only when the contract does not read.
 *
 * @param specPath - the contract (YAML or JSON)
 * @param dotted - the path, as the framework's messages write it, or its keys
 * @param load - the files as read ({@link writtenFiles}), to share between calls
 *
 * @example
 * ```ts
 * import { writtenPlaceOfPath } from '@sluice/codegen';
 *
 * const place = writtenPlaceOfPath('asyncapi.yaml', 'channels.orderQueue.bindings.sqs.queue.tags');
 * if (place) console.log(`${place.file} (line ${place.line})`);
 * const exact = writtenPlaceOfPath('asyncapi.yaml', ['channels', 'order.placed', 'address']);
 * ```
 */
export function writtenPlaceOfPath(specPath: string, dotted: string | readonly string[], load = writtenFiles()): PathPlace | undefined {
  return placeOfKeys(specPath, typeof dotted === 'string' ? dottedKeys(dotted) : exactKeys(dotted), { followLast: false }, load);
}

/**
 * Where the place at `pointer` (a JSON pointer into the dereferenced document of `specPath`) is
 * written, or the deepest place of it that is: as {@link writtenPlaceOfPath} with the pointer's
 * segments as the keys (one reading), traits included; a `$ref` at the end is followed when it can
 * be, else the place is that `$ref`'s (with `ref`). Undefined when the contract does not read.
 *
 * @example
 * ```ts
 * import { writtenPlaceOfPointer } from './written-places.ts';
 *
 * // A header the message has from a trait: the place in the trait that writes it.
 * const place = writtenPlaceOfPointer('asyncapi.yaml', '/components/messages/OrderPlaced/headers/properties/tenant');
 * ```
 */
export function writtenPlaceOfPointer(specPath: string, pointer: string, load = writtenFiles()): WrittenPlace | undefined {
  return placeOfKeys(specPath, exactKeys(pointer.split('/').slice(1).map(unsegment)), { followLast: true }, load);
}

/**
 * A path of the dereferenced document to look for: its keys, and `dots[i]` when keys `i` and
 * `i + 1` were written `a.b` in a dotted path, where they may be one key with a dot in it.
 */
interface PathKeys {
  keys: readonly string[];
  dots: readonly boolean[];
}

/** The keys of a dotted path (`operations.publish.bindings.sns.consumers[1].endpoint`): an index in brackets joins no neighbour. */
function dottedKeys(dotted: string): PathKeys {
  const keys: string[] = [];
  const dots: boolean[] = [];
  for (const piece of dotted.split('.')) {
    const parts = piece === '' ? [''] : piece.split(/\[(\d+)\]/).filter((part) => part !== '');
    parts.forEach((part, i) => {
      if (keys.length > 0) dots.push(i === 0);
      keys.push(part);
    });
  }
  return { keys, dots };
}

/** Keys given one by one (a JSON pointer's segments): none joins another. */
const exactKeys = (keys: readonly string[]): PathKeys => ({ keys, dots: keys.slice(1).map(() => false) });

/** One way of reading a path in the files: the keys it read, how many of the path's keys they took, where that is written, and the traits it went through (their indexes). */
interface Reading {
  read: readonly string[];
  taken: number;
  place: WrittenPlace;
  traits: readonly number[];
}

/**
 * Whether the place at `read` (keys of the dereferenced document) is an operation or a message,
 * which have traits: `operations.x`, `components.messages.x`, a message of a channel or of an
 * operation (`channels.c.messages.x`, `operations.o.messages.0`, `operations.o.channel.messages.x`),
 * each under `components` too.
 */
function hasTraits(read: readonly string[]): boolean {
  const keys = read[0] === 'components' ? read.slice(1) : read;
  if (keys.length === 2) return keys[0] === 'operations' || (keys[0] === 'messages' && read[0] === 'components');
  const message = keys.at(-2) === 'messages' && (keys[0] === 'channels' || keys[0] === 'operations');
  return message && (keys.length === 4 || (keys.length === 5 && keys[0] === 'operations' && keys[2] === 'channel'));
}

/** Whether reading `a` wins over `b` for the same keys: a place an operation or message writes itself over its traits' (the parser merges it last), a later trait over an earlier one. */
function precedes(a: Reading, b: Reading): boolean {
  if (a.traits.length !== b.traits.length) return a.traits.length < b.traits.length;
  const differ = a.traits.findIndex((t, i) => t !== b.traits[i]);
  return differ >= 0 && a.traits[differ]! > b.traits[differ]!;
}

/**
 * Where `path` is written in the files of `specPath` (see {@link writtenPlaceOfPath}): every way
 * of reading it is walked (a key with dots in it, or nested keys; the host's own keys, or a
 * trait's), the readings that take the most of it are kept, one per way of splitting its keys
 * (the one that wins of a host and its traits), the first as the place, the others in
 * `otherReadings`. With `followLast`, a `$ref` where the walk ends is followed (or said where it is
 * written, with `ref`, when it cannot be).
 */
function placeOfKeys(specPath: string, path: PathKeys, options: { followLast: boolean }, load: (file: string) => Loaded | undefined): PathPlace | undefined {
  const start = walker(specPath, load);
  if (!start) return undefined;
  const { keys, dots } = path;
  const readings: Reading[] = [];
  /** Where a walk ends: at the `$ref` there when it cannot be followed, with its line (asked for by followLast). */
  const unfollowed = (walk: Walk): WrittenPlace => {
    const place = walk.place();
    const ref = options.followLast ? walk.refHere() : undefined;
    if (ref) {
      place.ref = ref.ref;
      if (ref.line !== undefined) place.line = ref.line;
    }
    return place;
  };
  const visit = (walk: Walk, i: number, read: readonly string[], traits: readonly number[]) => {
    if (i === keys.length) {
      const on = options.followLast ? walk.fork() : undefined;
      readings.push({ read, taken: i, traits, place: !on ? walk.place() : on.resolve() ? on.place() : unfollowed(walk) });
      return;
    }
    // A `$ref` key is the place of the `$ref` itself (one that cannot be followed, as a remote one): not followed first.
    if (keys[i] === '$ref' && walk.refHere() !== undefined) {
      const next = walk.fork();
      next.step('$ref');
      visit(next, i + 1, [...read, '$ref'], traits);
      readings.push({ read, taken: i, traits, place: unfollowed(walk) });
      return;
    }
    const here = walk.fork();
    if (!here.resolve()) {
      readings.push({ read, taken: i, traits, place: unfollowed(walk) });
      return;
    }
    readings.push({ read, taken: i, traits, place: here.place() });
    const written = new Set(here.keys());
    // Every key the next keys spell: `order.placed` (the longest first), then `order`.
    let most = 1;
    while (i + most < keys.length && dots[i + most - 1]) most++;
    for (let n = most; n >= 1; n--) {
      const key = keys.slice(i, i + n).join('.');
      if (!written.has(key)) continue;
      const next = here.fork();
      next.step(key);
      visit(next, i + n, [...read, key], traits);
    }
    // What an operation or a message has from its traits (`traits: [{$ref: …}]`), which the parser merged into it.
    if (traits.length < 2 && written.has('traits') && hasTraits(read)) {
      for (let t = 0; ; t++) {
        const trait = here.fork();
        if (!trait.step('traits') || !trait.resolve() || !trait.step(String(t))) break;
        visit(trait, i, read, [...traits, t]);
      }
    }
  };
  visit(start, 0, [], []);
  const taken = Math.max(...readings.map((r) => r.taken));
  const ways = new Map<string, Reading>();
  for (const reading of readings) {
    if (reading.taken !== taken) continue;
    const way = reading.read.join('\0');
    const other = ways.get(way);
    if (!other || precedes(reading, other)) ways.set(way, reading);
  }
  const seen = new Set<string>();
  const places = [...ways.values()]
    .map((r) => r.place)
    .filter((p) => {
      const key = `${p.file}\0${p.pointer}`;
      return !seen.has(key) && seen.add(key);
    });
  const [place, ...others] = places;
  return others.length > 0 ? { ...place!, otherReadings: others } : place;
}

/** The kinds of things a text names by name alone (`queue orders has no redrivePolicy`). */
export type DeclaredKind = 'message' | 'queue' | 'topic' | 'operation' | 'channel';

/**
 * Where the message, queue, topic, operation or channel named `name` is declared in the files of
 * `specPath`: a message under `components.messages` (by its `name`, else its key), else under a
 * channel's `messages`; a queue where a binding names it (a channel's `bindings.sqs.queue`, or
 * one of a channel's or an operation's `bindings.sqs.queues`; a FIFO queue also by its name
 * without the `.fifo` AWS requires); a topic by its channel's `bindings.sns` (its `name`, else the
 * channel's address); an operation or a channel by its id. Each `$ref` on the way is followed.
 * Undefined when nothing of that name is declared.
 *
 * @param specPath - the contract (YAML or JSON)
 * @param kind - what `name` names
 * @param name - the name, as the framework's messages say it
 * @param load - the files as read ({@link writtenFiles}), to share between calls
 *
 * @example
 * ```ts
 * import { declaredPlace } from './written-places.ts';
 *
 * const place = declaredPlace('asyncapi.yaml', 'queue', 'OrderQueue');
 * if (place) console.log(`${place.file} (line ${place.line})`);
 * ```
 */
export function declaredPlace(specPath: string, kind: DeclaredKind, name: string, load = writtenFiles()): WrittenPlace | undefined {
  /** The walk to `keys`, each `$ref` on the way and there followed; undefined when not written. */
  const walkTo = (keys: readonly string[]) => {
    const walk = walker(specPath, load);
    if (!walk || !keys.every((key) => walk.resolve() && walk.step(key))) return undefined;
    return walk.resolve() ? walk : undefined;
  };
  const keysAt = (...keys: string[]) => walkTo(keys)?.keys() ?? [];
  const valueAt = (...keys: string[]) => walkTo(keys)?.scalar();
  const at = (keys: readonly string[] | undefined) => (keys ? placeOfKeys(specPath, exactKeys(keys), { followLast: true }, load) : undefined);
  /** The first of `candidates` named `name` (`named` reads a candidate's name), else the first named it without `.fifo`. */
  const first = (candidates: string[][], named: (keys: string[]) => unknown) =>
    candidates.find((keys) => named(keys) === name) ?? (name.endsWith('.fifo') ? candidates.find((keys) => named(keys) === name.slice(0, -'.fifo'.length)) : undefined);
  const channels = keysAt('channels');
  switch (kind) {
    case 'message': {
      const messages = [
        ...keysAt('components', 'messages').map((key) => ['components', 'messages', key]),
        ...channels.flatMap((id) => keysAt('channels', id, 'messages').map((key) => ['channels', id, 'messages', key])),
      ];
      return at(messages.find((keys) => valueAt(...keys, 'name') === name) ?? messages.find((keys) => keys.at(-1) === name && valueAt(...keys, 'name') === undefined));
    }
    case 'queue': {
      const queues = (...where: string[]) => keysAt(...where, 'bindings', 'sqs', 'queues').map((i) => [...where, 'bindings', 'sqs', 'queues', i]);
      const candidates = [
        ...channels.flatMap((id) => [...(keysAt('channels', id, 'bindings', 'sqs').includes('queue') ? [['channels', id, 'bindings', 'sqs', 'queue']] : []), ...queues('channels', id)]),
        ...keysAt('operations').flatMap((id) => queues('operations', id)),
      ];
      return at(first(candidates, (keys) => valueAt(...keys, 'name')));
    }
    case 'topic': {
      const topics = channels.filter((id) => keysAt('channels', id, 'bindings').includes('sns')).map((id) => ['channels', id, 'bindings', 'sns']);
      return at(first(topics, (keys) => valueAt(...keys, 'name') ?? valueAt(...keys.slice(0, 2), 'address')));
    }
    case 'operation':
      return keysAt('operations').includes(name) ? at(['operations', name]) : undefined;
    case 'channel':
      return channels.includes(name) ? at(['channels', name]) : undefined;
  }
}

type Walk = NonNullable<ReturnType<typeof walker>>;

/** A walk through the files as written from the root of `specPath`, following `$ref`s where told; undefined when the file does not read. */
function walker(specPath: string, load: (file: string) => Loaded | undefined) {
  const file = path.resolve(specPath);
  const loaded = load(file);
  return loaded ? walkFrom({ file, loaded, node: loaded.doc.contents, at: [], line: undefined }, load) : undefined;
}

/** Where a walk is: the file and its reading, the node, its path in that file and the line of its key. */
interface WalkState {
  file: string;
  loaded: Loaded;
  node: unknown;
  at: string[];
  line: number | undefined;
}

/** A walk from `state` (see {@link walker}); `fork` starts another from where this one is. */
function walkFrom(state: WalkState, load: (file: string) => Loaded | undefined) {
  const lineOf = (ranged: Ranged) => (ranged?.range ? state.loaded.lines.linePos(ranged.range[0]!).line : undefined);
  const keyOf = (p: { key: unknown }) => (isScalar(p.key) ? String(p.key.value) : String(p.key));
  const resolved = (value: unknown) => (isAlias(value) ? value.resolve(state.loaded.doc) : value);
  /** The `$ref` of a node that is one (a mapping with a string `$ref`) and its line, else undefined. */
  const refAt = (value: unknown): { ref: string; line: number | undefined } | undefined => {
    value = resolved(value);
    if (!isMap(value)) return undefined;
    const pair = value.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === '$ref');
    if (!pair || !isScalar(pair.value) || typeof pair.value.value !== 'string') return undefined;
    return { ref: pair.value.value, line: lineOf(pair.key as Ranged) };
  };
  /** The maps a YAML merge key (`<<: *defaults`, `<<: [*a, *b]`) of `map` brings in, in order. */
  const mergedInto = (map: YAMLMap): YAMLMap[] =>
    map.items
      .filter((p) => isPair(p) && keyOf(p) === '<<')
      .flatMap((p) => (isSeq(p.value) ? p.value.items : [p.value]))
      .map(resolved)
      .filter((v): v is YAMLMap => isMap(v));
  /** The pair of `key` in `map`, or in what its merge keys bring in (the map's own first, as YAML reads them). */
  const pairOf = (map: YAMLMap, key: string, seen = new Set<YAMLMap>()): Pair | undefined => {
    seen.add(map);
    const own = map.items.find((p) => isPair(p) && keyOf(p) === key);
    if (own) return own;
    for (const merged of mergedInto(map)) {
      const found = seen.has(merged) ? undefined : pairOf(merged, key, seen);
      if (found) return found;
    }
    return undefined;
  };
  /** The keys of `map`, with those its merge keys bring in. */
  const keysOf = (map: YAMLMap, seen = new Set<YAMLMap>()): string[] => {
    seen.add(map);
    return [...map.items.filter((p) => isPair(p) && keyOf(p) !== '<<').map(keyOf), ...mergedInto(map).flatMap((m) => (seen.has(m) ? [] : keysOf(m, seen)))];
  };
  /** Goes into `key` of the current node (no `$ref` followed); false when it has none. */
  const step = (key: string): boolean => {
    const node = resolved(state.node);
    if (isMap(node)) {
      const pair = pairOf(node, key);
      if (!pair) return false;
      state.line = lineOf(pair.key as Ranged);
      state.node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(key) && Number(key) < node.items.length) {
      state.node = node.items[Number(key)];
      state.line = lineOf(state.node as Ranged);
    } else return false;
    state.at.push(key);
    return true;
  };
  /** Goes where `ref` points; false when it cannot be followed (remote, a file that does not read, a pointer to nothing). */
  const follow = (ref: string): boolean => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return false;
    const [target = '', fragment = ''] = ref.split('#');
    if (target) {
      // Committed only once it reads: a file that does not leaves the walk where it was.
      const next = path.resolve(path.dirname(state.file), target);
      const read = load(next);
      if (!read) return false;
      state.file = next;
      state.loaded = read;
    }
    state.node = state.loaded.doc.contents;
    state.at = [];
    state.line = undefined;
    return fragment
      .split('/')
      .slice(1)
      .every((part) => step(unsegment(part)));
  };
  return {
    step,
    follow,
    file: () => state.file,
    refHere: () => refAt(state.node),
    /** The keys (or indexes) of the current node. */
    keys: (): string[] => {
      const here = resolved(state.node);
      if (isMap(here)) return keysOf(here);
      if (isSeq(here)) return here.items.map((_, i) => String(i));
      return [];
    },
    /** The value of the current node when it is a scalar (a name, an address), else undefined. */
    scalar: (): unknown => {
      const here = resolved(state.node);
      return isScalar(here) ? here.value : undefined;
    },
    /** Follows the `$ref`s at the current node (a chain of them, each once). */
    resolve: (): boolean => {
      const seen = new Set<string>();
      for (let ref = refAt(state.node)?.ref; ref !== undefined; ref = refAt(state.node)?.ref) {
        const key = `${state.file}\0${ref}`;
        if (seen.has(key) || !follow(ref)) return false;
        seen.add(key);
      }
      return true;
    },
    place: (): WrittenPlace => ({ file: state.file, pointer: state.at.map((k) => `/${segment(k)}`).join(''), ...(state.line !== undefined ? { line: state.line } : {}) }),
    /** Another walk from where this one is, which goes on without moving it. */
    fork: () => walkFrom({ ...state, at: [...state.at] }, load),
  };
}
