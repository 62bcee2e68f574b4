/**
 * Where what codegen says of a contract is written: a problem or a warning names a place of the
 * dereferenced document (a JSON pointer, or a dotted path in its words:
 * `channels.orderQueue.bindings.sqs.queue.tags`), which can run through `$ref`s into other files.
 * The author edits the text: its file and line are said with it.
 */
import path from 'node:path';
import { declaredPlace, type DeclaredKind, type Loaded, type PathPlace, type WrittenPlace, writtenFiles, writtenPlaceOfPath, writtenPlaceOfPointer } from './written-places.ts';

/** The first place of the document a message of the framework names by its dotted path. */
const DOTTED_PATH = /(?:^|[\s(])((?:channels|operations|components)\.[^\s,()]+)/;
/** The first JSON pointer (`#/components/messages/X`) a message names. */
const POINTER = /#(\/[^\s,()]*)/;
/**
 * What a text names by name alone, first: `queue orders has no redrivePolicy`, `OrderPlaced,
 * OrderShipped have no examples` (a message, else an operation or a channel of that id).
 */
const NAMED = /^(?:(?:dead-letter )?(queue|topic|message|operation|channel) )?([^\s,:()]+)/;
/** What ends a sentence or a clause after a path or pointer, not part of it. */
const TRAILING = /[.:;]+$/;

/** `file` relative to the working directory when it is inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/**
 * Where a problem or warning of the contract at `specPath` is written: at `pointer` (a JSON
 * pointer into the dereferenced document) when given, else at the first place `text` names (a
 * dotted path, or a `#/…` pointer), else where what it names by name first is declared (a
 * message, a queue, a topic, an operation or a channel: `queue orders has no redrivePolicy`). When
 * the place is not written as such (a key the parser made, or one misspelt), the deepest written
 * place on its way; a place an operation or a message has from a trait, where the trait writes
 * it. A dotted path that reads more than one way (`channels.user.address`, with a channel `user`
 * and a channel `user.address`) is the reading written furthest, and when several are, all of
 * them (`otherReadings`): a pointer reads one way. Undefined when nothing is named, or nothing of
 * it is written but the document's root.
 *
 * @param specPath - the contract (YAML or JSON)
 * @param said - the problem's pointer, when it has one, and its text
 * @param load - the files as read, shared between calls
 * @returns the file, the pointer in it and the line
 *
 * @example
 * ```ts
 * import { placeOfSaid } from '@sluice/codegen';
 *
 * const place = placeOfSaid('asyncapi.yaml', { text: 'channels.orderQueue.bindings.sqs.queue.tags must be an object of string values' });
 * if (place) console.log(`${place.file} (line ${place.line})`);
 * ```
 */
export function placeOfSaid(specPath: string, said: { pointer?: string; text: string }, load: (file: string) => Loaded | undefined = writtenFiles()): PathPlace | undefined {
  let place: PathPlace | undefined;
  // The place the text names first: a pointer in the advice after the path is not what it is about.
  const pointed = POINTER.exec(said.text);
  const dotted = DOTTED_PATH.exec(said.text);
  const pointer = said.pointer || (pointed && (!dotted || pointed.index < dotted.index) ? pointed[1]!.replace(TRAILING, '') : undefined);
  // A text that starts with what it is about, by kind and name (`queue q has no receive operation
  // …, and operations.s sends to it`), is about that, wherever a path it names later leads; one
  // that says where right after the name (`queue q (channels.c.bindings.sqs.queue): …`) is said there.
  const named = NAMED.exec(said.text);
  if (!said.pointer && named?.[1] && !said.text.slice(named[0].length).startsWith(' (')) {
    place = declaredPlace(specPath, named[1] as DeclaredKind, named[2] ?? '', load);
  }
  if (place === undefined && pointer) {
    // The deepest place of the pointer that is written: what it refers to, else (a $ref that
    // cannot be followed: remote, a missing file) where that $ref is written.
    place = writtenPlaceOfPointer(specPath, pointer, load);
  } else if (place === undefined && dotted) {
    place = writtenPlaceOfPath(specPath, dotted[1]!.replace(TRAILING, ''), load);
  } else if (place === undefined) {
    const [, kind, name = ''] = named ?? [];
    const kinds: DeclaredKind[] = kind ? [kind as DeclaredKind] : ['message', 'operation', 'channel'];
    for (const k of kinds) place ??= declaredPlace(specPath, k, name, load);
  }
  return place && (place.pointer !== '' || path.resolve(place.file) !== path.resolve(specPath)) ? place : undefined;
}

/**
 * How a problem's or warning's place is said: `asyncapi.yaml (line 52)`, or
 * `bindings.yaml#/q/sqs/queue (line 7)` in another file than the contract, or with `pointer`;
 * the contract's name alone when the place is not known. A path that reads two ways says both
 * places: `asyncapi.yaml (line 11) or asyncapi.yaml (line 5)`.
 *
 * @param specPath - the contract
 * @param place - from {@link placeOfSaid}
 * @param options - `pointer`: say the pointer in the contract too (the text does not name the place)
 *
 * @example
 * ```ts
 * import { placeOfSaid, placeShown } from '@sluice/codegen';
 *
 * const text = 'channels.orderQueue.bindings.sqs.bindingVersion is "0.2": the framework reads it as 0.2.0';
 * console.log(`${placeShown('asyncapi.yaml', placeOfSaid('asyncapi.yaml', { text }))}: ${text}`);
 * ```
 */
export function placeShown(specPath: string, place: PathPlace | undefined, options: { pointer?: boolean } = {}): string {
  if (!place) return shown(path.resolve(specPath));
  const one = (p: WrittenPlace) => {
    const elsewhere = path.resolve(p.file) !== path.resolve(specPath);
    return `${shown(p.file)}${(elsewhere || options.pointer) && p.pointer ? `#${p.pointer}` : ''}${p.line !== undefined ? ` (line ${p.line})` : ''}`;
  };
  return [place, ...(place.otherReadings ?? [])].map(one).join(' or ');
}

/**
 * The warnings of the contract at `specPath` as said to its author: each after the file and line
 * of the place it names (`asyncapi.yaml (line 63): channels.orderQueue.bindings.sqs.bindingVersion
 * is "0.2": …`), the contract's name alone when it names none. The files are read once for all.
 *
 * @param specPath - the contract the warnings are of
 * @param load - the files as read, shared with other calls
 * @returns the function saying one warning
 *
 * @example
 * ```ts
 * import { generateWithModel, warningSayer } from '@sluice/codegen';
 *
 * const { model } = await generateWithModel({ specPath: 'asyncapi.yaml' });
 * const say = warningSayer('asyncapi.yaml');
 * for (const warning of model.warnings) console.error(`codegen: warning: ${say(warning)}`);
 * ```
 */
export function warningSayer(specPath: string, load: (file: string) => Loaded | undefined = writtenFiles()): (warning: string) => string {
  return (warning) => `${placeShown(specPath, placeOfSaid(specPath, { text: warning }, load))}: ${warning}`;
}
