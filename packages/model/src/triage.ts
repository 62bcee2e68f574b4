/**
 * The triage of each topic's publishes: what closes the one gap of the unrouted queue's
 * complement subscription. A publish with NO message attribute at all (`aws sns publish` with a
 * body only) matches no SNS filter policy, the complement's included; AWS drops it from every
 * filtered subscription and only counts it (`NumberOfNotificationsFilteredOut-NoMessageAttributes`).
 *
 * So each topic with an unrouted queue also gets a subscription WITHOUT a filter policy into a
 * triage queue, consumed by the framework's triage function (`triageUnrouted` of
 * `@sluice/runtime/triage`, configured by its environment with the topic's filtered
 * subscriptions). For each publish it evaluates the attributes against those policies, with
 * SNS's semantics; what none admits (in practice: no attribute at all, or only binary ones) it
 * sends, SNS envelope unchanged and with the reason, to the unrouted queue, where `status`,
 * `dlq list` and `dlq redrive` already look. Everything else was delivered by SNS itself and is
 * left alone. A record it cannot forward is retried, then dead-lettered into the triage queue's
 * own dead-letter queue (alarmed): nothing published can leave no trace.
 *
 * The cost, said plainly: every publish on the topic is delivered once more, to the triage
 * queue (one more SNS → SQS delivery and SQS message, and a share of a Lambda batch of up to 10).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SubscriptionSpec, Topology } from '@sluice/runtime/contract';
import { CONSUMER_DEFAULTS, functionNameOf, metricsNamespaceOf } from './settings.ts';
import { deadLetterAge, functionAlarm } from './alarms.ts';
import type { AlarmPlan, EnvironmentValue, FunctionPlan, PermissionPlan, QueuePlan } from './plan-types.ts';
import { triageDeadLetterQueueNameOf, type UnroutedSpec } from './unrouted.ts';
import type { AppSettings } from '@sluice/runtime/settings';

/**
 * The triage handler as `resolvePlan` names it when not told otherwise: `@sluice/runtime`
 * on its TypeScript sources, as in the framework's own workspace. An installed `@sluice/runtime`
 * has only `dist/`: the deployment (`SluiceTopology` of `@sluice/infra`) names the file
 * {@link triageHandlerOf} resolves in the project instead.
 */
export const TRIAGE_HANDLER = 'node_modules/@sluice/runtime/src/triage/handler.handler';

/** The module every triage function runs (`handler` of it). */
export const TRIAGE_HANDLER_MODULE = '@sluice/runtime/triage/handler';

/**
 * The triage functions' handler in the project at `root`, as SST's `handler` takes it: the file
 * `@sluice/runtime`'s package.json `exports` give for `./triage/handler`, relative to `root`
 * with `/`, without its extension, then `.handler`. The package is looked up as Node looks up a
 * bare import from `root` (its `node_modules`, then its parents'), without following links, so
 * the path is the same on every machine: `node_modules/@sluice/runtime/dist/triage/handler.handler`
 * in a project that installed the packed framework, `…/src/triage/handler.handler` in this
 * workspace. Whether that file exists is for the caller to check (`infra:plan` does).
 *
 * @param root - the project root (where `sst.config.ts` is)
 * @returns the handler, e.g. `node_modules/@sluice/runtime/dist/triage/handler.handler`
 * @throws when no `@sluice/runtime` is installed for `root`, or its package.json does not export `./triage/handler`
 * @example
 * ```ts
 * import { triageHandlerOf } from '@sluice/model';
 *
 * triageHandlerOf(process.cwd()); // 'node_modules/@sluice/runtime/dist/triage/handler.handler' in an installed project
 * ```
 */
export function triageHandlerOf(root: string): string {
  const start = path.resolve(root);
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', '@sluice', 'runtime', 'package.json');
    if (existsSync(manifest)) {
      const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> }).exports?.['./triage/handler'];
      const target = typeof exported === 'string' ? exported : ((exported as { import?: unknown; default?: unknown } | undefined)?.import ?? (exported as { default?: unknown } | undefined)?.default);
      if (typeof target !== 'string') {
        throw new Error(`${manifest} exports no ./triage/handler, the module every triage function runs: install a @sluice/runtime of the framework's version (npm install)`);
      }
      const file = path.relative(start, path.join(path.dirname(manifest), target)).split(path.sep).join('/');
      return `${file.slice(0, file.length - path.extname(file).length)}.handler`;
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`@sluice/runtime is not installed for ${start} (no node_modules/@sluice/runtime in it or a folder above): the triage functions run its ${TRIAGE_HANDLER_MODULE}; run npm install`);
}

/**
 * The triage function's configuration: small and fixed (it only reads attributes and forwards a
 * few messages). The triage of a FIFO topic gets no batching window (`batchWindowSeconds` 0):
 * Lambda supports none on a FIFO queue.
 */
