/**
 * `status`: every queue of the topology with its depth (the framework's unrouted and triage queues
 * too, and on the local stack the queues an earlier contract left), the subscriptions: the state
 * of the system at a glance.
 */
import type { CommandSpec } from '@sluice/cli';
import { canonicalPolicy, triageOf, unroutedOf, type UnroutedSpec } from '@sluice/model';
import type { SubscriptionSpec } from '@sluice/runtime/contract';
import { queueDepth } from '../queue-depth.ts';
import { formatTable } from '@sluice/cli';
import { contractModule, targetFlags, targetOptions, withTarget } from './target-options.ts';
import { ownedQueues } from '../owned-queues.ts';
import { queueRolesOf, type QueueRole } from '../queue-roles.ts';
import { missingQueues, missingQueuesWarning } from './missing-queues.ts';
import { liveFilterPolicies } from '../unrouted.ts';
import { appliedBy } from './live-routing.ts';

/** The widest filter policy the subscription table shows whole (a policy of one event type and major fits). */
const POLICY_WIDTH = 72;

/**
 * A subscription as {@link formatSubscriptions} shows it: `queueMissing` when the local stack has
 * not made its queue yet (so the subscription does not exist either); `notSubscribed` when its
 * queue is there but the topic has no subscription to it (deleted by hand).
 */
export type ShownSubscription = Pick<SubscriptionSpec, 'topic' | 'queue' | 'rawMessageDelivery' | 'filterPolicy'> & { queueMissing?: true; notSubscribed?: true };

/**
 * Renders subscriptions as `status` shows them: topic → queue, raw delivery, filter policy, in a
 * table that fits an 80–120-column terminal. A topic's unrouted subscription, whose policy is the
 * negation of all the others (hundreds of characters), reads `anything no other subscription of
 * <topic> takes (N conditions)`; another policy wider than 72 columns is cut short with `…`. When
 * one is, a line after the table says that `--wide` (or `--json`) shows them whole. `wide`: every
 * policy whole, as JSON.
 *
 * @param unrouted - the topics' unrouted queues (`unroutedOf(topology)`): their subscriptions are summarized
 * @example
 * ```ts
 * import { formatSubscriptions } from '@sluice/ops';
 * import { unroutedOf } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const unrouted = unroutedOf(topology);
 * console.log(formatSubscriptions([...topology.subscriptions, ...unrouted.map((u) => u.subscription)], unrouted));
 * // OrderTopic → OrderTopicUnrouted  no   anything no other subscription of OrderTopic takes (4 conditions)
 * ```
 */
export function formatSubscriptions(subscriptions: readonly ShownSubscription[], unrouted: readonly Pick<UnroutedSpec, 'queue'>[], options: { wide?: boolean } = {}): string {
  const unroutedQueues = new Set(unrouted.map((u) => u.queue));
  let shortened = false;
  const policyOf = (s: ShownSubscription): string => {
    const json = JSON.stringify(s.filterPolicy);
    if (options.wide) return json;
    if (unroutedQueues.has(s.queue)) {
      shortened = true;
      const clauses = Array.isArray(s.filterPolicy.$or) ? s.filterPolicy.$or.length : 1;
      return `anything no other subscription of ${s.topic} takes (${clauses} condition${clauses === 1 ? '' : 's'})`;
    }
    if (json.length <= POLICY_WIDTH) return json;
    shortened = true;
    return `${json.slice(0, POLICY_WIDTH - 1)}…`;
  };
  const table = formatTable(
    ['subscription', 'raw', 'filter policy'],
    subscriptions.map((s) => [`${s.topic} → ${s.queue}${s.queueMissing ? ' (not made yet: its queue is missing)' : s.notSubscribed ? ' (not subscribed there: deleted?)' : ''}`, s.rawMessageDelivery ? 'yes' : 'no', policyOf(s)]),
  );
  return shortened ? `${table}\nFilter policies summarized or cut short: --wide shows them whole (--json too).` : table;
}

