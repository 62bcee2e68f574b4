/**
 * Section 3 — cold start.
 *
 * The application's consumer (packages/orders/consumers/consumeOrderPlaced.ts, built with `defineConsumer`),
 * the pre-framework OrderPlaced-specific subscriber (baselines/, context) and a one-PutItem
 * baseline are bundled as SST bundles a Node function (esbuild: bundled, ESM `.mjs`, minified,
 * names kept, `module` before `main`, SST's createRequire banner, AWS SDK bundled; target node24).
 * Each sample is a fresh `node` process (cold-start-probe.mjs) that imports the bundle and handles
 * one 10-record batch against dynalite in another process; the variants alternate, and the
 * per-round differences are summarised.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { envName } from '@sluice/runtime/resources';
import { consumerSettings } from '@sluice/model';
import { build, type Metafile } from 'esbuild';
import { OrderStore, createDocumentClient } from '@orders/app/store';
import { ORDERS_TABLE, settings } from '@orders/app/settings';
import { type BenchRow, formatBytes, formatNumber, infoRow, verdictOf } from './bench-table.ts';
import { BENCH_CREDENTIALS, BENCH_REGION, handlerEnvironment, startDynaliteProcess } from './dynalite-process.ts';
import { batches, buildOrders, orderRecords } from './order-workload.ts';
import { alternate, median, range } from './statistics.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = {
  consumer: path.join(REPO, 'packages/orders/consumers/consumeOrderPlaced.ts'),
  specific: fileURLToPath(new URL('./baselines/subscriber.ts', import.meta.url)),
  baseline: fileURLToPath(new URL('./handlers/minimal-put.ts', import.meta.url)),
  conditional: fileURLToPath(new URL('./handlers/minimal-conditional-put.ts', import.meta.url)),
} as const;
/** What each sample runs: which bundle, which export. `specific` and `baseline10` are context; `conditional10` is the baseline of our code's part of the first batch. */
const VARIANTS = {
  consumer: { bundle: 'consumer', exportName: 'handler' },
  specific: { bundle: 'specific', exportName: 'handler' },
  baseline: { bundle: 'baseline', exportName: 'handler' },
  baseline10: { bundle: 'baseline', exportName: 'handlerPerRecord' },
  conditional10: { bundle: 'conditional', exportName: 'handler' },
} as const;
type Variant = keyof typeof VARIANTS;
/** Items each variant's sample adds to the table: one per record, except the one-PutItem baseline. */
const ITEMS_PER_SAMPLE: Record<Variant, number> = { consumer: 10, specific: 10, baseline: 1, baseline10: 10, conditional10: 10 };
const PROBE = fileURLToPath(new URL('./cold-start-probe.mjs', import.meta.url));
/** SST's banner for ESM functions (pkg/runtime/node/build.go): CommonJS globals for bundled CJS code. */
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join('\n');
const PROBE_TIMEOUT_MS = 60_000;
/**
 * What the consumer's bundle may add to a one-PutItem handler's: +60 KB (the row's KB are 1,000
 * bytes), the target of the framework's performance goals. It was raised to 75 KB while the
 * consumer carried Powertools Metrics and Logger; the framework's own EMF writer and JSON logger
 * (`@sluice/runtime/consumer`) replaced them, and the budget is the target again. What the bytes
 * cost at a cold start is the import row of this section.
 */
const BUNDLE_BUDGET_BYTES = 60_000;
/** Writes of each kind made to dynalite before sampling (see {@link warmEmulator}). */
const EMULATOR_WARM_UP_WRITES = 2000;

/**
 * Brings the emulator to steady state before any sample: dynalite's own code (its expression
 * parser above all) runs unoptimised for its first few thousand requests, and a conditional
 * PutItem then costs it several milliseconds. Real DynamoDB has no such warm-up; without this the
 * consumer's ten conditional writes would be charged the emulator's JIT warm-up.
 */
