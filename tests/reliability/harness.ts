/**
 * The reliability harness: the local runtime (fauxqs + dynalite behind one endpoint, resources from
 * the topology manifest), the real consumer in its own process, real SDK clients, and the
 * accounting check
 *
 *   published = acknowledged (stored | duplicate | stale) + dead-lettered, queue empty,
 *   table = latest instant per order among the events that were not dead-lettered.
 */
import { ScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { operations, type OrderPlaced } from '@orders/contract';
import { DeadLetterQueue, queueDepth, startLocalRuntime, type BatchReport, type DeadLetter, type LocalRuntime } from '@orders/local';
import { createDecoder } from '@orders/runtime/consumer';
import { createPublisher, type Publisher } from '@orders/runtime/publisher';
import { ORDERS_TABLE } from '../../app/src/settings.ts';

/** Scale of the suite: `RELIABILITY_SCALE=ci` runs a fifth of the full load (documented in the README). */
export const scale = process.env.RELIABILITY_SCALE === 'ci' ? 0.2 : 1;

export type OrderPublisher = Publisher<typeof operations.publishOrderPlaced>;

export interface Published {
  event: OrderPlaced;
  messageId: string;
}

export interface Harness {
  runtime: LocalRuntime;
  endpoint: string;
  queueUrl: string;
  sqs: SQSClient;
  doc: DynamoDBDocumentClient;
  publisher: OrderPublisher;
  dlq: DeadLetterQueue;
  /** Receive counts seen by the consumer, by SQS message id (consumers run by this runtime only). */
  receives: Map<string, number[]>;
  batches: BatchReport[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Run the consumers with this runtime (default) or leave them to another process. */
  consumers?: boolean;
  visibilityTimeoutSeconds?: number;
  dataDir?: string;
  /** Extra environment for the consumer processes (faults). */
  functionEnvironment?: Record<string, string>;
}

/** Starts the local runtime on a free port, with a short visibility timeout so retries take seconds. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const receives = new Map<string, number[]>();
  const batches: BatchReport[] = [];
  const runtime = await startLocalRuntime({
    port: 0,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
    batchWindowSeconds: 0,
    consumers: options.consumers ?? true,
    logLevel: 'SILENT',
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.functionEnvironment ? { functionEnvironment: options.functionEnvironment } : {}),
    onBatch: (_operationId, report) => {
      batches.push(report);
      for (const r of report.records) {
        const list = receives.get(r.messageId) ?? [];
        list.push(Number(r.attributes.ApproximateReceiveCount));
        receives.set(r.messageId, list);
      }
    },
  });
  const config = { ...runtime.clientConfig };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const raw = new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(raw);
  const queueUrl = runtime.resources.queues.OrderQueue!.url;
  return {
    runtime,
    endpoint: runtime.endpoint,
    queueUrl,
    sqs,
    doc,
    publisher: createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: runtime.resources.topics.OrderTopic!.arn }),
    dlq: new DeadLetterQueue({
      sqs,
      deadLetterQueueUrl: runtime.resources.queues.OrderDLQ!.url,
      sourceQueueUrl: queueUrl,
      decode: createDecoder(operations.consumeOrderPlaced),
      holdSeconds: 60,
    }),
    receives,
    batches,
    async stop() {
      await runtime.stop();
      sqs.destroy();
      sns.destroy();
      raw.destroy();
    },
  };
}

/** Messages visible plus in flight. */
export async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  return (await queueDepth(sqs, queueUrl)).total;
}

/** Waits until the source queue has been empty for a while; fails after `timeoutMs`. */
export async function waitUntilSettled(h: Harness, timeoutMs: number, onProgress?: (remaining: number) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let emptyChecks = 0;
  let lastReport = 0;
  while (emptyChecks < 3) {
    const remaining = await depth(h.sqs, h.queueUrl);
    emptyChecks = remaining === 0 ? emptyChecks + 1 : 0;
    if (onProgress && Date.now() - lastReport > 5_000) {
      onProgress(remaining);
      lastReport = Date.now();
    }
    if (Date.now() > deadline) throw new Error(`queue not drained after ${timeoutMs} ms (${remaining} messages left)`);
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** Publishes events in PublishBatch calls, a few in parallel; returns each SNS message id. */
export async function publishAll(publisher: OrderPublisher, events: readonly OrderPlaced[], parallel = 4): Promise<Published[]> {
  const out: Published[] = [];
  const chunks: OrderPlaced[][] = [];
  for (let i = 0; i < events.length; i += 50) chunks.push(events.slice(i, i + 50));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const result = await publisher.publishBatch(chunk);
      if (result.failed.length) throw new Error(`SNS refused ${result.failed.length} entries: ${result.failed[0]!.message}`);
      for (const s of result.successful) out.push({ event: chunk[s.index]!, messageId: s.messageId });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

export async function scanTable(doc: DynamoDBDocumentClient): Promise<Map<string, Record<string, unknown>>> {
  const items = new Map<string, Record<string, unknown>>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: ORDERS_TABLE, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      if (items.has(item.orderId as string)) throw new Error(`order ${String(item.orderId)} returned twice by the scan`);
      items.set(item.orderId as string, item);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** SNS MessageId inside a dead-lettered body (the envelope's), for matching with what was published. */
function snsMessageId(letter: DeadLetter): string | undefined {
  return letter.snsMessageId;
}

export interface Accounting {
  published: number;
  acknowledged: number;
  deadLettered: number;
  ordersStored: number;
  ordersExpected: number;
  line: string;
}

/**
 * The accounting check. Throws with the first discrepancy; returns the figures otherwise.
 * The oracle orders events by instant with `Date.parse` (independent of the store's own code);
 * event streams here never hold two different events of one order at the same millisecond.
 */
export async function account(h: Harness, published: readonly Published[]): Promise<Accounting> {
  const remaining = await depth(h.sqs, h.queueUrl);
  if (remaining !== 0) throw new Error(`${remaining} message(s) still in the source queue`);
  const letters = await h.dlq.list();
  const deadIds = letters.map(snsMessageId);
  if (deadIds.some((id) => id === undefined)) throw new Error('a dead-lettered body is not an SNS envelope of ours');
  if (new Set(deadIds).size !== deadIds.length) throw new Error('a message is in the DLQ twice');
  const dead = new Set(deadIds);
  const publishedIds = new Set(published.map((p) => p.messageId));
  for (const id of dead) if (!publishedIds.has(id!)) throw new Error(`DLQ holds message ${id} that was never published`);

  const expected = new Map<string, OrderPlaced>();
  for (const p of published) {
    if (dead.has(p.messageId)) continue;
    const current = expected.get(p.event.orderId);
    if (!current || Date.parse(p.event.timestamp) > Date.parse(current.timestamp)) expected.set(p.event.orderId, p.event);
  }
  const table = await scanTable(h.doc);
  for (const [orderId, event] of expected) {
    const item = table.get(orderId);
    if (!item) throw new Error(`order ${orderId} lost: expected ${event.status} at ${event.timestamp}`);
    for (const key of Object.keys(event) as (keyof OrderPlaced)[]) {
      if (item[key] !== event[key]) throw new Error(`order ${orderId}: ${key} is ${String(item[key])}, expected ${String(event[key])} (latest event at ${event.timestamp})`);
    }
  }
  for (const orderId of table.keys()) if (!expected.has(orderId)) throw new Error(`order ${orderId} stored but every event of it was dead-lettered or never published`);

  const deadLettered = dead.size;
  const acknowledged = published.length - deadLettered;
  return {
    published: published.length,
    acknowledged,
    deadLettered,
    ordersStored: table.size,
    ordersExpected: expected.size,
    line: `published ${published.length} = acknowledged ${acknowledged} + dead-lettered ${deadLettered}; orders stored ${table.size} = expected ${expected.size}; queue empty`,
  };
}
