/**
 * Section 4 — end to end through the local runtime, in memory and persistent side by side.
 *
 * Each run starts a fresh local runtime (local-pipeline-worker.ts) and publishes N distinct orders
 * to the local SNS topic with the typed publisher (PublishBatch of 10, a few in flight), through
 * SQS and the consumer's event-source poller into the Orders table, until all are processed; then
 * checks that the table holds exactly the N orders. Runs alternate between everything in memory
 * and a data folder (fauxqs SQLite + dynalite LevelDB, a fresh temporary folder per run), the order
 * rotated each round; the persistent/in-memory ratio is taken within a round, then the median.
 * Orders/s counts from the first publish to the last record processed.
 */
import { HOST_TYPESCRIPT_LOADER, HOST_V8_OPTIONS } from '@sluice/local';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { operations } from '@orders/contract';
import { localCredentials, localRegion } from '@sluice/ops';
import { createPublisher } from '@sluice/runtime/publisher';
import { type BenchRow, formatNumber, formatRatio, infoRow, verdictOf } from './bench-table.ts';
import { handlerEnvironment } from './dynalite-process.ts';
import type { LocalRunStopped } from './local-pipeline-worker.ts';
import { buildOrders } from './order-workload.ts';
import { alternate, median, range, ratios } from './statistics.ts';

/** PublishBatch requests in flight at once: a producer service would not publish one by one. */
const PUBLISH_CONCURRENCY = 4;
const PUBLISH_BATCH = 10;
const TIMEOUT_MS = 15 * 60_000;
/** Persistent throughput must stay at this share of the in-memory one, or better. */
const PERSISTENCE_TARGET = 0.75;

type Mode = 'in memory' | 'persistent';
const MODES: readonly Mode[] = ['in memory', 'persistent'];

interface RunResult {
  ordersPerSecond: number;
  /** CPU time per order of the runtime process and the consumer processes together, while the orders went through. */
  cpuUsPerOrder: number | undefined;
  elapsedMs: number;
  publishMs: number;
  storedIds: number;
  /** Bytes in the data folder after the run (0 in memory). */
  dataBytes: number;
  stopped: LocalRunStopped;
}

function waitFor<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanUp = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`section 4: timed out waiting for ${what}`));
    }, TIMEOUT_MS);
    const onExit = (code: number | null) => {
      cleanUp();
      reject(new Error(`section 4: local runtime exited (${code}) while waiting for ${what}`));
    };
    const onMessage = (m: unknown) => {
      const message = m as Record<string, unknown>;
      if (typeof message.fatal === 'string') {
        cleanUp();
        reject(new Error(`section 4: ${message.fatal}`));
        return;
      }
      if (typeof message.error === 'string') process.stderr.write(`section 4: local runtime reported: ${message.error}\n`);
      const value = pick(message);
      if (value === undefined) return;
      cleanUp();
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Total size of the files under `dir`. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
}

