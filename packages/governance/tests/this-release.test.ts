/**
 * contract:diff on this repository's own release (released/): the one test of the diff that reads
 * the application, in a file of its own, so that the README's steps (tests/framework/readme-steps.test.ts)
 * re-run it in their edited copy without the ~150 tests of contract-diff.test.ts, which read fixture pairs only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffContracts, loadContract } from '@sluice/governance';

const root = path.resolve(import.meta.dirname, '../../..');

describe("contract:diff on this repository's release", () => {
  it("reads this repository's release against itself as no change, whether its subscriptions were recorded with their own dead-letter queue or from before they had one (as their queue's)", async () => {
    const record = JSON.parse(readFileSync(path.join(root, 'released/release.json'), 'utf8'));
    const [released, working] = await Promise.all([loadContract(path.join(root, 'released/asyncapi.json'), { validate: false }), loadContract(path.join(root, 'released/asyncapi.json'), { validate: false })]);
    // What a release from before subscriptions had their own dead-letter queue recorded: the same, without it.
    const withoutDeadLetterQueue = {
      ...record.topology,
      subscriptions: record.topology.subscriptions.map(({ deadLetterQueue: _, ...subscription }: Record<string, unknown>) => subscription),
    };
    for (const releasedTopology of [record.topology, withoutDeadLetterQueue]) {
      expect(diffContracts(released, working, 'full', { releasedTopology }).changes).toEqual([]);
    }
  });
});
