/**
 * Section 6 — memory of the local stack at rest, and what each consumer adds.
 *
 * Fresh local runtimes (memory-at-rest-worker.ts), nothing published, alternated round by round:
 * one with every consumer of the application, one with none (`consumers: false`: emulators,
 * gateway, nothing else). Each is read once its consumers' idle instances have been retired (the
 * section sets a short idle time; `npm start` retires them after 30 s). The difference, divided by
 * the number of consumers, is what one more idle consumer costs: by default every consumer runs in
 * the runtime's process (its own poller; its instances, worker threads, started on demand), so a
 * consumer costs a poller, not a process.
 */
import { HOST_TYPESCRIPT_LOADER, HOST_V8_OPTIONS } from '@sluice/local';
import { fork } from 'node:child_process';
import { type BenchRow, formatNumber, infoRow, verdictOf } from './bench-table.ts';
import { handlerEnvironment } from './dynalite-process.ts';
import type { MemoryAtRest } from './memory-at-rest-worker.ts';
import { alternate, median, range } from './statistics.ts';

/** At rest, the whole stack for one consumer: the runtime process (and a consumer process, with `--function-processes separate`). */
const AT_REST_TARGET_MIB = 150;
/** What one more idle consumer may add. */
const PER_CONSUMER_TARGET_MIB = 60;
/** How long an idle instance lives in these runs (ms). */
const IDLE_MS = 1000;
/**
 * How long V8 keeps the memory pages of a stopped isolate (a retired instance's worker thread) for
 * reuse before it returns them to the system: measured on Node 24, a worker that had loaded the
 * AWS SDK left about 30 MiB resident for 8 s after it stopped, then RSS fell.
 */
const V8_PAGE_POOL_RELEASE_MS = 8000;
/**
 * How long each run waits before reading: its instances retired ({@link IDLE_MS}) and their pages
 * returned ({@link V8_PAGE_POOL_RELEASE_MS}), with 2 s to spare. Read earlier, the runtime is not yet
 * at rest: the pages of the instances it just retired are still counted.
 */
const SETTLE_MS = IDLE_MS + V8_PAGE_POOL_RELEASE_MS + 2000;
const TIMEOUT_MS = 120_000;

type Variant = 'every consumer' | 'no consumer';

function runOnce(variant: Variant): Promise<MemoryAtRest> {
  const child = fork(new URL('./memory-at-rest-worker.ts', import.meta.url), [variant === 'no consumer' ? 'none' : 'all', String(SETTLE_MS)], {
    // As `npm start` runs the local runtime (its TypeScript loader and V8 options: package.json's start script).
    execArgv: [...HOST_TYPESCRIPT_LOADER, ...HOST_V8_OPTIONS],
    env: { ...handlerEnvironment(''), SLUICE_INSTANCE_IDLE_MS: String(IDLE_MS) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise<MemoryAtRest>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`section 6: a runtime with ${variant} did not report within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    child.on('message', (m: { rest?: MemoryAtRest }) => {
      if (!m.rest) return;
      clearTimeout(timer);
      resolve(m.rest);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`section 6: the runtime with ${variant} exited (${code}) before reporting`));
    });
  });
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${formatNumber(bytes / MiB, 0)} MiB`;
const total = (r: MemoryAtRest) => r.runtimeRssBytes + r.consumers.reduce((n, c) => n + c.rssBytes, 0);

/** Runs section 6 and returns its rows. */
export async function benchMemoryPerConsumer(options: { quick: boolean }): Promise<BenchRow[]> {
  const rounds = options.quick ? 2 : 3;
  const runs = new Map<Variant, MemoryAtRest[]>([
    ['every consumer', []],
    ['no consumer', []],
  ]);
  const totals = await alternate<Variant>(['every consumer', 'no consumer'], rounds, async (variant) => {
    const rest = await runOnce(variant);
    runs.get(variant)!.push(rest);
    return total(rest);
  });
  const withAll = runs.get('every consumer')!;
  if (!withAll[0]!.procAvailable) {
    return [infoRow(6, 'memory at rest per consumer', 'not measured', { verdict: 'skipped', note: 'no /proc here: the consumer processes cannot be read' })];
  }
  // Every function costs the same at rest (a poller and an SQS client), the application's consumers
  // and the framework's triage function of each topic alike: the growth is per function.
  const consumers = median(withAll.map((r) => r.consumerCount));
  const ownConsumers = median(withAll.map((r) => r.applicationConsumers));
  const triage = consumers - ownConsumers;
  const everyTotal = totals.get('every consumer')!;
  const noneTotal = totals.get('no consumer')!;
  const perConsumer = everyTotal.map((t, i) => (t - noneTotal[i]!) / Math.max(1, consumers));
  const rows: BenchRow[] = [];
  const withTriage = triage > 0 ? ` (+ ${triage === 1 ? "its topic's triage function" : `${triage} triage functions`})` : '';
  const restNote = `runtime process ${mib(median(withAll.map((r) => r.runtimeRssBytes)))}, consumer processes ${mib(median(withAll.map((r) => total(r) - r.runtimeRssBytes)))} (idle instances retired, as after ${IDLE_MS / 1000} s idle here, 30 s under npm start, and their pages returned: read ${SETTLE_MS / 1000} s after start); VmRSS, median of ${rounds} fresh runtimes`;
  if (ownConsumers === 1) {
    rows.push({
      section: 6,
      measurement: `local stack at rest, one consumer${withTriage}: runtime process + consumer processes`,
      result: mib(median(everyTotal)),
      baseline: '',
      ratio: '',
      target: `≤ ${AT_REST_TARGET_MIB} MiB`,
      verdict: verdictOf(median(everyTotal) <= AT_REST_TARGET_MIB * MiB),
      note: restNote,
      raw: { runs: withAll },
    });
  } else {
    rows.push(infoRow(6, `local stack at rest, ${ownConsumers} consumers${withTriage}: runtime process + consumer processes`, mib(median(everyTotal)), { note: `the ≤ ${AT_REST_TARGET_MIB} MiB target is stated for one consumer; ${restNote}`, raw: { runs: withAll } }));
  }
  const { min, max } = range(perConsumer);
  rows.push({
    section: 6,
    measurement: 'memory one more idle consumer adds (stack with every consumer minus stack with none, per consumer)',
    result: mib(median(perConsumer)),
    baseline: `${mib(median(noneTotal))} with no consumer`,
    ratio: '',
    target: `≤ ${PER_CONSUMER_TARGET_MIB} MiB per consumer`,
    verdict: verdictOf(median(perConsumer) <= PER_CONSUMER_TARGET_MIB * MiB),
    note: `${consumers} function(s) (${ownConsumers} consumer(s), ${triage} triage), ${withAll[0]!.consumers.some((c) => c.name.startsWith('function-worker')) ? 'each a process of its own' : "in the runtime's process"} (poller, SQS client, instances on demand); per-round ${mib(min)}–${mib(max)}; alternated, median of ${rounds} rounds`,
    raw: { perConsumerBytes: perConsumer, noneRuns: runs.get('no consumer') },
  });
  return rows;
}