/** One fresh local runtime, `count` orders through it; the data folder (if any) is removed afterwards. */
async function runOnce(mode: Mode, count: number, prefix: string): Promise<RunResult> {
  const dataDir = mode === 'persistent' ? mkdtempSync(path.join(tmpdir(), 'orders-bench-data-')) : undefined;
  const child = fork(new URL('./local-pipeline-worker.ts', import.meta.url), [dataDir ?? ''], {
    // As `npm start` runs the local runtime (its TypeScript loader and V8 options: package.json's start script).
    execArgv: [...HOST_TYPESCRIPT_LOADER, ...HOST_V8_OPTIONS],
    env: handlerEnvironment(''),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const ready = await waitFor(child, (m) => m.ready as { endpoint: string; topicArn: string; tableName: string } | undefined, 'start-up');
    const clientConfig = { endpoint: ready.endpoint, region: localRegion, credentials: localCredentials };
    const sns = new SNSClient(clientConfig);
    const dynamodb = new DynamoDBClient(clientConfig);
    const publisher = createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: ready.topicArn });
    const orders = buildOrders(prefix, count);

    const allStored = waitFor(child, (m) => m.stored as number | undefined, `${count} orders stored (${mode})`);
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
    if (publishFailures > 0) throw new Error(`section 4: ${publishFailures} orders were refused by the local SNS (${mode})`);
    await allStored;
    const elapsedMs = performance.now() - start;

    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: DynamoDBDocumentClient.from(dynamodb) }, { TableName: ready.tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
    const ids = new Set(orders.map((o) => o.orderId));
    const storedIds = items.filter((i) => ids.has(i.orderId as string)).length;
    sns.destroy();
    dynamodb.destroy();

    const stopped = waitFor(child, (m) => m.stopped as LocalRunStopped | undefined, `shutdown (${mode})`);
    child.send('stop');
    const stoppedReport = await stopped;
    // Measured once the emulators have stopped: everything they keep is on disk by then.
    const dataBytes = dataDir ? folderBytes(dataDir) : 0;
    const cpu = stoppedReport.measuredCpuMs;
    const result: RunResult = {
      ordersPerSecond: count / (elapsedMs / 1000),
      cpuUsPerOrder: cpu && stoppedReport.procAvailable ? ((cpu.runtime + cpu.consumers) * 1000) / count : undefined,
      elapsedMs,
      publishMs: published - start,
      storedIds,
      dataBytes,
      stopped: stoppedReport,
    };
    process.stderr.write(`bench: section 4: ${mode}: ${formatNumber(result.ordersPerSecond, 0)} orders/s\n`);
    return result;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => `${formatNumber(bytes / 1024 / 1024, 0)} MiB`;
const usPerOrder = (us: number) => `${formatNumber(us, 0)} µs/order`;

/** Runs section 4 and returns its rows. */
export async function benchLocalPipeline(options: { quick: boolean }): Promise<BenchRow[]> {
  const count = options.quick ? 2000 : 10_000;
  const rounds = options.quick ? 2 : 3;
  const results = new Map<Mode, RunResult[]>(MODES.map((m) => [m, []]));
  const samples = await alternate(MODES, rounds, async (mode, round) => {
    const result = await runOnce(mode, count, `e2e-${round}`);
    results.get(mode)!.push(result);
    return result.ordersPerSecond;
  });

  const memory = samples.get('in memory')!;
  const persistent = samples.get('persistent')!;
  const shares = ratios(persistent, memory);
  const share = median(shares);
  const rate = (values: readonly number[]) => `${formatNumber(median(values), 0)} orders/s`;
  const perRound = (values: readonly number[]) => values.map((v) => formatNumber(v, 0)).join(', ');
  const undersized = options.quick ? `; --quick: ${count.toLocaleString('en-US')} orders, fewer than the 10,000 the target is stated for` : '';

  const rows: BenchRow[] = [];
  for (const mode of MODES) {
    const runs = results.get(mode)!;
    rows.push(
      infoRow(4, `${count.toLocaleString('en-US')} orders published → stored, ${mode === 'in memory' ? 'in memory' : 'persistent (data folder: fauxqs SQLite + dynalite LevelDB)'}`, rate(samples.get(mode)!), {
        note:
          `median of ${rounds} fresh runtimes (${perRound(samples.get(mode)!)} orders/s); ` +
          `${formatNumber(median(runs.map((r) => r.elapsedMs)) / 1000, 1)} s from first publish to last record processed; ` +
          `publishing alone ${formatNumber(median(runs.map((r) => count / (r.publishMs / 1000))), 0)} orders/s (PublishBatch of ${PUBLISH_BATCH}, ${PUBLISH_CONCURRENCY} in flight); ` +
          `${median(runs.map((r) => r.stopped.batches)).toLocaleString('en-US')} Lambda batches` +
          (mode === 'persistent' ? `; data folder ${mib(median(runs.map((r) => r.dataBytes)))} after the run` : '') +
          undersized,
        raw: { count, ordersPerSecond: samples.get(mode), runs: runs.map(({ stopped: _s, ...r }) => r) },
      }),
    );
  }
  const { min, max } = range(shares);
  rows.push({
    section: 4,
    measurement: 'persistent vs in-memory throughput (same run, alternated)',
    result: rate(persistent),
    baseline: rate(memory),
    ratio: `${(share * 100).toFixed(0)} % (${formatRatio(share)})`,
    target: `≥ ${PERSISTENCE_TARGET * 100} % of in memory`,
    verdict: verdictOf(share >= PERSISTENCE_TARGET),
    note: `per-round ratios ${min.toFixed(2)}–${max.toFixed(2)}; every run on a fresh runtime, persistent ones on a fresh temporary folder${undersized}`,
    raw: { shares },
  });

  // CPU per order moves much less with other work on the machine than wall time does: it tells a
  // persistence cost (CPU spent writing) from a slice of time lost to another process.
  const cpuOf = (mode: Mode) => results.get(mode)!.map((r) => r.cpuUsPerOrder);
  const memoryCpu = cpuOf('in memory');
  const persistentCpu = cpuOf('persistent');
  if ([...memoryCpu, ...persistentCpu].every((v) => v !== undefined)) {
    const cpuShares = ratios(persistentCpu as number[], memoryCpu as number[]);
    const split = (mode: Mode) => {
      const runs = results.get(mode)!.map((r) => r.stopped.measuredCpuMs!);
      return `${mode}: runtime ${usPerOrder(median(runs.map((c) => (c.runtime * 1000) / count)))}, consumers ${usPerOrder(median(runs.map((c) => (c.consumers * 1000) / count)))}`;
    };
    rows.push(
      infoRow(4, 'CPU per order, persistent vs in memory (runtime process + consumer processes)', usPerOrder(median(persistentCpu as number[])), {
        baseline: usPerOrder(median(memoryCpu as number[])),
        ratio: `${formatRatio(median(cpuShares))}`,
        note: `per-round ratios ${range(cpuShares).min.toFixed(2)}–${range(cpuShares).max.toFixed(2)}; ${split('in memory')}; ${split('persistent')}; the producer's own CPU not included`,
        raw: { memoryCpuUsPerOrder: memoryCpu, persistentCpuUsPerOrder: persistentCpu },
      }),
    );
  }

  for (const mode of MODES) {
    const runs = results.get(mode)!.map((r) => r.stopped);
    const pick = (key: 'maxRssBytes' | 'rssAtReadyBytes' | 'descendantsPeakBytes' | 'descendantsRssAtReadyBytes' | 'treePeakSampledBytes') => median(runs.map((r) => r[key]));
    const last = runs[runs.length - 1]!;
    const tree = Object.entries(last.descendants).map(([name, n]) => `${n} ${name}`).join(', ') || 'none seen';
    rows.push(
      infoRow(4, `peak memory, ${mode}: local runtime process + consumer process(es)`, last.procAvailable ? `${mib(pick('treePeakSampledBytes'))} together` : `${mib(pick('maxRssBytes'))} (runtime process only)`, {
        baseline: last.procAvailable ? `${mib(pick('rssAtReadyBytes') + pick('descendantsRssAtReadyBytes'))} at start` : mib(pick('rssAtReadyBytes')),
        note: last.procAvailable
          ? `runtime process (fauxqs, dynalite, gateway, function host; the consumers' pollers and worker-thread instances too, unless they run in processes of their own) peak ${mib(pick('maxRssBytes'))} (getrusage), ` +
            `its threads ${median(runs.map((r) => r.threads.atReady))} once ready, at most ${median(runs.map((r) => r.threads.peak))} (each worker-thread instance one: instances start with demand, while the host has capacity to spare); consumer processes (${tree}: the poller and its worker-thread instances, which count in their process's RSS) peak ${mib(pick('descendantsPeakBytes'))} (VmHWM); together: largest sum of VmRSS sampled every 250 ms, less than the sum of the two peaks, which need not coincide; medians of ${rounds} runs`
          : 'no /proc here: the consumer processes, separate from the runtime process, are not counted',
        raw: { runs },
      }),
    );
  }

  const all = MODES.flatMap((mode) => results.get(mode)!.map((r) => ({ mode, ...r })));
  const bad = all.filter((r) => r.storedIds !== count || r.stopped.failedRecords > 0);
  rows.push({
    section: 4,
    measurement: 'every published order in the table, none failed, in every run',
    result:
      bad.length === 0
        ? `${count.toLocaleString('en-US')} / ${count.toLocaleString('en-US')} stored in each of ${all.length} runs (${rounds} per mode); 0 records failed`
        : bad.map((r) => `${r.mode}: ${r.storedIds.toLocaleString('en-US')} / ${count.toLocaleString('en-US')} stored, ${r.stopped.failedRecords} failed`).join('; '),
    baseline: '',
    ratio: '',
    target: 'all stored',
    verdict: verdictOf(bad.length === 0),
    note: 'table scanned with consistent reads after each run',
  });
  return rows;
}
