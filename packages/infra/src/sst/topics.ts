/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The topics: one per topic of the contract, encrypted with the deployment's key (`MessagesKey`),
 * and the alerts topic every alarm notifies, encrypted with its own (`AlertsKey`); and each
 * topic's only policy: no request without TLS, `sns:Publish` only by the principals the settings
 * name for its send operations (by default the deploying account) and by the operators who
 * redrive its unrouted queue (`settings.operators`), CloudWatch alone publishing to the alerts
 * topic besides the account.
 */
import type { DeploymentPlan } from '@sluice/model';
import type { PolicyStatementSpec } from '@sluice/runtime/contract';
import { withContractStatements } from './policy.ts';
import { declare, type Scope } from './transform.ts';

/**
 * One SNS topic per topic of the plan, by name.
 *
 * @example
 * ```ts
 * import { declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const topics = declareTopics({} as Scope, resolvePlan({ topology, settings: {} }));
 * topics.PaymentTopic?.arn;
 * ```
 */
export function declareTopics(scope: Scope, plan: DeploymentPlan, key?: aws.kms.Key): Record<string, sst.aws.SnsTopic> {
  const topics: Record<string, sst.aws.SnsTopic> = {};
  for (const topic of plan.topics) {
    const args: sst.aws.SnsTopicArgs = {
      fifo: topic.fifo,
      transform: {
        topic: {
          // The binding's name is the AWS name.
          ...(scope.awsName ? { name: scope.awsName(topic.name) } : {}),
          ...(key ? { kmsMasterKeyId: key.arn } : {}),
          ...(topic.fifo ? { contentBasedDeduplication: topic.contentBasedDeduplication === true } : {}),
          ...(topic.tags !== undefined ? { tags: { ...topic.tags } } : {}),
        },
      },
    };
    topics[topic.name] = declare(scope, 'topic', topic.name, args, (name, a, opts) => new sst.aws.SnsTopic(name, a, opts));
  }
  return topics;
}

/** Account ids and principal ARNs, apart: what the policy's conditions compare. */
function principalsOf(principals: readonly string[]): { accounts: string[]; arns: string[] } {
  const accounts: string[] = [];
  const arns: string[] = [];
  for (const p of principals) {
    const root = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(p);
    if (/^\d{12}$/.test(p)) accounts.push(p);
    else if (root) accounts.push(root[1]!);
    else arns.push(p);
  }
  return { accounts, arns };
}

/** Account ids and role or user ARNs as a policy's `Principal` names them (an account as its root). */
function principalArnsOf(principals: readonly string[]): string[] {
  const { accounts, arns } = principalsOf(principals);
  return [...new Set([...accounts.map((a) => `arn:aws:iam::${a}:root`), ...arns])];
}

/**
 * The policy document of one topic: TLS only; publish only by `principals` (accounts, roles,
 * users) and `operators` (who redrive its unrouted queue by publishing), denied to every other
 * principal even of the same account (an IAM policy alone would let it); management by the account.
 */
function topicPolicy(topicArn: string, account: string, principals: readonly string[], services: readonly string[], operators: readonly string[] = []): string {
  const { accounts, arns } = principalsOf([...principals, ...operators]);
  const notNamed: Record<string, Record<string, string[]>> = {};
  if (arns.length > 0) notNamed.ArnNotLike = { 'aws:PrincipalArn': arns };
  if (accounts.length > 0) notNamed.StringNotEquals = { 'aws:PrincipalAccount': accounts };
  const allowed = principalArnsOf(principals);
  const statements: unknown[] = [
    { Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sns:*', Resource: topicArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    { Sid: 'PublishersOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn, Condition: { ...notNamed, ...(services.length ? { StringNotEquals: { ...(notNamed.StringNotEquals ?? {}), 'aws:PrincipalServiceName': [...services] } } : {}) } },
    { Sid: 'Publishers', Effect: 'Allow', Principal: { AWS: allowed }, Action: 'sns:Publish', Resource: topicArn },
    {
      Sid: 'AccountManages',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ['sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:Subscribe', 'sns:ListSubscriptionsByTopic', 'sns:DeleteTopic', 'sns:TagResource'],
      Resource: topicArn,
    },
  ];
  if (operators.length > 0) {
    // `dlq redrive` of the unrouted queue publishes each message to the topic again.
    statements.push({ Sid: 'OperatorsRedrive', Effect: 'Allow', Principal: { AWS: principalArnsOf(operators) }, Action: 'sns:Publish', Resource: topicArn });
  }
  if (services.length > 0) {
    statements.push({ Sid: 'ServicesPublish', Effect: 'Allow', Principal: { Service: [...services] }, Action: 'sns:Publish', Resource: topicArn, Condition: { StringEquals: { 'aws:SourceAccount': account } } });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * Each topic's only policy, by topic name (`<topic>Policy`): the contract's topics allow their
 * send operations' principals, the alerts topic the account and CloudWatch.
 *
 * @example
 * ```ts
 * import { declareAlertsTopic, declareTopicPolicies, declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const plan = resolvePlan({ topology, settings: { alerts: { emails: ['oncall@example.com'] } } });
 * declareTopicPolicies({} as Scope, plan, { ...declareTopics({} as Scope, plan), Alerts: declareAlertsTopic({} as Scope, plan) });
 * ```
 */
export function declareTopicPolicies(scope: Scope, plan: DeploymentPlan, topics: Record<string, sst.aws.SnsTopic>): Record<string, aws.sns.TopicPolicy> {
  const account = aws.getCallerIdentityOutput({}).accountId;
  const policies: Record<string, aws.sns.TopicPolicy> = {};
  const wanted: { name: string; principals: (account: string) => string[]; services: string[]; operators?: readonly string[]; statements?: readonly PolicyStatementSpec[] | undefined }[] = [
    ...plan.topics.map((topic) => ({
      name: topic.name,
      statements: topic.policy,
      principals: (a: string) => [...new Set(topic.publishers.flatMap((p) => (p.principals === 'deployingAccount' ? [a] : [...p.principals])))],
      services: [] as string[],
      operators: topic.operators,
    })),
    { name: plan.alerts.topic, principals: (a: string) => [a], services: ['cloudwatch.amazonaws.com'] },
  ];
  for (const { name, principals, services, operators, statements } of wanted) {
    const topic = topics[name]!;
    const args: aws.sns.TopicPolicyArgs = {
      arn: topic.arn,
      policy: withContractStatements($util.all([topic.arn, account]).apply(([arn, a]) => topicPolicy(arn, a, principals(a), services, operators ?? [])), topic.arn, statements),
    };
    policies[name] = declare(scope, 'topicPolicy', `${name.replace(/\.fifo$/, '')}Policy`, args, (n, a, opts) => new aws.sns.TopicPolicy(n, a, opts));
  }
  return policies;
}

/**
 * The alerts topic (`Alerts`): every alarm notifies it when it goes off and when it recovers.
 * `key` is its own (`AlertsKey`), not the messages' key: an alarm about that key must get through.
 *
 * @example
 * ```ts
 * import { declareAlertsTopic, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const alerts = declareAlertsTopic({} as Scope, resolvePlan({ topology, settings: {} }));
 * ```
 */
export function declareAlertsTopic(scope: Scope, plan: DeploymentPlan, key?: aws.kms.Key): sst.aws.SnsTopic {
  const args: sst.aws.SnsTopicArgs = key ? { transform: { topic: { kmsMasterKeyId: key.arn } } } : {};
  return declare(scope, 'topic', plan.alerts.topic, args, (name, a, opts) => new sst.aws.SnsTopic(name, a, opts));
}
