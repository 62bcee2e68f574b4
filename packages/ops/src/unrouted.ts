/**
 * A topic's unrouted queue, read by the operator tools: why each message reached no consumer
 * (from the attributes in its SNS envelope), and putting it back on its topic once the contract
 * routes it.
 */
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { terminalSafeJson } from '@sluice/cli';
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
 * envelope gets a reason of its own, and so does an eventType or schemaVersion sent as a Binary
 * attribute (said as its text, or its size and bytes in hex: not its base64).
 *
 * @example
 * ```ts
 * import { unroutedMessageReason } from '@sluice/ops';
 * import type { FilterPolicy, Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const body: string;
 * unroutedMessageReason(topology, 'PaymentTopic', body); // e.g. 'no consumer declares PaymentCaptured v2'
 * // a Binary eventType: 'published with eventType sent as Binary (UTF-8 "PaymentCaptured"), not as a String: …'
 * ```
 */
export function unroutedMessageReason(topology: Topology, topic: string, body: string, live?: LiveRouting): string | undefined {
  const envelope = readEnvelope(body);
  if (!envelope) return 'not an SNS envelope: sent to the queue directly, not published to the topic';
  // Read as their base64, a Binary eventType or schemaVersion named a type nobody published ("no consumer declares T3JkZXJQbGFjZWQ=").
  const binary = (['eventType', 'schemaVersion'] as const).filter((k) => isBinary(envelope.attributes[k]));
  if (binary.length > 0) {
    const sent = binary.map((k) => `${k} sent as Binary (${binaryShown(envelope.attributes[k]!.Value)})`).join(' and ');
    return `published with ${sent}, not as a String: the subscriptions and consumers read ${binary.length === 1 ? 'its String value' : 'their String values'}; publish ${binary.length === 1 ? 'it' : 'them'} with DataType String`;
  }
  const attributes = Object.fromEntries(Object.entries(envelope.attributes).map(([k, v]) => [k, v.Value]));
  const reason = unroutedReason(topology, topic, attributes);
  if (reason !== undefined || !live || live.admits(attributes)) return reason;
  return `a consumer declares it in the contract, but no subscription of ${live.where} admits it yet: ${live.apply}, then redrive it (published now, it would come back here)`;
}

/** Whether an envelope's attribute is a Binary one (`Binary`, `Binary.<label>`), whose `Value` is its bytes in base64. */
const isBinary = (attribute: { Type: string } | undefined) => attribute?.Type.startsWith('Binary') === true;

/** How many bytes of a Binary value that is not text are shown, in hex. */
const HEX_SHOWN = 16;

/**
 * A Binary attribute's bytes (`base64`, as the envelope carries them) as an operator reads them:
 * UTF-8 text, quoted, when they are that; else their size and first bytes in hex.
 */
function binaryShown(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  try {
    // Quoted as JSON, terminal-safe: controls, escapes and bidi marks in the text show as escapes.
    return `UTF-8 ${terminalSafeJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes))}`;
  } catch {
    const hex = bytes.subarray(0, HEX_SHOWN).toString('hex');
    return `${bytes.length} bytes, not UTF-8 text: ${hex}${bytes.length > HEX_SHOWN ? '…' : ''}`;
  }
}

/**
 * An identity attribute as a table shows it: `(none)` when there is none, `(blank: " ")` when it
 * is blank (an empty-looking cell said nothing), quoted when a space starts or ends it (bare, the
 * space did not show: `"OrderPlaced "` read as `OrderPlaced`), a Binary one as what its bytes
 * say (not their base64), else the value. Printed through the table's `terminalSafe`, as any cell.
 *
 * @param attribute - the envelope's attribute (`{ Type, Value }`), or its string value
 * @example
 * ```ts
 * import { identityCell } from '@sluice/ops';
 *
 * identityCell('1.0.0'); // '1.0.0'
 * identityCell(' '); // '(blank: " ")'
 * identityCell('OrderPlaced '); // '"OrderPlaced "'
 * identityCell({ Type: 'Binary', Value: 'T3JkZXJQbGFjZWQ=' }); // 'Binary: UTF-8 "OrderPlaced"'
 * identityCell({ Type: 'Binary', Value: '/wD+' }); // 'Binary: 3 bytes, not UTF-8 text: ff00fe'
 * identityCell(undefined); // '(none)'
 * ```
 */