async function warmEmulator(endpoint: string, tableName: string): Promise<void> {
  const raw = new DynamoDBClient({ endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
  try {
    const store = new OrderStore({ client: createDocumentClient(raw), tableName });
    const plain = DynamoDBDocumentClient.from(raw);
    const orders = buildOrders('cold-emulator-warm-up', EMULATOR_WARM_UP_WRITES);
    for (let i = 0; i < orders.length; i += 10) {
      const slice = orders.slice(i, i + 10);
      await Promise.all(slice.map((o) => store.saveIfNewer(o)));
      await Promise.all(slice.map((o) => plain.send(new PutCommand({ TableName: tableName, Item: { orderId: `plain-${o.orderId}` } }))));
    }
  } finally {
    raw.destroy();
  }
}

interface ProbeResult {
  importMs: number;
  firstBatchMs: number;
  failures: number;
}

async function bundle(entry: string, outfile: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    banner: { js: SST_BANNER },
    metafile: true,
    logLevel: 'error',
  });
  return result.metafile;
}

/** The package an input of the bundle belongs to: `@aws-sdk/client-dynamodb`, `@sluice/runtime`, `@orders/app`, …. */
function packageOf(input: string): string {
  const file = input.replaceAll('\\', '/');
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (match) return match[1]!;
  // Workspace packages resolve to their real paths (esbuild follows the node_modules links).
  if (file.startsWith('packages/orders/')) return '@orders/app';
  if (file.startsWith('packages/')) return `@sluice/${file.split('/')[1]}`;
  if (file.startsWith('generated/')) return '@orders/contract';
  if (file.startsWith('scripts/bench/baselines/')) return 'pre-framework subscriber';
  return file;
}

/** Bytes in the bundle by package (see {@link packageOf}). */
function bytesByPackage(metafile: Metafile): Map<string, number> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return totals;
}

/** The `count` packages `bundle` holds most bytes of beyond `reference`: `@sluice/runtime 9.1 KB, …`. */
function largestAdditions(bundle: Map<string, number>, reference: Map<string, number>, count = 5): string {
  const additions = [...bundle]
    .map(([name, n]) => [name, n - (reference.get(name) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
  return additions.length ? additions.map(([name, n]) => `${name} ${(n / 1000).toFixed(1)} KB`).join(', ') : 'none';
}

function probe(bundlePath: string, eventPath: string, env: NodeJS.ProcessEnv, exportName = 'handler'): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, bundlePath, eventPath, exportName], { env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    let out = '';
    child.stdio[3]!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || out === '') reject(new Error(`section 3: probe of ${path.basename(bundlePath)} exited with ${code}`));
      else resolve(JSON.parse(out) as ProbeResult);
    });
  });
}

