/**
 * The shape of a contract at run time: what `npm run codegen` generates for every message,
 * operation and piece of topology, typed. Generated code (`generated/index.d.ts`) refers to these
 * types; the consumer, publisher, local runtime and infrastructure read them.
 */

/** One reason a value does not satisfy the contract. */
export interface ValidationIssue {
  /** Dotted path of the offending field (`amount`, `refunds.0.reason`), or `(root)` for the value itself. */
  path: string;
  /** The JSON Schema keyword that failed (`minimum`, `required`, `format`, …). */
  keyword: string;
  /** What is wrong, in words: `must be >= 1`. */
  message: string;
}

/** A generated validator: a type guard that leaves ajv's errors on `.errors` when it returns false. */
export interface ContractValidator<T> {
  (data: unknown): data is T;
  /** ajv's errors from the last call that returned false; `null` or absent after a success. */
  errors?: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null;
}

/** What {@link MessageContract.check} returns: the value typed, or the issues that make it invalid. */
export type CheckResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * The SNS message attributes that identify a message on the wire. Every publisher sets them and
 * every subscription's filter policy matches on them.
 */
export interface MessageIdentity {
  /** Value of the `eventType` attribute (the `eventType` header's `const`, else the message name). */
  readonly eventType: string;
  /** Value of the `schemaVersion` attribute: the message's `x-schema-version`. */
  readonly schemaVersion: string;
}

/** Everything the contract says about one message, at run time. */
export interface MessageContract<T = unknown, H = unknown> extends MessageIdentity {
  /** Message name (`PaymentCaptured`): the key in `messages` and in operations. */
  readonly name: string;
  /** The message's `title` in the contract. */
  readonly title: string;
  /** Major version of `schemaVersion` (`'1'`). */
  readonly major: string;
  /** Top-level payload fields the contract knows, in schema order. */
  readonly properties: readonly (keyof T & string)[];
  /** The message attributes a producer sets: the identity plus nothing else. */
  readonly attributes: { readonly eventType: string; readonly schemaVersion: string };
  /** Names of the optional headers the contract declares besides the identity (e.g. `correlationId`). */
  readonly headers: readonly string[];
  /** The payload's JSON Schema validator (generated, standalone ajv). */
  readonly validate: ContractValidator<T>;
  /** The headers' validator (the SNS message attributes), when the message declares headers. */
  readonly validateHeaders: ContractValidator<H> | undefined;
  /** Validates without throwing: `{ ok, value }` or `{ ok: false, issues }`. */
  check(data: unknown): CheckResult<T>;
  /** Returns `data` typed, or throws `ContractViolation`. */
  parse(data: unknown): T;
  /** Only the contract's own top-level fields of a valid payload (tolerant reader: unknown fields dropped). */
  pick(data: T): T;
}

/** Messages of an operation, by name. */
export type MessageMap = { readonly [name: string]: MessageContract<any, any> };

/** The payload type of one message contract. */
export type PayloadOf<M> = M extends MessageContract<infer T, any> ? T : never;

/** What every send operation has, to a topic or point-to-point to a queue. */
export interface SendOperationBase<Id extends string = string, Messages extends MessageMap = MessageMap> {
  /** The operation id in the contract (`publishPaymentCaptured`). */
  readonly id: Id;
  /** Always `'send'`. */
  readonly action: 'send';
  /** The operation's `title`, or its id when it has none. */
  readonly title: string;
  /** The AsyncAPI channel id of the topic or queue. */
  readonly channel: string;
  /** FIFO targets: the message group id fields and whether content-based deduplication is on. */
  readonly fifo?: FifoDelivery;
  /** The messages it may publish, by name. */
  readonly messages: Messages;
}

/** Publishing to an SNS topic (a send operation on an SNS channel): `createPublisher` publishes for it. */
export interface TopicSendOperation<Id extends string = string, Messages extends MessageMap = MessageMap> extends SendOperationBase<Id, Messages> {
  /** The topic's name (SST component name and local topic name). */
  readonly topic: string;
  /** A topic send operation has no queue: its subscriptions deliver to the queues. */
  readonly queue?: never;
}

