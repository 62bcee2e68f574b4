/**
 * Slow and hung DynamoDB. A proxy in front of DynamoDB, for the consumer's PutItem and GetItem:
 * - slow: answered 0.3–1.5 s late, within the 3 s request timeout;
 * - hung: accepted and never answered: only the store's 3 s request timeout ends the attempt,
 *   and the SDK's retry (3 attempts) goes through;
 * - late: applied at once but answered after 4 s, past the timeout: the client gives up on a write
 *   that landed, and its retry must end as `duplicate` (or `stale`), never as a second write.
 * A request (the same body, retried) is hung or late at most once, so every record succeeds
 * within its attempts: no failure line, nothing dead-lettered, the ledger balances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerSettings } from '@sluice/model';
import { DYNAMODB_TIMEOUTS } from '@orders/app/store';
import { settings } from '@orders/app/settings';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.ts';
import { CONSUMER, publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, warmUp, type Harness } from './harness.ts';
import { eventStream, random } from './event-stream.ts';
import { contentDigest, latestByOrder } from './ledger.ts';
import { recordRow } from './summary.ts';

let h: Harness;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy('http://127.0.0.1:1');
  // A record may wait out two request timeouts (a hung PutItem, then a hung GetItem): the function
  // timeout leaves room for that, and the visibility timeout stays above it, as Lambda requires.
  h = await startHarness({ eagerInstances: true, visibilityTimeoutSeconds: 15, functionTimeoutSeconds: 14, functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint } });
  proxy.setUpstream(h.wire.endpoint); // the wire sees what reaches the server, after the faults
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

describe('slow and hung DynamoDB calls', () => {
  it('turns a hung call into a retry after the request timeout, and a late-answered write into duplicate', async ({ task }) => {
    const rnd = random(17);
    let active = false;
    const once = new Set<string>(); // bodies already hung or answered late
    const hung: ProxiedRequest[] = [];
    const lateWrites: string[] = [];
    let late = 0;
    let slow = 0;
    proxy.setFault((request) => {
      const put = request.target.endsWith('.PutItem');
      if (!active || !(put || request.target.endsWith('.GetItem'))) return undefined;
      const r = rnd();
      if (r < 0.1 && !once.has(request.body)) {
        once.add(request.body);
        hung.push(request);
        return 'hang';
      }
      if (r < 0.18 && !once.has(request.body)) {
        once.add(request.body);
        late++;
        return {
          slowMs: DYNAMODB_TIMEOUTS.requestTimeout + 1_000,
          observe: (response) => {
            if (put && response.status === 200) lateWrites.push((JSON.parse(request.body) as { Item: { eventVersion: { S: string } } }).Item.eventVersion.S.split('#')[1]!);
          },
        };
      }
      if (r < 0.3) {
        slow++;
        return { slowMs: 300 + Math.floor(rnd() * 1_200) };
      }
      return undefined;
    });
    const warm = await warmUp(h, consumerSettings(settings, CONSUMER).maximumConcurrency);
    active = true;

    const orders = Math.round(150 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 41, prefix: 'slow' });
    const published = await publishAll(h.publisher, events);
    await waitUntilSettled(h, 600_000);
    const ledger = await reconcile(h, viaSns([...warm, ...published]));
    const faults = `PutItem/GetItem: ${hung.length} hung, ${late} answered after the ${DYNAMODB_TIMEOUTS.requestTimeout / 1000} s timeout (${lateWrites.length} applied writes), ${slow} slow (0.3–1.5 s)`;
    recordRow(task, 'slow, hung and late DynamoDB calls', ledger, faults);
    console.log(`slow DynamoDB: ${faults}; ${ledger.line}`);
    ledger.assert();

    expect(hung.length).toBeGreaterThan(0);
    expect(lateWrites.length).toBeGreaterThan(0);
    expect(ledger.failureLines).toBe(0);
    expect(ledger.counts['dead-lettered']).toBe(0);
    // Each hung call was abandoned by the request timeout, then retried: the same request again,
    // about 3 s later (the median: under load the proxy may see a request late, shortening its gap),
    // and never by the function timeout: no batch timed out.
    const gaps = hung
      .map((request) => {
        const retry = proxy.requests.find((r) => r.body === request.body && r.at > request.at);
        expect(retry, `hung ${request.target} never retried`).toBeDefined();
        return retry!.at - request.at;
      })
      .sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    console.log(`slow DynamoDB: hung calls retried after ${gaps[0]}–${gaps.at(-1)} ms (median ${median})`);
    expect(median).toBeGreaterThan(DYNAMODB_TIMEOUTS.requestTimeout - 500);
    expect(median).toBeLessThan(DYNAMODB_TIMEOUTS.requestTimeout + 2_000);
    expect(h.batches.filter((b) => b.batchFailure).map((b) => b.batchFailure)).toEqual([]);
    // A write that landed after its client gave up: the retry finds it, nobody stores it a second time.
    const winners = new Set([...latestByOrder(published.map((p) => p.event)).values()].map(contentDigest));
    for (const digest of lateWrites) {
      const outcomes = [...ledger.fates.values()].filter((f) => f.sent.event && contentDigest(f.sent.event) === digest).flatMap((f) => f.successes);
      expect(outcomes.length, `no message carries the late write ${digest}`).toBeGreaterThan(0);
      expect(outcomes).not.toContain('stored');
      expect(outcomes.every((o) => o === 'duplicate' || (o === 'stale' && !winners.has(digest))), `event ${digest}: ${outcomes.join(', ')}`).toBe(true);
    }
  });
});
