/**
 * `npm run demo`: publishes the contract's examples and one poison message through the running
 * local pipeline, waits until everything has settled, prints the stored orders and the DLQ.
 */
import { readFileSync } from 'node:fs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { OrderPublisher, OrderStore, createDocumentClient, orderPlacedAttributes, pipelineSettings } from '@orders/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OrderPlaced } from '@orders/contract';
import { parse } from 'yaml';
import { formatDeadLetters } from './cli/dlq-commands.ts';
import { formatOrders } from './cli/order-commands.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { LocalPipeline } from './local-pipeline.ts';

/** The `OrderPlaced` examples of the AsyncAPI document: the contract's own sample data. */
export function contractExamples(asyncapiPath: string): { name: string; payload: OrderPlaced }[] {
  const doc = parse(readFileSync(asyncapiPath, 'utf8')) as {
    components?: { messages?: { OrderPlaced?: { examples?: { name?: string; payload: OrderPlaced }[] } } };
  };
  const examples = doc.components?.messages?.OrderPlaced?.examples ?? [];
  return examples.map((e, i) => ({ name: e.name ?? `example ${i + 1}`, payload: e.payload }));
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  const a = out.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
}

/**
 * Runs the demo against a started pipeline; resolves true when it settled in time.
 *
 * @example
 * const ok = await runDemo(pipeline, { asyncapiPath: 'asyncapi.yaml', print: console.log });
 */
export async function runDemo(
  pipeline: LocalPipeline,
  options: { asyncapiPath: string; print: (text: string) => void; timeoutMs?: number },
): Promise<boolean> {
  const { stack } = pipeline;
  const { resources } = stack;
  const sns = new SNSClient(stack.clientConfig);
  const sqs = new SQSClient(stack.clientConfig);
  const dynamodb = new DynamoDBClient(stack.clientConfig);
  const print = options.print;
  try {
    const dlq = new DeadLetterQueue({ sqs, deadLetterQueueUrl: resources.deadLetterQueueUrl, sourceQueueUrl: resources.queueUrl });
    const dlqBefore = await dlq.count();
    const publisher = new OrderPublisher({ client: sns, topicArn: resources.topicArn });
    const examples = contractExamples(options.asyncapiPath);
    print(`demo: publishing the ${examples.length} OrderPlaced examples of asyncapi.yaml through the validating publisher`);
    for (const { name, payload } of examples) {
      const { messageId } = await publisher.publishOrderPlaced(payload);
      print(`  ${name.padEnd(22)} ${payload.orderId} ${payload.status.padEnd(9)} -> SNS ${messageId}`);
    }
    // The publisher refuses invalid orders, so the poison goes to SNS directly, as a buggy producer would.
    const poison = { ...examples[0]!.payload, orderId: 'ord-demo-poison', quantity: 0 };
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: resources.topicArn, Message: JSON.stringify(poison), MessageAttributes: orderPlacedAttributes }),
    );
    print(`  ${'poison (quantity 0)'.padEnd(22)} ${poison.orderId} sent straight to SNS, bypassing validation -> SNS ${MessageId}`);
    const max = pipelineSettings.deadLetterQueue.maxReceiveCount;
    print(
      `demo: waiting for the queue to drain; the poison message is retried every ${resources.visibilityTimeoutSeconds} s ` +
        `and dead-lettered after ${max} receives (~${resources.visibilityTimeoutSeconds * max} s)`,
    );
    const deadline = Date.now() + (options.timeoutMs ?? 60_000 + resources.visibilityTimeoutSeconds * (max + 1) * 1000);
    let settled = false;
    while (Date.now() < deadline) {
      if ((await queueDepth(sqs, resources.queueUrl)) === 0 && (await dlq.count()) > dlqBefore) {
        settled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const store = new OrderStore({ client: createDocumentClient(dynamodb), tableName: resources.tableName });
    print(`\nStored orders (table ${resources.tableName}):\n${formatOrders(await store.list())}`);
    print(`\nDead-letter queue (${pipelineSettings.deadLetterQueue.name}):\n${formatDeadLetters(await dlq.list())}`);
    if (!settled) print('\ndemo: the pipeline did not settle in time (see the batch lines above).');
    return settled;
  } finally {
    sns.destroy();
    sqs.destroy();
    dynamodb.destroy();
  }
}
