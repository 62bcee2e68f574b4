/**
 * What no subscription of a topic admits, kept: for each topic, an "unrouted" queue subscribed
 * with the complement of the topic's filter policies, and the reason each message it keeps ended
 * there, read from the message's attributes.
 *
 * The complement, in SNS's documented filter-policy semantics (MessageAttributes scope):
 *
 * - `{"eventType": [{"exists": false}]}` and `{"schemaVersion": [{"exists": false}]}`: a publish
 *   without one of the identity attributes;
 * - `{"eventType": [{"anything-but": [<every routed type>]}]}`: an event type no subscription admits;
 * - per routed event type `T` admitted in one major `M`:
 *   `{"eventType": [T], "schemaVersion": [{"anything-but": {"prefix": "M."}}]}`: a version of it no
 *   subscription admits;
 *
 * joined by `$or`. Each clause needs its key present except `exists: false`, exactly as the
 * routed subscriptions do. The policy never admits a routed message: the unrouted queue holds
 * no copy of what a consumer got.
 *
 * Two gaps, both documented by AWS, both closed by the topic's triage (see `triage.ts`: a
 * subscription without filter policy and the framework's triage function, which evaluates every
 * publish against the topic's filtered subscriptions, this one included, and keeps in the
 * unrouted queue, with the reason, what none admits):
 *
 * - a publish with NO message attribute at all matches no filter policy, `exists: false`
 *   included ("an empty set of attributes results in the filter not matching"). SNS counts it
 *   in the topic's `NumberOfNotificationsFilteredOut-NoMessageAttributes` metric, which the plan
 *   alarms on;
 * - when one event type is routed in several majors (a migration, v1 and v2 side by side), SNS
 *   cannot say "starts with neither 1. nor 2." in one clause. That type then has no clause here:
 *   its unrouted majors (v3) reach the unrouted queue through the triage. (A clause excluding the
 *   lowest major only would admit the other routed ones too: each v2 publish kept a second time
 *   here, where `dlq list` offered to redrive it, and each redrive delivered it again and came
 *   back.)
 */
import type { FilterPolicy, SubscriptionSpec, Topology, TopicSpec } from '@sluice/runtime/contract';
import { isObject } from './topology/context.ts';

/** How long an unrouted queue keeps a message: SQS's maximum, 14 days. */
export const UNROUTED_RETENTION_SECONDS = 1_209_600;

/** SNS's limits on one filter policy: total combinations of values, and keys. */
export const FILTER_POLICY_LIMITS = { combinations: 150, keys: 5 } as const;

/** The identity attributes every routed filter policy reads. */
const IDENTITY = ['eventType', 'schemaVersion'] as const;

/** One topic's unrouted queue: where what no subscription admits is kept. */
export interface UnroutedSpec {
  /** Always `'unrouted'`: tells the queue apart from a consumer's queue and a dead-letter queue. */
  readonly kind: 'unrouted';
  /** The topic whose unrouted publishes it keeps. */
  readonly topic: string;
  /** `<Topic>Unrouted` (`.fifo` for a FIFO topic). */
  readonly queue: string;
  /** Whether topic and queue are FIFO. */
  readonly fifo: boolean;
  /** The subscription, named `<topic>To<queue>` like the contract's, with the complement policy. */
  readonly subscription: SubscriptionSpec;
  /** The (event type, major) pairs the topic's subscriptions admit: what the policy complements. */
  readonly routed: readonly { readonly eventType: string; readonly majors: readonly string[] }[];
}

/**
 * The unrouted queue's name for a topic: `PaymentTopic` → `PaymentTopicUnrouted`,
 * `Payments.fifo` → `PaymentsUnrouted.fifo`.
 *
 * @example
 * ```ts
 * import { unroutedQueueNameOf } from '@sluice/model';
 *
 * unroutedQueueNameOf({ name: 'PaymentTopic', fifo: false }); // 'PaymentTopicUnrouted'
 * ```
 */
export function unroutedQueueNameOf(topic: Pick<TopicSpec, 'name' | 'fifo'>): string {
  const base = topic.name.replace(/\.fifo$/, '');
  return topic.fifo ? `${base}Unrouted.fifo` : `${base}Unrouted`;
}

