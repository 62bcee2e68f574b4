/**
 * The lines a consumer writes for the local stack's failure journal alone (`SLUICE_FAILURE_LINES=1`,
 * set by the stack on the consumers it runs): a failed or rejected record whose line the logger's
 * level hides is written anyway, once, prefixed so the stack keeps it out of the terminal; a line
 * the logger writes is not written twice; without the variable (on AWS) nothing changes.
 * On the single-consumer fixture.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { ConsumerLogger, defineConsumer, RecordRejected, type StructuredLogger } from '@sluice/runtime/consumer';
import { FAILURE_LINE_PREFIX, FAILURE_LINES_ENV } from '@sluice/runtime/settings';
import { fixtureOrder, fixtureProject, receiveOperationOf } from '../../../tests/helpers/fixture-project.ts';
import { processOutput } from '../../../tests/helpers/process-output.ts';
import { ORDER_TOPIC_ARN, snsEnvelope, sqsRecord } from '../../../tests/helpers/sns-envelope.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const consumeOrderPlaced = receiveOperationOf(await fixture.contract(), 'consumeOrderPlaced');
const lambda = { functionName: 'ConsumeOrderPlaced', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const logs = processOutput();
afterEach(() => {
  vi.unstubAllEnvs();
  logs.length = 0;
});

/** A consumer that rejects `ord-rejected`, throws for `ord-failed`, and stores anything else. */
function consumer(logger: StructuredLogger) {
  return defineConsumer(
    consumeOrderPlaced,
    async (order) => {
      const { orderId } = order as { orderId: string };
      if (orderId === 'ord-rejected') throw new RecordRejected('ITEM_UNKNOWN', 'no such item');
      if (orderId === 'ord-failed') throw new Error('the ledger is closed');
      return 'stored';
    },
    { sourceTopicArns: [ORDER_TOPIC_ARN], logger },
  );
}

/** Runs the three records; the lines written, as `<journal|logger> <message>`. */
async function run(logger: StructuredLogger): Promise<string[]> {
  const records = ['ord-rejected', 'ord-failed', 'ord-fine'].map((id) => sqsRecord(JSON.stringify(snsEnvelope(fixtureOrder(id), { eventType: 'OrderPlaced', schemaVersion: '1.0.0' })), `m-${id}`));
  const out = await consumer(logger)({ Records: records }, lambda);
  expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-ord-failed', 'm-ord-rejected']);
  return logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"record '))
    .map((l) => {
      const parsed = JSON.parse(l) as { message: string; messageId: string; code?: string; reasons?: string[] };
      return `${l.startsWith(FAILURE_LINE_PREFIX) ? 'journal' : 'logger'} ${parsed.message} ${parsed.messageId}${parsed.code ? ` ${parsed.code}: ${parsed.reasons?.join('; ')}` : ''}`;
    })
    .sort();
}

describe('a consumer run by the local stack, whatever its log level', () => {
  it('at SILENT: both failures are written for the journal only', async () => {
    vi.stubEnv(FAILURE_LINES_ENV, '1');
    expect(await run(new ConsumerLogger({ logLevel: 'SILENT' }))).toEqual([
      'journal record failed m-ord-failed Error: the ledger is closed',
      'journal record rejected m-ord-rejected ITEM_UNKNOWN: no such item',
    ]);
  });

  it('at ERROR: the failed record is the logger\'s line, the rejected one the journal\'s', async () => {
    vi.stubEnv(FAILURE_LINES_ENV, '1');
    expect(await run(new ConsumerLogger({ logLevel: 'ERROR' }))).toEqual(['journal record rejected m-ord-rejected ITEM_UNKNOWN: no such item', 'logger record failed m-ord-failed Error: the ledger is closed']);
  });

  it('at WARN: the logger writes both, nothing is written twice', async () => {
    vi.stubEnv(FAILURE_LINES_ENV, '1');
    expect(await run(new ConsumerLogger({ logLevel: 'WARN' }))).toEqual(['logger record failed m-ord-failed Error: the ledger is closed', 'logger record rejected m-ord-rejected ITEM_UNKNOWN: no such item']);
  });

  it("with a logger of the caller's that does not say its level: written for the journal too (the journal keeps one per message)", async () => {
    vi.stubEnv(FAILURE_LINES_ENV, '1');
    const silent: StructuredLogger = { debug() {}, info() {}, warn() {}, error() {}, addContext() {}, createChild: () => silent };
    expect(await run(silent)).toEqual(['journal record failed m-ord-failed Error: the ledger is closed', 'journal record rejected m-ord-rejected ITEM_UNKNOWN: no such item']);
  });

  it('without the variable (on AWS): nothing but what the logger writes', async () => {
    expect(await run(new ConsumerLogger({ logLevel: 'SILENT' }))).toEqual([]);
    expect(await run(new ConsumerLogger({ logLevel: 'ERROR' }))).toEqual(['logger record failed m-ord-failed Error: the ledger is closed']);
  });
});
