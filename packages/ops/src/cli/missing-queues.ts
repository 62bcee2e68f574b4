/**
 * The contract's queues a running local stack does not have yet: the contract gained them (`npm run
 * codegen`) after `npm start` created its queues. `status` and `dlq` show the queues that exist and
 * warn about these, instead of refusing everything.
 */
import { programName } from '@sluice/cli';
import type { Target } from '../target.ts';

/**
 * Which of `queues` the local stack of `target` does not have, sorted. None on AWS, where every
 * one of `queues` and `topics` must be locatable instead: those that are not are named together
 * in one error saying what to set ({@link Target.requireLocated}).
 */
export async function missingQueues(target: Target, queues: Iterable<string>, topics: Iterable<string> = []): Promise<Set<string>> {
  const wanted = [...queues];
  target.requireLocated({ queues: wanted, topics });
  const present = await target.localQueueNames();
  if (!present) return new Set();
  const have = new Set(present);
  return new Set([...new Set(wanted)].filter((q) => !have.has(q)).sort());
}

/**
 * The warning line for queues of the contract the local stack does not have yet, named as the
 * user started the command (`orders status: warning: …`), saying to restart `npm start`.
 */
export function missingQueuesWarning(invocation: string, target: Target, missing: Iterable<string>): string {
  const name = programName(invocation);
  const queues = [...missing].sort();
  return `${name}: warning: the ${target.describe()} has no queue ${queues.join(', ')} of the contract (the contract changed since it started, or the queue was deleted): restart \`npm start\` to create ${queues.length === 1 ? 'it' : 'them'}.`;
}