/**
 * Sending point-to-point to an SQS queue (a send operation on an SQS channel, the SQS binding's
 * "point-to-point" layout): `createQueuePublisher` publishes for it. It has no topic at run time.
 */
export interface QueueSendOperation<Id extends string = string, Messages extends MessageMap = MessageMap> extends SendOperationBase<Id, Messages> {
  /** The queue's name (SST component name and local queue name). */
  readonly queue: string;
  /** A point-to-point send operation has no topic. */
  readonly topic?: never;
}

/**
 * Any send operation: to a topic ({@link TopicSendOperation}, `topic` set) or point-to-point to a
 * queue ({@link QueueSendOperation}, `queue` set). Tell them apart with `op.queue !== undefined`
 * (or `op.topic !== undefined`); generated `operations` already have the precise type.
 */
export type SendOperation<Id extends string = string, Messages extends MessageMap = MessageMap> = TopicSendOperation<Id, Messages> | QueueSendOperation<Id, Messages>;

/** Consuming an SQS queue: one function per receive operation. */
export interface ReceiveOperation<Id extends string = string, Messages extends MessageMap = MessageMap> {
  /** The operation id in the contract (`consumePaymentCaptured`). */
  readonly id: Id;
  /** Always `'receive'`. */
  readonly action: 'receive';
  /** The operation's `title`, or its id when it has none. */
  readonly title: string;
  /** The AsyncAPI channel id of the queue. */
  readonly channel: string;
  /** The queue the function consumes. */
  readonly queue: string;
  /** The messages the queue receives, by name. */
  readonly messages: Messages;
  /** The subscriptions that feed the queue: which topics, and whether bodies arrive raw. */
  readonly sources: readonly { readonly topic: string; readonly rawMessageDelivery: boolean }[];
}

/** Any operation of a contract, told apart by `action`. */
export type Operation = SendOperation | ReceiveOperation;

/** An SNS filter policy on message attributes (`{ eventType: ['PaymentCaptured'], schemaVersion: [{ prefix: '1.' }] }`). */
export type FilterPolicy = { readonly [key: string]: unknown };

/**
 * One statement of a binding's `policy` (SNS 0.1.0 / SQS 0.2.0), as the contract writes it:
 * added after the framework's own statements of the topic's or queue's policy.
 */
export interface PolicyStatementSpec {
  /** `Allow` or `Deny`. */
  readonly effect: 'Allow' | 'Deny';
  /** `*`, or an AWS principal object (`{ AWS: [...] }`). */
  readonly principal: unknown;
  /** The action(s), e.g. `sqs:SendMessage`. */
  readonly action: string | readonly string[];
  /** The resource(s); the topic's or queue's own ARN when absent. */
  readonly resource?: string | readonly string[];
  /** IAM conditions. */
  readonly condition?: unknown;
}

/** An SNS topic (an AsyncAPI channel with an `sns` binding). */
export interface TopicSpec {
  /** The topic's name (SST component name and local topic name). */
  readonly name: string;
  /** Channel id in the contract. */
  readonly channel: string;
  /** Whether it is a FIFO topic (`.fifo` name). */
  readonly fifo: boolean;
  /** Names of the messages send operations publish here. */
  readonly messages: readonly string[];
  /** FIFO topics: `ordering.contentBasedDeduplication` (else each publish carries a deduplication id). */
  readonly contentBasedDeduplication?: boolean;
  /** `tags`: AWS tags on the topic. */
  readonly tags?: { readonly [key: string]: string };
  /** `policy.statements`: added to the framework's topic policy. */
  readonly policy?: readonly PolicyStatementSpec[];
}

