/**
 * What the steps of `deriveTopology` share: the document, the options, what has been read so far
 * (messages, topics, queues, operations, subscriptions) and the problems and warnings found.
 * Each step reads the document and adds to it, in the order `deriveTopology` runs them.
 */
import type { MessageIdentity, OperationSpec, QueueSpec, SubscriptionSpec, TopicSpec } from '@sluice/runtime/contract';

/** What a queue keeps when the contract does not say: SQS's default, 4 days. */
export const DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;

/** Options of `deriveTopology`. */
export interface DeriveOptions {
  /**
   * Derive filter policies (the default). `false` describes a contract deployed before filter
   * policies existed: every subscription admits every message of its topic (`filterPolicy` is `{}`).
   */
  filterPolicies?: boolean;
}

/** A part of the dereferenced document, as plain JSON. */
export type Json = Record<string, any>;

/** A topic being read: its spec and the messages its send operations publish. */
export type TopicDraft = TopicSpec & { messages: string[] };
/** A queue being read: its spec and the queues it is the dead-letter queue of. */
export type QueueDraft = QueueSpec & { deadLetterFor: string[] };
/** A subscription being read: who declared it, and the filter policy the contract states (if any). */
export type SubscriptionDraft = SubscriptionSpec & { declaredBy: string[]; stated?: unknown };

/** The state the steps of `deriveTopology` share. */
export interface Derivation {
  readonly doc: Json;
  readonly options: DeriveOptions;
  readonly problems: string[];
  readonly warnings: string[];
  /** Messages by name, with their identity on the wire. */
  readonly messages: Map<string, MessageIdentity>;
  readonly topics: Record<string, TopicDraft>;
  readonly queues: Record<string, QueueDraft>;
  readonly topicOfChannel: Map<string, string>;
  readonly queueOfChannel: Map<string, string>;
  readonly ops: Record<string, OperationSpec & Json>;
  /** By `topic\0queue`. */
  readonly subscriptions: Map<string, SubscriptionDraft>;
}

/** An empty derivation of `doc`. */
export function startDerivation(doc: Json, options: DeriveOptions): Derivation {
  return {
    doc,
    options,
    problems: [],
    warnings: [],
    messages: new Map(),
    topics: {},
    queues: {},
    topicOfChannel: new Map(),
    queueOfChannel: new Map(),
    ops: {},
    subscriptions: new Map(),
  };
}

/** A plain object (not an array, not null). */
export const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
/** Equal as JSON. */
export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** `1.2.3` → `1`. */
export const major = (version: string) => version.split('.')[0]!;

/** The name an AsyncAPI binding identifier (`{ name }` or `{ arn }`) points at. */
export function identifierName(identifier: unknown): string | undefined {
  if (!isObject(identifier)) return undefined;
  if (typeof identifier.name === 'string') return identifier.name;
  if (typeof identifier.arn === 'string') return identifier.arn.split(':').pop();
  return undefined;
}

/** A whole number above zero. */
export function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The receive operation that consumes `queue`, if any. */
export function consumerOf(d: Derivation, queue: string): (OperationSpec & Json) | undefined {
  return Object.values(d.ops).find((o) => o.action === 'receive' && o.queue === queue);
}

/** The channel id of an operation's (dereferenced) channel. */
export function channelIdOf(doc: Json, operation: Json): string | undefined {
  const channels: Json = doc.channels ?? {};
  const target = operation.channel;
  for (const [id, channel] of Object.entries(channels)) if (channel === target || same(channel, target)) return id;
  for (const [id, channel] of Object.entries(channels)) if (isObject(target) && channel?.address === target.address && target.address) return id;
  return undefined;
}
