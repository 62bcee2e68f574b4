/**
 * `npm run demo`: publishes the contract's OrderPlaced examples and one poison message through the
 * running local runtime, waits until everything has settled, prints the stored orders and the DLQ.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { messages, operations, type OrderPlaced } from '@orders/contract';
import { DeadLetterQueue, formatUnrouted, notShownOf, operatorCommandAt, queueDepth, subjectFromContract, type DeadLetterListing } from '@sluice/ops';
import { bannerLines, type LocalRuntime } from '@sluice/local';
import { unroutedOf, type UnroutedSpec } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { formatDeadLetterListing } from '@sluice/ops';
import { createDecoder } from '@sluice/runtime/consumer';
import { createPublisher } from '@sluice/runtime/publisher';
import { parse } from 'yaml';
import { formatOrders } from './cli/order-commands.ts';
import { createDocumentClient, OrderStore } from './order-store.ts';
import { ORDERS_TABLE } from './settings.ts';

/** The `OrderPlaced` examples of the AsyncAPI document: the contract's own sample data. */
export function contractExamples(asyncapiPath: string): { name: string; payload: OrderPlaced }[] {
  const doc = parse(readFileSync(asyncapiPath, 'utf8')) as {
    components?: { messages?: { OrderPlaced?: { examples?: { name?: string; payload: OrderPlaced }[] } } };
  };
  const examples = doc.components?.messages?.OrderPlaced?.examples ?? [];
  return examples.map((e, i) => ({ name: e.name ?? `example ${i + 1}`, payload: e.payload }));
}

/**
 * What the demo prints of its dead-letter queue: the listing as `npx orders dlq list` shows it,
 * what it could not show included (on a FIFO queue, how many wait behind the first message of
 * each group), never left out.
 *
 * @example
 * ```ts
 * import type { DeadLetterQueue } from '@sluice/ops';
 * import { deadLetterSection } from './demo.ts';
 *
 * declare const dlq: DeadLetterQueue;
 * console.log(deadLetterSection('OrderDLQ', await dlq.listing())); // the table, then '1 more message(s) wait behind these: …' on a FIFO queue
 * ```
 */
export function deadLetterSection(dlqName: string, listing: DeadLetterListing): string {
  const letters = formatDeadLetterListing(listing, 'orderId');
  return `\nDead-letter queue ${dlqName}:${letters === 'empty.' ? ' ' : '\n'}${letters}`;
}

/**
 * The operator command the demo's batch lines name (a poison message's last receive names the
 * command that lists its dead-letter queue): only one that still works once the demo has ended
 * and its stack has stopped, the application's own command at the default endpoint, on the data
 * folder `npm start` picks up. An in-memory stack is gone with the demo, and a command pointed at
 * the demo's own port reaches nothing after it: none then (the line names the dead-letter queue
 * alone, and the demo prints that queue before it stops).
 *
 * @param command - the application's operator command (`npx orders`)
 * @param endpoint - the demo's stack's endpoint
 * @param options - `inMemory`: the demo's stack keeps nothing; `elsewhere`: it keeps its data in a folder of its own (`--data-dir`), not npm start's; `env`: where `SLUICE_ENDPOINT` is read (`process.env` by default)
 * @example
 * ```ts
 * import { demoOperatorCommand } from './demo.ts';
 *
 * demoOperatorCommand('npx orders', 'http://127.0.0.1:4566', { inMemory: false }); // 'npx orders'
 * demoOperatorCommand('npx orders', 'http://127.0.0.1:4566', { inMemory: true }); // undefined
 * demoOperatorCommand('npx orders', 'http://127.0.0.1:45123', { inMemory: false }); // undefined
 * ```
 */
export function demoOperatorCommand(command: string | undefined, endpoint: string, options: { inMemory: boolean; elsewhere?: boolean; env?: NodeJS.ProcessEnv }): string | undefined {
  // In memory, or on a data folder of its own (--data-dir): once the demo has ended, the command reaches npm start's stack, not this one's data.
  if (options.inMemory || options.elsewhere || command === undefined) return undefined;
  // Without SLUICE_ENDPOINT in front: it finds npm start's stack by itself.
  return operatorCommandAt(command, endpoint, options.env) === command ? command : undefined;
}

