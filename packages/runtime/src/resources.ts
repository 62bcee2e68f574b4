/**
 * Where a deployed resource is, for the code that uses it: an SST link first (`Resource.<name>`
 * inside a linked function, `sst dev` or `sst shell`), then a plain environment variable named by
 * convention after the resource (set by `sst.config.ts` for each function, by the local runtime
 * for its processes, or by hand for scripts):
 *
 * | resource | variable | e.g. |
 * |---|---|---|
 * | topic `PaymentTopic` | `PAYMENT_TOPIC_ARN` | `arn:aws:sns:…:PaymentTopic` |
 * | queue `PaymentDLQ` | `PAYMENT_DLQ_URL` | `https://sqs.…/PaymentDLQ` |
 * | table `Payments` | `PAYMENTS_TABLE_NAME` | `payments-prod-PaymentsTable-…` |
 */
import { Resource } from 'sst/resource';

/** The table, topic or queue could not be located; the message says how to provide it. */
export class ConfigurationError extends Error {
  /** Always `'CONFIGURATION'`. */
  readonly code = 'CONFIGURATION';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * `PaymentTopic` → `PAYMENT_TOPIC`, `PaymentDLQ` → `PAYMENT_DLQ`, `Payments` → `PAYMENTS`, `payment-events.fifo` → `PAYMENT_EVENTS_FIFO`.
 *
 * @example
 * ```ts
 * import { constantCase } from '@sluice/runtime/resources';
 *
 * constantCase('PaymentDLQ'); // 'PAYMENT_DLQ'
 * constantCase('payment-events.fifo'); // 'PAYMENT_EVENTS_FIFO'
 * ```
 */
export function constantCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase();
}

/** The environment variable that carries a resource's location when there is no SST link. */
export const envName = {
  topicArn: (topic: string) => `${constantCase(topic)}_ARN`,
  queueUrl: (queue: string) => `${constantCase(queue)}_URL`,
  tableName: (table: string) => `${constantCase(table)}_TABLE_NAME`,
} as const;

/**
 * The value SST links to `name` (`Resource[name][field]`), or undefined outside a linked context
 * or when the link has no such field.
 *
 * @example
 * ```ts
 * import { linked } from '@sluice/runtime/resources';
 *
 * const arn = linked('PaymentTopic', 'arn'); // undefined unless run with SST links
 * ```
 */
export function linked(name: string, field: 'name' | 'arn' | 'url'): string | undefined {
  // `Resource` throws on unknown names when SST links are active; `in` never throws.
  const resources = Resource as unknown as Record<string, Record<string, unknown> | undefined>;
  try {
    if (!(name in resources)) return undefined;
  } catch {
    return undefined;
  }
  const value = resources[name]?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function resolve(name: string, field: 'name' | 'arn' | 'url', variable: string, what: string, env: NodeJS.ProcessEnv): string {
  const value = linked(name, field) ?? env[variable];
  if (!value) {
    // Under the local stack (its functions reach it on a loopback endpoint): what it sets is what
    // it found when it started, and a table added to the settings since is made by a restart.
    const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(env.AWS_ENDPOINT_URL ?? '');
    throw new ConfigurationError(
      local && what === 'Table'
        ? `${what} ${name} unknown here: the local stack sets ${variable} for the tables of the settings it started with, and creates them then. Add ${name} to settings.tables if it is not there, then restart npm start (or npm run subscriber).`
        : `${what} ${name} unknown: set ${variable} to its deployed ${field === 'name' ? 'name' : field === 'arn' ? 'ARN' : 'URL'} (\`sst deploy\` prints it; deployed functions get it from sst.config.ts), or run the command under \`npx sst shell\`, which links "${name}".`,
    );
  }
  return value;
}

/**
 * ARN of topic `topic`: SST link, else `$<TOPIC>_ARN`.
 *
 * @param env - where the variable is looked up; `process.env` by default
 * @throws ConfigurationError when neither is set; its message names the variable
 *
 * @example
 * ```ts
 * import { resolveTopicArn } from '@sluice/runtime/resources';
 *
 * resolveTopicArn('PaymentTopic', { PAYMENT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:PaymentTopic' });
 * ```
 */
export function resolveTopicArn(topic: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(topic, 'arn', envName.topicArn(topic), 'Topic', env);
}

/**
 * URL of queue `queue`: SST link, else `$<QUEUE>_URL`.
 *
 * @param env - where the variable is looked up; `process.env` by default
 * @throws ConfigurationError when neither is set; its message names the variable
 *
 * @example
 * ```ts
 * import { resolveQueueUrl } from '@sluice/runtime/resources';
 *
 * const url = resolveQueueUrl('PaymentDLQ'); // $PAYMENT_DLQ_URL outside SST
 * ```
 */
export function resolveQueueUrl(queue: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(queue, 'url', envName.queueUrl(queue), 'Queue', env);
}

/**
 * Name of table `table`: SST link, else `$<TABLE>_TABLE_NAME`.
 *
 * @param env - where the variable is looked up; `process.env` by default
 * @throws ConfigurationError when neither is set; its message names the variable
 *
 * @example
 * ```ts
 * import { resolveTableName } from '@sluice/runtime/resources';
 *
 * const table = resolveTableName('Payments'); // $PAYMENTS_TABLE_NAME outside SST
 * ```
 */
export function resolveTableName(table: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(table, 'name', envName.tableName(table), 'Table', env);
}
