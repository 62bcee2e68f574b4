/**
 * The application's settings, resolved against the contract: each consumer's settings with the
 * defaults applied, the visibility timeout each queue gets, the name of each function, and the
 * check that the settings fit the contract. Used when deploying and when running locally, never
 * inside a Lambda function (which needs only the types and `defineSettings` of
 * `@sluice/runtime/settings`).
 */
import type { QueueSpec, Topology } from '@sluice/runtime/contract';
import type { AppSettings, ConsumerSettings } from '@sluice/runtime/settings';
import { unroutedQueueNameOf } from './unrouted.ts';

/** Settings of one consumer with every default applied. */
export type ResolvedConsumerSettings = Required<Omit<ConsumerSettings, 'tables' | 'lowMaxReceiveCountReason'>> & { tables: Record<string, readonly string[]>; lowMaxReceiveCountReason?: string };

/**
 * The settings a consumer gets when the application's settings leave them out. A consumer of a
 * FIFO queue gets {@link FIFO_CONSUMER_DEFAULTS} instead (no batching window).
 */
export const CONSUMER_DEFAULTS: Omit<ResolvedConsumerSettings, 'tables' | 'reservedConcurrency' | 'lowMaxReceiveCountReason'> = {
  timeoutSeconds: 30,
  memoryMB: 512,
  batchSize: 10,
  batchWindowSeconds: 1,
  maximumConcurrency: 5,
  logLevel: 'INFO',
  maximumMessageAgeSeconds: 900,
};

/**
 * The defaults of a FIFO queue's consumer: {@link CONSUMER_DEFAULTS} without a batching window.
 * Lambda's SQS event source supports no batching window on a FIFO queue
 * (`MaximumBatchingWindowInSeconds` must stay 0) and takes at most {@link FIFO_MAX_BATCH_SIZE}
 * records per batch.
 */
export const FIFO_CONSUMER_DEFAULTS: typeof CONSUMER_DEFAULTS = { ...CONSUMER_DEFAULTS, batchWindowSeconds: 0 };

/** The largest `batchSize` Lambda's SQS event source takes on a FIFO queue (10,000 on a standard queue). */
export const FIFO_MAX_BATCH_SIZE = 10;

/** AWS's guidance for queues feeding Lambda: a `maxReceiveCount` of at least 5, so throttles and timeouts do not dead-letter a valid message. */
export const LAMBDA_MAX_RECEIVE_COUNT_GUIDANCE = 5;

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
 * @param queue - the queue it consumes: on a FIFO queue the defaults are {@link FIFO_CONSUMER_DEFAULTS}
 *   (no batching window). Without it, the standard queue's {@link CONSUMER_DEFAULTS}.
 * @example
 * ```ts
 * import { consumerSettings } from '@sluice/model';
 *
 * consumerSettings({ consumers: { consumePaymentCaptured: { timeoutSeconds: 60 } } }, 'consumePaymentCaptured').batchSize; // 10
 * consumerSettings({}, 'consumeRefund', { fifo: true }).batchWindowSeconds; // 0
 * ```
 */
