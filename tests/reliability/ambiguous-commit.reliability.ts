/**
 * Ambiguous commits: the write is applied but its answer is lost. A proxy in front of DynamoDB
 * forwards the consumer's conditional PutItem, lets it land, then drops the connection instead of
 * answering the 200, for ~30 % of the writes that succeed. The SDK retries (3 attempts); the retry's
 * condition fails against the item the lost attempt wrote, the store reads the item back and must
 * call it `duplicate` (or `stale` when a newer event of the order was stored in between): never a
 * second write, never a failure.
 *
 * Checked against the proxy's own count: every PutItem the server answered 200 is either one
 * `stored` line or one lost answer, so no write happened twice and none went unreported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerSettings } from '@sluice/model';
import { settings } from '@orders/app/settings';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { CONSUMER, FAULT_SCENARIO_QUEUE, publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, warmUp, type Harness } from './harness.ts';
import { eventStream, random } from './event-stream.ts';
import { contentDigest, latestByOrder } from './ledger.ts';
import { recordRow } from './summary.ts';

let h: Harness;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy('http://127.0.0.1:1');
  // "Never a failure" presumes every lost answer retried by the SDK: the lost answers spread over
  // the function's five instances, each client retrying within a quota of its own.
  h = await startHarness({ eagerInstances: true, ...FAULT_SCENARIO_QUEUE, functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint } });
  proxy.setUpstream(h.wire.endpoint); // the wire sees what reaches the server, after the faults
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

/** The content digest inside a PutItem's eventVersion (`<instant>#<sha256>`). */
function digestOfPut(body: string): string {
  const item = (JSON.parse(body) as { Item: { eventVersion: { S: string } } }).Item;
  return item.eventVersion.S.split('#')[1]!;
}

describe('writes applied but never answered', () => {
  it('ends an applied-but-unanswered write as duplicate, never a second write or a failure', async ({ task }) => {
    const rnd = random(5);
    let losing = false;
    let applied = 0;
    const lost: string[] = [];
    proxy.setFault((request) => {
      if (!request.target.endsWith('.PutItem')) return undefined;
      const lose = losing && rnd() < 0.3;
      return {
        loseResponseIf: (response) => {
          if (response.status !== 200) return false;
          applied++;
          if (lose) lost.push(digestOfPut(request.body));
          return lose;
        },
      };
    });
    const warm = await warmUp(h, consumerSettings(settings, CONSUMER).maximumConcurrency);
    losing = true;

    const orders = Math.round(200 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 31, prefix: 'ambiguous' });
    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 600_000);
    const ledger = await reconcile(h, viaSns([...warm, ...published]));
    const faults = `${lost.length} PutItem applied, then the connection dropped instead of the 200`;
    recordRow(task, 'ambiguous commit: write applied, answer lost', ledger, faults);
    console.log(`ambiguous commit: ${faults}; ${applied} writes applied in all; ${ledger.line}`);
    ledger.assert();

    expect(lost.length).toBeGreaterThan(0);
    expect(ledger.failureLines).toBe(0); // the SDK's retry absorbed every lost answer
    expect(ledger.counts['dead-lettered']).toBe(0);
    // Each write the server applied is exactly one `stored` line, or one lost answer: no second write.
    expect(applied).toBe(ledger.counts.stored + lost.length);

    const winners = new Set([...latestByOrder(published.map((p) => p.event)).values()].map(contentDigest));
    for (const digest of lost) {
      const carriers = [...ledger.fates.values()].filter((f) => f.sent.event && contentDigest(f.sent.event) === digest);
      expect(carriers.length, `no published event has the digest ${digest} of a lost write`).toBeGreaterThan(0);
      const outcomes = carriers.flatMap((f) => f.successes);
      // The lost attempt was the only write of this content: nobody may claim to have stored it.
      expect(outcomes, `event ${digest}`).not.toContain('stored');
      // The latest event of its order cannot be stale: its retry must say duplicate.
      expect(outcomes.every((o) => o === 'duplicate' || (o === 'stale' && !winners.has(digest))), `event ${digest}: ${outcomes.join(', ')}`).toBe(true);
    }
  });
});