/** A queue's role in `status`'s table; `waiting`: it holds messages. */
function roleOf(q: QueueRole, waiting: boolean): string {
  switch (q.kind) {
    case 'deadLetter':
      return `dead letters of ${q.sources.join(', ')}`;
    // Each topic's unrouted queue: what no subscription admitted (see why with `dlq list`).
    case 'unrouted':
      return `unrouted publishes of ${q.deadLetters!.unroutedTopic}${waiting ? ': see why with dlq list' : ''}`;
    // Each topic's triage queue (every publish, for the triage function) and what it could not keep.
    case 'triage':
      return `every publish of ${q.triage!.topic}, triaged by ${q.triage!.functionName}`;
    case 'triageDeadLetter':
      return `what ${q.deadLetters!.triage!.functionName} could not keep${waiting ? ': see them with dlq list' : ''}`;
    default:
      return q.consumer ? `consumed by ${q.consumer}` : 'no consumer';
  }
}

/**
 * The `status` command: every queue of the topology with its depth and role, then the
 * subscriptions ({@link formatSubscriptions}: long filter policies summarized, `--wide` shows them
 * whole; `--json` for scripts; `--endpoint`/`--aws` choose the target). Queues of the
 * contract a running local stack does not have yet (added by `npm run codegen` after `npm start`)
 * are left out, and a warning line on stderr names them and says to restart `npm start` (exit 0).
 * Add it to a program's `commands`.
 */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'queues (messages waiting, in flight, dead-lettered) and subscriptions',
  description:
    "Each queue of the contract with its messages waiting, in flight and delayed, and its role: consumed by which consumer, dead letters of which queue, a topic's unrouted publishes (see why with dlq list) or its triage. Then each subscription: topic, queue and filter policy (long ones summarized; --wide shows them whole). On the local stack, also the queues an earlier contract left, kept with their messages. No message is received or changed: it only counts them.",
  options: {
    json: { type: 'boolean', description: "JSON, for scripts (filter policies whole; each queue's kind, and for a queue dlq reads its source and sources, as dlq list --json gives them)" },
    wide: { type: 'boolean', description: "every subscription's filter policy whole in the table (an unrouted queue's is long: summarized without it)" },
    ...targetOptions,
  },
  async run({ values, io, invocation }) {
    const { topology, operations } = await contractModule(undefined, { warn: (line) => io.err(line) });
    return withTarget(values, async (target) => {
      await target.checkReachable();
      // Queues the contract gained after the local stack started (npm run codegen while npm start
      // runs): left out of the table, with a warning, so the ones that exist are still shown.
      const missing = await missingQueues(target, ownedQueues(topology));
      // Every queue of the contract by one rule (the console's too): the queues dlq reads with the kind and sources dlq list --json gives them.
      const rows: { queue: string; kind: string; source: string | null; sources: string[]; role: string; visible: number; inFlight: number; delayed: number; total: number }[] = [];
      for (const q of queueRolesOf(topology, operations)) {
        if (missing.has(q.name)) continue;
        const depth = await queueDepth(target.sqs, await target.queueUrl(q.name));
        rows.push({ queue: q.name, kind: q.kind, source: q.source, sources: q.sources, role: roleOf(q, depth.total > 0), ...depth });
      }
      // On the local stack: the queues an earlier contract made, which npm start keeps with their messages.
      const owned = ownedQueues(topology);
      for (const queue of ((await target.localQueueNames()) ?? []).filter((q) => !owned.has(q))) {
        const depth = await queueDepth(target.sqs, await target.queueUrl(queue));
        // What an earlier contract made (npm start keeps it), or, on an endpoint other projects share, theirs.
        rows.push({ queue, kind: 'kept', source: null, sources: [], role: `not in the contract: kept from an earlier one, with its messages${depth.total > 0 ? ` (${invocation.replace(/ status$/, '')} dlq list${targetFlags(values)} --queue ${queue})` : ''}`, ...depth });
      }
      const unrouted = unroutedOf(topology);
      const triage = triageOf(topology, unrouted);
      // A subscription of the contract whose queue the stack does not have yet does not exist either: said, not listed as if it did.
      let subscriptions: ShownSubscription[] = [...topology.subscriptions, ...unrouted.map((u) => u.subscription), ...triage.map((t) => t.subscription)].map((s) => (missing.has(s.queue) ? { ...s, queueMissing: true as const } : s));
      /** The subscriptions of the contract the topic does not have there (deleted by hand): what they take is lost until they are made again. */
      const notSubscribed: string[] = [];
      // The filter policies as the stack (or AWS) runs them: after npm run codegen without a restart
      // (or a deploy) they are older than the contract's, which the table shows.
      const differ: string[] = [];
      for (const topic of Object.keys(topology.topics)) {
        const wanted = topology.subscriptions.filter((s) => s.topic === topic && !missing.has(s.queue));
        // The framework's own (unrouted, triage) are looked for too: without them a publish no consumer declares is lost.
        const all = subscriptions.filter((s) => s.topic === topic && !s.queueMissing);
        if (all.length === 0) continue;
        const live = await target
          .topicArn(topic)
          .then((arn) => liveFilterPolicies(target.sns, arn))
          .catch((error: unknown) => {
            // The table shows the contract's policies either way: that they could not be compared is said.
            io.err(`${invocation.replace(/ status$/, '')}: warning: could not read ${topic}'s subscriptions to compare their filter policies with the contract's: ${(error as Error).message}`);
            return undefined;
          });
        if (live) for (const s of all) if (!live.has(s.queue)) notSubscribed.push(`${topic} → ${s.queue}`);
        for (const s of wanted) {
          if (!live?.has(s.queue)) continue;
          const now = live.get(s.queue);
          if (canonicalPolicy(now ?? {}) !== canonicalPolicy(s.filterPolicy ?? {})) differ.push(`${topic} → ${s.queue} admits ${now ? JSON.stringify(now) : 'everything'} there, the contract's ${JSON.stringify(s.filterPolicy ?? {})}`);
        }
      }
      const { apply } = appliedBy(target);
      subscriptions = subscriptions.map((s) => (notSubscribed.includes(`${s.topic} → ${s.queue}`) ? { ...s, notSubscribed: true as const } : s));
      const absentWarning =
        notSubscribed.length > 0
          ? `${invocation.replace(/ status$/, '')}: warning: the ${target.describe()} has no subscription ${notSubscribed.join(', ')} (deleted?): what ${notSubscribed.length === 1 ? 'it' : 'they'} would take reaches no queue, and is lost. ${apply} to make ${notSubscribed.length === 1 ? 'it' : 'them'} again.`
          : undefined;
      const policyWarning = differ.length > 0 ? `${invocation.replace(/ status$/, '')}: warning: the ${target.describe()} does not filter as the contract says yet (npm run codegen since it started?):\n${differ.map((d) => `  ${d}`).join('\n')}\n${apply} to apply it; until then what only the contract's policy admits goes to the topic's unrouted queue.` : undefined;
      const warning = [missing.size > 0 ? missingQueuesWarning(invocation, target, missing) : undefined, absentWarning, policyWarning].filter(Boolean).join('\n') || undefined;
      if (values.json) {
        io.out(JSON.stringify({ queues: rows, subscriptions, ...(missing.size > 0 ? { missingQueues: [...missing] } : {}), ...(differ.length > 0 ? { filterPoliciesDiffer: differ } : {}), ...(notSubscribed.length > 0 ? { notSubscribed } : {}) }, null, 2));
        if (warning) io.err(warning);
        return 0;
      }
      io.out(`${target.describe()}, contract ${topology.contract.title} ${topology.contract.version}\n`);
      io.out(formatTable(['queue', 'waiting', 'in flight', 'delayed', 'role'], rows.map((r) => [r.queue, String(r.visible), String(r.inFlight), String(r.delayed), r.role])));
      io.out('');
      io.out(formatSubscriptions(subscriptions, unrouted, { wide: values.wide === true }));
      if (warning) io.err(warning);
      return 0;
    });
  },
};
