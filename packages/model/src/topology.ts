/**
 * The topology of a contract: which topics, queues, dead-letter queues and subscriptions exist,
 * which messages each subscription admits, and which operation publishes or consumes what, read
 * from the AsyncAPI document's SNS and SQS bindings.
 *
 * Works on the dereferenced document as plain JSON (what `loadContract` returns, and what a
 * released snapshot holds), so the code generator and the governance check derive the same
 * topology from the same contract.
 *
 * Conventions (documented in the README, "The contract owns the topology"):
 * - a channel with an `sns` binding is a topic; with an `sqs` binding, a queue (its `queue`) and
 *   possibly a dead-letter queue (its `deadLetterQueue`);
 * - a `send` operation publishes to a topic; each entry of its SNS binding's `consumers` with
 *   protocol `sqs` subscribes a queue, named by `endpoint.name` (or an ARN ending in the name);
 * - a `receive` operation consumes a queue: one function per receive operation;
 * - every subscription gets a filter policy on the `eventType` and `schemaVersion` attributes that
 *   admits exactly the messages (event type and major version) the queue's receive operation
 *   declares. A `filterPolicy` written in the contract must equal it;
 * - every subscription has a dead-letter queue for the notifications SNS cannot deliver: the one
 *   its binding's `redrivePolicy` names, else its queue's own dead-letter queue.
 *
 * `deriveTopology` runs its steps in order over one shared state (`topology/context.ts`): the
 * messages (`topology/messages.ts`), the channels' topics and queues and the redrive policies
 * (`topology/channels.ts`), the operations and their subscriptions (`topology/operations.ts`), the
 * filter policies and subscription DLQs (`topology/subscriptions.ts`) and the checks
 * (`topology/checks.ts`).
 */
import type { Topology } from '@sluice/runtime/contract';
import { linkRedrivePolicies, readChannels } from './topology/channels.ts';
import { checkConsumedQueues, checkConsumersFed, checkFunctionNames, checkPolicyResources, checkTopicMessages, warnAboutQueues, warnQueuesNotMade } from './topology/checks.ts';
import { checkArns, type Derivation, type DeriveOptions, type Json, startDerivation } from './topology/context.ts';
import { readMessages } from './topology/messages.ts';
import { readOperations } from './topology/operations.ts';
import { resolveSubscriptions } from './topology/subscriptions.ts';

export { DEFAULT_RETENTION_SECONDS, type DeriveOptions } from './topology/context.ts';
export { canonicalPolicy, filterPolicyAdmits, filterPolicyFor } from './topology/filter-policy.ts';
export { DEFAULT_SCHEMA_VERSION, listMessages, type ListedMessage, type MessageListing, messageIdentity, messageNameOf } from './topology/messages.ts';

/**
 * The AWS name of a topic or queue the contract names: its binding's `name`, exactly, on the
 * production stage; on any other stage, `<name>-<stage>` (before `.fifo`), since SQS queue and
 * SNS topic names are unique per account and region and stages often share an account. The local
 * stack (one stage, its own emulator) uses the binding's name as it is.
 *
 * @throws {RangeError} when the stage's name would be longer than AWS allows (80 characters for a queue, 256 for a topic)
 * @example
 * ```ts
 * import { awsNameOf } from '@sluice/model';
 *
 * awsNameOf('payments-queue', { production: true, stage: 'prod' }); // 'payments-queue'
 * awsNameOf('payments.fifo', { production: false, stage: 'dev' }); // 'payments-dev.fifo'
 * ```
 */
export function awsNameOf(name: string, stage: { production: boolean; stage?: string | undefined }, kind: 'queue' | 'topic' = 'queue'): string {
  if (stage.production || !stage.stage) return name;
  const fifo = name.endsWith('.fifo');
  const suffixed = `${fifo ? name.slice(0, -5) : name}-${stage.stage.replace(/[^A-Za-z0-9_-]/g, '-')}${fifo ? '.fifo' : ''}`;
  const max = kind === 'queue' ? 80 : 256;
  if (suffixed.length > max) throw new RangeError(`${kind} ${name} on stage ${stage.stage} would be named ${suffixed}, longer than AWS's ${max} characters: shorten the binding's name or the stage's`);
  return suffixed;
}

/**
 * A contract whose topology would make a broken system; `problems` lists each, with where and what
 * to do. `warnings` holds what the derivation found besides (as {@link TopologyResult}'s), so that
 * a refusal can say them too; the message lists the problems only.
 */
export class TopologyError extends Error {
  override name = 'TopologyError';
  /** Each problem, with where and what to do. */
  readonly problems: string[];
  /** What the derivation found besides, as {@link TopologyResult}'s warnings. */
  readonly warnings: readonly string[];
  constructor(problems: string[], warnings: readonly string[] = []) {
    super(`The contract's topology is inconsistent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
    this.warnings = warnings;
  }
}

/** What {@link deriveTopology} returns. */
export interface TopologyResult {
  /** The topics, queues, subscriptions and operations, every map sorted by name. */
  topology: Topology;
  /** Things that work but are probably not meant (a queue nobody consumes). */
  warnings: string[];
}

/**
 * Derives the topology manifest of a dereferenced AsyncAPI 3 document.
 *
 * @throws {TopologyError} listing every problem that would make a broken system
 * @example
 * ```ts
 * import { loadContract } from '@sluice/governance';
 * import { deriveTopology } from '@sluice/model';
 *
 * const { topology, warnings } = deriveTopology(await loadContract('asyncapi.yaml'));
 * topology.subscriptions[0]?.filterPolicy; // { eventType: ['PaymentCaptured'], schemaVersion: [{ prefix: '1.' }] }
 * ```
 */
export function deriveTopology(doc: Json, options: DeriveOptions = {}): TopologyResult {
  const d = startDerivation(doc, options);
  readMessages(d);
  checkArns(d);
  readChannels(d);
  linkRedrivePolicies(d);
  readOperations(d);
  checkPolicyResources(d);
  checkTopicMessages(d);
  resolveSubscriptions(d);
  checkConsumersFed(d);
  checkFunctionNames(d);
  warnQueuesNotMade(d);
  warnAboutQueues(d);
  checkConsumedQueues(d);
  if (d.problems.length > 0) throw new TopologyError(d.problems, d.warnings);
  return { topology: assemble(d), warnings: d.warnings };
}

/** The topology manifest, every map sorted by name so the output is stable. */
function assemble(d: Derivation): Topology {
  const sortedEntries = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return {
    contract: { title: String(d.doc.info?.title ?? ''), version: String(d.doc.info?.version ?? '') },
    messages: sortedEntries(Object.fromEntries(d.messages)),
    topics: sortedEntries(d.topics),
    queues: sortedEntries(Object.fromEntries(Object.entries(d.queues).map(([k, q]) => [k, { ...q, deadLetterFor: [...q.deadLetterFor].sort() }]))),
    subscriptions: [...d.subscriptions.values()].sort((a, b) => a.name.localeCompare(b.name)),
    operations: sortedEntries(d.ops),
  };
}
