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
  it("reads a subscription recorded by a release from before subscriptions had their own dead-letter queue as its queue's (this repository's release: no row)", async () => {
    const record = JSON.parse(readFileSync(path.join(root, 'released/release.json'), 'utf8'));
    expect(record.topology.subscriptions.every((s: object) => !('deadLetterQueue' in s))).toBe(true);
    const [released, working] = await Promise.all([loadContract(path.join(root, 'released/asyncapi.json'), { validate: false }), loadContract(path.join(root, 'released/asyncapi.json'), { validate: false })]);
    expect(diffContracts(released, working, 'full', { releasedTopology: record.topology }).changes).toEqual([]);
  });
});
