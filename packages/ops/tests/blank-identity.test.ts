/**
 * A publish whose eventType or schemaVersion is blank (`" "`: SNS takes it, it is not empty) is
 * said to be blank by the operator tools, not rendered as a version: `dlq list` said "no consumer
 * declares OrderPlaced v " (an empty major with its 'v') and showed the column empty. In process,
 * on the single-consumer fixture's topology and envelopes as its unrouted queue keeps them.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatUnrouted, unroutedMessageReason, type DeadLetter } from '@sluice/ops';
import type { Topology } from '@sluice/runtime/contract';
import { fixtureOrder } from '../../../tests/helpers/fixture-project.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let topology: Topology;
beforeAll(async () => {
  topology = await fixtureTopology('single-consumer');
});

const body = (attributes: Record<string, string>) => JSON.stringify(snsEnvelope(fixtureOrder('ord-blank'), attributes));
const letter = (attributes: Record<string, string>): DeadLetter => ({
  messageId: 'm-1',
  receiveCount: 1,
  sentAt: undefined,
  body: body(attributes),
  snsMessageId: undefined,
  messageName: undefined,
  reason: undefined,
  subject: undefined,
  message: {} as Message,
});

describe('a blank eventType or schemaVersion, in what the operator tools say of an unrouted publish', () => {
  it('is said to be blank, never a version "v" with nothing after it', () => {
    const blankVersion = unroutedMessageReason(topology, 'OrderTopic', body({ eventType: 'OrderPlaced', schemaVersion: ' ' }));
    expect(blankVersion).toBe('published with a blank schemaVersion (" "; eventType OrderPlaced)');
    expect(unroutedMessageReason(topology, 'OrderTopic', body({ eventType: '', schemaVersion: '1.0.0' }))).toBe('published with a blank eventType (""; schemaVersion 1.0.0)');
    expect(unroutedMessageReason(topology, 'OrderTopic', body({ eventType: ' ', schemaVersion: '\t' }))).toBe('published with a blank eventType and schemaVersion (" ", "\\t")');
    // Every fault is named: no eventType and a blank schemaVersion is both, not the blank alone.
    expect(unroutedMessageReason(topology, 'OrderTopic', body({ schemaVersion: ' ' }))).toBe('published without eventType and with a blank schemaVersion (" ")');
    // A version the contract does not declare is still named by its major.
    expect(unroutedMessageReason(topology, 'OrderTopic', body({ eventType: 'OrderPlaced', schemaVersion: '7.0.0' }))).toBe('no consumer declares OrderPlaced v7');
  });

  it("shows the blank value as blank in dlq list's table", () => {
    const table = formatUnrouted([letter({ eventType: 'OrderPlaced', schemaVersion: ' ' })], topology, 'OrderTopic');
    const row = table.split('\n').find((l) => l.startsWith('m-1'))!;
    expect(row).toMatch(/ OrderPlaced +\(blank: " "\) +published with a blank schemaVersion/);
    expect(table).not.toMatch(/ v\s*$/m);
  });
});
