/**
 * A topic's unrouted queue, read by the operator tools: why each message reached no consumer
 * (from the attributes in its SNS envelope), and putting it back on its topic once the contract
 * routes it.
 */
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { filterPolicyAdmits, isBlankAttribute, unroutedReason } from '@sluice/model';
import { redriveFifoFields } from './dead-letter-queue.ts';
import type { FilterPolicy, Topology } from '@sluice/runtime/contract';

/** What an unrouted message's SNS envelope says: the published body, its attributes, when and where. */
export interface UnroutedEnvelope {
  /** The SNS message id of the publish. */
  snsMessageId: string | undefined;
  /** The topic it was published to. */
  topicArn: string | undefined;
  /** When SNS accepted it, ISO-8601. */
  publishedAt: string | undefined;
  /** The published body, as it was. */
  body: string;
  /** The message attributes, as SNS lists them in the envelope (`{ Type, Value }`). */
  attributes: Record<string, { Type: string; Value: string }>;
}

/**
 * Reads the SNS envelope an unrouted queue keeps (its subscription delivers the envelope, not the
 * bare body); `undefined` for a body that is not one (sent to the queue by someone else).
 *
 * @example
 * ```ts
 * import { readEnvelope } from '@sluice/ops';
 *
 * readEnvelope(JSON.stringify({ Type: 'Notification', MessageId: 'm-1', Message: '{}', MessageAttributes: {} }))?.body; // '{}'
 * ```
 */
export function readEnvelope(body: string): UnroutedEnvelope | undefined {
  try {
    const outer = JSON.parse(body) as Record<string, unknown>;
    if (outer?.Type !== 'Notification' || typeof outer.Message !== 'string') return undefined;
    const attributes: UnroutedEnvelope['attributes'] = {};
    for (const [name, value] of Object.entries((outer.MessageAttributes as Record<string, { Type?: unknown; Value?: unknown }> | undefined) ?? {})) {
      if (typeof value?.Type === 'string' && typeof value.Value === 'string') attributes[name] = { Type: value.Type, Value: value.Value };
    }
    return {
      snsMessageId: typeof outer.MessageId === 'string' ? outer.MessageId : undefined,
      topicArn: typeof outer.TopicArn === 'string' ? outer.TopicArn : undefined,
      publishedAt: typeof outer.Timestamp === 'string' ? outer.Timestamp : undefined,
      body: outer.Message,
      attributes,
    };
  } catch {
    return undefined;
  }
}

/**
 * Why a message of `topic`'s unrouted queue reached no consumer, from its envelope's attributes;
 * `undefined` when the topic's subscriptions admit it now (redrive it). A body that is no SNS
 * envelope gets a reason of its own.
 *
 * @example
 * ```ts
 * import { unroutedMessageReason } from '@sluice/ops';
 * import type { FilterPolicy, Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const body: string;
 * unroutedMessageReason(topology, 'PaymentTopic', body); // e.g. 'no consumer declares PaymentCaptured v2'
 * ```
 */
export function unroutedMessageReason(topology: Topology, topic: string, body: string, live?: LiveRouting): string | undefined {
  const envelope = readEnvelope(body);
  if (!envelope) return 'not an SNS envelope: sent to the queue directly, not published to the topic';
  const attributes = Object.fromEntries(Object.entries(envelope.attributes).map(([k, v]) => [k, v.Value]));
  const reason = unroutedReason(topology, topic, attributes);
  if (reason !== undefined || !live || live.admits(attributes)) return reason;
  return `a consumer declares it in the contract, but no subscription of ${live.where} admits it yet: ${live.apply}, then redrive it (published now, it would come back here)`;
}

/**
 * An identity attribute's value as a table shows it: `(none)` when there is none, `(blank: " ")`
 * when it is blank (an empty-looking cell said nothing), else the value.
 *
 * @example
 * ```ts
 * import { identityCell } from '@sluice/ops';
 *
 * identityCell('1.0.0'); // '1.0.0'
 * identityCell(' '); // '(blank: " ")'
 * identityCell(undefined); // '(none)'
 * ```
 */
export function identityCell(value: string | undefined): string {
  if (value === undefined) return '(none)';
  return isBlankAttribute(value) ? `(blank: ${JSON.stringify(value)})` : value;
}

