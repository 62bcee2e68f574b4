/**
 * The triage of a topic's publishes: the framework's own function, fed by a subscription WITHOUT
 * a filter policy (so it receives every publish of the topic, the ones with no message attribute
 * at all included, which no filter policy can ever admit). For each record it evaluates the SNS
 * message attributes against every filtered subscription of the topic (the consumers' and the
 * unrouted queue's complement) and, when none admits the message, sends it (the SNS envelope,
 * unchanged) to the topic's unrouted queue with the reason, where `status`, `dlq list` and
 * `dlq redrive` find it. A message some subscription admits was delivered there by SNS: nothing
 * to do. A record it cannot forward is reported failed, retried, and dead-lettered into the
 * triage queue's own dead-letter queue: nothing vanishes.
 */
import { SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ConsumerLogger } from '../consumer/logger.ts';
import { policyAdmits, type TriagePolicy } from '../contract/filter-policy.ts';

/** The environment variables the triage function is configured by (written by the plan of `@sluice/model`). */
export const TRIAGE_ENV = {
  /** The topic whose publishes it triages. */
  topic: 'SLUICE_TRIAGE_TOPIC',
  /** JSON: the topic's filtered subscriptions, `[{ name, queue, filterPolicy }]`. */
  subscriptions: 'SLUICE_TRIAGE_SUBSCRIPTIONS',
  /** The URL of the topic's unrouted queue. */
  unroutedQueueUrl: 'SLUICE_UNROUTED_QUEUE_URL',
} as const;

/** The SQS message attribute carrying why a triaged message reached no subscription. */
export const TRIAGE_REASON_ATTRIBUTE = 'sluice.reason';

/** One filtered subscription of the topic, as the triage function is given it. */
export interface TriageSubscription {
  /** Its name (`<topic>To<queue>`). */
  readonly name: string;
  /** The queue it delivers to. */
  readonly queue: string;
  /** Its filter policy (MessageAttributes scope). */
  readonly filterPolicy: TriagePolicy;
}

/** How the triage function is configured. */
export interface TriageOptions {
  /** The topic's name. */
  topic: string;
  /** The topic's filtered subscriptions. */
  subscriptions: readonly TriageSubscription[];
  /** The unrouted queue's URL (a `.fifo` URL: messages keep their group). */
  unroutedQueueUrl: string;
  /** The SQS client to send with. @default an SQSClient of the function's region and endpoint (not the queue URL's host) */
  sqs?: Pick<SQSClient, 'send'>;
  /** Where a line per kept or failed record goes. @default the framework's JSON logger, {@link ConsumerLogger} (`POWERTOOLS_LOG_LEVEL`) */
  log?: (entry: Record<string, unknown>) => void;
}

/** What the triage decided for one publish: the subscriptions that admit it, and why none does. */
export interface TriageVerdict {
  /** Names of the subscriptions whose filter policy admits it. */
  readonly admittedBy: readonly string[];
  /** Why it reached no subscription; `undefined` when one admits it. */
  readonly reason: string | undefined;
}

/**
 * The attributes SNS filters on, from an SNS envelope's `MessageAttributes` (`{ Type, Value }`):
 * string, string-array and number values; binary ones are not filtered on and left out.
 *
 * @example
 * ```ts
 * import { filterableAttributes } from '@sluice/runtime/triage';
 *
 * filterableAttributes({ eventType: { Type: 'String', Value: 'OrderPlaced' }, blob: { Type: 'Binary', Value: 'AA==' } }); // { eventType: 'OrderPlaced' }
 * ```
 */
export function filterableAttributes(messageAttributes: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (typeof messageAttributes !== 'object' || messageAttributes === null) return attributes;
  for (const [name, value] of Object.entries(messageAttributes as Record<string, { Type?: unknown; Value?: unknown }>)) {
    if (typeof value?.Type === 'string' && value.Type !== 'Binary' && typeof value.Value === 'string') attributes[name] = value.Value;
  }
  return attributes;
}

/**
 * Which subscriptions admit a publish with these attributes, and why none does.
 *
 * @example
 * ```ts
 * import { triageVerdict } from '@sluice/runtime/triage';
 *
 * const subscriptions = [{ name: 'OrderTopicToOrderQueue', queue: 'OrderQueue', filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] } }];
 * triageVerdict(subscriptions, {}).reason; // 'published without message attributes: no filter policy admits it'
 * triageVerdict(subscriptions, { eventType: 'OrderPlaced', schemaVersion: '1.0.0' }).admittedBy; // ['OrderTopicToOrderQueue']
 * ```
 */
