/**
 * The triage function's pieces: its filter-policy evaluator agrees with the model's
 * (`filterPolicyAdmits`, the one the unrouted complement is derived and checked with) on random
 * policies and attribute sets built from the operators SNS documents; the verdict and the
 * handler keep in the unrouted queue exactly what no subscription admits (a body-only publish
 * included), with the reason, and report a record they could not forward as failed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { complementPolicy, filterPolicyAdmits } from '@sluice/model';
import type { FilterPolicy } from '@sluice/runtime/contract';
import { policyAdmits, TRIAGE_REASON_ATTRIBUTE, triageOptionsFromEnvironment, triageUnrouted, triageVerdict, type TriageSubscription } from '@sluice/runtime/triage';

const keys = ['eventType', 'schemaVersion', 'correlationId'] as const;
const values = ['OrderPlaced', 'OrderCancelled', '1.0.0', '1.2.0', '2.0.0', '1.', '2.', ''] as const;
const value = fc.constantFrom(...values);
const condition = fc.oneof(
  value,
  value.map((prefix) => ({ prefix })),
  fc.boolean().map((exists) => ({ exists })),
  value.map((but) => ({ 'anything-but': but })),
  fc.array(value, { minLength: 1, maxLength: 3 }).map((but) => ({ 'anything-but': but })),
  value.map((prefix) => ({ 'anything-but': { prefix } })),
);
const clause = fc.dictionary(fc.constantFrom(...keys), fc.array(condition, { minLength: 1, maxLength: 3 }), { maxKeys: 3 });
const policy: fc.Arbitrary<FilterPolicy> = fc.oneof(
  clause,
  fc.tuple(clause, fc.array(clause, { minLength: 1, maxLength: 3 })).map(([base, $or]) => ({ ...base, $or }) as FilterPolicy),
) as fc.Arbitrary<FilterPolicy>;
const attributes = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 });

const orderQueue: TriageSubscription = { name: 'OrderTopicToOrderQueue', queue: 'OrderQueue', filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] } };
const complement: TriageSubscription = { name: 'OrderTopicToOrderTopicUnrouted', queue: 'OrderTopicUnrouted', filterPolicy: complementPolicy([{ eventType: 'OrderPlaced', majors: ['1'] }]) };

describe('policyAdmits (the triage function\'s evaluator)', () => {
  it('agrees with the model\'s filterPolicyAdmits on random policies and attributes', () => {
    fc.assert(
      fc.property(policy, attributes, (p, a) => policyAdmits(p, a) === filterPolicyAdmits(p, a)),
      { numRuns: 3000, seed: 19 },
    );
  });

  it.each([
    [{}, {}, true],
    [{ eventType: [{ exists: false }] }, {}, false],
    [{ eventType: [{ exists: false }] }, { correlationId: 'c' }, true],
    [{ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] }, { eventType: 'OrderPlaced', schemaVersion: '2.0.0' }, false],
    [{ eventType: [{ 'anything-but': ['OrderPlaced'] }] }, { schemaVersion: '1.0.0' }, false],
  ] as [FilterPolicy, Record<string, string>, boolean][])('%j admits %j: %s, as the model says', (p, a, expected) => {
    expect(policyAdmits(p, a)).toBe(expected);
    expect(filterPolicyAdmits(p, a)).toBe(expected);
  });
});

describe('triageVerdict', () => {
  it('a body-only publish: no subscription admits it, the complement neither', () => {
    expect(triageVerdict([orderQueue, complement], {})).toEqual({ admittedBy: [], reason: 'published without message attributes: no filter policy admits it' });
  });
  it('a declared order: its consumer\'s subscription; an undeclared v2: the complement (already kept by SNS)', () => {
    expect(triageVerdict([orderQueue, complement], { eventType: 'OrderPlaced', schemaVersion: '1.1.0' }).admittedBy).toEqual(['OrderTopicToOrderQueue']);
    expect(triageVerdict([orderQueue, complement], { eventType: 'OrderPlaced', schemaVersion: '2.0.0' }).admittedBy).toEqual(['OrderTopicToOrderTopicUnrouted']);
  });
  it('a type routed in two majors (v1 and v2 side by side): each routed one reaches its consumer only, never the unrouted queue too; a third is the triage\'s to keep', () => {
    const v2Queue: TriageSubscription = { name: 'OrderTopicToAuditQueue', queue: 'AuditQueue', filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }, { prefix: '2.' }] } };
    const both: TriageSubscription = { ...complement, filterPolicy: complementPolicy([{ eventType: 'OrderPlaced', majors: ['1', '2'] }]) };
    const subscriptions = [orderQueue, v2Queue, both];
    expect(triageVerdict(subscriptions, { eventType: 'OrderPlaced', schemaVersion: '1.0.0' }).admittedBy).toEqual(['OrderTopicToOrderQueue', 'OrderTopicToAuditQueue']);
    // Before: the complement excluded v1 only, and admitted v2 as well: a copy in the unrouted queue.
    expect(triageVerdict(subscriptions, { eventType: 'OrderPlaced', schemaVersion: '2.0.0' }).admittedBy).toEqual(['OrderTopicToAuditQueue']);
    expect(triageVerdict(subscriptions, { eventType: 'OrderPlaced', schemaVersion: '3.0.0' })).toEqual({ admittedBy: [], reason: 'no subscription admits it (eventType OrderPlaced, schemaVersion 3.0.0)' });
    // The other ways of being unrouted stay SNS's own.
    expect(triageVerdict(subscriptions, { eventType: 'OrderCancelled', schemaVersion: '1.0.0' }).admittedBy).toEqual(['OrderTopicToOrderTopicUnrouted']);
    expect(triageVerdict(subscriptions, { eventType: 'OrderPlaced' }).admittedBy).toEqual(['OrderTopicToOrderTopicUnrouted']);
  });
  it('without the complement, says which identity the publish carried', () => {
    expect(triageVerdict([orderQueue], { eventType: 'OrderPlaced', schemaVersion: '2.0.0' }).reason).toBe('no subscription admits it (eventType OrderPlaced, schemaVersion 2.0.0)');
  });
});

const record = (body: string, messageId = 'r-1'): SQSRecord => ({ messageId, body, attributes: {} }) as unknown as SQSRecord;
const envelope = (attributes: Record<string, { Type: string; Value: string }>) => JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', TopicArn: 'arn:aws:sns:us-east-1:000000000000:OrderTopic', Message: '{"orderId":"o-1"}', MessageAttributes: attributes });

describe('triageUnrouted', () => {
  it('sends what no subscription admits to the unrouted queue, body unchanged, with the reason; leaves the rest', async () => {
    const sent: { QueueUrl?: string; MessageBody?: string; MessageAttributes?: Record<string, { StringValue?: string }> }[] = [];
    const handler = triageUnrouted({ topic: 'OrderTopic', subscriptions: [orderQueue, complement], unroutedQueueUrl: 'http://q/OrderTopicUnrouted', sqs: { send: async (c: { input: never }) => void sent.push(c.input) } as never, log: () => {} });
    const bodyOnly = envelope({});
    const binaryOnly = envelope({ blob: { Type: 'Binary', Value: 'AA==' } });
    const declared = envelope({ eventType: { Type: 'String', Value: 'OrderPlaced' }, schemaVersion: { Type: 'String', Value: '1.0.0' } });
    const response = await handler({ Records: [record(bodyOnly, 'a'), record(declared, 'b'), record(binaryOnly, 'c')] } as SQSEvent);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sent.map((s) => s.MessageBody)).toEqual([bodyOnly, binaryOnly]);
    expect(sent[0]!.QueueUrl).toBe('http://q/OrderTopicUnrouted');
    expect(sent[0]!.MessageAttributes![TRIAGE_REASON_ATTRIBUTE]!.StringValue).toBe('published without message attributes: no filter policy admits it');
  });

  it('reports a record it could not forward as failed (retried, then dead-lettered), the others not', async () => {
    let calls = 0;
    const handler = triageUnrouted({ topic: 'OrderTopic', subscriptions: [orderQueue], unroutedQueueUrl: 'http://q/U', sqs: { send: async () => { if (calls++ === 0) throw new Error('throttled'); } } as never, log: () => {} });
    expect(await handler({ Records: [record(envelope({}), 'a'), record(envelope({}), 'b')] } as SQSEvent)).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }] });
  });

  it("on a FIFO topic, after a record it could not forward, hands back the rest of that message group unprocessed (none kept before it), and goes on with the other groups", async () => {
    const sent: string[] = [];
    let calls = 0;
    const sqs = { send: async (c: { input: { MessageBody: string } }) => { if (calls++ === 0) throw new Error('throttled'); sent.push(JSON.parse(c.input.MessageBody).MessageId); } };
    const handler = triageUnrouted({ topic: 'OrderTopic.fifo', subscriptions: [orderQueue], unroutedQueueUrl: 'http://q/OrderTopicUnrouted.fifo', sqs: sqs as never, log: () => {} });
    const grouped = (id: string, group: string) => ({ ...record(envelope({}).replace('"sns-1"', JSON.stringify(id)), id), attributes: { MessageGroupId: group } }) as unknown as SQSRecord;
    const response = await handler({ Records: [grouped('g1-a', 'g1'), grouped('g2-a', 'g2'), grouped('g1-b', 'g1'), grouped('g2-b', 'g2')] } as SQSEvent);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'g1-a' }, { itemIdentifier: 'g1-b' }] });
    expect(sent).toEqual(['g2-a', 'g2-b']);
  });

  it('is configured from its environment, and names a missing variable', () => {
    const options = triageOptionsFromEnvironment({ SLUICE_TRIAGE_TOPIC: 'OrderTopic', SLUICE_TRIAGE_SUBSCRIPTIONS: JSON.stringify([orderQueue]), SLUICE_UNROUTED_QUEUE_URL: 'http://q/U' });
    expect(options.subscriptions).toEqual([orderQueue]);
    expect(() => triageOptionsFromEnvironment({ SLUICE_TRIAGE_TOPIC: 'OrderTopic' })).toThrow(/SLUICE_TRIAGE_SUBSCRIPTIONS/);
  });
});