/**
 * The dead-letter queue of a topic's triage: `PaymentTopic` → `PaymentTopicTriageDLQ`,
 * `Payments.fifo` → `PaymentsTriageDLQ.fifo`. What the triage function could not keep in the
 * unrouted queue waits there, what SNS could not deliver to the triage queue, and what it could
 * not deliver to the unrouted queue (the dead-letter queue of both subscriptions). `dlq redrive`
 * puts the last into the unrouted queue (the envelope names its subscription), the others back
 * to the triage queue.
 *
 * @example
 * ```ts
 * import { triageDeadLetterQueueNameOf } from '@sluice/model';
 *
 * triageDeadLetterQueueNameOf({ name: 'PaymentTopic', fifo: false }); // 'PaymentTopicTriageDLQ'
 * ```
 */
export function triageDeadLetterQueueNameOf(topic: Pick<TopicSpec, 'name' | 'fifo'>): string {
  const base = topic.name.replace(/\.fifo$/, '');
  return topic.fifo ? `${base}TriageDLQ.fifo` : `${base}TriageDLQ`;
}

/** The clauses of a policy: its `$or` branches, or itself. */
function clausesOf(policy: FilterPolicy): FilterPolicy[] {
  const { $or, ...rest } = policy as { $or?: FilterPolicy[] } & FilterPolicy;
  if (!$or) return [policy];
  return $or.flatMap((branch) => clausesOf({ ...rest, ...branch }));
}

/**
 * What a topic's subscriptions route, by event type: the majors each admits. `undefined` when a
 * subscription admits every message (an empty policy, or one the framework does not write): then
 * nothing on the topic is unrouted.
 */
function routedOf(topology: Topology, topic: string): Map<string, Set<string>> | undefined {
  const routed = new Map<string, Set<string>>();
  for (const subscription of topology.subscriptions.filter((s) => s.topic === topic)) {
    if (Object.keys(subscription.filterPolicy).length === 0) return undefined;
    for (const clause of clausesOf(subscription.filterPolicy)) {
      const types = clause.eventType;
      const versions = clause.schemaVersion;
      const keys = Object.keys(clause);
      const prefixes = Array.isArray(versions) ? versions.map((v) => (isObject(v) && typeof v.prefix === 'string' && /^[^.]+\.$/.test(v.prefix) ? v.prefix.slice(0, -1) : undefined)) : [];
      if (keys.some((k) => !IDENTITY.includes(k as (typeof IDENTITY)[number])) || !Array.isArray(types) || !types.every((t) => typeof t === 'string') || prefixes.length === 0 || prefixes.some((p) => p === undefined)) {
        throw new Error(`the filter policy of ${subscription.name} is not one the framework derives (eventType names and schemaVersion major prefixes): its complement cannot be written; got ${JSON.stringify(subscription.filterPolicy)}`);
      }
      for (const type of types as string[]) {
        const majors = routed.get(type) ?? new Set<string>();
        for (const m of prefixes) majors.add(m!);
        routed.set(type, majors);
      }
    }
  }
  return routed;
}

const byNumber = (a: string, b: string) => Number(a) - Number(b) || a.localeCompare(b);

/**
 * The filter policy admitting what none of `routed` admits, among messages with at least one
 * attribute, except the unrouted majors of a type routed in several (the triage keeps those; see
 * the module's notes). It admits nothing `routed` admits.
 *
 * @example
 * ```ts
 * import { complementPolicy } from '@sluice/model';
 *
 * complementPolicy([{ eventType: 'PaymentCaptured', majors: ['1'] }]);
 * // { $or: [{ eventType: [{ exists: false }] }, { schemaVersion: [{ exists: false }] },
 * //   { eventType: [{ 'anything-but': ['PaymentCaptured'] }] },
 * //   { eventType: ['PaymentCaptured'], schemaVersion: [{ 'anything-but': { prefix: '1.' } }] }] }
 * ```
 */
export function complementPolicy(routed: readonly { readonly eventType: string; readonly majors: readonly string[] }[]): FilterPolicy {
  const clauses: FilterPolicy[] = [{ eventType: [{ exists: false }] }, { schemaVersion: [{ exists: false }] }];
  if (routed.length === 0) {
    // Nothing routed: every attributed message is unrouted.
    clauses.push({ eventType: [{ exists: true }] });
  } else {
    clauses.push({ eventType: [{ 'anything-but': routed.map((r) => r.eventType).sort() }] });
    for (const r of [...routed].sort((a, b) => a.eventType.localeCompare(b.eventType))) {
      // Several majors: no clause SNS can evaluate excludes them all (see the module's notes).
      if (r.majors.length === 1) clauses.push({ eventType: [r.eventType], schemaVersion: [{ 'anything-but': { prefix: `${r.majors[0]}.` } }] });
    }
  }
  return { $or: clauses };
}

