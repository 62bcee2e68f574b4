/**
 * `contract:diff`'s "What to do next" after a failing diff: the ways out, with each message that
 * changed in a breaking (or unclassified) way named with the schema to copy where it really is (the
 * file its payload `$ref`s, or the contract itself when the payload is written there) and the name
 * of the copy, derived from it.
 */
import path from 'node:path';
import { terminalSafe } from '@sluice/cli';
import { writtenPlace, type WrittenPlace } from '@sluice/codegen/parse';
import { type ContractDiff, isObject } from './classification.ts';
import type { ContractDocument } from './contract-document.ts';

const major = (version: unknown) => (typeof version === 'string' ? Number(version.split('.')[0]) : NaN);

/** Every message of a dereferenced document by `name` (as the diff names them), with its JSON pointer: components first, then channels. */
function messagePlaces(doc: ContractDocument): Map<string, { pointer: string; message: Record<string, any> }> {
  const found = new Map<string, { pointer: string; message: Record<string, any> }>();
  const segment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
  const visit = (messages: unknown, at: string) => {
    if (!isObject(messages)) return;
    for (const [key, m] of Object.entries(messages)) {
      if (isObject(m) && !found.has(m.name ?? key)) found.set(m.name ?? key, { pointer: `${at}/${segment(key)}`, message: m });
    }
  };
  visit(doc.components?.messages, '/components/messages');
  for (const [id, channel] of Object.entries<any>(doc.channels ?? {})) visit(channel?.messages, `/channels/${segment(id)}/messages`);
  return found;
}

/**
 * The name of a payload schema file's copy for major `next`: a version already in the name is
 * replaced (`order-placed.v1.json` → `order-placed.v2.json`), else one is added before the
 * extension (`payment-captured.json` → `payment-captured.v2.json`).
 */
function nextFileName(file: string, next: number): string {
  const ext = /\.(json|ya?ml)$/i.exec(file)?.[0] ?? '';
  const stem = file.slice(0, file.length - ext.length);
  const versioned = /([._-])v\d+$/i.exec(stem);
  return versioned ? `${stem.slice(0, versioned.index)}${versioned[1]}v${next}${ext}` : `${stem}.v${next}${ext}`;
}

/** What to copy for message `name`'s next major: its payload schema where it is written. */
function copyAdvice(
  name: string,
  next: number,
  specPath: string,
  root: string,
  place: { pointer: string; message: Record<string, any> },
  writtenPlace: (spec: string, pointer: string, options: { followLast: boolean }) => WrittenPlace | undefined,
): string {
  const payload = place.message.payload;
  // A schemaFormat wrapper: the schema is below it.
  const at = isObject(payload) && 'schemaFormat' in payload && 'schema' in payload ? `${place.pointer}/payload/schema` : `${place.pointer}/payload`;
  const spec = path.resolve(specPath);
  const written = writtenPlace(spec, at, { followLast: true });
  const shown = (file: string) => {
    const relative = path.relative(root, file).replace(/\\/g, '/');
    return relative && !relative.startsWith('..') ? relative : file;
  };
  const inline = `copy its payload schema under components.schemas with a new name (e.g. ${name}V${next}Payload), $ref it from the new message and edit the copy`;
  if (!written) return inline;
  if (path.resolve(written.file) !== spec) {
    if (written.pointer === '') return `copy its payload schema ${shown(written.file)} to ${shown(nextFileName(written.file, next))} and edit the copy`;
    return `copy its payload schema (${shown(written.file)}#${written.pointer}) under a new name (e.g. to ${shown(nextFileName(written.file, next))}) and edit the copy`;
  }
  const component = /^\/components\/schemas\/([^/]+)$/.exec(written.pointer);
  if (component) {
    const schema = component[1]!.replaceAll('~1', '/').replaceAll('~0', '~');
    return `copy its payload schema components.schemas.${schema} under a new name (e.g. ${schema.replace(/V\d+$/, '')}V${next}) and edit the copy`;
  }
  return inline;
}