/** What the subscriptions of a running topic admit: the stack's or AWS's, which lag the contract until a restart or a deploy. */
export interface LiveRouting {
  /** Whether a subscription of the topic to a consumer's queue admits a message with these attributes. */
  admits(attributes: Readonly<Record<string, string>>): boolean;
  /** Whose subscriptions: `the running stack`, `the deployed topic`. */
  where: string;
  /** What applies the contract's: `restart npm start`, `deploy`. */
  apply: string;
}

/**
 * The filter policies of the topic's subscriptions to the queues of the contract's consumers
 * (`queues`: not the framework's unrouted and triage queues, which admit what they keep) as they
 * are now, read over SNS: after `npm run codegen` they are the running stack's until it restarts
 * (on AWS, until a deploy), so a message the contract routes may still not be admitted. Undefined
 * when they cannot be read (no permission): the contract alone is used then.
 *
 * @example
 * ```ts
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { liveRouting } from '@sluice/ops';
 *
 * const live = await liveRouting(new SNSClient({}), 'arn:aws:sns:eu-west-1:123456789012:PaymentTopic', ['PaymentQueue'], { where: 'the deployed topic', apply: 'deploy' });
 * live?.admits({ eventType: 'PaymentCaptured', schemaVersion: '2.0.0' });
 * ```
 */
export async function liveRouting(sns: SNSClient, topicArn: string, queues: readonly string[], said: Pick<LiveRouting, 'where' | 'apply'>): Promise<LiveRouting | undefined> {
  const live = await liveFilterPolicies(sns, topicArn).catch(() => undefined);
  if (!live) return undefined;
  const policies = queues.filter((q) => live.has(q)).map((q) => live.get(q));
  return { ...said, admits: (attributes) => policies.some((p) => p === undefined || filterPolicyAdmits(p, { ...attributes })) };
}

/**
 * The filter policy of each SQS subscription of a topic as it is now, by the queue's name
 * (undefined: none, it admits everything; a policy scoped to the body, not the framework's, counts
 * as none). Throws when they cannot be read.
 *
 * @example
 * ```ts
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { liveFilterPolicies } from '@sluice/ops';
 *
 * const live = await liveFilterPolicies(new SNSClient({}), 'arn:aws:sns:eu-west-1:123456789012:PaymentTopic');
 * live.get('PaymentQueue'); // { eventType: ['PaymentCaptured'], … }
 * ```
 */
export async function liveFilterPolicies(sns: SNSClient, topicArn: string): Promise<Map<string, FilterPolicy | undefined>> {
  const policies = new Map<string, FilterPolicy | undefined>();
  let token: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    for (const s of page.Subscriptions ?? []) {
      if (s.Protocol !== 'sqs' || !s.SubscriptionArn || !s.Endpoint) continue;
      const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }));
      policies.set(s.Endpoint.split(':').pop()!, Attributes?.FilterPolicy && Attributes.FilterPolicyScope !== 'MessageBody' ? (JSON.parse(Attributes.FilterPolicy) as FilterPolicy) : undefined);
    }
    token = page.NextToken;
  } while (token);
  return policies;
}

/**
 * Publishes an unrouted message again, to `topicArn`, with its body and attributes as they were
 * (a new SNS message id; consumers are idempotent by the event's own id). A message of a FIFO
 * topic's unrouted queue keeps its message group and is published with a deduplication id derived
 * from its id in the queue (`redriveDeduplicationId`), so that a retried redrive is not published twice.
 *
 * @example
 * ```ts
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import type { Message } from '@aws-sdk/client-sqs';
 * import { republish } from '@sluice/ops';
 *
 * declare const message: Message;
 * await republish(new SNSClient({}), 'arn:aws:sns:eu-west-1:123456789012:PaymentTopic', message);
 * ```
 */
export async function republish(sns: SNSClient, topicArn: string, message: Message): Promise<void> {
  const envelope = readEnvelope(message.Body ?? '');
  if (!envelope) throw new Error(`message ${message.MessageId} is not an SNS envelope: it cannot be published again`);
  const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
    Object.entries(envelope.attributes).map(([name, { Type, Value }]) => [name, Type === 'Binary' ? { DataType: Type, BinaryValue: Buffer.from(Value, 'base64') } : { DataType: Type, StringValue: Value }]),
  );
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: envelope.body, MessageAttributes: attributes, ...redriveFifoFields(message) }));
}
