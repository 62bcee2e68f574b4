/**
 * The producer side of the contract: publishes `OrderPlaced` to the order topic, validated first,
 * with the SNS message attributes the contract declares (`eventType`, `schemaVersion`).
 */
import { PublishBatchCommand, PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { ContractViolation, messages, type OrderPlaced, type ValidationIssue } from '@orders/contract';
import { resolveTopicArn } from './resource-names.ts';

const contract = messages.OrderPlaced;
/** SNS PublishBatch accepts at most 10 entries per call. */
const MAX_BATCH_ENTRIES = 10;

/** The SNS message attributes every OrderPlaced carries, from the contract. */
export const orderPlacedAttributes: Record<string, MessageAttributeValue> = Object.fromEntries(
  Object.entries(contract.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
);

export interface PublishResult {
  messageId: string;
}

export interface BatchPublishResult {
  /** Entries SNS accepted, by index in the input. */
  successful: { index: number; orderId: string; messageId: string }[];
  /** Entries SNS refused, by index in the input; retry these (when `senderFault` is false). */
  failed: { index: number; orderId: string; code: string; message: string; senderFault: boolean }[];
}

/** Thrown before anything is sent when one or more orders of a batch violate the contract. */
export class InvalidOrdersError extends Error {
  readonly code = 'INVALID_ORDERS';
  readonly entries: { index: number; issues: ValidationIssue[] }[];
  constructor(entries: { index: number; issues: ValidationIssue[] }[]) {
    super(
      `Nothing was published: ${entries.length} order(s) violate the contract: ` +
        entries.map((e) => `#${e.index}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`).join(' | '),
    );
    this.name = 'InvalidOrdersError';
    this.entries = entries;
  }
}

export interface OrderPublisherOptions {
  /** SNS client. @default a new client from the default AWS configuration (AWS_ENDPOINT_URL honoured) */
  client?: SNSClient;
  /** Topic ARN. @default SST link `OrderTopic`, else `$ORDER_TOPIC_ARN` */
  topicArn?: string;
}

/**
 * Publishes orders to the order topic.
 *
 * @example
 * const publisher = new OrderPublisher();
 * const { messageId } = await publisher.publishOrderPlaced(order); // throws ContractViolation if invalid
 */
export class OrderPublisher {
  readonly topicArn: string;
  readonly client: SNSClient;

  constructor(options: OrderPublisherOptions = {}) {
    this.topicArn = options.topicArn ?? resolveTopicArn();
    this.client = options.client ?? new SNSClient({});
  }

  /** Validates and publishes one order; throws {@link ContractViolation} (nothing sent) when invalid. */
  async publishOrderPlaced(order: OrderPlaced): Promise<PublishResult> {
    const valid = contract.parse(order);
    const out = await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify(valid), MessageAttributes: orderPlacedAttributes }),
    );
    if (!out.MessageId) throw new Error('SNS accepted the order but returned no MessageId');
    return { messageId: out.MessageId };
  }

  /**
   * Validates every order, then publishes them with `PublishBatch` (10 per call). If any order is
   * invalid, throws {@link InvalidOrdersError} and publishes none. Per-entry refusals by SNS are
   * returned in `failed`, not thrown, so the caller can retry exactly those.
   */
  async publishOrderPlacedBatch(orders: readonly OrderPlaced[]): Promise<BatchPublishResult> {
    const invalid = orders
      .map((order, index) => ({ index, result: contract.check(order) }))
      .filter((e) => !e.result.ok)
      .map((e) => ({ index: e.index, issues: e.result.ok ? [] : e.result.issues }));
    if (invalid.length > 0) throw new InvalidOrdersError(invalid);

    const result: BatchPublishResult = { successful: [], failed: [] };
    for (let start = 0; start < orders.length; start += MAX_BATCH_ENTRIES) {
      const chunk = orders.slice(start, start + MAX_BATCH_ENTRIES);
      const out = await this.client.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: chunk.map((order, i) => ({
            Id: String(start + i),
            Message: JSON.stringify(order),
            MessageAttributes: orderPlacedAttributes,
          })),
        }),
      );
      for (const ok of out.Successful ?? []) {
        const index = Number(ok.Id);
        result.successful.push({ index, orderId: orders[index]!.orderId, messageId: ok.MessageId ?? '' });
      }
      for (const bad of out.Failed ?? []) {
        const index = Number(bad.Id);
        result.failed.push({
          index,
          orderId: orders[index]!.orderId,
          code: bad.Code ?? 'Unknown',
          message: bad.Message ?? '',
          senderFault: bad.SenderFault ?? false,
        });
      }
    }
    result.successful.sort((a, b) => a.index - b.index);
    result.failed.sort((a, b) => a.index - b.index);
    return result;
  }
}

export { ContractViolation };
