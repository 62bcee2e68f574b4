/**
 * Builds the Lambda SQS event record for a received message, shaped like the records the Lambda
 * event source mapping delivers (camelCase fields, string attributes, base64 binaries).
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: toBase64(value.BinaryValue) } : {}),
    // Lambda always sends both lists, empty when unused.
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(toBase64),
    dataType: (value.DataType ?? 'String') as SQSMessageAttribute['dataType'],
  };
}

/**
 * Converts one ReceiveMessage result (received with all system and message attributes).
 *
 * @throws Error when the message lacks its id, receipt handle or body
 *
 * @example
 * ```ts
 * import type { Message } from '@aws-sdk/client-sqs';
 * import { toSqsRecord } from '@sluice/local';
 *
 * declare const message: Message;
 * const record = toSqsRecord(message, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:PaymentQueue', region: 'us-east-1' });
 * record.attributes.ApproximateReceiveCount; // '1' on the first receive
 * ```
 */
export function toSqsRecord(message: Message, source: { queueArn: string; region: string }): SQSRecord {
  if (!message.MessageId || !message.ReceiptHandle || message.Body === undefined) {
    throw new Error(`ReceiveMessage returned an incomplete message: ${JSON.stringify(message)}`);
  }
  const attributes = { ...(message.Attributes ?? {}) } as unknown as SQSRecordAttributes;
  const record: SQSRecord = {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toRecordAttribute(value)]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}
