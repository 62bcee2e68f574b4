/**
 * The application's settings, resolved against the contract: each consumer's settings with the
 * defaults applied, the visibility timeout each queue gets, the name of each function, and the
 * check that the settings fit the contract. Used when deploying and when running locally, never
 * inside a Lambda function (which needs only the types and `defineSettings` of
 * `@sluice/runtime/settings`).
 */
import type { QueueSpec, Topology } from '@sluice/runtime/contract';
import type { AppSettings, ConsumerSettings } from '@sluice/runtime/settings';

/** Settings of one consumer with every default applied. */
export type ResolvedConsumerSettings = Required<Omit<ConsumerSettings, 'tables'>> & { tables: Record<string, readonly string[]> };

/** The settings a consumer gets when the application's settings leave them out. */
export const CONSUMER_DEFAULTS: Omit<ResolvedConsumerSettings, 'tables'> = {
  timeoutSeconds: 30,
  memoryMB: 512,
  batchSize: 10,
  batchWindowSeconds: 1,
  maximumConcurrency: 5,
  logLevel: 'INFO',
  maximumMessageAgeSeconds: 900,
};

/** AWS's guidance for SQS event sources: the queue's visibility timeout ≥ 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** The SST component (and `<name>TopicArn` output) of the topic every alarm of the deployment notifies. */
export const ALERTS_TOPIC = 'Alerts';

/**
 * The CloudWatch namespace the consumers' metrics go to: the settings' `metricsNamespace`, else
 * `EventContract`.
 *
 * @example
 * ```ts
 * import { metricsNamespaceOf } from '@sluice/model';
 *
 * metricsNamespaceOf({ metricsNamespace: 'PaymentsPipeline' }); // 'PaymentsPipeline'
 * metricsNamespaceOf({}); // 'EventContract'
 * ```
 */
export function metricsNamespaceOf(settings: AppSettings): string {
  return settings.metricsNamespace ?? 'EventContract';
}

/**
 * One consumer's settings, defaults applied.
 *
 * @param settings - the application's settings
 * @param operationId - the receive operation the consumer handles
 * @example
 * ```ts
 * import { consumerSettings } from '@sluice/model';
 *
 * consumerSettings({ consumers: { consumePaymentCaptured: { timeoutSeconds: 60 } } }, 'consumePaymentCaptured').batchSize; // 10
 * ```
 */
export function consumerSettings(settings: AppSettings, operationId: string): ResolvedConsumerSettings {
  const own = settings.consumers?.[operationId] ?? {};
  return { ...CONSUMER_DEFAULTS, ...own, tables: { ...(own.tables ?? {}) } } as ResolvedConsumerSettings;
}

/**
 * The visibility timeout a queue gets: the contract's `visibilityTimeout`, else 6 × the timeout of
 * the function consuming it (30 s when nothing consumes it, SQS's default).
 *
 * @example
 * ```ts
 * import { visibilityTimeoutOf } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * visibilityTimeoutOf(topology, {}, topology.queues.PaymentQueue!); // 180: 6 × the default 30 s timeout
 * ```
 */
export function visibilityTimeoutOf(topology: Topology, settings: AppSettings, queue: QueueSpec): number {
  if (queue.visibilityTimeoutSeconds !== undefined) return queue.visibilityTimeoutSeconds;
  const consumer = Object.values(topology.operations).find((o) => o.action === 'receive' && o.queue === queue.name);
  return consumer ? VISIBILITY_TIMEOUT_FACTOR * consumerSettings(settings, consumer.id).timeoutSeconds : 30;
}

/**
 * The function (and SST component) name of a receive operation: its id in PascalCase.
 *
 * @example
 * ```ts
 * import { functionNameOf } from '@sluice/model';
 *
 * functionNameOf('consumePaymentCaptured'); // 'ConsumePaymentCaptured'
 * ```
 */
export function functionNameOf(operationId: string): string {
  return operationId.charAt(0).toUpperCase() + operationId.slice(1);
}

