/**
 * A consumer's record lines say `cold_start: true` on its instance's first invocation on the local
 * stack, as on Lambda (on-demand instances): the local stack did not set
 * AWS_LAMBDA_INITIALIZATION_TYPE, so every line said false, against the README's metrics section
 * (found by a newcomer's review). On the single-consumer fixture.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { fixtureOrder, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let fixture: FixtureProject | undefined;
let runtime: LocalRuntime | undefined;
let sqs: SQSClient | undefined;
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  fixture?.dispose();
});

describe('cold_start on the local stack', () => {
  it("is true on an instance's first invocation, false on the next it handles", async () => {
    fixture = await fixtureProject('single-consumer');
    const records: { orderId?: string; cold_start?: boolean }[] = [];
    runtime = await startLocalRuntime({
      application: await fixture.application(),
      port: 0,
      logLevel: 'INFO',
      onLog: (_op, line) => {
        if (line.startsWith('{') && line.includes('"record ')) records.push(JSON.parse(line) as { orderId?: string; cold_start?: boolean });
      },
    });
    sqs = new SQSClient(runtime.clientConfig);
    const send = (id: string) => sqs!.send(new SendMessageCommand({ QueueUrl: runtime!.resources.queues.OrderQueue!.url, MessageBody: JSON.stringify(snsEnvelope(fixtureOrder(id))) }));
    await send('ord-cold');
    await waitFor('the first record line', () => records.length >= 1, 20_000);
    await send('ord-warm');
    await waitFor('the second record line', () => records.length >= 2, 20_000);
    expect(records.map((r) => r.cold_start)).toEqual([true, false]);
  }, 60_000);
});
