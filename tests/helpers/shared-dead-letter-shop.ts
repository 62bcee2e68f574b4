/**
 * The shop fixture with Billing's and Fulfilment's dead-letter queues made one, SharedDLQ (Billing
 * consumes OrderPlaced v1 as SNS envelopes, Fulfilment OrderPlaced v2 and OrderShipped raw), its
 * contract generated, and a local stack started on it with no consumer running: the set-up of the
 * tests of a dead-letter queue several queues share (dlq, status, the console).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { fixtureProject, generateContract, type FixtureProject } from './fixture-project.ts';

/** The shop with SharedDLQ and its stack ({@link sharedDeadLetterShop}). */
export interface SharedDeadLetterShop {
  fixture: FixtureProject;
  runtime: LocalRuntime;
  sqs: SQSClient;
  /** The URL of one of the stack's queues, by name. */
  url(queue: string): string;
  /**
   * Sends `body` to `queue`, then receives it there without deleting it until SQS moves it to its
   * dead-letter queue (the receive after the last allowed one moves it instead of giving it).
   * Returns its id, which SQS keeps in the dead-letter queue.
   */
  deadLettered(queue: string, body: string, attributes?: Record<string, MessageAttributeValue>): Promise<string>;
  /** Stops the stack and removes the project. */
  dispose(): Promise<void>;
}

/** Makes the shop with SharedDLQ, generates its contract and starts a stack on it (no consumer). */
export async function sharedDeadLetterShop(): Promise<SharedDeadLetterShop> {
  const fixture = await fixtureProject('shop');
  const spec = path.join(fixture.dir, 'asyncapi.yaml');
  writeFileSync(spec, readFileSync(spec, 'utf8').replace(/\b(Billing|Fulfilment)DLQ\b/g, 'SharedDLQ'));
  await generateContract(fixture.project);
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, consumers: false, logLevel: 'SILENT' });
  } catch (error) {
    fixture.dispose();
    throw error;
  }
  const started = runtime;
  const sqs = new SQSClient(started.clientConfig);
  const url = (queue: string) => started.resources.queues[queue]!.url;
  return {
    fixture,
    runtime: started,
    sqs,
    url,
    async deadLettered(queue, body, attributes = {}) {
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url(queue), MessageBody: body, MessageAttributes: attributes }));
      for (let receives = 0; receives < 10; receives++) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(queue), VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
        if (!Messages?.length) return MessageId!;
      }
      throw new Error(`${queue} did not dead-letter ${MessageId}`);
    },
    async dispose() {
      sqs.destroy();
      await started.stop();
      fixture.dispose();
    },
  };
}