/**
 * SNS's measure of a filter policy: the combinations (per `$or` branch, the product of the
 * number of values of each key, summed over branches) and the distinct keys. SNS refuses more
 * than {@link FILTER_POLICY_LIMITS}.
 *
 * @example
 * ```ts
 * import { filterPolicyComplexity } from '@sluice/model';
 *
 * filterPolicyComplexity({ eventType: ['A', 'B'], schemaVersion: [{ prefix: '1.' }] }); // { combinations: 2, keys: 2 }
 * ```
 */
export function filterPolicyComplexity(policy: FilterPolicy): { combinations: number; keys: number } {
  const keys = new Set<string>();
  let combinations = 0;
  for (const clause of clausesOf(policy)) {
    let product = 1;
    for (const [key, values] of Object.entries(clause)) {
      keys.add(key);
      const list = Array.isArray(values) ? values : [values];
      product *= list.reduce((n: number, v) => n + (isObject(v) && Array.isArray(v['anything-but']) ? v['anything-but'].length : 1), 0);
    }
    combinations += product;
  }
  return { combinations, keys: keys.size };
}

/**
 * Each topic's unrouted queue and the subscription that fills it; none for a topic one of whose
 * subscriptions admits every message (nothing there is unrouted).
 *
 * @example
 * ```ts
 * import { unroutedOf } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * unroutedOf(topology)[0]?.queue; // 'PaymentTopicUnrouted'
 * ```
 */
export function unroutedOf(topology: Topology): UnroutedSpec[] {
  const specs: UnroutedSpec[] = [];
  for (const topic of Object.values(topology.topics)) {
    const routedMap = routedOf(topology, topic.name);
    if (!routedMap) continue;
    const routed = [...routedMap.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([eventType, majors]) => ({ eventType, majors: [...majors].sort(byNumber) }));
    const queue = unroutedQueueNameOf(topic);
    specs.push({
      kind: 'unrouted',
      topic: topic.name,
      queue,
      fifo: topic.fifo,
      routed,
      subscription: {
        name: `${topic.name}To${queue}`,
        topic: topic.name,
        queue,
        // The envelope keeps the topic, the message id and the attributes the reason is read from.
        rawMessageDelivery: false,
        filterPolicy: complementPolicy(routed),
        filterPolicyScope: 'MessageAttributes',
        // What SNS cannot deliver to the unrouted queue (its policy or key broken, the queue gone) is
        // kept, as a consumer's subscription's is: in the triage's dead-letter queue, alarmed on.
        deadLetterQueue: triageDeadLetterQueueNameOf(topic),
        declaredBy: [],
      },
    });
  }
  return specs;
}

/**
 * Problems with the unrouted queues that would make a broken deployment: a complement over
 * SNS's limits, a name taken by a queue of the contract.
 *
 * @example
 * ```ts
 * import { checkUnrouted } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * checkUnrouted(topology); // []
 * ```
 */
export function checkUnrouted(topology: Topology): string[] {
  const problems: string[] = [];
  for (const u of unroutedOf(topology)) {
    const { combinations, keys } = filterPolicyComplexity(u.subscription.filterPolicy);
    if (combinations > FILTER_POLICY_LIMITS.combinations || keys > FILTER_POLICY_LIMITS.keys) {
      problems.push(`the unrouted filter policy of ${u.topic} has ${combinations} combinations and ${keys} keys, over SNS's limits (${FILTER_POLICY_LIMITS.combinations}, ${FILTER_POLICY_LIMITS.keys}): split the topic's event types over more topics`);
    }
    if (topology.queues[u.queue]) problems.push(`the contract declares a queue named ${u.queue}, the name of ${u.topic}'s unrouted queue: rename it`);
  }
  return problems;
}

/**
 * Whether a message attribute's value is there but says nothing (`""`, `" "`): SNS takes a blank
 * value, and no routed policy admits it as a type or a version.
 *
 * @example
 * ```ts
 * import { isBlankAttribute } from '@sluice/model';
 *
 * isBlankAttribute(' '); // true
 * isBlankAttribute('1.0.0'); // false
 * isBlankAttribute(undefined); // false: missing, not blank
 * ```
 */
export function isBlankAttribute(value: string | undefined): boolean {
  return value !== undefined && value.trim() === '';
}

