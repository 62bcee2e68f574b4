/**
 * On a stack with a data folder, a dead letter that `dlq list` read and released is counted as
 * waiting again once its hold ends, as SQS counts it: not as in flight for good. (The gateway turns
 * a release to 0 s into 1 s there, and fauxqs makes an expired message visible only on a receive,
 * which nothing makes on a dead-letter queue: `status` said `waiting 0, in flight 1` minutes later.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { DeadLetterQueue, queueDepth } from '@sluice/ops';
import { fixtureOrder, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime;
let sqs: SQSClient;
const dataDir = mkdtempSync(path.join(tmpdir(), 'dlq-counts-'));

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, dataDir, logLevel: 'SILENT', onEvent: () => {} });
  sqs = new SQSClient(runtime.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a dead letter listed on a stack with a data folder', () => {
  it('counts as waiting again once the listing released it, not in flight', async () => {
    const dlqUrl = runtime.resources.queues.OrderDLQ!.url;
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder('ord-counted'))) }));
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 1, inFlight: 0 });
    const dlq = new DeadLetterQueue({ sqs, deadLetterQueueUrl: dlqUrl, sourceQueueUrl: runtime.resources.queues.OrderQueue!.url });
    expect((await dlq.listing()).letters).toHaveLength(1);
    // Released with 0 s, held 1 s by the gateway.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 1, inFlight: 0 });
  });
});
