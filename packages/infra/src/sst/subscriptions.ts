/// <reference path="../../../../.sst/platform/config.d.ts" />
/** The subscriptions: each queue to its topics, and the alert addresses to the alerts topic. */
import type { DeploymentPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/**
 * One SNS → SQS subscription per subscription of the plan, by its name (`PaymentTopicToPaymentQueue`),
 * with the filter policy that keeps what its consumer does not declare out of the queue, and a
 * dead-letter queue for what SNS cannot deliver.
 *
 * @example
 * ```ts
 * import { declareQueues, declareSubscriptions, declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const plan = resolvePlan({ topology, settings: {} });
 * declareSubscriptions({} as Scope, plan, declareTopics({} as Scope, plan), declareQueues({} as Scope, plan));
 * ```
 */
export function declareSubscriptions(scope: Scope, plan: DeploymentPlan, topics: Record<string, sst.aws.SnsTopic>, queues: Record<string, sst.aws.Queue>): Record<string, aws.sns.TopicSubscription> {
  const subscriptions: Record<string, aws.sns.TopicSubscription> = {};
  for (const subscription of plan.subscriptions) {
    const dlq = subscription.deadLetterQueue ? queues[subscription.deadLetterQueue] : undefined;
    const args: aws.sns.TopicSubscriptionArgs = {
      topic: topics[subscription.topic]!.arn,
      protocol: 'sqs',
      endpoint: queues[subscription.queue]!.arn,
      rawMessageDelivery: subscription.rawMessageDelivery,
      // No policy at all (a triage subscription's `{}`): every publish, the attribute-less ones included.
      ...(Object.keys(subscription.filterPolicy).length > 0 ? { filterPolicy: JSON.stringify(subscription.filterPolicy), filterPolicyScope: subscription.filterPolicyScope } : {}),
      ...(dlq ? { redrivePolicy: dlq.arn.apply((arn) => JSON.stringify({ deadLetterTargetArn: arn })) } : {}),
    };
    subscriptions[subscription.name] = declare(scope, 'subscription', `${subscription.name}Subscription`, args, (name, a, opts) => new aws.sns.TopicSubscription(name, a, opts));
  }
  return subscriptions;
}

/**
 * An email subscription to the alerts topic for each address the settings list, by address.
 *
 * @example
 * ```ts
 * import { declareAlertSubscriptions, declareAlertsTopic, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const plan = resolvePlan({ topology, settings: { alerts: { emails: ['oncall@example.com'] } } });
 * declareAlertSubscriptions({} as Scope, plan, declareAlertsTopic({} as Scope, plan));
 * ```
 */
export function declareAlertSubscriptions(scope: Scope, plan: DeploymentPlan, alerts: sst.aws.SnsTopic): Record<string, aws.sns.TopicSubscription> {
  const subscriptions: Record<string, aws.sns.TopicSubscription> = {};
  for (const email of plan.alerts.emails) {
    const args: aws.sns.TopicSubscriptionArgs = { topic: alerts.arn, protocol: 'email', endpoint: email };
    subscriptions[email] = declare(scope, 'subscription', `${plan.alerts.topic}To${email.replace(/[^A-Za-z0-9]/g, '')}`, args, (name, a, opts) => new aws.sns.TopicSubscription(name, a, opts));
  }
  for (const { protocol, endpoint } of plan.alerts.endpoints) {
    const args: aws.sns.TopicSubscriptionArgs = { topic: alerts.arn, protocol, endpoint };
    subscriptions[endpoint] = declare(scope, 'subscription', `${plan.alerts.topic}To${endpoint.replace(/[^A-Za-z0-9]/g, '').slice(0, 60)}`, args, (name, a, opts) => new aws.sns.TopicSubscription(name, a, opts));
  }
  return subscriptions;
}
