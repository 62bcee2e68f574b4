/**
 * A consumer that `npm run codegen` removes while `npm start` runs without `--watch`: the host is
 * told the contract changed (`contractChanged`, from the topology watch) and stops it after its
 * batches in flight, saying why; its messages wait in its queue for the restart. Before, only a
 * consumer waiting to start again was held: a running one went on polling, its new instances
 * failed on the generated operation (and the handler moved away), and each message used up its
 * receives into the dead-letter queue (found by a newcomer's review of the README).
 */
import { describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { FunctionHost, FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

describe.each<FunctionProcesses>(['shared', 'separate'])('a running consumer whose operation left the contract (functionProcesses %s)', (functionProcesses) => {
  it('stops when told the contract changed, saying why, and leaves its messages in its queue', { timeout: 60_000 }, async () => {
    const p = env.project('contract-removed');
    const queue = await thingsQueue(env.sqs());
    const events: string[] = [];
    const logs: string[] = [];
    let removed = false;
    const reason = 'its operation is no longer in the contract (npm run codegen removed it): this stack keeps the topology it started with until you restart npm start';
    const host: FunctionHost = env.host({
      functions: [thingsSpec(env.emulators(), p.root, queue)],
      functionProcesses,
      root: p.root,
      onEvent: (line) => events.push(line),
      onLog: (_op, line) => logs.push(line),
      outOfContract: () => (removed ? reason : undefined),
    });
    await host.start();
    await env.sqs().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{}' }));
    await waitFor('the first message handled', () => logs.includes('handled 1 by v1'), 20_000);

    removed = true;
    host.contractChanged();
    // Told again (another codegen) while it stops: said once.
    host.contractChanged();
    await waitFor('the consumer stopped', () => events.some((e) => /stopped/.test(e)), 20_000);
    expect(events.filter((e) => /stopped|not started/.test(e))).toEqual([`consumeThings: stopped: ${reason}; its messages wait in its queue`]);
    if (functionProcesses === 'separate') expect(host.processOf('consumeThings')).toBeUndefined();
    await env.sqs().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{}' }));
    // Longer than a poll and a batch: nothing takes it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(logs.filter((l) => l.startsWith('handled'))).toEqual(['handled 1 by v1']);
    const { Attributes } = await env.sqs().send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible)).toBe(1);
  });
});
