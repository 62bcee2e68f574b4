/**
 * The queues a contract accounts for: its own (queues and dead-letter queues), and the framework's
 * per topic (the unrouted queue, the triage queue and its dead-letter queue). A queue of the local
 * stack outside them is one an earlier contract made: `npm start` keeps it, with its messages.
 */
import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { triageOf, unroutedOf } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';

/**
 * Every queue name `topology` accounts for.
 *
 * @example
 * ```ts
 * import { ownedQueues } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const stackQueues: string[];
 * const kept = stackQueues.filter((q) => !ownedQueues(topology).has(q)); // left by an earlier contract
 * ```
 */
export function ownedQueues(topology: Topology): Set<string> {
  const unrouted = unroutedOf(topology);
  return new Set([...Object.keys(topology.queues), ...unrouted.map((u) => u.queue), ...triageOf(topology, unrouted).flatMap((t) => [t.queue, t.deadLetterQueue])]);
}

/**
 * Every queue an SQS endpoint has, by name, with its URL, sorted by name: on the local stack its
 * own and those an earlier contract left (on AWS the account's, not this application's alone).
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { ownedQueues, queuesOn } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const kept = (await queuesOn(new SQSClient({ endpoint: 'http://127.0.0.1:4566' }))).filter((q) => !ownedQueues(topology).has(q.name));
 * ```
 */
export async function queuesOn(sqs: SQSClient): Promise<{ name: string; url: string }[]> {
  const queues: { name: string; url: string }[] = [];
  let token: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ NextToken: token, MaxResults: 1000 }));
    for (const url of page.QueueUrls ?? []) queues.push({ name: url.split('/').pop()!, url });
    token = page.NextToken;
  } while (token);
  return queues.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * What `dlq list` says of a message of a queue an earlier contract left (kind `kept`), and the local
 * console with it: no decoder explains it, and where it came from is not known.
 */
export const KEPT_UNEXPLAINED = 'kept from an earlier contract, which queue it came from unknown now: dlq redrive --to <queue> moves it to a queue of the contract';

/**
 * Why a queue an earlier contract left is not redriven to its source, as `dlq redrive` and the
 * local console say it: there is no knowing which queue that was.
 *
 * @example
 * ```ts
 * import { keptQueueNotRedriven } from '@sluice/ops';
 *
 * keptQueueNotRedriven('OldOrderDLQ');
 * // 'OldOrderDLQ is no longer in the contract: which queue its messages came from is not known now (…)'
 * ```
 */
export function keptQueueNotRedriven(queue: string): string {
  return `${queue} is no longer in the contract: which queue its messages came from is not known now (a dead-letter queue renamed in the contract, or its consumer removed)`;
}