/**
 * The banner of the demo's stack: `npm start`'s ({@link bannerLines}), whose line for each topic's
 * unrouted queue names the command that says why a publish reached no consumer only when it still
 * works once the demo has ended ({@link demoOperatorCommand}'s rule, the batch lines' too). On an
 * in-memory stack or another port that command reaches `npm start`'s stack, not the demo's, gone
 * by then: the line points at the demo's own summary instead, which lists those queues before the
 * demo stops (and, in memory, does not promise the 14 days).
 *
 * @param options - `inMemory`: the demo's stack keeps nothing; `elsewhere`: it keeps its data in a folder of its own (`--data-dir`), not npm start's; `env`: where `SLUICE_ENDPOINT` is read (`process.env` by default)
 * @example
 * ```ts
 * import type { LocalRuntime } from '@sluice/local';
 * import { demoBannerLines } from './demo.ts';
 *
 * declare const runtime: LocalRuntime; // in memory, on a free port
 * demoBannerLines(runtime, { inMemory: true }); // … (unrouted publishes of OrderTopic: what no subscription admits, kept while the demo runs: it lists them, with why, before it stops)
 * ```
 */
export function demoBannerLines(runtime: LocalRuntime, options: { inMemory: boolean; elsewhere?: boolean; env?: NodeJS.ProcessEnv }): string[] {
  const lines = bannerLines(runtime);
  const command = runtime.application.project.operatorCommand;
  if (command === undefined || demoOperatorCommand(command, runtime.endpoint, options) !== undefined) return lines;
  const kept = options.inMemory ? 'kept while the demo runs' : 'kept 14 days';
  return lines.map((line) => line.replace(/ kept 14 days; `[^`]+ dlq list --queue \S+` says why\)$/, ` ${kept}: it lists them, with why, before it stops)`));
}

/**
 * What the demo prints of a topic's unrouted queue before it stops: its messages and why no
 * consumer got each, as `npx orders dlq list --queue <it>` says it, what it could not show
 * included (the banner points here when that command would not reach the demo's stack once it
 * has ended).
 */
export function unroutedSection(unrouted: Pick<UnroutedSpec, 'topic' | 'queue'>, listing: DeadLetterListing, topology: Topology): string {
  const notShown = notShownOf(listing);
  const letters = formatUnrouted(listing.letters, topology, unrouted.topic);
  const text = notShown ? `${letters === 'empty.' ? 'nothing could be read.' : letters}\n${notShown.why}.` : letters;
  return `\nUnrouted publishes of ${unrouted.topic} (${unrouted.queue}):${text === 'empty.' ? ' ' : '\n'}${text}`;
}

/**
 * Runs the demo against a started runtime; resolves true when it settled in time.
 *
 * @example
 * const ok = await runDemo(runtime, { asyncapiPath: 'asyncapi.yaml', print: console.log });
 */
export async function runDemo(runtime: LocalRuntime, options: { asyncapiPath: string; print: (text: string) => void; timeoutMs?: number }): Promise<boolean> {
  const { resources, application } = runtime;
  const op = operations.consumeOrderPlaced;
  const queue = application.topology.queues[op.queue]!;
  const maxReceives = queue.deadLetter!.maxReceiveCount;
  const sns = new SNSClient(runtime.clientConfig);
  const sqs = new SQSClient(runtime.clientConfig);
  const dynamodb = new DynamoDBClient(runtime.clientConfig);
  const print = options.print;
  try {
    // Every consumer of OrderPlaced gets the poison message (an audit consumer added beside the
    // order consumer too): each one's queue is waited for, and each one's dead-letter queue shown.
    const consumers = Object.values(application.topology.operations).filter(
      (o) => o.action === 'receive' && o.messages.includes('OrderPlaced') && application.topology.queues[o.queue!]?.deadLetter && (operations as Record<string, unknown>)[o.id],
    );
    const watched = consumers.map((o) => {
      const dlqName = application.topology.queues[o.queue!]!.deadLetter!.queue;
      const consumer = (operations as unknown as Record<string, typeof op>)[o.id]!;
      const dlq = new DeadLetterQueue({
        sqs,
        deadLetterQueueUrl: resources.queues[dlqName]!.url,
        sourceQueueUrl: resources.queues[o.queue!]!.url,
        decode: createDecoder(consumer),
        // What npx orders dlq list shows of each: the framework's subject of the consumer's messages.
        describe: subjectFromContract(consumer.messages),
        // The local stack: its counts are exact.
        exactCounts: true,
      });
      return { queue: o.queue!, dlqName, dlq };
    });
    const dlqBefore = await Promise.all(watched.map((w) => w.dlq.count()));
    const topicArn = resources.topics[operations.publishOrderPlaced.topic]!.arn;
    const publisher = createPublisher(operations.publishOrderPlaced, { client: sns, topicArn });
    const examples = contractExamples(options.asyncapiPath);
    print(`demo: publishing the ${examples.length} OrderPlaced examples of asyncapi.yaml through the validating publisher`);
    for (const { name, payload } of examples) {
      const { messageId } = await publisher.publish(payload);
      print(`  ${name.padEnd(22)} ${payload.orderId} ${payload.status.padEnd(9)} -> SNS ${messageId}`);
    }
    // The publisher refuses invalid orders, so the poison goes to SNS directly, as a buggy producer would.
    const poison = { ...examples[0]!.payload, orderId: 'ord-demo-poison', quantity: 0 };
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(messages.OrderPlaced.attributes).map(([k, value]) => [k, { DataType: 'String', StringValue: value }]),
    );
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(poison), MessageAttributes: attributes }));
    print(`  ${'poison (quantity 0)'.padEnd(22)} ${poison.orderId} sent straight to SNS, bypassing validation -> SNS ${MessageId}`);
    const visibility = resources.queues[op.queue]!.visibilityTimeoutSeconds;
    print(`demo: waiting for the queue to drain; the poison message is retried every ${visibility} s and dead-lettered after ${maxReceives} receives (~${visibility * maxReceives} s)`);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000 + visibility * (maxReceives + 1) * 1000);
    let settled = false;
    const drained = async () => {
      for (const [i, w] of watched.entries()) {
        if ((await queueDepth(sqs, resources.queues[w.queue]!.url)).total > 0 || (await w.dlq.count()) <= dlqBefore[i]!) return false;
      }
      return true;
    };
    while (Date.now() < deadline) {
      if (await drained()) {
        settled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const store = new OrderStore({ client: createDocumentClient(dynamodb), tableName: resources.tables[ORDERS_TABLE]!.name });
    // This demo's orders: on a data folder of earlier runs the table holds theirs too.
    const ours = new Set(examples.map((e) => e.payload.orderId));
    const stored = await store.list();
    const shown = stored.filter((o) => ours.has(o.orderId));
    const others = stored.length - shown.length;
    print(`\nStored orders of this demo (table ${ORDERS_TABLE}${others > 0 ? `; ${others} more kept from earlier runs: npx orders list shows them all` : ''}):\n${formatOrders(shown)}`);
    for (const w of watched) print(deadLetterSection(w.dlqName, await w.dlq.listing()));
    // Each topic's unrouted queue, read as dlq list reads it: what the banner points at.
    for (const u of unroutedOf(application.topology)) {
      const url = resources.queues[u.queue]?.url;
      if (!url) continue;
      const unrouted = new DeadLetterQueue({ sqs, deadLetterQueueUrl: url, sourceQueueUrl: url, exactCounts: true });
      print(unroutedSection(u, await unrouted.listing(), application.topology));
    }
    if (!settled) print('\ndemo: the pipeline did not settle in time (see the batch lines above).');
    return settled;
  } finally {
    sns.destroy();
    sqs.destroy();
    dynamodb.destroy();
  }
}
