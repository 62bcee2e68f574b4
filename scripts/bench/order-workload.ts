/**
 * The orders every section feeds to the code under test: deterministic (a seeded generator, so
 * a later run measures the same bytes) and shaped like production.
 *
 * Bodies are SNS notifications as SNS writes them into SQS with raw message delivery off: with a
 * real-length `Signature` (RSA, 344 base64 characters), certificate and unsubscribe URLs. The test
 * helpers' envelope leaves those short; here they matter, because the cost of the two
 * `JSON.parse` calls (the floor of section 1) grows with the body.
 */
import type { OrderPlaced } from '@orders/contract';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { seededRandom } from '../seeded-random.ts';

const STATUSES = ['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED'] as const;
const ITEMS = ['Mechanical keyboard', 'USB-C dock, 12 ports', 'Café crème grinder', '4K monitor 27"', 'Noise-cancelling headphones', 'Łódź travel mug', '手帳 2026', 'Ergonomic chair'];
const OFFSETS = ['Z', '+02:00', '-05:30', '+09:00', '+00:00', '-08:00'];
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The topic the workload's envelopes name: the handlers under test accept it as their source. */
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:OrderTopic`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:OrderQueue`;

export { seededRandom };

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function hex(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

function uuid(random: () => number): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function base64(random: () => number, bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256))).toString('base64');
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `count` distinct valid orders, ids `ord-<prefix>-<i>`, with varied offsets, item names
 * (some non-ASCII) and fractional seconds.
 */
export function buildOrders(prefix: string, count: number): OrderPlaced[] {
  const random = seededRandom(seedOf(`orders:${prefix}`));
  return Array.from({ length: count }, (_, i) => {
    const fraction = i % 3 === 0 ? `.${String(Math.floor(random() * 1000)).padStart(3, '0')}` : '';
    return {
      orderId: `ord-${prefix}-${i}`,
      userId: `usr-${Math.floor(random() * 100_000)}`,
      itemName: ITEMS[i % ITEMS.length]!,
      quantity: 1 + Math.floor(random() * 20),
      status: STATUSES[i % STATUSES.length]!,
      timestamp: `2026-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}T${pad(i % 24)}:${pad(i % 60)}:${pad((i * 7) % 60)}${fraction}${OFFSETS[i % OFFSETS.length]}`,
    };
  });
}

/** The SQS body SNS writes for `message` (a string is used as the `Message` as is). */
export function snsNotificationBody(message: unknown, random: () => number = seededRandom(1)): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: uuid(random),
    TopicArn: TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-01-01T09:00:00.123Z',
    SignatureVersion: '1',
    Signature: base64(random, 256),
    SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-${hex(random, 32)}.pem`,
    UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:${uuid(random)}`,
    MessageAttributes: {
      eventType: { Type: 'String', Value: 'OrderPlaced' },
      schemaVersion: { Type: 'String', Value: '1.0.0' },
    },
  });
}

/** An SQS record as the Lambda event source mapping delivers it. */
export function sqsRecordOf(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId.replaceAll('-', '')}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1767258000000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1767258000100',
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: REGION,
  };
}

/** The SQS records carrying `orders`, one per order, in SNS envelopes. */
export function orderRecords(orders: readonly OrderPlaced[], seedText = 'records'): SQSRecord[] {
  const random = seededRandom(seedOf(seedText));
  return orders.map((order) => sqsRecordOf(snsNotificationBody(order, random), uuid(random)));
}

/** `records` cut into Lambda events of at most `size` records (10: the pipeline's batch size). */
export function batches(records: readonly SQSRecord[], size: number): SQSEvent[] {
  const events: SQSEvent[] = [];
  for (let i = 0; i < records.length; i += size) events.push({ Records: records.slice(i, i + size) });
  return events;
}