export function identityCell(attribute: string | { Type: string; Value: string } | undefined): string {
  if (attribute === undefined) return '(none)';
  if (typeof attribute !== 'string' && isBinary(attribute)) return `Binary: ${binaryShown(attribute.Value)}`;
  const value = typeof attribute === 'string' ? attribute : attribute.Value;
  if (isBlankAttribute(value)) return `(blank: ${JSON.stringify(value)})`;
  return /^\s|\s$/.test(value) ? terminalSafeJson(value) : value;
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
  try {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: envelope.body, MessageAttributes: attributes, ...redriveFifoFields(message) }));
  } catch (error) {
    const why = republishRefusal(error, topicArn);
    throw why ? new Error(why, { cause: error }) : error;
  }
}

/**
 * Why a topic refused to take an unrouted message back ({@link republish}), with the setting or
 * permission to add: the topic's policy lets only the principals of `settings.publishers` and
 * `settings.operators` publish (SNS's `AuthorizationError`), or KMS refused the topic's key
 * (`KMSAccessDenied`). The principal AWS names is turned into what the settings take (a role
 * session into its role's ARN). Undefined for any other failure.
 *
 * @example
 * ```ts
 * import { AuthorizationErrorException } from '@aws-sdk/client-sns';
 * import { republishRefusal } from '@sluice/ops';
 *
 * const refused = new AuthorizationErrorException({ message: 'User: arn:aws:sts::123456789012:assumed-role/OnCall/alice is not authorized to perform: SNS:Publish', $metadata: {} });
 * republishRefusal(refused, 'arn:aws:sns:eu-west-1:123456789012:PaymentTopic'); // '… Add 'arn:aws:iam::123456789012:role/OnCall' to settings.operators.principals …'
 * ```
 */
export function republishRefusal(error: unknown, topicArn: string): string | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  const said = error instanceof Error ? error.message : String(error);
  const topic = topicArn.split(':').pop();
  // The caller AWS names: for a role session, the role (what a policy's aws:PrincipalArn compares).
  const session = /arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\//.exec(said);
  const caller = session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : /arn:aws[a-z-]*:iam::\d{12}:(?:user|role)\/[\w+=,.@/-]+/.exec(said)?.[0];
  const who = caller ? `'${caller}'` : 'the role you run this command as';
  if (name === 'AuthorizationErrorException' || name === 'AuthorizationError') {
    return (
      `topic ${topic} refused the redrive's publish (${said}): a redrive of its unrouted queue publishes each message to it again, and its policy lets only the principals of settings.publishers and settings.operators publish. ` +
      `Add ${who} to settings.operators.principals in the application's settings (operators: { principals: [${caller ? who : "'arn:aws:iam::<account>:role/<role>'"}] })${session ? `, with the role's path if it has one (AWS names a session by its role's name only, while the policy compares the role's ARN, path included: an IAM Identity Center role's is role/aws-reserved/sso.amazonaws.com/…; aws iam get-role --role-name ${session[3]} --query Role.Arn prints it)` : ''}, deploy, then redrive again`
    );
  }
  if (name === 'KMSAccessDeniedException' || name === 'KMSAccessDenied') {
    return (
      `topic ${topic} is encrypted with the deployment's key (MessagesKey), and KMS refused the redrive's publish (${said}): ${who} needs kms:GenerateDataKey* and kms:Decrypt on the key. ` +
      `Of the deploying account: grant them in its IAM policy. Of another account: name it in settings.operators.principals (the key policy then lets it use the key through SNS), deploy, and grant them in its own account's IAM policy too; then redrive again`
    );
  }
  return undefined;
}
