/**
 * Faults at the wire: a proxy in front of the DynamoDB endpoint fails ~35 % of the subscriber's
 * writes (throttling, 500s, connections dropped before the write reaches the server) for a while,
 * then heals.
 *
 * The subscriber's SDK is set to a single attempt (AWS_MAX_ATTEMPTS=1) so that the faults reach
 * the handler instead of being absorbed by the SDK's retries: with retries, 35 % per attempt fails
 * a receive only 4 % of the time and almost nothing would ever reach the DLQ. This way some
 * messages fail 3 receives and the DLQ side of the ledger is really exercised.
 *
 * The visibility timeout (6 s) is short, so that failed messages come back quickly; the poller
 * keeps a batch's messages hidden while its invocation runs (FAULT_SCENARIO_QUEUE): otherwise a
 * message could be received again while its first handling still runs, and end both stored and
 * dead-lettered (the ledger would report it double-accounted). The instances are warmed up first,
 * without faults, so that the fault phase is about the handler, not cold starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { consumerSettings } from '@sluice/model';
import { settings } from '@orders/app/settings';
import { CONSUMER, FAULT_SCENARIO_QUEUE, publishAll, reconcile, scale, startHarness, viaSns, waitUntilSettled, warmUp, type Harness } from './harness.ts';
import { eventStream, random } from './event-stream.ts';
import { recordRow } from './summary.ts';

type WriteFault = 'throttle' | 'server-error' | 'drop';

let h: Harness;
let proxy: FaultProxy;
const injected: Record<WriteFault, number> = { throttle: 0, 'server-error': 0, drop: 0 };

beforeAll(async () => {
  // The proxy forwards to the stack's endpoint, which only exists once the stack runs; start it on a
  // placeholder, then give the consumer's DynamoDB client its address through the function's environment.
  proxy = await startFaultProxy('http://127.0.0.1:1');
  h = await startHarness({
    eagerInstances: true,
    ...FAULT_SCENARIO_QUEUE,
    functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, AWS_MAX_ATTEMPTS: '1' },
  });
  proxy.setUpstream(h.wire.endpoint); // the wire sees what reaches the server, after the faults
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

describe('wire faults on ~35 % of writes for a while', () => {
  it('loses nothing: messages failing 3 times are in the DLQ and nowhere else, the rest are stored once', async ({ task }) => {
    const rnd = random(99);
    const kinds: WriteFault[] = ['throttle', 'server-error', 'drop'];
    let faulty = false;
    proxy.setFault((request) => {
      if (!faulty || !request.target.endsWith('.PutItem') || rnd() >= 0.35) return undefined;
      const kind = kinds[Math.floor(rnd() * kinds.length)]!;
      injected[kind]++;
      return kind;
    });

    const warm = await warmUp(h, consumerSettings(settings, CONSUMER).maximumConcurrency);
    faulty = true;
    const orders = Math.round(200 * scale);
    const events = eventStream({ orders, eventsPerOrder: 5, duplicateRate: 0.2, seed: 11, prefix: 'fault' });
    const published = await publishAll(h.publisher, events);
    // Faults until some messages have failed three receives (they are on their way to the DLQ), or
    // until nothing more can fail: every message has succeeded or failed three times. Then the
    // database "recovers" and the messages that failed once or twice are stored on their next receive.
    const settledOrDoomed = () => {
      const successes = new Set<string>();
      const failures = new Map<string, number>();
      for (const line of h.log.lines) {
        const id = line.snsMessageId ?? line.messageId;
        if (line.outcome === 'failed') failures.set(id, (failures.get(id) ?? 0) + 1);
        else successes.add(id);
      }
      const doomed = [...failures.values()].filter((n) => n >= 3).length;
      return doomed >= 3 || published.every((p) => successes.has(p.messageId) || (failures.get(p.messageId) ?? 0) >= 3);
    };
    const deadline = Date.now() + 300_000;
    while (!settledOrDoomed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    faulty = false;

    await waitUntilSettled(h, 600_000);
    const ledger = await reconcile(h, viaSns([...warm, ...published]));
    const total = injected.throttle + injected['server-error'] + injected.drop;
    const faults = `PutItem (1 SDK attempt): ${injected.throttle} throttled, ${injected['server-error']} × 500, ${injected.drop} dropped before the server`;
    recordRow(task, 'wire faults on ~35 % of DynamoDB writes', ledger, faults);
    const codes = new Map<string, number>();
    for (const line of h.log.lines) if (line.outcome === 'failed') codes.set(line.code ?? '?', (codes.get(line.code ?? '?') ?? 0) + 1);
    console.log(`wire faults: injected ${total} (${faults}); ${ledger.failureLines} failure lines (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}); ${ledger.line}`);
    ledger.assert();
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected['server-error']).toBeGreaterThan(0);
    expect(injected.drop).toBeGreaterThan(0);
    // Some messages failed three receives in a row and were dead-lettered, each exactly once.
    expect(ledger.counts['dead-lettered']).toBeGreaterThan(0);
    for (const letter of await h.dlq.list()) {
      expect([...(h.receives.get(letter.messageId) ?? [])].sort((a, b) => a - b)).toEqual([1, 2, 3]);
      expect(letter.reason).toBeUndefined(); // a valid order: it failed on the wire, not on the contract
      expect(ledger.fates.get(letter.snsMessageId!)?.failures).toBe(3);
    }
  });
});
