/**
 * Section 4 — end to end through the local runtime: N distinct orders published to the local SNS
 * topic with the typed publisher (PublishBatch of 10, a few in flight), through SQS and the
 * event-source poller into the subscriber and the Orders table, until all are stored.
 * Reports orders/s (first publish to last record deleted as processed) and the runtime process's
 * peak memory; then checks that the table holds exactly the N orders.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { operations } from '@orders/contract';
import { createPublisher } from '@orders/runtime/publisher';
import { localCredentials, localRegion } from '@orders/local';
import { type BenchRow, formatNumber, infoRow, verdictOf } from './bench-table.ts';
import { handlerEnvironment } from './dynalite-process.ts';
import { buildOrders } from './order-workload.ts';

/** PublishBatch requests in flight at once: a producer service would not publish one by one. */
const PUBLISH_CONCURRENCY = 4;
const PUBLISH_BATCH = 10;
const TIMEOUT_MS = 15 * 60_000;

function waitFor<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`section 4: timed out waiting for ${what}`)), TIMEOUT_MS);
    const onExit = (code: number | null) => reject(new Error(`section 4: local runtime exited (${code}) while waiting for ${what}`));
    const onMessage = (m: unknown) => {
      const message = m as Record<string, unknown>;
      if (typeof message.error === 'string') process.stderr.write(`section 4: local runtime reported: ${message.error}\n`);
      const value = pick(message);
      if (value === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Runs section 4 and returns its rows. */
export async function benchLocalPipeline(options: { quick: boolean }): Promise<BenchRow[]> {
  const count = options.quick ? 2000 : 10_000;
  const child = fork(new URL('./local-pipeline-worker.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: handlerEnvironment(''),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const ready = await waitFor(child, (m) => m.ready as { endpoint: string; topicArn: string; tableName: string } | undefined, 'start-up');
    const clientConfig = { endpoint: ready.endpoint, region: localRegion, credentials: localCredentials };
    const sns = new SNSClient(clientConfig);
    const dynamodb = new DynamoDBClient(clientConfig);
    const publisher = createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: ready.topicArn });
    const orders = buildOrders('e2e', count);

    const allStored = waitFor(child, (m) => m.stored as number | undefined, `${count} orders stored`);
    child.send({ expect: count });
    const start = performance.now();
    let next = 0;
    let publishFailures = 0;
    await Promise.all(
      Array.from({ length: PUBLISH_CONCURRENCY }, async () => {
        while (next < orders.length) {
          const slice = orders.slice(next, next + PUBLISH_BATCH);
          next += PUBLISH_BATCH;
          publishFailures += (await publisher.publishBatch(slice)).failed.length;
        }
      }),
    );
    const published = performance.now();
    if (publishFailures > 0) throw new Error(`section 4: ${publishFailures} orders were refused by the local SNS`);
    await allStored;
    const elapsedMs = performance.now() - start;

    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: DynamoDBDocumentClient.from(dynamodb) }, { TableName: ready.tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
    const ids = new Set(orders.map((o) => o.orderId));
    const storedIds = items.filter((i) => ids.has(i.orderId as string)).length;
    sns.destroy();
    dynamodb.destroy();

    child.send('stop');
    const stopped = await waitFor(
      child,
      (m) => m.stopped as { maxRssBytes: number; rssAtReadyBytes: number; batches: number; failedRecords: number } | undefined,
      'shutdown',
    );
    const mb = (bytes: number) => `${formatNumber(bytes / 1024 / 1024, 0)} MiB`;
    return [
      infoRow(4, `${count.toLocaleString('en-US')} orders published → stored, end to end`, `${formatNumber(count / (elapsedMs / 1000), 0)} orders/s`, {
        note: `${formatNumber(elapsedMs / 1000, 1)} s from first publish to last record processed; publishing alone ${formatNumber(count / ((published - start) / 1000), 0)} orders/s (PublishBatch of ${PUBLISH_BATCH}, ${PUBLISH_CONCURRENCY} in flight); ${stopped.batches.toLocaleString('en-US')} Lambda batches${options.quick ? '; --quick: fewer than the issue’s 10,000' : ''}`,
        raw: { count, elapsedMs, publishMs: published - start, batches: stopped.batches },
      }),
      infoRow(4, 'peak memory of the local runtime process', mb(stopped.maxRssBytes), {
        baseline: mb(stopped.rssAtReadyBytes),
        ratio: `+${mb(stopped.maxRssBytes - stopped.rssAtReadyBytes)}`,
        note: 'max RSS (getrusage) of the process running fauxqs, dynalite (in memory) and the subscriber; baseline: RSS once started',
        raw: stopped,
      }),
      {
        section: 4,
        measurement: 'every published order in the table, none failed',
        result: `${storedIds.toLocaleString('en-US')} / ${count.toLocaleString('en-US')} stored; ${stopped.failedRecords} records failed`,
        baseline: '',
        ratio: '',
        target: 'all stored',
        verdict: verdictOf(storedIds === count && stopped.failedRecords === 0),
        note: '',
      },
    ];
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