export function triageVerdict(subscriptions: readonly TriageSubscription[], attributes: Readonly<Record<string, string>>): TriageVerdict {
  const admittedBy = subscriptions.filter((s) => policyAdmits(s.filterPolicy, attributes)).map((s) => s.name);
  if (admittedBy.length > 0) return { admittedBy, reason: undefined };
  if (Object.keys(attributes).length === 0) return { admittedBy, reason: 'published without message attributes: no filter policy admits it' };
  const type = attributes.eventType;
  const version = attributes.schemaVersion;
  return { admittedBy, reason: `no subscription admits it (eventType ${type ?? '(none)'}, schemaVersion ${version ?? '(none)'})` };
}

/**
 * Reads the triage function's configuration from its environment ({@link TRIAGE_ENV}); throws
 * naming the variable that is missing or unreadable.
 *
 * @example
 * ```ts
 * import { triageOptionsFromEnvironment } from '@sluice/runtime/triage';
 *
 * const options = triageOptionsFromEnvironment(process.env);
 * options.topic; // 'OrderTopic'
 * ```
 */
export function triageOptionsFromEnvironment(env: Readonly<Record<string, string | undefined>>): TriageOptions {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`the triage function needs ${name} (written by the deployment plan)`);
    return value;
  };
  let subscriptions: unknown;
  try {
    subscriptions = JSON.parse(need(TRIAGE_ENV.subscriptions));
  } catch (error) {
    throw new Error(`${TRIAGE_ENV.subscriptions} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(subscriptions) || !subscriptions.every((s) => typeof s?.name === 'string' && typeof s?.queue === 'string' && typeof s?.filterPolicy === 'object' && s.filterPolicy !== null)) {
    throw new Error(`${TRIAGE_ENV.subscriptions} must be a list of { name, queue, filterPolicy }`);
  }
  return { topic: need(TRIAGE_ENV.topic), subscriptions: subscriptions as TriageSubscription[], unroutedQueueUrl: need(TRIAGE_ENV.unroutedQueueUrl) };
}

/**
 * The triage function's Lambda handler (SQS event source with partial batch responses): keeps in
 * the topic's unrouted queue, with the reason, every publish no filtered subscription admits.
 *
 * @param options - the topic, its filtered subscriptions and the unrouted queue (see {@link triageOptionsFromEnvironment})
 * @returns the handler; a record it could not forward is listed in `batchItemFailures`
 * @example
 * ```ts
 * import { triageOptionsFromEnvironment, triageUnrouted } from '@sluice/runtime/triage';
 *
 * export const handler = triageUnrouted(triageOptionsFromEnvironment(process.env));
 * ```
 */
export function triageUnrouted(options: TriageOptions): (event: SQSEvent) => Promise<SQSBatchResponse> {
  // The configured endpoint, not the queue URL's host (a local URL's host need not resolve).
  const sqs = options.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false });
  const logger = options.log ? undefined : new ConsumerLogger({ serviceName: `triage${options.topic}` });
  const log =
    options.log ??
    (({ level, message, ...rest }: Record<string, unknown>) => (level === 'ERROR' ? logger!.error(String(message), rest) : logger!.warn(String(message), rest)));
  const fifo = options.unroutedQueueUrl.endsWith('.fifo');
  const triageOne = async (record: SQSRecord): Promise<void> => {
    let envelope: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(record.body) as unknown;
      if (typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>).Type === 'Notification') envelope = parsed as Record<string, unknown>;
    } catch {
      envelope = undefined;
    }
    const verdict: TriageVerdict = envelope
      ? triageVerdict(options.subscriptions, filterableAttributes(envelope.MessageAttributes))
      : { admittedBy: [], reason: 'not an SNS envelope: sent to the triage queue directly' };
    if (verdict.reason === undefined) return;
    const snsMessageId = typeof envelope?.MessageId === 'string' ? envelope.MessageId : record.messageId;
    const attributes: Record<string, MessageAttributeValue> = {
      [TRIAGE_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: verdict.reason },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: options.unroutedQueueUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
        ...(fifo ? { MessageGroupId: record.attributes.MessageGroupId ?? options.topic, MessageDeduplicationId: snsMessageId } : {}),
      }),
    );
    log({ level: 'WARN', message: 'unrouted publish kept', topic: options.topic, snsMessageId, reason: verdict.reason, unroutedQueueUrl: options.unroutedQueueUrl });
  };
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    // On a FIFO topic (its triage queue FIFO too): after a failure, the rest of that message group
    // go back unprocessed, so that none is kept in the unrouted queue before the one retried.
    const stopped = new Set<string | undefined>();
    for (const record of event.Records) {
      const group = record.attributes?.MessageGroupId;
      if (fifo && stopped.has(group)) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await triageOne(record);
      } catch (error) {
        log({ level: 'ERROR', message: 'could not keep an unrouted publish: retried, then dead-lettered', topic: options.topic, messageId: record.messageId, error: (error as Error).message });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        stopped.add(group);
      }
    }
    return { batchItemFailures };
  };
}
