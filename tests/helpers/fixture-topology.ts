/**
 * Topologies of fixture contracts, for the framework's tests: derived from the fixture's
 * `asyncapi.yaml` as codegen derives the application's (the same `deriveTopology`), so that a
 * framework test checks framework behaviour on a system of its own, which does not change when
 * the application's contract grows.
 *
 * - `single-consumer`: one topic, OrderPlaced v1, one consumer with a table (the order pipeline as
 *   it was); its settings are `tests/fixtures/single-consumer/settings.ts`.
 */
import path from 'node:path';
import { loadContract } from '@sluice/governance';
import { deriveTopology } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');

/** The folder of a fixture system. */
export const fixtureDir = (name: string): string => path.join(fixtures, name);

/** The topology of a fixture contract (`tests/fixtures/<name>/asyncapi.yaml`). */
export async function fixtureTopology(name: string): Promise<Topology> {
  const doc = await loadContract(path.join(fixtureDir(name), 'asyncapi.yaml'), { validate: false });
  return deriveTopology(doc).topology as Topology;
}
