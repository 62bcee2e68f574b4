/**
 * A handler that throws something other than an Error (`throw { code: 'E42' }`, a string, null):
 * the record's line gives what was thrown as readable text, never `[object Object]`, so the
 * consumer log (and `dlq list`, which reads it locally) says why. On the single-consumer fixture.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { defineConsumer } from '@sluice/runtime/consumer';
import { fixtureOrder, fixtureProject, receiveOperationOf } from '../../../tests/helpers/fixture-project.ts';
import { processOutput } from '../../../tests/helpers/process-output.ts';
import { ORDER_TOPIC_ARN, snsEnvelope, sqsRecord } from '../../../tests/helpers/sns-envelope.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const consumeOrderPlaced = receiveOperationOf(await fixture.contract(), 'consumeOrderPlaced');

const thrown: Record<string, unknown> = {
  'ord-object': { code: 'E42', detail: 'ledger closed' },
  'ord-string': 'the ledger is closed',
  'ord-null': null,
  'ord-long': { detail: 'x'.repeat(1000) },
};
const consumer = defineConsumer(
  consumeOrderPlaced,
  async (order) => {
    throw thrown[(order as { orderId: string }).orderId];
  },
  { sourceTopicArns: [ORDER_TOPIC_ARN] },
);
const lambda = { functionName: 'ConsumeOrderPlaced', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const logs = processOutput();

describe('a handler that throws a value that is no Error', () => {
  it('fails the record with what was thrown, as text', async () => {
    const ids = Object.keys(thrown);
    const records = ids.map((id, i) => sqsRecord(JSON.stringify(snsEnvelope(fixtureOrder(id), { eventType: 'OrderPlaced', schemaVersion: '1.0.0' })), `m-${i}`));
    const out = await consumer({ Records: records }, lambda);
    expect(out.batchItemFailures).toHaveLength(ids.length);
    const reasons = Object.fromEntries(
      logs
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.includes('"record failed"'))
        .map((l) => JSON.parse(l) as { orderId?: string; messageId: string; reasons: string[] })
        .map((l) => [ids[Number(l.messageId.slice(2))]!, l.reasons[0]!]),
    );
    expect(reasons['ord-object']).toBe('the handler threw an object, not an Error: {"code":"E42","detail":"ledger closed"}');
    expect(reasons['ord-string']).toBe('the ledger is closed');
    expect(reasons['ord-null']).toBe('the handler threw null, not an Error: null');
    expect(reasons['ord-long']).toMatch(/^the handler threw an object, not an Error: \{"detail":"x{270,}…$/);
    expect(reasons['ord-long']!.length).toBeLessThan(400);
    expect(JSON.stringify(reasons)).not.toContain('[object Object]');
  });
});
