/**
 * Where the last released contract lives and what is recorded with it.
 *
 * "Released" has to work in a fresh clone with no tags and no network, so the release is a
 * committed file: the dereferenced contract as JSON (itself a valid AsyncAPI document), written
 * only by `npm run contract:release`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '@sluice/model';
import { deriveTopology } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { ContractDocument } from './contract-document.ts';
import { MESSAGE_KEY } from '@sluice/codegen/parse';

/** The folder holding the released snapshot, committed (`eventContract.released`, default `released/`). */
export const RELEASED_DIR = loadProject().released;
export const SNAPSHOT_FILE = 'asyncapi.json';
export const RELEASE_RECORD_FILE = 'release.json';

/** What `release.json` records next to the snapshot. */
export interface ReleaseRecord {
  note: string;
  /** `info.version` of the released contract. */
  version: string;
  /**
   * `x-schema-version` of every released message (`components.messages` and the channels'), by
   * message name: 1.0.0 for one that declares none, the version its publishers send (as in
   * `topology.messages`).
   */
  messages: Record<string, string>;
  /** The files the snapshot was made from, relative to the repository root. */
  sources: string[];
  /**
   * Set when a breaking change was released on purpose (`--accept-breaking`): the reason, the
   * failing changes, and `inPlace`, the messages among them broken under the same major version
   * (see `messagesBrokenInPlace`), each with the warning the release printed. A record of the
   * version: a documentation-only release under the same version keeps it.
   */
  acceptedBreaking?: { reason: string; changes: string[]; inPlace?: { message: string; released: string; working: string; warning: string }[] };
  /**
   * The topology deployed with this release (filter policies included). Absent from releases made
   * before the framework derived topologies: those were deployed without filter policies.
   */
  topology?: Topology;
}

/** Writes the snapshot and its record; deterministic (no timestamps), so re-releasing is a no-op. */
export function writeRelease(dir: string, snapshot: ContractDocument, record: ReleaseRecord): void {
  mkdirSync(dir, { recursive: true });
  // The loader's message-name hint is not the contract's: the snapshot is the document as written.
  writeFileSync(path.join(dir, SNAPSHOT_FILE), `${JSON.stringify(snapshot, (key, value) => (key === MESSAGE_KEY ? undefined : value), 2)}\n`);
  writeFileSync(path.join(dir, RELEASE_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export function snapshotPath(dir: string): string {
  return path.join(dir, SNAPSHOT_FILE);
}

export function readReleaseRecord(dir: string): ReleaseRecord | undefined {
  const file = path.join(dir, RELEASE_RECORD_FILE);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/**
 * The topology the released contract was deployed with: as its release recorded it, or, for a
 * release from before topologies were recorded, derived without filter policies (as deployed then).
 */
export function releasedTopologyOf(dir: string, released: ContractDocument): Topology | undefined {
  const record = readReleaseRecord(dir);
  if (record?.topology) return record.topology;
  if (!record) return undefined;
  try {
    return deriveTopology(released, { filterPolicies: false }).topology;
  } catch {
    return undefined;
  }
}
