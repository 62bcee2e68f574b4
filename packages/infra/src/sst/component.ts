/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * `SluiceTopology`: the topology manifest on AWS, as one Pulumi component of SST's kind. It
 * resolves the deployment plan of `@sluice/model` (the same plan `npm start` renders) and creates
 * every topic, queue (with its redrive policy, retention, SQS-managed encryption, a policy that
 * admits only its topics and only TLS), dead-letter queue (redrive allowed only from its
 * sources), subscription (with the filter policy that admits exactly what its consumer declares,
 * and a dead-letter queue for what SNS cannot deliver), one function per receive operation
 * (handler found by the consumers-folder convention, settings from the application, logs only to
 * its own log group), the application's tables, and the alarms an on-call engineer needs, all
 * acting on one alerts topic.
 *
 * Every resource is reachable by name under `nodes`, and a `transform` hook per resource kind
 * changes one resource's arguments from `sst.config.ts` without forking the framework. Created in
 * `sst.config.ts` inside `run()`; like every file `sst.config.ts` imports, it sees the `sst`,
 * `aws` and `$util` globals the SST CLI provides. Nothing here names a resource: the names come
 * from the contract (topics, queues) and the settings (tables).
 */
import path from 'node:path';
import { assertGeneratedFresh } from '@sluice/codegen/freshness';
import { awsNameOf, loadProject, resolvePlan, resolveReference, triageHandlerOf, type DeploymentPlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import { declareAlarms } from './alarms.ts';
import { declareKey } from './keys.ts';
import { declareFunctions, type EventSource } from './functions.ts';
import { declareQueuePolicies, declareQueues, declareRedriveAllowPolicies } from './queues.ts';
import { declareAlertSubscriptions, declareSubscriptions } from './subscriptions.ts';
import { declareTables } from './tables.ts';
import { declareAlertsTopic, declareTopicPolicies, declareTopics } from './topics.ts';
import type { Scope, TopologyTransforms } from './transform.ts';

/** The Pulumi type of the component. */
export const TOPOLOGY_COMPONENT_TYPE = 'sluice:aws:Topology';

/** What `SluiceTopology` deploys. */
export interface SluiceTopologyArgs {
  /** The topology manifest (`generated/topology.json`). */
  topology: Topology;
  /** The application's settings (`defineSettings`). */
  settings: AppSettings;
  /** The consumers folder, relative to the project root, with `/` (`consumers`): see {@link consumersDirOf}. */
  consumersDir: string;
  /** Production keeps data: point-in-time recovery and deletion protection on tables. */
  production: boolean;
  /** `sst dev` runs functions on the developer's machine, which assumes the function role. */
  dev: boolean;
  /** Changes the arguments of one kind of resource, before it is created; see {@link TopologyTransforms}. */
  transform?: TopologyTransforms;
  /**
   * The stage, for the AWS names of the contract's topics and queues (see `awsNameOf` of
   * `@sluice/model`): the binding's name on production, `<name>-<stage>` elsewhere. SST compiles `$app` into `sst.config.ts` only, so pass
   * `stage: $app.stage` there. @default `globalThis.$app.stage`, when something set it
   */
  stage?: string;
  /**
   * The application's command that mounts the operator commands (`dlq`, `status`), e.g.
   * `npx payments`: the alarm descriptions tell the on-call engineer to run it. Without it they
   * name the command alone. See {@link operatorCommandOf}.
   */
  operatorCommand?: string;
  /**
   * The project root, whose `generated/` must match its contract (else the component refuses,
   * naming `npm run codegen`), and whose installed `@sluice/runtime` the triage functions run
   * (`triageHandlerOf` of `@sluice/model`): `$cli.paths.root`. @default process.cwd()
   */
  root?: string;
  /**
   * SST's `sst` and `aws` namespaces, as `sst.config.ts` sees them: `platform: { sst, aws }`.
   * SST gives these globals only to the app's own files, so a copy of this component installed
   * under node_modules (compiled JavaScript) does not see them; given here, they are made global
   * for it. In this workspace the component's sources are app files and get them anyway.
   */
  platform?: { sst: typeof sst; aws: typeof aws };
}

/**
 * Makes SST's `sst` and `aws` namespaces global, from {@link SluiceTopologyArgs.platform}, where
 * they are not (an installed copy of the component); refuses, saying what to pass, when they are
 * neither global nor given.
 */
function provideSstGlobals(platform: SluiceTopologyArgs['platform']): void {
  const scope = globalThis as { sst?: unknown; aws?: unknown };
  if (platform) {
    scope.sst ??= platform.sst;
    scope.aws ??= platform.aws;
  }
  // `typeof` of an undeclared name is 'undefined': in an app file these are SST's imports.
  if (typeof sst === 'undefined' || typeof aws === 'undefined') {
    throw new Error(
      "SluiceTopology: SST's `sst` and `aws` are not visible to @sluice/infra installed under node_modules (SST gives them only to the app's own files): pass `platform: { sst, aws }` in sst.config.ts",
    );
  }
}

/** Every resource the component created, by name. */
export interface SluiceTopologyNodes {
  /** The contract's topics, by name. */
  topics: Record<string, sst.aws.SnsTopic>;
  /** The customer-managed key of the topics and the queues they feed (`MessagesKey`). */
  key: aws.kms.Key;
  /** The alerts topic's own customer-managed key (`AlertsKey`), which CloudWatch may use. */
  alertsKey: aws.kms.Key;
  /** Each topic's policy (the alerts topic's included), by topic name. */
  topicPolicies: Record<string, aws.sns.TopicPolicy>;
  /** Every queue, dead-letter and unrouted queues included, by name. */
  queues: Record<string, sst.aws.Queue>;
  /** Each topic's unrouted queue alone, by queue name (also in `queues`). */
  unroutedQueues: Record<string, sst.aws.Queue>;
  /** The dead-letter queues alone, by name (also in `queues`). */
  deadLetterQueues: Record<string, sst.aws.Queue>;
  /** Each queue's policy, by queue name. */
  queuePolicies: Record<string, aws.sqs.QueuePolicy>;
  /** Each dead-letter queue's redrive-allow policy, by queue name. */
  redriveAllowPolicies: Record<string, aws.sqs.RedriveAllowPolicy>;
  /** Topic → queue subscriptions, by subscription name (`PaymentTopicToPaymentQueue`). */
  subscriptions: Record<string, aws.sns.TopicSubscription>;
  /** The consumer functions, by operation id. */
  functions: Record<string, sst.aws.Function>;
  /** Each function's logs permission, by operation id. */
  logsPolicies: Record<string, aws.iam.RolePolicy>;
  /** Each function's event source on its queue, by operation id. */
  eventSources: Record<string, EventSource>;
  /** The application's tables, by name. */
  tables: Record<string, sst.aws.Dynamo>;
  /** Every alarm, by name (`PaymentDLQDepthAlarm`, `ConsumePaymentCapturedErrorsAlarm`). */
  alarms: Record<string, aws.cloudwatch.MetricAlarm>;
  /** The topic every alarm notifies. */
  alerts: sst.aws.SnsTopic;
  /** Email subscriptions to the alerts topic, by address. */
  alertSubscriptions: Record<string, aws.sns.TopicSubscription>;
}

/**
 * The consumers folder of the project at `root`, relative to it with `/`: what SST's `handler` paths start with.
 *
 * @example
 * ```ts
 * import { consumersDirOf } from '@sluice/infra';
 *
 * consumersDirOf($cli.paths.root); // 'consumers'
 * ```
 */
export function consumersDirOf(root: string): string {
  const project = loadProject(root);
  return path.relative(project.root, project.consumers).split(path.sep).join('/');
}

/**
 * The operator command the project at `root` declares (`eventContract.operatorCommand` in its
 * package.json), for {@link SluiceTopologyArgs.operatorCommand}.
 *
 * @param root - the project root
 * @returns the command, or undefined when the project declares none
 * @example
 * ```ts
 * import { operatorCommandOf } from '@sluice/infra';
 *
 * operatorCommandOf($cli.paths.root); // e.g. 'npx payments'
 * ```
 */
export function operatorCommandOf(root: string): string | undefined {
  return loadProject(root).operatorCommand;
}

/**
 * The whole topology, deployed.
 *
 * @example
 * ```ts
 * // sst.config.ts, in run()
 * import { consumersDirOf, operatorCommandOf, SluiceTopology } from '@sluice/infra';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const pipeline = new SluiceTopology('Pipeline', {
 *   topology,
 *   settings,
 *   consumersDir: consumersDirOf($cli.paths.root),
 *   operatorCommand: operatorCommandOf($cli.paths.root),
 *   production: $app.stage === 'prod',
 *   dev: $dev,
 *   transform: {
 *     // One resource, changed from sst.config.ts: the payment queue's age alarm waits 5 periods.
 *     alarm: (args, _opts, name) => {
 *       if (name === 'PaymentQueueAgeAlarm') args.evaluationPeriods = 5;
 *     },
 *   },
 * });
 * pipeline.nodes.queues.PaymentQueue?.url;
 * export const outputs = pipeline.outputs;
 * ```
 */
export class SluiceTopology extends $util.ComponentResource {
  private readonly _nodes: SluiceTopologyNodes;
  /** The plan it rendered. */
  readonly plan: DeploymentPlan;
  /** Stack outputs: where everything is (`PaymentTopicArn`, `PaymentQueueUrl`, `PaymentsTableName`, `AlertsTopicArn`), and `MessagesKeyArn`. */
  readonly outputs: Record<string, $util.Output<string>>;

  constructor(name: string, args: SluiceTopologyArgs, opts?: $util.ComponentResourceOptions) {
    super(TOPOLOGY_COMPONENT_TYPE, name, {}, opts);
    provideSstGlobals(args.platform);
    const { topology, settings, production } = args;
    const root = args.root ?? process.cwd();
    // A manifest that no longer matches the contract would deploy the previous contract.
    assertGeneratedFresh(loadProject(root));
    // A production stage refuses alerts that reach nobody (SettingsError, naming the setting).
    // The triage handler is the file the project's installed @sluice/runtime exports (dist/ when
    // installed from the packed framework, src/ in the framework's workspace).
    this.plan = resolvePlan({ topology, settings, consumersDir: args.consumersDir, production, triageHandler: triageHandlerOf(root), ...(args.operatorCommand ? { operatorCommand: args.operatorCommand } : {}) });
    const plan = this.plan;
    // `sst deploy` (and `infra:plan`) show what works against AWS's guidance.
    for (const warning of plan.warnings) console.warn(`sluice: warning: ${warning}`);
    // The binding's name is the AWS name: exactly on production, `<name>-<stage>` elsewhere.
    const stage = args.stage ?? (globalThis as { $app?: { stage?: string } }).$app?.stage;
    const topicNames = new Set(plan.topics.map((t) => t.name));
    const scope: Scope = { parent: this, transform: args.transform ?? {}, awsName: (n) => awsNameOf(n, { production, stage }, topicNames.has(n) ? 'topic' : 'queue') };

    const key = declareKey(scope, plan);
    // Not MessagesKey: an alarm about that key (disabled, pending deletion) must still reach someone.
    const alertsKey = declareKey(scope, plan, plan.alertsKey);
    const alerts = declareAlertsTopic(scope, plan, alertsKey);
    const alertSubscriptions = declareAlertSubscriptions(scope, plan, alerts);
    const tables = declareTables(scope, plan, { production });
    const queues = declareQueues(scope, plan, key);
    const redriveAllowPolicies = declareRedriveAllowPolicies(scope, plan, queues);
    const topics = declareTopics(scope, plan, key);
    const topicPolicies = declareTopicPolicies(scope, plan, { ...topics, [plan.alerts.topic]: alerts });
    const queuePolicies = declareQueuePolicies(scope, plan, queues, topics);
    const subscriptions = declareSubscriptions(scope, plan, topics, queues);
    const { functions, logsPolicies, eventSources } = declareFunctions(scope, plan, { topics, queues, tables }, { dev: args.dev, key });
    const alarms = declareAlarms(scope, plan, { queues, functions, alerts, topics });

    this._nodes = {
      key,
      alertsKey,
      topicPolicies,
      topics,
      queues,
      unroutedQueues: Object.fromEntries(plan.queues.filter((q) => q.kind === 'unrouted').map((q) => [q.name, queues[q.name]!])),
      deadLetterQueues: Object.fromEntries(plan.queues.filter((q) => q.kind === 'deadLetter').map((q) => [q.name, queues[q.name]!])),
      queuePolicies,
      redriveAllowPolicies,
      subscriptions,
      functions,
      logsPolicies,
      eventSources,
      tables,
      alarms,
      alerts,
      alertSubscriptions,
    };
    const all = { ...topics, [plan.alerts.topic]: alerts };
    this.outputs = Object.fromEntries(
      Object.entries(plan.outputs).map(([output, ref]) => [
        output,
        resolveReference<$util.Output<string>>(ref, {
          topicArn: (topic) => all[topic]!.arn,
          queueArn: (queue) => queues[queue]!.arn,
          queueUrl: (queue) => queues[queue]!.url,
          tableName: (table) => tables[table]!.name,
          tableArn: (table) => tables[table]!.arn,
          keyArn: (name) => ({ [plan.key.name]: key, [plan.alertsKey.name]: alertsKey })[name]!.arn,
        }),
      ]),
    );
    this.registerOutputs({});
  }

  /** Every resource the component created, by name: topics, queues, dead-letter queues, subscriptions, functions, tables, alarms, … */
  get nodes(): SluiceTopologyNodes {
    return this._nodes;
  }
}
