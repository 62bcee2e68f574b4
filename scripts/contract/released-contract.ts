/**
 * Where the last released contract lives and what is recorded with it.
 *
 * "Released" has to work in a fresh clone with no tags and no network, so the release is a
 * committed file: the dereferenced contract as JSON (itself a valid AsyncAPI document), written
 * only by `npm run contract:release`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContractDocument } from './contract-document.ts';

/** The folder holding the released snapshot, committed. */
export const RELEASED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'released');
export const SNAPSHOT_FILE = 'asyncapi.json';
export const RELEASE_RECORD_FILE = 'release.json';

/** What `release.json` records next to the snapshot. */
export interface ReleaseRecord {
  note: string;
  /** `info.version` of the released contract. */
  version: string;
  /** `x-schema-version` of every released message, by message name. */
  messages: Record<string, string>;
  /** The files the snapshot was made from, relative to the repository root. */
  sources: string[];
  /** Set when a breaking change was released on purpose (`--accept-breaking`). */
  acceptedBreaking?: { reason: string; changes: string[] };
}

/** Writes the snapshot and its record; deterministic (no timestamps), so re-releasing is a no-op. */
export function writeRelease(dir: string, snapshot: ContractDocument, record: ReleaseRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, SNAPSHOT_FILE), `${JSON.stringify(snapshot, null, 2)}\n`);
  writeFileSync(path.join(dir, RELEASE_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export function snapshotPath(dir: string): string {
  return path.join(dir, SNAPSHOT_FILE);
}

export function readReleaseRecord(dir: string): ReleaseRecord | undefined {
  const file = path.join(dir, RELEASE_RECORD_FILE);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