const inRange = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Everything wrong between the settings and the contract, one line each: a consumer entry for no
 * receive operation, a table nobody declared, numbers out of the range AWS accepts, a queue whose
 * visibility timeout is under 6 × its function's timeout. Empty when all is well.
 *
 * @example
 * ```ts
 * import { checkSettings } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const problems = checkSettings(topology, settings);
 * if (problems.length) throw new Error(problems.join('\n'));
 * ```
 */
export function checkSettings(topology: Topology, settings: AppSettings): string[] {
  const problems: string[] = [];
  const receive = Object.values(topology.operations).filter((o) => o.action === 'receive');
  const ids = new Set(receive.map((o) => o.id));
  for (const [id, own] of Object.entries(settings.consumers ?? {})) {
    if (!ids.has(id)) {
      problems.push(`settings.consumers.${id} names no receive operation of the contract (${[...ids].join(', ') || 'none'}): rename or remove it`);
      continue;
    }
    for (const table of Object.keys(own.tables ?? {})) {
      if (!settings.tables?.[table]) problems.push(`settings.consumers.${id}.tables.${table}: no table ${table} in settings.tables`);
    }
  }
  for (const op of receive) {
    const s = consumerSettings(settings, op.id);
    const where = `settings.consumers.${op.id}`;
    if (!inRange(s.timeoutSeconds, 1, 900)) problems.push(`${where}.timeoutSeconds must be 1..900, got ${s.timeoutSeconds}`);
    if (!inRange(s.memoryMB, 128, 10_240)) problems.push(`${where}.memoryMB must be 128..10240, got ${s.memoryMB}`);
    if (!inRange(s.batchSize, 1, 10_000)) problems.push(`${where}.batchSize must be 1..10000, got ${s.batchSize}`);
    if (s.batchSize > 10 && s.batchWindowSeconds < 1) problems.push(`${where}: a batchSize over 10 needs a batchWindowSeconds of at least 1`);
    if (!inRange(s.batchWindowSeconds, 0, 300)) problems.push(`${where}.batchWindowSeconds must be 0..300, got ${s.batchWindowSeconds}`);
    if (!inRange(s.maximumConcurrency, 2, 1000)) problems.push(`${where}.maximumConcurrency must be 2..1000 (Lambda's range), got ${s.maximumConcurrency}`);
    if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(s.logLevel)) problems.push(`${where}.logLevel must be DEBUG, INFO, WARN or ERROR, got ${s.logLevel}`);
    const queue = topology.queues[op.queue!];
    if (queue && !inRange(s.maximumMessageAgeSeconds, 60, Math.floor(queue.retentionSeconds / 2))) {
      problems.push(`${where}.maximumMessageAgeSeconds must be 60..${Math.floor(queue.retentionSeconds / 2)} (at most half of ${queue.name}'s retention, so the alarm goes off well before messages expire), got ${s.maximumMessageAgeSeconds}`);
    }
    if (queue) {
      const visibility = visibilityTimeoutOf(topology, settings, queue);
      if (visibility < VISIBILITY_TIMEOUT_FACTOR * s.timeoutSeconds) {
        problems.push(
          `queue ${queue.name}: visibilityTimeout ${visibility} s is under ${VISIBILITY_TIMEOUT_FACTOR} × the ${s.timeoutSeconds} s timeout of ${op.id} (AWS's guidance for SQS event sources): raise it in the contract to ≥ ${VISIBILITY_TIMEOUT_FACTOR * s.timeoutSeconds}, or leave it out to have it derived`,
        );
      }
    }
  }
  for (const [name, table] of Object.entries(settings.tables ?? {})) {
    if (!table.partitionKey) problems.push(`settings.tables.${name} needs a partitionKey`);
  }
  if (!/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(metricsNamespaceOf(settings))) {
    problems.push(`settings.metricsNamespace must be 1..255 of letters, digits and . - _ / # : (CloudWatch's rule), got ${JSON.stringify(settings.metricsNamespace)}`);
  }
  for (const [index, email] of (settings.alerts?.emails ?? []).entries()) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.push(`settings.alerts.emails[${index}] is not an email address: ${JSON.stringify(email)}`);
  }
  if (topology.topics[ALERTS_TOPIC]) problems.push(`the contract declares a topic named ${ALERTS_TOPIC}, the name of the framework's alerts topic: rename it`);
  return problems;
}