/** Runs section 3 and returns its rows. */
export async function benchColdStart(options: { quick: boolean }): Promise<BenchRow[]> {
  const samplesPerVariant = options.quick ? 10 : 20;
  const work = mkdtempSync(path.join(tmpdir(), 'orders-bench-cold-'));
  const table = { name: ORDERS_TABLE, partitionKey: settings.tables.Orders.partitionKey };
  const batchSize = consumerSettings(settings, 'consumeOrderPlaced').batchSize;
  const db = await startDynaliteProcess({ [table.name]: table.partitionKey });
  try {
    const outputs = {
      consumer: path.join(work, 'consumer.mjs'),
      specific: path.join(work, 'specific-subscriber.mjs'),
      baseline: path.join(work, 'minimal-put.mjs'),
      conditional: path.join(work, 'minimal-conditional-put.mjs'),
    };
    const metafiles = {
      consumer: await bundle(ENTRIES.consumer, outputs.consumer),
      specific: await bundle(ENTRIES.specific, outputs.specific),
      baseline: await bundle(ENTRIES.baseline, outputs.baseline),
    };
    await bundle(ENTRIES.conditional, outputs.conditional);
    const bytes = { consumer: statSync(outputs.consumer).size, specific: statSync(outputs.specific).size, baseline: statSync(outputs.baseline).size };

    await warmEmulator(db.endpoint, table.name);
    const env = handlerEnvironment(db.endpoint, { [envName.tableName(ORDERS_TABLE)]: table.name });
    const results = new Map<Variant, ProbeResult[]>((Object.keys(VARIANTS) as Variant[]).map((v) => [v, []]));
    // One untimed run each: the first process to read a bundle pays for the page cache, not for cold start.
    const warmed = ['consumer', 'specific', 'baseline'] as const;
    for (const v of warmed) {
      const warmEvent = path.join(work, `warm-${v}.json`);
      writeFileSync(warmEvent, JSON.stringify(batches(orderRecords(buildOrders(`cold-warm-${v}`, 10), `cold-warm-${v}`), 10)[0]));
      await probe(outputs[v], warmEvent, env);
    }

    const totals = await alternate(Object.keys(VARIANTS) as Variant[], samplesPerVariant, async (variant, round) => {
      const prefix = `cold-${variant}-${round}`;
      const eventPath = path.join(work, `${prefix}.json`);
      writeFileSync(eventPath, JSON.stringify(batches(orderRecords(buildOrders(prefix, 10), prefix), batchSize)[0]));
      const result = await probe(outputs[VARIANTS[variant].bundle], eventPath, env, VARIANTS[variant].exportName);
      if (result.failures > 0) throw new Error(`section 3: ${variant} reported ${result.failures} failed records on its first batch`);
      results.get(variant)!.push(result);
      return result.importMs + result.firstBatchMs;
    });

    // Every sample's writes must have landed.
    const stored = (await db.scan(table.name)).length;
    const warmItems = warmed.reduce((n, v) => n + ITEMS_PER_SAMPLE[v], 0);
    const expected = 2 * EMULATOR_WARM_UP_WRITES + warmItems + samplesPerVariant * Object.values(ITEMS_PER_SAMPLE).reduce((a, b) => a + b, 0);
    if (stored !== expected) throw new Error(`section 3: ${stored} items in the table after the cold starts, expected ${expected}`);

    const ours = totals.get('consumer')!;
    const base = totals.get('baseline')!;
    const pairwise = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x - b[i]!);
    const differences = pairwise(ours, base);
    const extraMs = median(differences);
    const extraBytes = bytes.consumer - bytes.baseline;
    const part = (v: Variant, key: 'importMs' | 'firstBatchMs') => median(results.get(v)!.map((r) => r[key]));
    const packages = { consumer: bytesByPackage(metafiles.consumer), specific: bytesByPackage(metafiles.specific), baseline: bytesByPackage(metafiles.baseline) };
    const { min, max } = range(differences);
    const ms = (n: number) => `${formatNumber(n, 1)} ms`;
    const signedMs = (n: number) => `${n >= 0 ? '+' : '−'}${formatNumber(Math.abs(n), 1)} ms`;
    const signedKb = (n: number) => `${n >= 0 ? '+' : '−'}${(Math.abs(n) / 1000).toFixed(1)} KB`;
    const versusSpecific = pairwise(ours, totals.get('specific')!);
    const versusSpecificRange = range(versusSpecific);
    // What our code costs on a cold first batch: the consumer against the same ten conditional writes
    // made by hand, pair by pair (the writes themselves are the store's cost, not ours).
    const ourParts = pairwise(ours, totals.get('conditional10')!);
    const ourPart = median(ourParts);
    const ourPartRange = range(ourParts);

    return [
      {
        section: 3,
        measurement: 'bundle size: consumer vs one-PutItem baseline',
        result: formatBytes(bytes.consumer),
        baseline: formatBytes(bytes.baseline),
        ratio: signedKb(extraBytes),
        target: `≤ +${BUNDLE_BUDGET_BYTES / 1000} KB`,
        verdict: verdictOf(extraBytes <= BUNDLE_BUDGET_BYTES),
        note: `esbuild as SST (ESM, minified, SDK bundled, node24); largest additions: ${largestAdditions(packages.consumer, packages.baseline)}`,
        raw: { bytes, consumerByPackage: Object.fromEntries(packages.consumer), specificByPackage: Object.fromEntries(packages.specific), baselineByPackage: Object.fromEntries(packages.baseline) },
      },
      infoRow(3, 'bundle size: generic consumer vs the pre-framework OrderPlaced-specific subscriber', formatBytes(bytes.consumer), {
        baseline: formatBytes(bytes.specific),
        ratio: signedKb(bytes.consumer - bytes.specific),
        note: `what the generality adds: ${largestAdditions(packages.consumer, packages.specific)}; what only the specific one holds: ${largestAdditions(packages.specific, packages.consumer)}`,
      }),
      {
        section: 3,
        measurement: `import + first 10-record batch, fresh node process (median of ${samplesPerVariant})`,
        result: ms(median(ours)),
        baseline: ms(median(base)),
        ratio: signedMs(extraMs),
        target: '≤ +10 ms',
        verdict: verdictOf(extraMs <= 10),
        note: `per-pair difference range ${signedMs(min)} to ${signedMs(max)}; baseline makes 1 PutItem, the consumer 10 conditional ones; dynalite warmed with ${(2 * EMULATOR_WARM_UP_WRITES).toLocaleString('en-US')} writes first`,
        raw: { consumerMs: ours, baselineMs: base, specificMs: totals.get('specific') },
      },
      infoRow(3, 'context: import + first batch, generic consumer vs the pre-framework subscriber', ms(median(ours)), {
        baseline: ms(median(totals.get('specific')!)),
        ratio: signedMs(median(versusSpecific)),
        note: `per-pair difference range ${signedMs(versusSpecificRange.min)} to ${signedMs(versusSpecificRange.max)}; same store, same ten writes`,
      }),
      infoRow(3, 'context: baseline making 10 concurrent PutItem (one per record)', ms(median(totals.get('baseline10')!)), {
        baseline: ms(median(base)),
        ratio: signedMs(median(pairwise(totals.get('baseline10')!, base))),
        note: 'the part of the consumer’s extra that ten writes alone cost on a cold client and dynalite',
      }),
      infoRow(3, 'context: 10 concurrent PutItem with the consumer’s condition, nothing else', ms(median(totals.get('conditional10')!)), {
        baseline: ms(median(base)),
        ratio: signedMs(median(pairwise(totals.get('conditional10')!, base))),
        note: 'the writes the consumer must make, on a cold client and dynalite',
      }),
      {
        section: 3,
        measurement: 'our code’s part of the cold first batch: import + first batch, consumer minus 10 conditional PutItem, pair by pair',
        result: signedMs(ourPart),
        baseline: ms(median(totals.get('conditional10')!)),
        ratio: '',
        target: '≤ +10 ms',
        verdict: verdictOf(ourPart <= 10),
        note: `issue 21's target; per-pair range ${signedMs(ourPartRange.min)} to ${signedMs(ourPartRange.max)}; the row above it (consumer vs one PutItem) keeps its own target and counts the ten writes too`,
        raw: { differencesMs: ourParts },
      },
      infoRow(3, 'of which: import of the bundle', ms(part('consumer', 'importMs')), { baseline: ms(part('baseline', 'importMs')), ratio: signedMs(part('consumer', 'importMs') - part('baseline', 'importMs')) }),
      infoRow(3, 'of which: first batch (client set-up, connection, writes)', ms(part('consumer', 'firstBatchMs')), {
        baseline: ms(part('baseline', 'firstBatchMs')),
        ratio: signedMs(part('consumer', 'firstBatchMs') - part('baseline', 'firstBatchMs')),
      }),
    ];
  } finally {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
