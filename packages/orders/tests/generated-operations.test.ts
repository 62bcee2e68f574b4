/**
 * The order application's generated operations (@orders/contract) carry their precise send type:
 * its topic operation is refused by createQueuePublisher at compile time (`npm run typecheck`
 * fails on an unused @ts-expect-error) and at run time, and its topic
 * publisher type-checks. The publishers themselves are tested on a fixture contract in
 * packages/runtime/tests/queue-publisher.test.ts.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { operations } from '@orders/contract';
import { createPublisher, createQueuePublisher } from '@sluice/runtime/publisher';

describe("the application's generated send operations", () => {
  it('publishOrderPlaced is a topic operation: no queue publisher\'s, by the types and at run time', () => {
    // @ts-expect-error the application's publishOrderPlaced sends to a topic
    expect(() => createQueuePublisher(operations.publishOrderPlaced)).toThrow(/use createPublisher/);
    // Its topic publisher type-checks (no client call is made here).
    const sns = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      expect(createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:Orders' }).operation).toBe(operations.publishOrderPlaced);
    } finally {
      sns.destroy();
    }
  });
});