/**
 * A published value as a reason names it: quoted when a space (or another blank) starts or ends
 * it, which the bare value would hide (`"OrderPlaced "` read as `OrderPlaced`), else as it is.
 */
function valueShown(value: string | undefined): string {
  return value !== undefined && /^\s|\s$/.test(value) ? JSON.stringify(value) : String(value);
}

/**
 * What is wrong with a publish's eventType and schemaVersion, every fault at once (one missing
 * and the other blank is said as both); `undefined` when both say something. A blank value is
 * said to be blank, not read as a type or a version: read as a major, it said "no consumer
 * declares OrderPlaced v ".
 */
function identityFault(attributes: Readonly<Record<string, string | undefined>>): string | undefined {
  const missing = IDENTITY.filter((k) => attributes[k] === undefined);
  const blank = IDENTITY.filter((k) => isBlankAttribute(attributes[k]));
  const shown = (k: (typeof IDENTITY)[number]) => JSON.stringify(attributes[k]);
  if (missing.length === 2) return 'published without eventType/schemaVersion';
  if (blank.length === 2) return `published with a blank eventType and schemaVersion (${shown('eventType')}, ${shown('schemaVersion')})`;
  if (missing.length === 1 && blank.length === 1) return `published ${IDENTITY.map((k) => (missing.includes(k) ? `without ${k}` : `with a blank ${k} (${shown(k)})`)).join(' and ')}`;
  if (missing.length === 1) return `published without ${missing[0]}${attributes.eventType !== undefined ? ` (eventType ${valueShown(attributes.eventType)})` : ''}`;
  if (blank.length === 1) {
    const other = IDENTITY.find((k) => k !== blank[0])!;
    return `published with a blank ${blank[0]} (${shown(blank[0]!)}; ${other} ${valueShown(attributes[other])})`;
  }
  return undefined;
}

/**
 * A published schemaVersion as a reason names it: `v2` by its major (the digits before its first
 * dot, what the routed policies' `M.` prefixes match), else said to have none.
 */
function versionShown(version: string): string {
  const m = /^(\d+)\./.exec(version)?.[1];
  return m !== undefined ? `v${m}` : `schemaVersion ${JSON.stringify(version)} (no major version: not MAJOR.MINOR.PATCH)`;
}

/**
 * Why a message on `topic` reached no subscription, from its attributes; `undefined` when the
 * topic's subscriptions admit it now (it was unrouted when published, and can be redriven). A
 * missing or blank eventType/schemaVersion is said as such, every fault at once; a version
 * without a numeric major (`abc`, `1`) is said to have none; an event type a space starts or ends
 * is quoted, so that the space shows (`no consumer declares "OrderPlaced "`).
 *
 * @param attributes - the message's attributes by name (string values)
 * @example
 * ```ts
 * import { unroutedReason } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * unroutedReason(topology, 'PaymentTopic', {}); // 'published without eventType/schemaVersion'
 * unroutedReason(topology, 'PaymentTopic', { schemaVersion: ' ' }); // 'published without eventType and with a blank schemaVersion (" ")'
 * unroutedReason(topology, 'PaymentTopic', { eventType: 'PaymentCaptured', schemaVersion: '2.0.0' }); // 'no consumer declares PaymentCaptured v2'
 * unroutedReason(topology, 'PaymentTopic', { eventType: 'PaymentCaptured', schemaVersion: 'abc' }); // 'no consumer declares PaymentCaptured schemaVersion "abc" (no major version: not MAJOR.MINOR.PATCH)'
 * unroutedReason(topology, 'PaymentTopic', { eventType: 'PaymentCaptured ', schemaVersion: '1.0.0' }); // 'no consumer declares "PaymentCaptured "'
 * unroutedReason(topology, 'PaymentTopic', { eventType: 'PaymentCaptured', schemaVersion: '1.0.0' }); // undefined
 * ```
 */
export function unroutedReason(topology: Topology, topic: string, attributes: Readonly<Record<string, string | undefined>>): string | undefined {
  const fault = identityFault(attributes);
  if (fault !== undefined) return fault;
  const type = attributes.eventType!;
  const version = attributes.schemaVersion!;
  const routed = routedOf(topology, topic);
  if (!routed) return undefined;
  const majors = routed.get(type);
  if (!majors) return `no consumer declares ${valueShown(type)}`;
  // Admitted as the policies' `M.` prefixes admit it.
  if (![...majors].some((m) => version.startsWith(`${m}.`))) return `no consumer declares ${valueShown(type)} ${versionShown(version)}`;
  return undefined;
}
