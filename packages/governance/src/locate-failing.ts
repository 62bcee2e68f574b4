/** Where the failing changes of a diff are written: `contract:diff` and `contract:release` show it in their table. */
import path from 'node:path';
import type { ContractDiff } from './compatibility.ts';
import type { ContractDocument } from './contract-document.ts';

/**
 * Where each breaking or unclassified change of `diff` is written in the working contract's files
 * (`change.where`): a message's place through its key in `components.messages` or under its
 * channel, the others by their path; through `$ref`s into the file that holds it.
 */
export async function locateFailing(diff: ContractDiff, working: ContractDocument, specPath: string, shown: (file: string) => string): Promise<void> {
  const failing = diff.changes.filter((c) => c.classification !== 'non-breaking' && !c.path.startsWith('topology'));
  if (failing.length === 0) return;
  const { writtenFiles, writtenPlaceOfPath } = await import('@sluice/codegen');
  const load = writtenFiles();
  // Messages are named in the diff by their name: their written path is that of their key.
  const keys = new Map<string, string>();
  for (const [key, m] of Object.entries<any>(working.components?.messages ?? {})) keys.set(m?.name ?? key, `components.messages.${key}`);
  for (const [id, channel] of Object.entries<any>(working.channels ?? {})) for (const [key, m] of Object.entries<any>(channel?.messages ?? {})) if (!keys.has(m?.name ?? key)) keys.set(m?.name ?? key, `channels.${id}.messages.${key}`);
  for (const change of failing) {
    const message = /^messages\.(.+?)(\..*)?$/.exec(change.path);
    const named = message ? [...keys.keys()].filter((n) => change.path === `messages.${n}` || change.path.startsWith(`messages.${n}.`)).sort((a, b) => b.length - a.length)[0] : undefined;
    const dotted = message ? (named !== undefined ? `${keys.get(named)}${change.path.slice(`messages.${named}`.length)}` : undefined) : change.path;
    const place = dotted === undefined ? undefined : writtenPlaceOfPath(specPath, dotted, load);
    if (place && (place.pointer !== '' || place.file !== path.resolve(specPath))) change.where = { file: shown(place.file), ...(place.line !== undefined ? { line: place.line } : {}) };
  }
}