/** An SQS queue: a channel's `queue`, or the `deadLetterQueue` its binding declares. */
export interface QueueSpec {
  /** The queue's name (SST component name and local queue name). */
  readonly name: string;
  /** Channel id whose binding declares it. */
  readonly channel: string;
  /** Whether it is a FIFO queue (`.fifo` name). */
  readonly fifo: boolean;
  /** `messageRetentionPeriod` in seconds. */
  readonly retentionSeconds: number;
  /** `visibilityTimeout` in seconds, when the contract sets one (else the infrastructure derives it from the function timeout). */
  readonly visibilityTimeoutSeconds?: number;
  /** `deliveryDelay` in seconds, when set. */
  readonly deliveryDelaySeconds?: number;
  /** `receiveMessageWaitTime` in seconds (long polling), when set. */
  readonly receiveWaitTimeSeconds?: number;
  /** FIFO queues: `deduplicationScope`. */
  readonly deduplicationScope?: 'queue' | 'messageGroup';
  /** FIFO queues: `fifoThroughputLimit`. */
  readonly fifoThroughputLimit?: 'perQueue' | 'perMessageGroupId';
  /** `tags`: AWS tags on the queue. */
  readonly tags?: { readonly [key: string]: string };
  /** `policy.statements`: added to the framework's queue policy. */
  readonly policy?: readonly PolicyStatementSpec[];
  /** Where failing messages go, and after how many receives. */
  readonly deadLetter?: { readonly queue: string; readonly maxReceiveCount: number };
  /** The queues whose redrive policy points here: set on dead-letter queues. */
  readonly deadLetterFor: readonly string[];
}

/** A topic → queue subscription. */
export interface SubscriptionSpec {
  /** `<topic>To<queue>`: the logical name the infrastructure gives it. */
  readonly name: string;
  /** The topic it subscribes to. */
  readonly topic: string;
  /** The queue it delivers to. */
  readonly queue: string;
  /** Whether SNS delivers the bare message body instead of its JSON envelope. */
  readonly rawMessageDelivery: boolean;
  /** Admits exactly the messages the queue's receive operation declares. */
  readonly filterPolicy: FilterPolicy;
  /** The filter policy matches message attributes, never the body. */
  readonly filterPolicyScope: 'MessageAttributes';
  /**
   * Dead-letter queue for notifications SNS cannot deliver to the queue: the one the binding's
   * `redrivePolicy` names, else the queue's own dead-letter queue (absent only when it has none).
   */
  readonly deadLetterQueue?: string;
  /** The send operations whose SNS binding declares it. */
  readonly declaredBy: readonly string[];
}

/**
 * What a publisher to a FIFO topic or queue must send: a message group id (from the payload field
 * a message's `x-message-group-id` names, else given by the caller) and, unless content-based
 * deduplication is on, a deduplication id.
 */
export interface FifoDelivery {
  /** Content-based deduplication is on (SNS FIFO topic's `ordering.contentBasedDeduplication`). */
  readonly contentBasedDeduplication: boolean;
  /** By message name: the payload field whose value is the message group id (`x-message-group-id`). */
  readonly messageGroupIdFields: { readonly [message: string]: string };
}

/** A send or receive operation, as plain data (no validators): what infrastructure needs. */
export interface OperationSpec {
  /** The operation id in the contract. */
  readonly id: string;
  /** Publishing (`send`) or consuming (`receive`). */
  readonly action: 'send' | 'receive';
  /** The operation's `title`, or its id when it has none. */
  readonly title: string;
  /** The AsyncAPI channel id of its topic or queue. */
  readonly channel: string;
  /** Send operations: the topic they publish to (absent for a point-to-point send to a queue). */
  readonly topic?: string;
  /** Receive operations: the queue they consume; point-to-point send operations: the queue they send to. */
  readonly queue?: string;
  /** Send operations to a FIFO topic or queue: how each message is grouped and deduplicated. */
  readonly fifo?: FifoDelivery;
  /** Message names. */
  readonly messages: readonly string[];
  /** Receive operations: the subscriptions that feed the queue. */
  readonly sources?: readonly { readonly topic: string; readonly rawMessageDelivery: boolean }[];
}

/** Every topic, queue, subscription and operation of a contract: the topology manifest. */
export interface Topology {
  /** The contract's `info.title` and `info.version`. */
  readonly contract: { readonly title: string; readonly version: string };
  /** Each message's identity on the wire, by message name. */
  readonly messages: { readonly [name: string]: MessageIdentity };
  /** The topics, by name. */
  readonly topics: { readonly [name: string]: TopicSpec };
  /** The queues (dead-letter queues included), by name. */
  readonly queues: { readonly [name: string]: QueueSpec };
  /** Every topic → queue subscription. */
  readonly subscriptions: readonly SubscriptionSpec[];
  /** The operations, by id. */
  readonly operations: { readonly [id: string]: OperationSpec };
}
