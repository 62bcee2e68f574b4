/**
 * A consumed queue deleted outside `npm start` (an operator's `aws sqs delete-queue` on the local
 * stack): the function's poller cannot receive. It said the SDK's "The specified queue does not
 * exist." ten times a second, with nothing about what it means or what brings the queue back.
 */
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { FunctionProcesses } from '@sluice/local';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { thingsQueue, thingsSpec, useWatchedHosts } from '../../../tests/helpers/watched-project.ts';

const env = useWatchedHosts();

describe.each<FunctionProcesses>(['shared', 'separate'])('a consumed queue deleted while the function runs (functionProcesses %s)', (functionProcesses) => {
  it('is said once with what it means and what brings it back, not at every retry', { timeout: 30_000 }, async () => {
    const { root } = env.project('queue-gone');
    const queue = await thingsQueue(env.sqs());
    const events: string[] = [];
    const host = env.host({ functions: [thingsSpec(env.emulators(), root, queue)], functionProcesses, root, onEvent: (line) => events.push(line) });
    await host.start();
    await env.sqs().send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    const name = queue.url.split('/').pop()!;
    const line = `consumeThings: poller: queue ${name} does not exist (deleted outside npm start?): nothing is consumed, and what the topic delivers to it is lost here (on AWS it would go to the queue's dead-letter queue). Restart npm start to create it again (retrying meanwhile, less and less often)`;
    await waitFor('the line', () => events.includes(line), 15_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(events.filter((e) => e.includes('poller:')), events.join('\n')).toEqual([line]);
  });
});