export function consumerSettings(settings: AppSettings, operationId: string, queue?: Pick<QueueSpec, 'fifo'>): ResolvedConsumerSettings {
  const own = settings.consumers?.[operationId] ?? {};
  const merged = { ...(queue?.fifo ? FIFO_CONSUMER_DEFAULTS : CONSUMER_DEFAULTS), ...own };
  return { ...merged, reservedConcurrency: own.reservedConcurrency ?? merged.maximumConcurrency, tables: { ...(own.tables ?? {}) } } as ResolvedConsumerSettings;
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
  return consumer ? VISIBILITY_TIMEOUT_FACTOR * consumerSettings(settings, consumer.id, queue).timeoutSeconds : 30;
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

/** A principal a topic policy may name: an account id, or an IAM ARN of a role, user or account root. */
const PRINCIPAL = /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@\/-]+|user\/[\w+=,.@\/-]+))$/;

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
    const queue = topology.queues[op.queue!];
    const s = consumerSettings(settings, op.id, queue);
    const where = `settings.consumers.${op.id}`;
    if (!inRange(s.timeoutSeconds, 1, 900)) problems.push(`${where}.timeoutSeconds must be 1..900, got ${s.timeoutSeconds}`);
    if (!inRange(s.memoryMB, 128, 10_240)) problems.push(`${where}.memoryMB must be 128..10240, got ${s.memoryMB}`);
    if (!inRange(s.batchSize, 1, 10_000)) problems.push(`${where}.batchSize must be 1..10000, got ${s.batchSize}`);
    if (queue?.fifo) {
      // Lambda's SQS event source on a FIFO queue: no batching window, at most 10 records a batch.
      if (typeof s.batchSize === 'number' && s.batchSize > FIFO_MAX_BATCH_SIZE) {
        problems.push(`${where}.batchSize is ${s.batchSize}, but ${op.id} consumes the FIFO queue ${queue.name}, and Lambda takes at most ${FIFO_MAX_BATCH_SIZE} records a batch from a FIFO queue: write batchSize: ${FIFO_MAX_BATCH_SIZE} or less (or leave it out: ${FIFO_CONSUMER_DEFAULTS.batchSize})`);
      }
      if (typeof s.batchWindowSeconds === 'number' && s.batchWindowSeconds > 0) {
        problems.push(`${where}.batchWindowSeconds is ${s.batchWindowSeconds}, but ${op.id} consumes the FIFO queue ${queue.name}, and Lambda supports no batching window on a FIFO queue: remove batchWindowSeconds (or write batchWindowSeconds: 0)`);
      }
    } else if (s.batchSize > 10 && s.batchWindowSeconds < 1) problems.push(`${where}: a batchSize over 10 needs a batchWindowSeconds of at least 1`);
    if (!inRange(s.batchWindowSeconds, 0, 300)) problems.push(`${where}.batchWindowSeconds must be 0..300, got ${s.batchWindowSeconds}`);
    if (!inRange(s.maximumConcurrency, 2, 1000)) problems.push(`${where}.maximumConcurrency must be 2..1000 (Lambda's range), got ${s.maximumConcurrency}`);
    if (!inRange(s.reservedConcurrency, 1, 1000)) problems.push(`${where}.reservedConcurrency must be 1..1000, got ${s.reservedConcurrency}`);
    else if (s.reservedConcurrency < s.maximumConcurrency) {
      problems.push(
        `${where}.reservedConcurrency ${s.reservedConcurrency} is under its maximumConcurrency ${s.maximumConcurrency}: the event source could invoke more batches than the function may run, and every throttled batch uses up a receive of each of its messages (enough of them dead-letter a valid message that was never handled). Raise reservedConcurrency to at least ${s.maximumConcurrency}, or lower maximumConcurrency`,
      );
    }
    if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(s.logLevel)) problems.push(`${where}.logLevel must be DEBUG, INFO, WARN or ERROR, got ${s.logLevel}`);
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
  for (const [index, target] of (settings.alerts?.endpoints ?? []).entries()) {
    if (!['https', 'http', 'sqs', 'lambda', 'sms', 'email-json'].includes(target.protocol)) problems.push(`settings.alerts.endpoints[${index}].protocol must be https, http, sqs, lambda, sms or email-json, got ${JSON.stringify(target.protocol)}`);
    if (typeof target.endpoint !== 'string' || target.endpoint.length === 0) problems.push(`settings.alerts.endpoints[${index}].endpoint is empty`);
  }
  const sends = new Set(Object.values(topology.operations).filter((o) => o.action === 'send').map((o) => o.id));
  for (const [id, publisher] of Object.entries(settings.publishers ?? {})) {
    if (!sends.has(id)) problems.push(`settings.publishers.${id} names no send operation of the contract (${[...sends].join(', ') || 'none'}): rename or remove it`);
    if (!Array.isArray(publisher.principals) || publisher.principals.length === 0) problems.push(`settings.publishers.${id}.principals is empty: leave the entry out to allow the deploying account only`);
    problems.push(...principalProblems(`settings.publishers.${id}.principals`, publisher.principals));
  }
  if (settings.operators !== undefined) {
    if (!Array.isArray(settings.operators.principals)) problems.push(`settings.operators.principals must be a list of principals (role or user ARNs, account ids), got ${JSON.stringify(settings.operators.principals)}: write [] if nobody redrives an unrouted queue on AWS`);
    else problems.push(...principalProblems('settings.operators.principals', settings.operators.principals));
  }
  if (topology.topics[ALERTS_TOPIC]) problems.push(`the contract declares a topic named ${ALERTS_TOPIC}, the name of the framework's alerts topic: rename it`);
  return problems;
}

/** What is wrong with each principal of a list the topic policies name (`where`: its path in the settings), one line each. */
function principalProblems(where: string, principals: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  for (const [index, principal] of (Array.isArray(principals) ? principals : []).entries()) {
    if (PRINCIPAL.test(principal)) continue;
    // A role session's ARN: the topic policy compares aws:PrincipalArn, which for a session is its role's ARN.
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(principal);
    const next = session
      ? `: name the role the session assumed, arn:${session[1]}:iam::${session[2]}:role/${session[3]} with the role's path if it has one (the topic policy compares aws:PrincipalArn, which is the role's ARN for a session, path included: an IAM Identity Center role's is role/aws-reserved/sso.amazonaws.com/…; aws iam get-role --role-name ${session[3]} --query Role.Arn prints it)`
      : '';
    problems.push(`${where}[${index}] must be a 12-digit account id or an IAM role, user or account-root ARN, got ${JSON.stringify(principal)}${next}`);
  }
  return problems;
}

/**
 * Whether the alerts topic reaches someone: an email, another endpoint, or a subscriber the
 * settings say exists elsewhere. `undefined` when it does; else what to fill in.
 *
 * @example
 * ```ts
 * import { alertsReachNobody } from '@sluice/model';
 *
 * alertsReachNobody({ alerts: { emails: ['oncall@example.com'] } }); // undefined
 * alertsReachNobody({}); // 'the alerts topic has no subscriber: …'
 * ```
 */
