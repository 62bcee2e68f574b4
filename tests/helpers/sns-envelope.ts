/** What SNS and SQS wrap a message in: the SNS notification envelope and the SQS record Lambda is given. */
import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';

/** The topic `snsEnvelope` says the message came from: what the consumer under test is told it is subscribed to. */
export const ORDER_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:OrderTopic';

/** The SNS notification envelope SNS puts in the SQS body when raw message delivery is off. */
export function snsEnvelope(message: unknown, attributes: Record<string, string> = { eventType: 'OrderPlaced', schemaVersion: '1.0.0' }) {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: ORDER_TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-01-01T09:00:00.123Z',
    SignatureVersion: '1',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }])),
  };
}

/** An SQS record as Lambda delivers it, with `body` as given. */
export function sqsRecord(body: string, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1767258000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1767258000100',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:OrderQueue',
    awsRegion: 'us-east-1',
  };
}
