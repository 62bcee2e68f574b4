/**
 * The application's settings: what the contract has no place for. Function memory, timeout, batch
 * size and window, concurrency and log level per consumer (keyed by receive operation id), and the
 * tables the application stores into. `sst.config.ts` deploys them and the local runtime runs with
 * them; every consumer without an entry gets the defaults below.
 */
import type { QueueSpec, Topology } from './contract/model.ts';

/** A DynamoDB table of the application. */
export interface TableSettings {
  /** Partition key attribute (a string). */
  partitionKey: string;
  /** Sort key attribute (a string), if any. */
  sortKey?: string;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** One consumer function. Every field has a default. */
export interface ConsumerSettings {
  /** Function timeout. @default 30 */
  timeoutSeconds?: number;
  /** Function memory. @default 512 */
  memoryMB?: number;
  /** Records per invocation (SQS event source). @default 10 */
  batchSize?: number;
  /** How long the event source gathers records before invoking. @default 1 */
  batchWindowSeconds?: number;
  /**
   * Most batches processed at once. Lambda starts with 5 concurrent batches per queue and scales
   * out; this caps it (2..1000). The local runtime runs this many pollers. @default 5
   */
  maximumConcurrency?: number;
  /** Deployed log level: `INFO` logs one line per record, `WARN` only rejected and failed ones. @default 'INFO' */
  logLevel?: LogLevel;
  /**
   * The alarm on the consumer's queue pages when its oldest message has waited longer than this:
   * the consumer is down, failing or too slow. Must be well below the queue's retention (the
   * message is lost when it expires). @default 900
   */
  maximumMessageAgeSeconds?: number;
  /** IAM actions the function may perform on each application table, e.g. `{ Orders: ['dynamodb:PutItem'] }`. */
  tables?: Record<string, readonly string[]>;
}

/** Who is told when an alarm goes off. */
export interface AlertSettings {
  /**
   * Addresses subscribed by email to the alerts topic (each confirms once, from the message AWS
   * sends). Paging tools subscribe to the `AlertsTopicArn` output instead. @default []
   */
  emails?: readonly string[];
}

export interface AppSettings {
  tables?: Record<string, TableSettings>;
  consumers?: Record<string, ConsumerSettings>;
  alerts?: AlertSettings;
  /** CloudWatch namespace of the consumers' metrics (deployed and local). @default 'EventContract' */
  metricsNamespace?: string;
}

/** The CloudWatch namespace the consumers' metrics go to. */
export function metricsNamespaceOf(settings: AppSettings): string {
  return settings.metricsNamespace ?? 'EventContract';
}

/** Settings of one consumer with every default applied. */
export type ResolvedConsumerSettings = Required<Omit<ConsumerSettings, 'tables'>> & { tables: Record<string, readonly string[]> };

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

/**
 * Declares the settings (an identity function, for type checking and editor help).
 *
 * @example
 * export const settings = defineSettings({
 *   tables: { Orders: { partitionKey: 'orderId' } },
 *   consumers: { consumeOrderPlaced: { timeoutSeconds: 30, tables: { Orders: ['dynamodb:PutItem', 'dynamodb:GetItem'] } } },
 * });
 */
export function defineSettings<const S extends AppSettings>(settings: S): S {
  return settings;
}

/** One consumer's settings, defaults applied. */
export function consumerSettings(settings: AppSettings, operationId: string): ResolvedConsumerSettings {
  const own = settings.consumers?.[operationId] ?? {};
  return { ...CONSUMER_DEFAULTS, ...own, tables: { ...(own.tables ?? {}) } } as ResolvedConsumerSettings;
}

/**
 * The visibility timeout a queue gets: the contract's `visibilityTimeout`, else 6 × the timeout of
 * the function consuming it (30 s when nothing consumes it, SQS's default).
 */
export function visibilityTimeoutOf(topology: Topology, settings: AppSettings, queue: QueueSpec): number {
  if (queue.visibilityTimeoutSeconds !== undefined) return queue.visibilityTimeoutSeconds;
  const consumer = Object.values(topology.operations).find((o) => o.action === 'receive' && o.queue === queue.name);
  return consumer ? VISIBILITY_TIMEOUT_FACTOR * consumerSettings(settings, consumer.id).timeoutSeconds : 30;
}

const inRange = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Everything wrong between the settings and the contract, one line each: a consumer entry for no
 * receive operation, a table nobody declared, numbers out of the range AWS accepts, a queue whose
 * visibility timeout is under 6 × its function's timeout. Empty when all is well.
 *
 * @example
 * const problems = checkSettings(topology, settings);
 * if (problems.length) throw new Error(problems.join('\n'));
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
  return problems;
}

/**
 * The function (and SST component) name of a receive operation: its id in PascalCase.
 *
 * @example
 * functionNameOf('consumeOrderPlaced') // 'ConsumeOrderPlaced'
 */
export function functionNameOf(operationId: string): string {
  return operationId.charAt(0).toUpperCase() + operationId.slice(1);
}

/** Environment variable through which a consumer learns the ARNs of the topics its queue is subscribed to (comma-separated). */
export const SOURCE_TOPICS_ENV = 'EVENT_SOURCE_TOPIC_ARNS';

/** The SST component (and `<name>TopicArn` output) of the topic every alarm of the deployment notifies. */
export const ALERTS_TOPIC = 'Alerts';
