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

/**
 * Where the place a problem or warning names as a dotted path of the dereferenced document
 * (`channels.orderQueue.bindings.sqs.queue.tags`, `operations.publish.bindings.sns.consumers[1]`)
 * is written: each `$ref` on the way followed, a key with dots in it (`order.placed`) matched
 * whole. When the path leaves what is written (a key the parser made, a misspelt one), the
 * deepest place of it that is written; undefined only when the contract does not read.
 *
 * @param specPath - the contract (YAML or JSON)
 * @param dotted - the path, as the framework's messages write it
 * @param load - the files as read ({@link writtenFiles}), to share between calls
 *
 * @example
 * ```ts
 * import { writtenPlaceOfPath } from '@sluice/codegen';
 *
 * const place = writtenPlaceOfPath('asyncapi.yaml', 'channels.orderQueue.bindings.sqs.queue.tags');
 * if (place) console.log(`${place.file} (line ${place.line})`);
 * ```
 */
export function writtenPlaceOfPath(specPath: string, dotted: string, load = writtenFiles()): WrittenPlace | undefined {
  return walkParts(specPath, dotted.replace(/\[(\d+)\]/g, '.$1').split('.'), load, 0)?.place;
}

/**
 * {@link writtenPlaceOfPath} of `parts`: the deepest written place and how many parts it took.
 * Where an operation or a message does not have the rest written itself, its traits may
 * (`operations.publish.bindings…` from `traits: [{$ref: …/operationTraits/subscribes}]`, which
 * the parser merged): each trait is tried, and the one that takes the most parts wins.
 */
function walkParts(specPath: string, parts: readonly string[], load: (file: string) => Loaded | undefined, depth: number): { place: WrittenPlace; taken: number } | undefined {
  const walk = walker(specPath, load);
  if (!walk) return undefined;
  let i = 0;
  while (i < parts.length) {
    if (!walk.resolve()) break;
    // The longest key that the next parts spell (`order.placed` before `order`).
    const keys = new Set(walk.keys());
    let n = parts.length - i;
    while (n > 0 && !keys.has(parts.slice(i, i + n).join('.'))) n--;
    if (n === 0 || !walk.step(parts.slice(i, i + n).join('.'))) break;
    i += n;
  }
  let best = { place: walk.place(), taken: i };
  if (i < parts.length && depth < 2 && walk.resolve() && walk.keys().includes('traits')) {
    for (let t = 0; ; t++) {
      const through = [...parts.slice(0, i), 'traits', String(t), ...parts.slice(i)];
      const tried = walkParts(specPath, through, load, depth + 1);
      if (!tried || tried.taken < i + 2) break; // no trait t
      if (tried.taken - 2 > best.taken) best = { place: tried.place, taken: tried.taken - 2 };
    }
  }
  return best;
}

/** A walk through the files as written from the root of `specPath`, following `$ref`s where told; undefined when the file does not read. */
function walker(specPath: string, load: (file: string) => Loaded | undefined) {
  let file = path.resolve(specPath);
  let loaded = load(file);
  if (!loaded) return undefined;
  let node: unknown = loaded.doc.contents;
  let at: string[] = [];
  let line: number | undefined;
  const lineOf = (ranged: Ranged) => (ranged?.range ? loaded!.lines.linePos(ranged.range[0]!).line : undefined);
  const keyOf = (p: { key: unknown }) => (isScalar(p.key) ? String(p.key.value) : String(p.key));
  /** The `$ref` of a node that is one (a mapping with a string `$ref`) and its line, else undefined. */
  const refAt = (value: unknown): { ref: string; line: number | undefined } | undefined => {
    if (isAlias(value)) value = value.resolve(loaded!.doc);
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
      .map((v) => (isAlias(v) ? v.resolve(loaded!.doc) : v))
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
    if (isAlias(node)) node = node.resolve(loaded!.doc);
    if (isMap(node)) {
      const pair = pairOf(node, key);
      if (!pair) return false;
      line = lineOf(pair.key as Ranged);
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(key) && Number(key) < node.items.length) {
      node = node.items[Number(key)];
      line = lineOf(node as Ranged);
    } else return false;
    at.push(key);
    return true;
  };
  /** Goes where `ref` points; false when it cannot be followed (remote, a file that does not read, a pointer to nothing). */
  const follow = (ref: string): boolean => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return false;
    const [target = '', fragment = ''] = ref.split('#');
    if (target) {
      // Committed only once it reads: a file that does not leaves the walk where it was.
      const next = path.resolve(path.dirname(file), target);
      const read = load(next);
      if (!read) return false;
      file = next;
      loaded = read;
    }
    node = loaded!.doc.contents;
    at = [];
    line = undefined;
    return fragment
      .split('/')
      .slice(1)
      .every((part) => step(unsegment(part)));
  };
  return {
    step,
    follow,
    file: () => file,
    refHere: () => refAt(node),
    /** The keys (or indexes) of the current node. */
    keys: (): string[] => {
      const here = isAlias(node) ? node.resolve(loaded!.doc) : node;
      if (isMap(here)) return keysOf(here);
      if (isSeq(here)) return here.items.map((_, i) => String(i));
      return [];
    },
    /** Follows the `$ref`s at the current node (a chain of them, each once). */
    resolve: (): boolean => {
      const seen = new Set<string>();
      for (let ref = refAt(node)?.ref; ref !== undefined; ref = refAt(node)?.ref) {
        const key = `${file}\0${ref}`;
        if (seen.has(key) || !follow(ref)) return false;
        seen.add(key);
      }
      return true;
    },
    place: (): WrittenPlace => ({ file, pointer: at.map((k) => `/${segment(k)}`).join(''), ...(line !== undefined ? { line } : {}) }),
  };
}
