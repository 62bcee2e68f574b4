/// <reference path="../../../../.sst/platform/config.d.ts" />
/** The topics: one per topic of the contract, and the alerts topic every alarm notifies. */
import type { DeploymentPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/**
 * One SNS topic per topic of the plan, by name.
 *
 * @example
 * ```ts
 * import { declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import { topology } from '@orders/contract';
 *
 * const topics = declareTopics({} as Scope, resolvePlan({ topology, settings: {} }));
 * topics.OrderTopic?.arn;
 * ```
 */
export function declareTopics(scope: Scope, plan: DeploymentPlan): Record<string, sst.aws.SnsTopic> {
  const topics: Record<string, sst.aws.SnsTopic> = {};
  for (const topic of plan.topics) {
    topics[topic.name] = declare(scope, 'topic', topic.name, { fifo: topic.fifo } as sst.aws.SnsTopicArgs, (name, args, opts) => new sst.aws.SnsTopic(name, args, opts));
  }
  return topics;
}

/**
 * The alerts topic (`Alerts`): every alarm notifies it when it goes off and when it recovers.
 *
 * @example
 * ```ts
 * import { declareAlertsTopic, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import { topology } from '@orders/contract';
 *
 * const alerts = declareAlertsTopic({} as Scope, resolvePlan({ topology, settings: {} }));
 * ```
 */
export function declareAlertsTopic(scope: Scope, plan: DeploymentPlan): sst.aws.SnsTopic {
  return declare(scope, 'topic', plan.alerts.topic, {} as sst.aws.SnsTopicArgs, (name, args, opts) => new sst.aws.SnsTopic(name, args, opts));
}
