/**
 * `createPublisher`: the producer side of a send operation. Validates every message against the
 * contract first (an invalid one is never sent), and sets the message attributes the contract
 * declares, `eventType` and `schemaVersion`, which every subscription's filter policy matches on.
 *
 * Strict producer: a payload field the contract does not declare is refused before anything is
 * sent ({@link UndeclaredFieldsError}, code `UNDECLARED_FIELDS`), even though the payload schema
 * allows additional properties. That tolerance is for consumers (an older consumer reads a newer
 * minor version and keeps only the fields it knows); a producer on this contract version sends
 * exactly what it declares, so that a field such as `email` or `cardNumber` on the object at hand
 * never reaches the topic by accident. A new field comes with a new minor version of the contract.
 * The headers (message attributes) are validated against the contract's header schema (lengths,
 * patterns): {@link InvalidHeadersError}, code `INVALID_HEADERS`, nothing sent.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PublishBatchCommand, PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { toIssues, type AjvError } from '../contract/issues.ts';
import { ContractViolation } from '../contract/message.ts';
import type { FifoDelivery, MessageContract, MessageMap, PayloadOf, QueueSendOperation, SendOperation, TopicSendOperation, ValidationIssue } from '../contract/model.ts';
import { resolveTopicArn } from '../resources.ts';

/** SNS PublishBatch accepts at most 10 entries per call. */
const MAX_BATCH_ENTRIES = 10;

/** What {@link Publisher.publish} returns once SNS accepted the message. */
export interface PublishResult {
  /** The SNS message id (consumers see it as `snsMessageId`). */
  messageId: string;
}

/** What {@link Publisher.publishBatch} returns: every entry, accepted or refused, by its index. */
export interface BatchPublishResult {
  /** Entries SNS accepted, by index in the input. */
  successful: { index: number; messageId: string }[];
  /** Entries SNS refused, by index in the input; retry these (when `senderFault` is false). */
  failed: { index: number; code: string; message: string; senderFault: boolean }[];
}

/**
 * Thrown by `publishBatch` when a `PublishBatch` call fails as a whole (a throttle that outlasted
 * the client's retries, a network error, a request over SNS's size limit) after earlier calls of
 * the same batch were answered: what they published is in {@link result}, so that a caller neither
 * publishes those again nor loses track of them. The entries of the call that failed may or may not
 * have been published ({@link unknown}: a timed-out request may have been applied); the later ones
 * were not sent ({@link unsent}). A failure of the first call is thrown as it is: nothing was answered.
 */
export class BatchPublishInterrupted extends Error {
  /** Always `'BATCH_PUBLISH_INTERRUPTED'`. */
  readonly code = 'BATCH_PUBLISH_INTERRUPTED';
  /** The entries of the calls answered before the failure: accepted and refused, by index. */
  readonly result: BatchPublishResult;
  /** Indexes of the entries of the call that failed: published or not, SNS did not say. */
  readonly unknown: number[];
  /** Indexes of the entries not sent. */
  readonly unsent: number[];
  constructor(result: BatchPublishResult, unknown: number[], unsent: number[], cause: unknown) {
    const range = (indexes: number[]) => (indexes.length === 0 ? 'none' : indexes.length === 1 ? `#${indexes[0]}` : `#${indexes[0]}–#${indexes.at(-1)}`);
    super(
      `publishBatch stopped: the PublishBatch call of entries ${range(unknown)} failed (${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}); ` +
        `the calls before it were answered (${result.successful.length} published, ${result.failed.length} refused: error.result), ` +
        `entries ${range(unknown)} may or may not have been published (error.unknown), entries ${range(unsent)} were not sent (error.unsent)`,
      { cause },
    );
    this.result = result;
    this.unknown = unknown;
    this.unsent = unsent;
    this.name = 'BatchPublishInterrupted';
  }
}

/** Thrown before anything is sent when one or more messages of a batch violate the contract. */
export class InvalidMessagesError extends Error {
  /** Always `'INVALID_MESSAGES'`. */
  readonly code = 'INVALID_MESSAGES';
  /** The message whose contract the entries violate. */
  readonly messageName: string;
  /** By index in the input (0 for `publish`), what each violates. */
  readonly entries: { index: number; issues: ValidationIssue[] }[];
  constructor(messageName: string, entries: { index: number; issues: ValidationIssue[] }[]) {
    super(
      `Nothing was published: ${entries.length} ${messageName} message(s) violate the contract: ` +
        entries.map((e) => `#${e.index}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`).join(' | '),
    );
    this.messageName = messageName;
    this.entries = entries;
    this.name = 'InvalidMessagesError';
  }
}

