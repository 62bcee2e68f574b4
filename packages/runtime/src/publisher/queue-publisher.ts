/**
 * The typed publisher of a point-to-point send operation (a send operation on an SQS channel, the
 * SQS binding's "point-to-point" layout): validates like the topic publisher ({@link createPublisher}),
 * then sends straight to the queue with `SendMessage`, the message's identity and headers as SQS
 * message attributes, and a FIFO queue's group and deduplication ids.
 */
import { SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { PayloadOf, QueueSendOperation, SendOperation, TopicSendOperation } from '../contract/model.ts';
import { resolveQueueUrl } from '../resources.ts';
import { attributesOf, contractPicker, fifoFieldsOf, type PublishOptions, UndeclaredFieldsError, undeclaredFields } from './create-publisher.ts';

/** Where and how a queue publisher sends. */
export interface QueuePublisherOptions {
  /** @default a new SQSClient from the default AWS configuration (AWS_ENDPOINT_URL honoured) */
  client?: SQSClient;
  /** @default SST link of the queue, else `$<QUEUE>_URL` */
  queueUrl?: string;
  /** Where `$<QUEUE>_URL` is looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** A typed publisher to a queue. */
export interface QueuePublisher<Op extends QueueSendOperation> {
  /** The point-to-point send operation it sends for. */
  readonly operation: Op;
  /** The queue it sends to. */
  readonly queueUrl: string;
  /** The SQS client it sends with. */
  readonly client: SQSClient;
  /** Validates and sends one message; throws (nothing sent) when invalid. */
  publish<N extends keyof Op['messages'] & string>(payload: PayloadOf<Op['messages'][N]>, options?: PublishOptions<N>): Promise<{ messageId: string }>;
}

/**
 * A typed publisher for a point-to-point send operation: the payload is validated against the
 * contract (undeclared fields, schema, headers), then sent to the queue; a FIFO queue's message
 * group id comes from the caller or the payload field `x-message-group-id` names, and a
 * deduplication id is always sent (SQS bindings have no content-based deduplication). A send
 * operation to a topic (a {@link TopicSendOperation}) is a type error here: `createPublisher`
 * publishes for it.
 *
 * @throws {TypeError} for an operation that publishes to a topic (use `createPublisher`), from
 *   JavaScript callers; ConfigurationError when the queue URL is neither given, linked nor in the environment
 * @example
 * ```ts
 * import { createQueuePublisher } from '@sluice/runtime/publisher';
 * import type { MessageContract, QueueSendOperation } from '@sluice/runtime/contract';
 *
 * declare const sendPayment: QueueSendOperation<'sendPayment', { PaymentCaptured: MessageContract<{ paymentId: string }> }>;
 * const publisher = createQueuePublisher(sendPayment, { queueUrl: 'http://localhost:4566/000000000000/payments' });
 * await publisher.publish({ paymentId: 'p-1' });
 * ```
 */
export function createQueuePublisher<Op extends QueueSendOperation>(operation: Op, options: QueuePublisherOptions = {}): QueuePublisher<Op> {
  // The types refuse these; JavaScript callers (and casts) reach the checks.
  const given = operation as SendOperation | undefined;
  const queue = given?.queue;
  if (given?.action !== 'send' || !queue) {
    throw new TypeError(`createQueuePublisher needs a point-to-point send operation (a send operation on an SQS channel), got ${JSON.stringify((operation as { id?: string })?.id ?? operation)}${given?.topic ? `, which publishes to topic ${given.topic}: use createPublisher` : ''}`);
  }
  const queueUrl = options.queueUrl ?? resolveQueueUrl(queue, options.env);
  const client = options.client ?? new SQSClient({});
  // SQS binding queues have no content-based deduplication: a FIFO queue always gets an id.
  const fifo = operation.fifo ?? (queue.endsWith('.fifo') ? { contentBasedDeduplication: false, messageGroupIdFields: {} } : undefined);

  const contractOf = contractPicker(operation, 'sends');

  return {
    operation,
    queueUrl,
    client,
    async publish(payload: unknown, publishOptions: PublishOptions = {}) {
      const contract = contractOf(publishOptions.message);
      const undeclared = undeclaredFields(contract, payload);
      if (undeclared.length > 0) throw new UndeclaredFieldsError(contract.name, [{ index: 0, fields: undeclared }]);
      const valid = contract.parse(payload);
      const attributes: Record<string, MessageAttributeValue> = attributesOf(contract, publishOptions);
      const body = JSON.stringify(valid);
      const out = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes, ...fifoFieldsOf(fifo, contract.name, valid, body, publishOptions) }));
      if (!out.MessageId) throw new Error(`SQS accepted the ${contract.name} message but returned no MessageId`);
      return { messageId: out.MessageId };
    },
  } as QueuePublisher<Op>;
}