export function alertsReachNobody(settings: AppSettings): string | undefined {
  const alerts = settings.alerts ?? {};
  if ((alerts.emails?.length ?? 0) > 0 || (alerts.endpoints?.length ?? 0) > 0 || (alerts.subscribedElsewhere ?? '').trim() !== '') return undefined;
  return `the alerts topic has no subscriber: every alarm would notify nobody. Fill in settings.alerts.emails (e.g. ['oncall@example.com']), settings.alerts.endpoints (a paging tool's HTTPS endpoint), or settings.alerts.subscribedElsewhere (who subscribes to the AlertsTopicArn output)`;
}

/**
 * What works but deserves a look, one line each: a receive operation with no entry in
 * `settings.consumers` (it runs with the framework's defaults, {@link CONSUMER_DEFAULTS}: a 30 s
 * timeout and 5 concurrent batches, where the entries `create` writes choose less; the line names
 * the entry to add to `src/settings.ts`), and what goes against AWS's guidance: a queue feeding
 * Lambda with a `maxReceiveCount` under 5 (with the consumer's `lowMaxReceiveCountReason` when the
 * settings give one); and a topic only the principals of `settings.publishers` may publish to
 * while `settings.operators` is absent (the operator's `dlq redrive` of its unrouted queue, a
 * publish, would be refused: the line names the setting to add). `resolvePlan` returns them as its `warnings` (`infra:plan` and `sst deploy` print them).
 *
 * @example
 * ```ts
 * import { settingsWarnings } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * for (const warning of settingsWarnings(topology, settings)) console.warn(warning);
 * ```
 */
export function settingsWarnings(topology: Topology, settings: AppSettings): string[] {
  const warnings: string[] = [];
  for (const op of Object.values(topology.operations).filter((o) => o.action === 'receive')) {
    const queue = topology.queues[op.queue!];
    if (settings.consumers?.[op.id] === undefined) {
      const d = consumerSettings(settings, op.id, queue);
      warnings.push(
        `consumer ${op.id} has no entry in the settings (settings.consumers in the settings file: package.json's eventContract.settings, src/settings.ts in a created project), so it runs with the framework's defaults: ` +
          `a function timeout of ${d.timeoutSeconds} s, maximumConcurrency ${d.maximumConcurrency}, batchSize ${d.batchSize} (memoryMB ${d.memoryMB}, batchWindowSeconds ${d.batchWindowSeconds}). ` +
          `Choose its numbers: add ${JSON.stringify(op.id)}: { batchSize: ${d.batchSize}, timeoutSeconds: ${d.timeoutSeconds}, maximumConcurrency: ${d.maximumConcurrency} } to settings.consumers (these keep the defaults; lower the timeout to what a batch needs)`,
      );
    }
    const count = queue?.deadLetter?.maxReceiveCount;
    if (count === undefined || count >= LAMBDA_MAX_RECEIVE_COUNT_GUIDANCE) continue;
    const s = consumerSettings(settings, op.id, queue);
    const why = s.lowMaxReceiveCountReason ? ` Kept, because: ${s.lowMaxReceiveCountReason}.` : ` Raise it in the contract, or say why it stays in settings.consumers.${op.id}.lowMaxReceiveCountReason.`;
    warnings.push(
      `queue ${queue!.name}: maxReceiveCount ${count} is under ${LAMBDA_MAX_RECEIVE_COUNT_GUIDANCE}, AWS's guidance for queues feeding Lambda: a throttled or timed-out batch uses up a receive, so a valid message can be dead-lettered unhandled. Throttles cannot happen here (${op.id}'s reservedConcurrency ${s.reservedConcurrency} ≥ its maximumConcurrency ${s.maximumConcurrency}); timeouts and crashes still count.${why}`,
    );
  }
  // A topic only named principals may publish to refuses the operator's redrive of its unrouted
  // queue (a publish), unless the settings say who redrives.
  if (settings.operators === undefined) {
    for (const topic of Object.values(topology.topics)) {
      const sends = Object.values(topology.operations).filter((o) => o.action === 'send' && o.topic === topic.name);
      if (sends.length === 0 || !sends.every((o) => settings.publishers?.[o.id] !== undefined)) continue;
      const unrouted = unroutedQueueNameOf(topic);
      warnings.push(
        `topic ${topic.name}: only the principals settings.publishers names (${sends.map((o) => `${o.id}: ${(settings.publishers![o.id]!.principals ?? []).join(', ')}`).join('; ')}) may publish to it, so \`dlq redrive --queue ${unrouted} --aws\`, which publishes each unrouted message to ${topic.name} again, is refused to anyone else. ` +
          `Name the roles that redrive in settings.operators.principals (e.g. operators: { principals: ['arn:aws:iam::<account>:role/<on-call role>'] }), or write operators: { principals: [] } if nobody redrives that way`,
      );
    }
  }
  return warnings;
}
