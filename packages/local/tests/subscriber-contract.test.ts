/**
 * `npm run subscriber` treats a consumer that `npm run codegen` removed from the contract as
 * `npm start` does: its init, which fails for that, is said once with the reason and what applies
 * it (restart npm run subscriber), and not retried every 2 … 30 s as a fault of its code; and its
 * watch of generated/topology.json says when the topology changed. In this process
 * (`startSubscriber`, what the command runs), against a stack of the single-consumer fixture.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, startSubscriber, type LocalRuntime, type RunningSubscriber } from '@sluice/local';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let fixture: FixtureProject | undefined;
let runtime: LocalRuntime | undefined;
let subscriber: RunningSubscriber | undefined;
afterAll(async () => {
  await subscriber?.stop();
  await runtime?.stop();
  fixture?.dispose();
});

describe('npm run subscriber, when npm run codegen removed a consumer', () => {
  it('says its init failure once, out of the contract, and does not retry it; says the topology changed', async () => {
    fixture = await fixtureProject('single-consumer');
    const application = await fixture.application();
    runtime = await startLocalRuntime({ application, port: 0, consumers: false, logLevel: 'SILENT' });
    // What codegen removing consumeOrderPlaced leaves: a manifest without its operation, and a
    // handler whose operation is undefined in the generated contract (its init throws).
    const manifest = path.join(fixture.project.generated, 'topology.json');
    const { operations, ...rest } = JSON.parse(readFileSync(manifest, 'utf8')) as { operations: Record<string, unknown> };
    const { consumeOrderPlaced: _removed, ...kept } = operations;
    writeFileSync(manifest, JSON.stringify({ ...rest, operations: kept }));
    writeFileSync(path.join(fixture.dir, 'consumers', 'consumeOrderPlaced.ts'), "throw new Error('defineConsumer needs a receive operation of the contract, got undefined\\u001b[2J');\nexport const handler = async () => ({ batchItemFailures: [] });\n");

    const lines: string[] = [];
    subscriber = await startSubscriber({ endpoint: runtime.endpoint, application, only: ['consumeOrderPlaced'], logLevel: 'SILENT', quiet: true, out: (line) => lines.push(line) });
    const ours = () => lines.filter((l) => l.includes('consumeOrderPlaced:'));
    // The handler's own words come out terminal-safe, as npm start prints them: the escape sequence
    // in its error (it would clear the screen) is shown as text.
    expect(ours()).toEqual([
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} consumeOrderPlaced: init failed: defineConsumer needs a receive operation of the contract, got undefined\\x1b\[2J: its operation is no longer in the contract \(npm run codegen removed it\): this subscriber keeps the consumers it started with until you restart npm run subscriber; not started again$/,
      ),
    ]);

    // codegen writes the manifest again: the watch says the topology changed, and what applies it.
    writeFileSync(manifest, JSON.stringify({ ...rest, operations: kept }));
    const changed = await waitFor('the topology change line', () => lines.find((l) => l.includes('the topology changed')), 10_000);
    expect(changed).toMatch(/^\d\d:\d\d:\d\d\.\d{3} the topology changed: restart npm start and npm run subscriber to apply it \(gone: consumeOrderPlaced\)$/);
    // No retry announced: without outOfContract, 'starting it again in 2 s' followed the failure at once.
    expect(ours().filter((l) => /starting it again|init failed/.test(l))).toHaveLength(1);
  }, 60_000);
});
