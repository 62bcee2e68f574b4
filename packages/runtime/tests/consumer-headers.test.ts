/**
 * The consumer checks the optional headers against the contract's header schema: a correlationId
 * of 200 KB (or one with spaces, or a malformed traceparent) is refused (code HEADERS_INVALID):
 * not logged whole, not passed to the handler, not propagated. The message itself is processed.
 * On a fixture contract of its own (tests/fixtures/single-consumer, generated in a fixture project).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { defineConsumer, HEADERS_INVALID, type ConsumerContext } from '@sluice/runtime/consumer';
import { fixtureOrder, fixtureProject, receiveOperationOf } from '../../../tests/helpers/fixture-project.ts';
import { processOutput } from '../../../tests/helpers/process-output.ts';
import { ORDER_TOPIC_ARN, snsEnvelope, sqsRecord } from '../../../tests/helpers/sns-envelope.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const consumeOrderPlaced = receiveOperationOf(await fixture.contract(), 'consumeOrderPlaced');
/** A valid OrderPlaced of the fixture with `overrides`. */
const anOrder = (overrides: { orderId: string }) => fixtureOrder(overrides.orderId, overrides);

const logs = processOutput();
const seen: { correlationId: string | undefined; attributes: Readonly<Record<string, string>> }[] = [];
const consumer = defineConsumer(
  consumeOrderPlaced,
  async (_order, context: ConsumerContext<typeof consumeOrderPlaced.messages>) => {
    seen.push({ correlationId: context.correlationId, attributes: context.attributes });
  },
  { sourceTopicArns: [ORDER_TOPIC_ARN] },
);
const lambda = { functionName: 'ConsumeOrderPlaced', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeEach(() => {
  logs.length = 0;
  seen.length = 0;
});

const recordLines = () =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{') && !l.startsWith('{"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.outcome !== undefined);

const identity = { eventType: 'OrderPlaced', schemaVersion: '1.0.0' };

describe('header bounds on the consumer side', () => {
  it('refuses a 200 KB correlationId: processed, but the value is neither logged whole nor passed on', async () => {
    const huge = 'x'.repeat(200 * 1024);
    const out = await consumer({ Records: [sqsRecord(JSON.stringify(snsEnvelope(anOrder({ orderId: 'hdr-c-1' }), { ...identity, correlationId: huge })), 'm-1')] }, lambda);
    expect(out.batchItemFailures).toEqual([]);
    expect(seen).toEqual([{ correlationId: undefined, attributes: expect.not.objectContaining({ correlationId: expect.anything() }) }]);
    expect(logs.join('')).not.toContain(huge);
    expect(logs.join('').length).toBeLessThan(10_000);
    const [line] = recordLines();
    expect(line).toMatchObject({
      outcome: 'done',
      headersRefused: { code: HEADERS_INVALID, headers: [{ header: 'correlationId', reason: 'must be at most 128 characters long', length: huge.length, startsWith: 'x'.repeat(32) }] },
    });
    expect(line).not.toHaveProperty('correlationId');
  });

  it('refuses a correlationId outside its pattern and a malformed traceparent, and keeps the valid ones', async () => {
    const records = [
      sqsRecord(JSON.stringify(snsEnvelope(anOrder({ orderId: 'hdr-c-2' }), { ...identity, correlationId: 'has spaces\u001b[2J', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })), 'm-2'),
      sqsRecord(JSON.stringify(snsEnvelope(anOrder({ orderId: 'hdr-c-3' }), { ...identity, correlationId: 'flow-7', traceparent: 'nope' })), 'm-3'),
    ];
    const out = await consumer({ Records: records }, lambda);
    expect(out.batchItemFailures).toEqual([]);
    expect(seen.map((s) => s.correlationId)).toEqual([undefined, 'flow-7']);
    const lines = recordLines();
    expect(lines[0]).toMatchObject({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', headersRefused: { code: HEADERS_INVALID, headers: [expect.objectContaining({ header: 'correlationId' })] } });
    expect(lines[1]).toMatchObject({ correlationId: 'flow-7', headersRefused: { headers: [expect.objectContaining({ header: 'traceparent' })] } });
    expect(lines[1]).not.toHaveProperty('traceparent');
  });

  it('says nothing of headers that are within bounds', async () => {
    await consumer({ Records: [sqsRecord(JSON.stringify(snsEnvelope(anOrder({ orderId: 'hdr-c-4' }), { ...identity, correlationId: 'flow-8' })), 'm-4')] }, lambda);
    expect(seen).toEqual([{ correlationId: 'flow-8', attributes: expect.objectContaining({ correlationId: 'flow-8' }) }]);
    expect(recordLines()[0]).not.toHaveProperty('headersRefused');
  });
});
