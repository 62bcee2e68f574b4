/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The escape hatch of the `SluiceTopology` component: one `transform` hook per resource kind, in
 * the shape SST's own components use. A hook is either an object merged over the arguments the
 * framework computed, or a function that edits them (and the resource options) in place; it is
 * called once per resource with the resource's logical name, so it can pick one.
 */

/**
 * Changes the arguments (and options) of every resource of one kind, before it is created.
 *
 * @example
 * ```ts
 * import type { Transform } from '@sluice/infra';
 *
 * // Keep one queue's messages for 14 days; every other queue as the contract says.
 * const queue: Transform<sst.aws.QueueArgs, $util.ComponentResourceOptions> = (args, _opts, name) => {
 *   if (name === 'PaymentQueue') args.transform = { ...args.transform, queue: { ...(args.transform?.queue as object), messageRetentionSeconds: 1_209_600 } };
 * };
 * ```
 */
export type Transform<Args, Options = $util.CustomResourceOptions> = Partial<Args> | ((args: Args, opts: Options, name: string) => void);

/** The `transform` hooks of `SluiceTopology`, one per kind of resource it creates. */
export interface TopologyTransforms {
  /** The deployment's customer-managed KMS keys (`MessagesKey`, and the alerts topic's `AlertsKey`). */
  key?: Transform<aws.kms.KeyArgs>;
  /** Each topic's policy (`<topic>Policy`, `AlertsPolicy`): TLS only, publish only by the settings' publishers. */
  topicPolicy?: Transform<aws.sns.TopicPolicyArgs>;
  /** Every topic of the contract, and the alerts topic (`Alerts`). */
  topic?: Transform<sst.aws.SnsTopicArgs, $util.ComponentResourceOptions>;
  /** Every queue, dead-letter queues included (named as in the contract). */
  queue?: Transform<sst.aws.QueueArgs, $util.ComponentResourceOptions>;
  /** Each queue's policy (`<queue>Policy`): TLS only, SNS only from its topics. */
  queuePolicy?: Transform<aws.sqs.QueuePolicyArgs>;
  /** Each dead-letter queue's redrive-allow policy (`<queue>RedriveAllow`). */
  redriveAllowPolicy?: Transform<aws.sqs.RedriveAllowPolicyArgs>;
  /** Every subscription: topic → queue (`<subscription>Subscription`) and alert emails (`AlertsTo<address>`). */
  subscription?: Transform<aws.sns.TopicSubscriptionArgs>;
  /** Every consumer function (named after its operation id in PascalCase, `ConsumePaymentCaptured`). */
  function?: Transform<sst.aws.FunctionArgs, $util.ComponentResourceOptions>;
  /** Each function's logs permission (`<function>Logs`). */
  logsPolicy?: Transform<aws.iam.RolePolicyArgs>;
  /** Each function's event source on its queue (batch size, window, concurrency); named after the function. */
  eventSource?: Transform<sst.aws.QueueSubscriberArgs, $util.ComponentResourceOptions>;
  /** Every application table (named as in the settings). */
  table?: Transform<sst.aws.DynamoArgs, $util.ComponentResourceOptions>;
  /** Every alarm (`<queue>DepthAlarm`, `<queue>AgeAlarm`, `<function>ErrorsAlarm`, `<function>ThrottlesAlarm`). */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
}

/** Where the resources of one kind are created: under the component, with the user's hook for that kind. */
export interface Scope {
  /** The component every resource is a child of. */
  parent: $util.ComponentResource;
  /** The user's hooks, one per resource kind. */
  transform: TopologyTransforms;
  /**
   * The AWS name of a topic or queue the contract names (its binding's `name`): see
   * `awsNameOf` of `@sluice/model`. Without it, SST names them (`<app>-<stage>-<name>…`).
   */
  awsName?: (name: string) => string;
}

/**
 * Applies `transform` to `args` and `opts` of the resource `name`: an object is merged over the
 * arguments, a function edits them in place.
 *
 * @example
 * ```ts
 * import { applyTransform } from '@sluice/infra';
 *
 * const [args] = applyTransform({ fifo: true }, 'PaymentTopic', { fifo: false } as sst.aws.SnsTopicArgs, {});
 * args.fifo; // true
 * ```
 */
export function applyTransform<Args extends object, Options extends object>(transform: Transform<Args, Options> | undefined, name: string, args: Args, opts: Options): [Args, Options] {
  if (typeof transform === 'function') {
    transform(args, opts, name);
    return [args, opts];
  }
  return [{ ...args, ...transform }, opts];
}

/**
 * The options of a resource the component creates: a child of the component, and known by its
 * earlier address at the root of the stack (where the framework created it before it was a
 * component), so that a stack deployed before keeps its resources instead of replacing them.
 *
 * @example
 * ```ts
 * import { childOptions, type Scope } from '@sluice/infra';
 *
 * const opts = childOptions<$util.CustomResourceOptions>({} as Scope); // { parent, aliases: [{ parent: rootStackResource }] }
 * ```
 */
export function childOptions<Options extends $util.CustomResourceOptions | $util.ComponentResourceOptions>(scope: Scope, extra?: Options): Options {
  return { ...extra, parent: scope.parent, aliases: [{ parent: $util.rootStackResource }] } as unknown as Options;
}

/**
 * Creates one resource of a kind: the framework's arguments, the user's hook, then `create`.
 *
 * @example
 * ```ts
 * import { declare, type Scope } from '@sluice/infra';
 *
 * declare({} as Scope, 'table', 'Payments', { fields: { paymentId: 'string' }, primaryIndex: { hashKey: 'paymentId' } } as sst.aws.DynamoArgs, (name, args, opts) => new sst.aws.Dynamo(name, args, opts));
 * ```
 */
export function declare<K extends keyof TopologyTransforms, Args extends object, Options extends $util.CustomResourceOptions | $util.ComponentResourceOptions, R>(
  scope: Scope,
  kind: K,
  name: string,
  args: Args,
  create: (name: string, args: Args, opts: Options) => R,
  opts?: Options,
): R {
  const [finalArgs, finalOpts] = applyTransform(scope.transform[kind] as Transform<Args, Options> | undefined, name, args, childOptions(scope, opts));
  return create(name, finalArgs, finalOpts);
}