/**
 * `contract:diff`'s "What to do next" for a diff with breaking or unclassified changes: make the
 * change compatible, publish a new major version side by side, or release the break deliberately.
 * Each message of the working contract with such a change is named, with its payload schema where
 * it is written: the file its payload `$ref`s, relative to `root` (`copy its payload schema
 * schemas/payment-captured.json to schemas/payment-captured.v2.json`), or, when the payload is
 * written in the contract, the schema to copy under `components.schemas` with a new name.
 *
 * @param diff - what {@link diffContracts} found
 * @param released - the released contract, dereferenced (its messages' majors give the next one)
 * @param working - the working contract, dereferenced
 * @param specPath - the working contract's file, where its `$ref`s are written
 * @param root - the project's root: files are named relative to it
 * @returns the text, led by `What to do next:` (`@sluice/codegen`, which finds where a payload is
 *   written, is loaded only when a message is named: it takes seconds to load)
 * @example
 * ```ts
 * import { diffContracts, loadContract, nextStepsAfterDiff } from '@sluice/governance';
 *
 * const released = await loadContract('released/asyncapi.json');
 * const working = await loadContract('asyncapi.yaml');
 * console.error(await nextStepsAfterDiff(diffContracts(released, working), released, working, 'asyncapi.yaml', process.cwd()));
 * ```
 */
export async function nextStepsAfterDiff(diff: ContractDiff, released: ContractDocument, working: ContractDocument, specPath: string, root: string): Promise<string> {
  const failing = diff.changes.filter((c) => c.classification !== 'non-breaking');
  const releasedPlaces = messagePlaces(released);
  const named = [...messagePlaces(working)].filter(([name]) => failing.some((c) => c.path.startsWith(`messages.${name}.`)));
  const perMessage: string[] = [];
  const workingPlaces = messagePlaces(working);
  for (const [name, place] of named) {
    const current = major(releasedPlaces.get(name)?.message['x-schema-version'] ?? place.message['x-schema-version']);
    // PaymentCapturedV2 is followed by PaymentCapturedV3, not PaymentCapturedV2V3; and above every
    // major of the family already there (OrderPlaced broken beside a released OrderPlacedV2: V3).
    const base = name.replace(/V\d+$/, '');
    const family = [...new Set([...releasedPlaces.keys(), ...workingPlaces.keys()])].filter((n) => n === base || new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}V\\d+$`).test(n));
    // The message itself by its released major: a major bumped in place (the break being advised on) is not taken.
    const taken = family.flatMap((n) => [Number(/V(\d+)$/.exec(n)?.[1] ?? 1), ...(n === name ? [releasedPlaces.get(n)] : [releasedPlaces.get(n), workingPlaces.get(n)]).map((p) => major(p?.message['x-schema-version']))]).filter(Number.isFinite);
    const next = Math.max(Number.isFinite(current) ? current + 1 : 2, ...taken.map((m) => m + 1));
    const nextName = `${base}V${next}`;
    // One line of the message's own names and files, terminal-safe: the contract's text must not drive the terminal.
    perMessage.push(
      `      ${terminalSafe(`${name}: ${copyAdvice(name, next, specPath, root, place, writtenPlace)}; add a message ${nextName} (x-schema-version: ${next}.0.0, its own headers schema) to the channels and operations.`)}`,
    );
  }
  // Only the topology breaks, no message (a channel or queue renamed or removed, raw delivery switched, a redrive changed):
  // a new major version of a message would not help; new resources beside the old ones do.
  const topologyOnly = failing.length > 0 && !failing.some((c) => c.path.startsWith('messages.'));
  const sideBySide = topologyOnly
    ? `  - Changing the topology on purpose (see each row): deploy the new resources beside the released ones (a queue under a new
    name, a second subscription), move the consumers, let the old queues drain (the operator command's
    \`status\` shows what they hold), then remove the old ones in a later release.`
    : perMessage.length > 0
      ? `  - Changing a message on purpose: publish a new major version side by side, leaving the released message exactly as it is:\n${perMessage.join('\n')}\n    Then \`npm run codegen\` and \`npm run contract:release\`. Retire the old version once no consumer reads it.`
      : `  - Changing a message on purpose: publish a new major version side by side. Copy its payload schema
    and edit the copy, add a message (e.g. <Name>V2, x-schema-version: 2.0.0, its own headers schema) to the
    channels and operations, leave the released message exactly as it is, then \`npm run codegen\`
    and \`npm run contract:release\`. Retire the old version once no consumer reads it.`;
  return `What to do next:
  - Not meant to break anyone? Make the change compatible: new fields optional, widen nothing
    consumers validate, keep names (see each row's detail).
${sideBySide}
  - Retiring a version, or breaking something nobody consumes yet: release it deliberately with
    \`npm run contract:release -- --accept-breaking "<why>"\`, which records the reason.`;
}