/**
 * Thrown before anything is sent when a payload has top-level fields the contract does not declare
 * (the publisher is strict; see the module's note).
 */
export class UndeclaredFieldsError extends Error {
  /** Always `'UNDECLARED_FIELDS'`. */
  readonly code = 'UNDECLARED_FIELDS';
  /** The message whose contract lacks the fields. */
  readonly messageName: string;
  /** By index in the input (0 for `publish`), the undeclared field names. */
  readonly entries: { index: number; fields: string[] }[];
  /**
   * @param messageName - the message whose contract lacks the fields
   * @param entries - by index in the input (0 for `publish`), the undeclared field names
   */
  constructor(messageName: string, entries: { index: number; fields: string[] }[]) {
    super(
      `Nothing was published: ${messageName} does not declare ${[...new Set(entries.flatMap((e) => e.fields))].map((f) => JSON.stringify(f.length > 64 ? `${f.slice(0, 64)}…` : f)).join(', ')} ` +
        `(in ${entries.length} message(s)). Send only the contract's fields, or add the field to the contract (a new minor version).`,
    );
    this.messageName = messageName;
    this.entries = entries;
    this.name = 'UndeclaredFieldsError';
  }
}

/** Thrown before anything is sent when a header (message attribute) value breaks the contract's header schema. */
export class InvalidHeadersError extends Error {
  /** Always `'INVALID_HEADERS'`. */
  readonly code = 'INVALID_HEADERS';
  /** The message whose header schema the values break. */
  readonly messageName: string;
  /** Which header and why (values are not repeated: they may be huge). */
  readonly issues: ValidationIssue[];
  /**
   * @param messageName - the message whose header schema the values break
   * @param issues - which header and why (values are not repeated: they may be huge)
   */
  constructor(messageName: string, issues: ValidationIssue[]) {
    super(`Nothing was published: ${messageName} headers violate the contract: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.messageName = messageName;
    this.issues = issues;
    this.name = 'InvalidHeadersError';
  }
}

/**
 * Everything a publisher would refuse of one payload, before anything is sent: each top-level
 * field the contract does not declare (the publisher is strict), then each violation of the
 * payload schema. Empty when it would be sent. For a command that checks every payload of a
 * batch first, so that none is sent when any is refused.
 *
 * @param contract - the message's contract (an operation's `messages[name]`)
 * @param payload - what would be published
 * @returns the problems, each with its path
 *
 * @example
 * ```ts
 * import { publishProblems } from '@sluice/runtime/publisher';
 * import type { MessageContract } from '@sluice/runtime/contract';
 *
 * declare const contract: MessageContract;
 * for (const p of publishProblems(contract, { orderId: 'o-1', extra: 1 })) console.error(`${p.path}: ${p.message}`);
 * ```
 */
export function publishProblems(contract: MessageContract<any, any>, payload: unknown): ValidationIssue[] {
  const undeclared = undeclaredFields(contract, payload).map((field) => ({ path: field, keyword: 'undeclared', message: `is not a field of ${contract.name}: remove it, or add it to the contract (a new minor version); a publisher sends only the fields the contract declares` }));
  const checked = contract.check(payload);
  return [...undeclared, ...(checked.ok ? [] : checked.issues)];
}

/** The top-level fields of `payload` that `contract` does not declare. */
export function undeclaredFields(contract: MessageContract<any, any>, payload: unknown): string[] {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const declared = new Set<string>(contract.properties);
  return Object.keys(payload).filter((key) => !declared.has(key));
}

/**
 * The message contract a publish names (`{ message }`), or the operation's only one; an unknown
 * name, or no name where there are several, is a TypeError naming what the operation `verb`s.
 * Shared by the topic and the queue publisher (internal: not in the package's exports).
 */
export function contractPicker(operation: SendOperation, verb: 'publishes' | 'sends'): (name: string | undefined) => MessageContract {
  const contracts = operation.messages as MessageMap;
  const names = Object.keys(contracts);
  return (name) => {
    if (name === undefined) {
      if (names.length === 1) return contracts[names[0]!]!;
      throw new TypeError(`${operation.id} ${verb} ${names.join(', ')}: say which with { message: '<name>' }`);
    }
    const contract = contracts[name];
    if (!contract) throw new TypeError(`${operation.id} does not ${verb === 'publishes' ? 'publish' : 'send'} ${name}; it ${verb} ${names.join(', ')}`);
    return contract;
  };
}

/**
 * What a publish to a FIFO topic or queue must carry: the message group id (the caller's, else the
 * payload field the message's `x-message-group-id` names; neither is an error, nothing is sent)
 * and, unless content-based deduplication is on, a deduplication id (the caller's, else the
 * SHA-256 of the group and the body: a retry of the same message is deduplicated, as content-based
 * deduplication would). Nothing for a standard target.
 *
 * @example
 * ```ts
 * import { fifoFieldsOf } from '@sluice/runtime/publisher';
 *
 * const fifo = { contentBasedDeduplication: false, messageGroupIdFields: { PaymentCaptured: 'accountId' } };
 * fifoFieldsOf(fifo, 'PaymentCaptured', { accountId: 'a-1' }, '{"accountId":"a-1"}', {});
 * // { MessageGroupId: 'a-1', MessageDeduplicationId: '<sha-256 hex>' }
 * ```
 */
export function fifoFieldsOf(
  fifo: FifoDelivery | undefined,
  messageName: string,
  payload: unknown,
  body: string,
  options: Pick<PublishOptions, 'messageGroupId' | 'messageDeduplicationId'>,
): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  if (!fifo) return { ...(options.messageGroupId ? { MessageGroupId: options.messageGroupId } : {}), ...(options.messageDeduplicationId ? { MessageDeduplicationId: options.messageDeduplicationId } : {}) };
  const field = fifo.messageGroupIdFields[messageName];
  const fromPayload = field && payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[field] : undefined;
  const group = options.messageGroupId ?? (fromPayload === undefined || fromPayload === null || fromPayload === '' ? undefined : String(fromPayload));
  if (!group) {
    throw new TypeError(
      `Nothing was published: ${messageName} goes to a FIFO target and needs a message group id: ${field ? `its payload's ${field} is empty; ` : ''}give { messageGroupId } or name a payload field with x-message-group-id on the message in the contract`,
    );
  }
  const dedup = options.messageDeduplicationId ?? (fifo.contentBasedDeduplication ? undefined : createHash('sha256').update(group).update('\u0000').update(body).digest('hex'));
  return { MessageGroupId: group, ...(dedup ? { MessageDeduplicationId: dedup } : {}) };
}

/**
 * The message attributes of one publish: the caller's, `correlationId` and `traceparent` (new ones
 * when not given, if the message declares them), then the message's identity; checked against the
 * headers schema. Shared by the topic and the queue publisher.
 */
export function attributesOf(contract: MessageContract, options: PublishOptions): Record<string, MessageAttributeValue> {
    // `__proto__` as a key would set the prototype of the objects on the way (ours, the AWS SDK's): the header would be lost without a word.
    if (options.attributes && Object.hasOwn(options.attributes, '__proto__')) throw new RangeError(`${contract.name}: __proto__ cannot be a message attribute's name: it would be lost on the way (JavaScript takes it as an object's prototype); give the header another name`);
    const all: Record<string, MessageAttributeValue> = {};
    const correlation: Record<string, string | undefined> = {};
    if (contract.headers.includes('correlationId')) correlation.correlationId = options.correlationId ?? randomUUID();
    if (contract.headers.includes('traceparent')) correlation.traceparent = options.traceparent ?? newTraceparent();
    for (const [name, value] of Object.entries({ ...(options.attributes ?? {}), ...correlation })) {
      if (value !== undefined && value !== '') all[name] = { DataType: 'String', StringValue: value };
    }
    // The identity last: a caller cannot override what subscriptions filter on.
    for (const [name, value] of Object.entries(contract.attributes)) all[name] = { DataType: 'String', StringValue: value };
    if (Object.keys(all).length > MAX_ATTRIBUTES) throw new RangeError(`${contract.name}: ${Object.keys(all).length} message attributes; SNS allows ${MAX_ATTRIBUTES}`);
    const validate = contract.validateHeaders as (((data: unknown) => boolean) & { errors?: AjvError[] | null }) | undefined;
    if (validate && !validate(Object.fromEntries(Object.entries(all).map(([name, value]) => [name, value.StringValue])))) {
      throw new InvalidHeadersError(contract.name, toIssues(validate.errors));
    }
    return all;
  }


/** Optional attributes of one publish: the headers the contract declares besides the identity. */
export interface PublishOptions<Name extends string = string> {
  /** Which message of the operation; needed only when it publishes several. */
  message?: Name;
  /**
   * Follows one business flow through every publisher and consumer. Sent when the message
   * declares a `correlationId` header; a new one is made when not given.
   */
  correlationId?: string;
  /**
   * W3C Trace Context `traceparent` of the publishing span. Sent when the message declares a
   * `traceparent` header; a new trace is started when not given.
   */
  traceparent?: string;
  /** Extra string attributes (e.g. `correlationId`, `traceparent`); SNS allows 10 in all. */
  attributes?: Record<string, string | undefined>;
  /** FIFO targets: the message group (else the payload field the message's `x-message-group-id` names). */
  messageGroupId?: string;
  /**
   * FIFO targets: deduplication id (else, unless content-based deduplication is on, the SHA-256 of
   * the group and the body). One message's: `publishBatch` of several refuses it.
   */
  messageDeduplicationId?: string;
}

/** The options of {@link createPublisher}. */
export interface PublisherOptions {
  /** @default a new SNSClient from the default AWS configuration (AWS_ENDPOINT_URL honoured) */
  client?: SNSClient;
  /** @default SST link of the topic, else `$<TOPIC>_ARN` (e.g. PAYMENT_TOPIC_ARN) */
  topicArn?: string;
  /** Where `$<TOPIC>_ARN` is looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** SNS allows at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The operation's only message name, or `never` when it has several (then `message` must be given). */
type SoleName<M extends MessageMap> = [keyof M & string] extends [UnionToIntersection<keyof M & string>] ? keyof M & string : never;

/** A typed publisher for one send operation to a topic. */
export interface Publisher<Op extends TopicSendOperation> {
  /** The send operation it publishes for. */
  readonly operation: Op;
  /** The topic it publishes to. */
  readonly topicArn: string;
  /** The SNS client it publishes with. */
  readonly client: SNSClient;
  /** Validates and publishes one message; throws {@link ContractViolation} (nothing sent) when invalid. */
  publish<N extends keyof Op['messages'] & string = SoleName<Op['messages']>>(payload: PayloadOf<Op['messages'][N]>, options?: PublishOptions<N>): Promise<PublishResult>;
  /**
   * Validates every message, then publishes them with `PublishBatch` (10 per call). If any is
   * invalid, throws {@link InvalidMessagesError} and publishes none. Entries SNS refuses are
   * returned in `failed`, not thrown, so the caller can retry exactly those. A call that fails as a
   * whole after earlier ones were answered throws {@link BatchPublishInterrupted}, which holds what
   * they published.
   */
  publishBatch<N extends keyof Op['messages'] & string = SoleName<Op['messages']>>(payloads: readonly PayloadOf<Op['messages'][N]>[], options?: PublishOptions<N>): Promise<BatchPublishResult>;
}

/**
 * A typed publisher for a send operation to a topic: validates every message against the contract
 * before sending and sets the `eventType` and `schemaVersion` attributes (plus the `correlationId`
 * and `traceparent` headers the message declares). A point-to-point send operation (a
 * {@link QueueSendOperation}, on an SQS channel) is a type error here: `createQueuePublisher`
 * publishes for it.
 *
 * @param operation - a send operation to a topic of the generated `operations`
 * @param options - the SNS client and the topic ARN; by default a new client and the topic's
 *   SST link, else `$<TOPIC>_ARN`
 * @throws TypeError when `operation` is not a send operation to a topic (a JavaScript caller's
 *   point-to-point operation included); ConfigurationError when the topic
 *   ARN is neither given, linked nor in the environment
 *
 * @example
 * ```ts
 * import { createPublisher } from '@sluice/runtime/publisher';
 * import type { MessageContract, TopicSendOperation } from '@sluice/runtime/contract';
 *
 * type Payment = { paymentId: string; amount: number };
 * declare const publishPaymentCaptured: TopicSendOperation<'publishPaymentCaptured', { PaymentCaptured: MessageContract<Payment> }>;
 *
 * const payments = createPublisher(publishPaymentCaptured); // topic from the SST link or PAYMENT_TOPIC_ARN
 * const { messageId } = await payments.publish({ paymentId: 'p-1', amount: 12 }, { correlationId: 'c-1' });
 * const { failed } = await payments.publishBatch([{ paymentId: 'p-2', amount: 5 }]);
 * ```
 */
export function createPublisher<Op extends TopicSendOperation>(operation: Op, options: PublisherOptions = {}): Publisher<Op> {
  // The types refuse these; JavaScript callers (and casts) reach the checks.
  const given = operation as SendOperation | undefined;
  if (given?.action !== 'send') {
    throw new TypeError(`createPublisher needs a send operation from the generated operations (operations.<operationId>), got ${JSON.stringify((operation as { id?: string })?.id ?? operation)}`);
  }
  if (given.queue !== undefined) {
    throw new TypeError(`${given.id} sends point-to-point to queue ${given.queue}, not to a topic: use createQueuePublisher`);
  }
  const topic = given.topic;
  const topicArn = options.topicArn ?? resolveTopicArn(topic, options.env);
  // A FIFO topic (its name ends in .fifo) of a manifest older than the fifo field: no content-based deduplication.
  const fifo = operation.fifo ?? (topic.endsWith('.fifo') ? { contentBasedDeduplication: false, messageGroupIdFields: {} } : undefined);
  const client = options.client ?? new SNSClient({});
  const contractOf = contractPicker(operation, 'publishes');

  return {
    operation,
    topicArn,
    client,
    async publish(payload: unknown, publishOptions: PublishOptions = {}) {
      const contract = contractOf(publishOptions.message);
      const undeclared = undeclaredFields(contract, payload);
      if (undeclared.length > 0) throw new UndeclaredFieldsError(contract.name, [{ index: 0, fields: undeclared }]);
      const valid = contract.parse(payload);
      const attributes = attributesOf(contract, publishOptions);
      const body = JSON.stringify(valid);
      const out = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: body,
          MessageAttributes: attributes,
          ...fifoFieldsOf(fifo, contract.name, valid, body, publishOptions),
        }),
      );
      if (!out.MessageId) throw new Error(`SNS accepted the ${contract.name} message but returned no MessageId`);
      return { messageId: out.MessageId };
    },
    async publishBatch(payloads: readonly unknown[], publishOptions: PublishOptions = {}) {
      const contract = contractOf(publishOptions.message);
      // One deduplication id for several messages: SNS accepts each of them but delivers only the
      // first within its 5-minute deduplication interval, and reports every one as successful.
      if (publishOptions.messageDeduplicationId !== undefined && payloads.length > 1) {
        throw new TypeError(
          `Nothing was published: publishBatch of ${payloads.length} ${contract.name} messages was given one messageDeduplicationId (${JSON.stringify(publishOptions.messageDeduplicationId)}); SNS would deliver only the first of them and report all as published. Leave it out (each message gets its own${fifo?.contentBasedDeduplication ? ', from its content' : ': the SHA-256 of its group and body'}), or publish each with publish(payload, { messageDeduplicationId })`,
        );
      }
      const undeclared = payloads.map((payload, index) => ({ index, fields: undeclaredFields(contract, payload) })).filter((e) => e.fields.length > 0);
      if (undeclared.length > 0) throw new UndeclaredFieldsError(contract.name, undeclared);
      // The caller's headers are checked once, before anything is sent (each entry gets new ids where none were given).
      attributesOf(contract, publishOptions);
      const invalid: { index: number; issues: ValidationIssue[] }[] = [];
      payloads.forEach((payload, index) => {
        const result = contract.check(payload);
        if (!result.ok) invalid.push({ index, issues: result.issues });
      });
      if (invalid.length > 0) throw new InvalidMessagesError(contract.name, invalid);
      // Every entry's group and deduplication id first: a missing group id sends nothing.
      const fifoFields = payloads.map((payload) => fifoFieldsOf(fifo, contract.name, payload, JSON.stringify(payload), publishOptions));

      const result: BatchPublishResult = { successful: [], failed: [] };
      for (let start = 0; start < payloads.length; start += MAX_BATCH_ENTRIES) {
        const chunk = payloads.slice(start, start + MAX_BATCH_ENTRIES);
        const send = client.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: chunk.map((payload, i) => ({
              Id: String(start + i),
              Message: JSON.stringify(payload),
              // Each message its own flow and trace, unless the caller gives one for all.
              MessageAttributes: attributesOf(contract, publishOptions),
              ...fifoFields[start + i],
            })),
          }),
        );
        let out;
        try {
          out = await send;
        } catch (error) {
          // Nothing answered yet: as it is. Else what the earlier calls published is not lost.
          if (start === 0) throw error;
          const indexes = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
          result.successful.sort((a, b) => a.index - b.index);
          result.failed.sort((a, b) => a.index - b.index);
          throw new BatchPublishInterrupted(result, indexes(start, start + chunk.length), indexes(start + chunk.length, payloads.length), error);
        }
        for (const ok of out.Successful ?? []) result.successful.push({ index: Number(ok.Id), messageId: ok.MessageId ?? '' });
        for (const bad of out.Failed ?? []) {
          result.failed.push({ index: Number(bad.Id), code: bad.Code ?? 'Unknown', message: bad.Message ?? '', senderFault: bad.SenderFault ?? false });
        }
      }
      result.successful.sort((a, b) => a.index - b.index);
      result.failed.sort((a, b) => a.index - b.index);
      return result;
    },
  } as Publisher<Op>;
}

/** A new W3C `traceparent`: version 00, a random trace id and span id, sampled. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export { ContractViolation };
