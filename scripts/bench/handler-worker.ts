/**
 * Child-process entry for section 2: one handler variant, loaded once like a warm Lambda
 * container, invoked batch after batch in sequence (one container handles one batch at a time).
 *
 * Protocol (IPC): `{ run: { prefix, count } }` → `{ wallMs, cpuMs, records, failures }`;
 * the workload is rebuilt here from `prefix` (deterministic), outside the timed region.
 * Handler logs go to this process's stdout, which the parent discards: they are part of the cost.
 */
import { consumerSettings } from '@sluice/model';
import type { Context, SQSEvent } from 'aws-lambda';
import { settings } from '@orders/app/settings';
import { benchLambdaContext } from './lambda-context.ts';
import { batches, buildOrders, orderRecords } from './order-workload.ts';

/**
 * `consumer`: the application's generic consumer (defineConsumer); `specific`: the pre-framework
 * OrderPlaced-specific subscriber (baselines/); the others are section 2's comparison handlers.
 */
export type HandlerVariant = 'consumer' | 'specific' | 'seed' | 'seed-hoisted' | 'idempotency';

export interface RunRequest {
  run: { prefix: string; count: number };
}

export interface RunResult {
  wallMs: number;
  cpuMs: number;
  records: number;
  /** Records reported as failed (batchItemFailures), which must be 0 for valid, distinct orders. */
  failures: number;
}

type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;

async function loadHandler(variant: HandlerVariant): Promise<Handler> {
  switch (variant) {
    case 'consumer':
      return (await import('@orders/app/consumers/consumeOrderPlaced')).handler;
    case 'specific':
      return (await import('./baselines/subscriber.ts')).handler;
    case 'seed':
      return (await import('./handlers/seed-port.ts')).handler;
    case 'seed-hoisted':
      return (await import('./handlers/seed-port.ts')).createSeedHandler({ clientPerInvocation: false });
    case 'idempotency':
      return (await import('./handlers/idempotent-subscriber.ts')).handler;
  }
}

function failuresOf(response: unknown): number {
  const failures = (response as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
  return Array.isArray(failures) ? failures.length : 0;
}

const variant = process.argv[2] as HandlerVariant;
const handler = await loadHandler(variant);
const context = benchLambdaContext(`bench-${variant}`);

process.on('message', async (message: RunRequest) => {
  const { prefix, count } = message.run;
  const events = batches(orderRecords(buildOrders(prefix, count), prefix), consumerSettings(settings, 'consumeOrderPlaced').batchSize);
  let failures = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const event of events) failures += failuresOf(await handler(event, context));
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const result: RunResult = { wallMs, cpuMs: (used.user + used.system) / 1000, records: count, failures };
  process.send?.(result);
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