export const TRIAGE_SETTINGS = { timeoutSeconds: 30, memoryMB: 256, batchSize: 10, batchWindowSeconds: 1, maximumConcurrency: 2, maxReceiveCount: 5 } as const;

/** What triages one topic's publishes. */
export interface TriagePlan {
  /** The topic. */
  readonly topic: string;
  /** The pseudo operation id of its function (`triageOrderTopic`), how `functions` and alarms name it. */
  readonly operationId: string;
  /** `<Topic>Triage`: the queue every publish of the topic reaches (no filter policy). */
  readonly queue: string;
  /** `<Topic>TriageDLQ`: what the triage function could not forward, and what SNS could not deliver to the triage queue. */
  readonly deadLetterQueue: string;
  /** The topic's unrouted queue, where it keeps what no subscription admits. */
  readonly unroutedQueue: string;
  /** The subscription without a filter policy. */
  readonly subscription: SubscriptionSpec;
  /** The filtered subscriptions it evaluates (the consumers' and the unrouted queue's complement). */
  readonly evaluated: readonly Pick<SubscriptionSpec, 'name' | 'queue' | 'filterPolicy'>[];
}

const base = (name: string) => name.replace(/\.fifo$/, '');

/**
 * The triage of each topic that has an unrouted queue.
 *
 * @param topology - the topology manifest
 * @param unrouted - its unrouted queues (`unroutedOf(topology)`)
 * @example
 * ```ts
 * import { triageOf, unroutedOf } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * triageOf(topology, unroutedOf(topology))[0]?.queue; // 'PaymentTopicTriage'
 * ```
 */
export function triageOf(topology: Topology, unrouted: readonly UnroutedSpec[]): TriagePlan[] {
  return unrouted.map((u) => {
    const fifo = u.fifo;
    const queue = fifo ? `${base(u.topic)}Triage.fifo` : `${base(u.topic)}Triage`;
    const deadLetterQueue = triageDeadLetterQueueNameOf({ name: u.topic, fifo });
    const evaluated = [...topology.subscriptions.filter((s) => s.topic === u.topic), u.subscription].map((s) => ({ name: s.name, queue: s.queue, filterPolicy: s.filterPolicy }));
    return {
      topic: u.topic,
      operationId: `triage${base(u.topic)}`,
      queue,
      deadLetterQueue,
      unroutedQueue: u.queue,
      evaluated,
      subscription: {
        name: `${u.topic}To${queue}`,
        topic: u.topic,
        queue,
        // The envelope: what the unrouted queue keeps and `dlq list`/`redrive` read.
        rawMessageDelivery: false,
        // None: every publish, the attribute-less ones included.
        filterPolicy: {},
        filterPolicyScope: 'MessageAttributes',
        deadLetterQueue,
        declaredBy: [],
      },
    };
  });
}

/** What the plan renders for the triage: its queues, subscriptions and functions. */
export interface TriageResources {
  /** Each triage queue's dead-letter queue, then the triage queue. */
  readonly queues: QueuePlan[];
  /** The subscriptions without a filter policy. */
  readonly subscriptions: SubscriptionSpec[];
  /** The triage functions. */
  readonly functions: FunctionPlan[];
}

/**
 * The triage's queues, subscriptions and functions, as the plan renders them (`resolvePlan` adds
 * them to its queues, subscriptions, functions and alarms).
 *
 * @param triage - {@link triageOf}'s plans
 * @param settings - the application's settings (metrics namespace)
 * @param operator - how the alarm descriptions name an operator command
 * @param handler - the triage functions' handler, as SST takes it ({@link triageHandlerOf}); {@link TRIAGE_HANDLER} by default
 * @example
 * ```ts
 * import { triageOf, triageResources, unroutedOf } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const { functions } = triageResources(triageOf(topology, unroutedOf(topology)), {}, (c) => c);
 * functions[0]?.handler; // 'node_modules/@sluice/runtime/src/triage/handler.handler'
 * ```
 */
