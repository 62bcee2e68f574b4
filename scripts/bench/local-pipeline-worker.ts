/**
 * Child-process entry for section 4: the local runtime (`startLocalRuntime`: fauxqs + dynalite
 * behind one endpoint in this process, and by default the consumers too: each its poller and its
 * worker-thread instances, which count in this process's RSS), apart from the producer so that it does not share the producer's
 * event loop.
 *
 * `argv[2]`: the data folder (fauxqs SQLite + dynalite LevelDB), or empty for everything in memory.
 *
 * Memory: this process's peak comes from getrusage; the consumer processes (and any helper process
 * under them) are not its threads, so their resident sets are read from /proc (proc-tree.ts):
 * VmRSS every {@link SAMPLE_MS} ms, summed with this process's to sample the whole tree's peak,
 * and VmHWM (each process's own peak) on the same tick, the last time just before they stop.
 *
 * IPC: sends `{ ready: { endpoint, topicArn, tableName } }`; on `{ expect: n }` reports
 * `{ stored: n }` once the consumers have processed n records; on `'stop'` stops the runtime and
 * sends `{ stopped: LocalRunStopped }`. A consumer that cannot start is reported as `{ fatal }`,
 * other lifecycle problems as `{ error }`. Consumer logs are silenced.
 */
import { readFileSync } from 'node:fs';
import { operations } from '@orders/contract';
import { startLocalRuntime } from '@sluice/local';
import { ORDERS_TABLE } from '@orders/app/settings';
import { descendantsOf, procAvailable, procMemory } from './proc-tree.ts';

/** What the worker reports once the runtime has stopped (bytes, milliseconds). */
export interface LocalRunStopped {
  /** Peak RSS of this process (emulators, gateway, function host), from getrusage. */
  maxRssBytes: number;
  rssAtReadyBytes: number;
  /** Sum of the descendant processes' VmRSS once the consumers were ready. */
  descendantsRssAtReadyBytes: number;
  /** Largest sum of the descendant processes' VmHWM (each one's own peak), the last read just before they stop. */
  descendantsPeakBytes: number;
  /** Largest sampled sum of this process's and its descendants' VmRSS. */
  treePeakSampledBytes: number;
  /** Whether /proc could be read (Linux); without it the descendants' figures are 0. */
  procAvailable: boolean;
  /**
   * This process's threads once the runtime was ready and at most while it ran (from /proc; 0
   * without it): with the consumers in this process each worker-thread instance is one thread, so
   * the difference is the instances started under load.
   */
  threads: { atReady: number; peak: number };
  /** Descendant processes by name, at the last sample: `{ 'function-worker.ts': 1 }`. */
  descendants: Record<string, number>;
  /**
   * CPU time from `{ expect }` until the expected records were processed: this process, and its
   * descendants (from /proc; 0 without it).
   */
  measuredCpuMs: { runtime: number; consumers: number } | undefined;
  batches: number;
  failedRecords: number;
}

/** Sampling period of the resident sets. */
const SAMPLE_MS = 250;

const dataDir = process.argv[2] || undefined;
let succeeded = 0;
let failedRecords = 0;
let batches = 0;
let expected = Number.POSITIVE_INFINITY;
let reported = false;
let cpuAtExpect: { runtime: NodeJS.CpuUsage; consumers: Map<number, number> } | undefined;
let measuredCpuMs: LocalRunStopped['measuredCpuMs'];

/** Tells the producer once every expected record is processed, and notes the CPU the run took. */
function reportStored(): void {
  if (reported || succeeded < expected) return;
  reported = true;
  if (cpuAtExpect) {
    const runtimeCpu = process.cpuUsage(cpuAtExpect.runtime);
    const before = cpuAtExpect.consumers;
    measuredCpuMs = {
      runtime: (runtimeCpu.user + runtimeCpu.system) / 1000,
      consumers: descendantsOf(process.pid).reduce((n, p) => n + p.cpuMs - (before.get(p.pid) ?? 0), 0),
    };
  }
  process.send?.({ stored: succeeded });
}

/** The application's consumer functions (its receive operations), not the framework's triage functions. */
const consumerIds = new Set<string>(Object.values(operations).filter((o) => o.action === 'receive').map((o) => o.id));

const runtime = await startLocalRuntime({
  port: 0,
  logLevel: 'SILENT',
  ...(dataDir ? { dataDir } : {}),
  onBatch(operationId, report) {
    // The order consumer's records only: the topic's triage function (issue 19) receives every
    // publish too, and counted here it ended each run at about half the orders stored.
    if (!consumerIds.has(operationId)) return;
    batches++;
    succeeded += report.succeeded.length;
    failedRecords += report.failed.length;
    reportStored();
  },
  onEvent(line) {
    if (/init failed/.test(line)) process.send?.({ fatal: line });
    else if (/failed|exited/.test(line)) process.send?.({ error: line });
  },
});

/** Threads of this process now (from /proc), 0 where it cannot be read. */
function threadCount(): number {
  try {
    return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const sumOver = (pids: readonly number[], field: 'VmRSS' | 'VmHWM') => pids.reduce((n, pid) => n + (procMemory(pid, field) ?? 0), 0);
const rssAtReadyBytes = process.memoryUsage.rss();
const threads = { atReady: threadCount(), peak: threadCount() };
const descendantsRssAtReadyBytes = sumOver(descendantsOf(process.pid).map((p) => p.pid), 'VmRSS');
let treePeakSampledBytes = 0;
let descendantsPeakBytes = 0;
let descendants: Record<string, number> = {};
const sample = () => {
  const tree = descendantsOf(process.pid);
  const pids = tree.map((p) => p.pid);
  treePeakSampledBytes = Math.max(treePeakSampledBytes, process.memoryUsage.rss() + sumOver(pids, 'VmRSS'));
  threads.peak = Math.max(threads.peak, threadCount());
  // VmHWM only grows while a process lives; a consumer restarted after a crash starts again from 0.
  descendantsPeakBytes = Math.max(descendantsPeakBytes, sumOver(pids, 'VmHWM'));
  descendants = {};
  for (const p of tree) descendants[p.name] = (descendants[p.name] ?? 0) + 1;
};
const sampler = setInterval(sample, SAMPLE_MS);
sampler.unref();

const { resources, endpoint } = runtime;
// Where the workload goes, from the contract (the topic the order publisher sends to) and the settings.
process.send?.({ ready: { endpoint, topicArn: resources.topics[operations.publishOrderPlaced.topic]!.arn, tableName: resources.tables[ORDERS_TABLE]!.name } });

process.on('message', async (message: unknown) => {
  if (message === 'stop') {
    clearInterval(sampler);
    // The consumers' own peaks, read while they still exist.
    sample();
    await runtime.stop();
    const stopped: LocalRunStopped = {
      // maxRSS is in kilobytes (getrusage).
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssAtReadyBytes,
      descendantsRssAtReadyBytes,
      descendantsPeakBytes,
      treePeakSampledBytes,
      procAvailable: procAvailable(),
      descendants,
      threads,
      measuredCpuMs,
      batches,
      failedRecords,
    };
    process.send?.({ stopped }, () => process.exit(0));
    return;
  }
  const expect = (message as { expect?: number }).expect;
  if (expect !== undefined) {
    cpuAtExpect = { runtime: process.cpuUsage(), consumers: new Map(descendantsOf(process.pid).map((p) => [p.pid, p.cpuMs])) };
    expected = expect;
    reportStored();
  }
});
process.on('disconnect', () => process.exit(0));