export function triageResources(triage: readonly TriagePlan[], settings: AppSettings, operator: (command: string) => string, handler: string = TRIAGE_HANDLER): TriageResources {
  const queues: QueuePlan[] = [];
  const functions: FunctionPlan[] = [];
  const s = TRIAGE_SETTINGS;
  const visibility = 6 * s.timeoutSeconds;
  const sqsAlarm = (name: string, queue: string, metricName: string, threshold: number, evaluationPeriods: number, description: string): AlarmPlan => ({
    name,
    description,
    subject: { queue },
    namespace: 'AWS/SQS',
    statistic: 'Maximum',
    metricName,
    period: 60,
    evaluationPeriods,
    comparisonOperator: 'GreaterThanThreshold',
    threshold,
    treatMissingData: 'notBreaching',
  });
  for (const t of triage) {
    const fifo = t.queue.endsWith('.fifo');
    const functionName = functionNameOf(t.operationId);
    // Lambda supports no batching window on a FIFO queue.
    const batchWindowSeconds = fifo ? 0 : s.batchWindowSeconds;
    const queueSpec = { name: t.queue, channel: t.topic, fifo, retentionSeconds: 345_600, deadLetterFor: [], deadLetter: { queue: t.deadLetterQueue, maxReceiveCount: s.maxReceiveCount } };
    const deadLetterSpec = { name: t.deadLetterQueue, channel: t.topic, fifo, retentionSeconds: 1_209_600, deadLetterFor: [t.queue] };
    // As a contract's dead-letter queue: a warning before what waits there expires unexamined.
    const age = deadLetterAge(deadLetterSpec, [queueSpec]);
    queues.push({
      kind: 'deadLetter',
      spec: deadLetterSpec,
      name: t.deadLetterQueue,
      baseName: base(t.deadLetterQueue),
      encryption: 'kms',
      visibilityTimeoutSeconds: 30,
      senders: [t.topic],
      alarms: [
        sqsAlarm(`${base(t.deadLetterQueue)}DepthAlarm`, t.deadLetterQueue, 'ApproximateNumberOfMessagesVisible', 0, 1, `Publishes on ${t.topic} that the triage function could not check or keep, or that SNS could not deliver to ${t.unroutedQueue}, wait in ${t.deadLetterQueue} (see ${functionName}'s logs, the unrouted queue's policy and key, and ${operator(`dlq list --queue ${t.deadLetterQueue} --aws`)}); each may be one no consumer received. A redrive publishes them to ${t.topic} again`),
        sqsAlarm(`${base(t.deadLetterQueue)}AgeAlarm`, t.deadLetterQueue, 'ApproximateAgeOfOldestMessage', age.thresholdSeconds, 3, `A publish on ${t.topic} has waited in ${t.deadLetterQueue} for over ${age.thresholdSeconds} s, ${age.why}: each may be one no consumer received; examine and redrive or purge it before it expires (${operator(`dlq list --queue ${t.deadLetterQueue} --aws`)})`),
      ],
    });
    queues.push({
      kind: 'queue',
      spec: queueSpec,
      name: t.queue,
      baseName: base(t.queue),
      encryption: 'kms',
      visibilityTimeoutSeconds: visibility,
      consumer: t.operationId,
      senders: [t.topic],
      alarms: [
        sqsAlarm(`${base(t.queue)}AgeAlarm`, t.queue, 'ApproximateAgeOfOldestMessage', 900, 3, `A publish on ${t.topic} has waited in ${t.queue} for over 900 s: ${functionName} is down or failing, and attribute-less publishes are not being kept. See its logs`),
      ],
    });
    const environment: Record<string, EnvironmentValue> = {
      POWERTOOLS_SERVICE_NAME: t.operationId,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespaceOf(settings),
      SLUICE_TRIAGE_TOPIC: t.topic,
      SLUICE_TRIAGE_SUBSCRIPTIONS: JSON.stringify(t.evaluated),
      SLUICE_UNROUTED_QUEUE_URL: { queueUrl: t.unroutedQueue },
    };
    const permissions: PermissionPlan[] = [
      { actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resource: { queueArn: t.queue } },
      { actions: ['sqs:SendMessage'], resource: { queueArn: t.unroutedQueue } },
    ];
    const lambdaAlarm = (metricName: 'Errors' | 'Throttles', description: string) => functionAlarm(functionName, t.operationId, metricName, description);
    functions.push({
      kind: 'triage',
      operationId: t.operationId,
      functionName,
      handler,
      queue: t.queue,
      deadLetterQueue: t.deadLetterQueue,
      visibilityTimeoutSeconds: visibility,
      settings: { ...CONSUMER_DEFAULTS, ...s, batchWindowSeconds, logLevel: 'INFO', reservedConcurrency: s.maximumConcurrency, tables: {} },
      timeoutSeconds: s.timeoutSeconds,
      memoryMB: s.memoryMB,
      batchSize: s.batchSize,
      batchWindowSeconds,
      maximumConcurrency: s.maximumConcurrency,
      reservedConcurrency: s.maximumConcurrency,
      logLevel: 'INFO',
      sourceTopics: [t.topic],
      environment,
      permissions,
      alarms: [
        lambdaAlarm('Errors', `${functionName} (the triage of ${t.topic}'s publishes) failed whole invocations: its batches are retried and may be dead-lettered into ${t.deadLetterQueue}. See its logs`),
        lambdaAlarm('Throttles', `${functionName} was throttled although ${s.maximumConcurrency} executions are reserved for it: throttled batches use up receives and can dead-letter publishes into ${t.deadLetterQueue}`),
      ],
    });
  }
  return { queues, subscriptions: triage.map((t) => t.subscription), functions };
}
