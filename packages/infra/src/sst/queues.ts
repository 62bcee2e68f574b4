/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The queues, dead-letter queues included, with what the contract says about each (redrive,
 * retention, delay, SQS-managed encryption) and the visibility the plan resolved; the only policy
 * of each queue (TLS only, SNS only from its topics); and the redrive-allow policy of each
 * dead-letter queue (only its own sources may redrive into it).
 */
import type { DeploymentPlan, QueuePlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';
import { withContractStatements } from './policy.ts';

/**
 * One SQS queue per queue of the plan, by name; dead-letter queues first, since their ARNs go into
 * the redrive policies of their sources.
 *
 * @example
 * ```ts
 * import { declareQueues, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const queues = declareQueues({} as Scope, resolvePlan({ topology, settings: {} }));
 * queues.PaymentQueue?.url;
 * ```
 */
export function declareQueues(scope: Scope, plan: DeploymentPlan, key?: aws.kms.Key): Record<string, sst.aws.Queue> {
  const queues: Record<string, sst.aws.Queue> = {};
  for (const queue of plan.queues) queues[queue.name] = declareQueue(scope, queue, queues, key);
  return queues;
}

function declareQueue(scope: Scope, plan: QueuePlan, declared: Record<string, sst.aws.Queue>, key: aws.kms.Key | undefined): sst.aws.Queue {
  const queue = plan.spec;
  const dlq = queue.deadLetter ? declared[queue.deadLetter.queue] : undefined;
  if (queue.deadLetter && !dlq) throw new Error(`queue ${queue.name} redrives to ${queue.deadLetter.queue}, which was not declared first`);
  const args: sst.aws.QueueArgs = {
    fifo: queue.fifo,
    visibilityTimeout: `${plan.visibilityTimeoutSeconds} seconds`,
    ...(dlq && queue.deadLetter ? { dlq: { queue: dlq.arn, retry: queue.deadLetter.maxReceiveCount } } : {}),
    transform: {
      queue: {
        // The binding's name is the AWS name (a framework-derived queue keeps SST's name).
        ...(plan.kind !== 'unrouted' && scope.awsName ? { name: scope.awsName(queue.name) } : {}),
        messageRetentionSeconds: queue.retentionSeconds,
        ...(queue.receiveWaitTimeSeconds !== undefined ? { receiveWaitTimeSeconds: queue.receiveWaitTimeSeconds } : {}),
        ...(queue.deduplicationScope !== undefined ? { deduplicationScope: queue.deduplicationScope } : {}),
        ...(queue.fifoThroughputLimit !== undefined ? { fifoThroughputLimit: queue.fifoThroughputLimit } : {}),
        ...(queue.tags !== undefined ? { tags: { ...queue.tags } } : {}),
        // SNS delivers to it from an encrypted topic: SQS must use a key SNS may use, the deployment's.
        ...(plan.encryption === 'kms' && key ? { kmsMasterKeyId: key.arn, kmsDataKeyReusePeriodSeconds: 300 } : { sqsManagedSseEnabled: true }),
        ...(queue.deliveryDelaySeconds !== undefined ? { delaySeconds: queue.deliveryDelaySeconds } : {}),
      },
    },
  };
  return declare(scope, 'queue', queue.name, args, (name, a, opts) => new sst.aws.Queue(name, a, opts));
}

/**
 * Only its own sources may redrive into a dead-letter queue: one redrive-allow policy per
 * dead-letter queue, by its name.
 *
 * @example
 * ```ts
 * import { declareQueues, declareRedriveAllowPolicies, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const plan = resolvePlan({ topology, settings: {} });
 * declareRedriveAllowPolicies({} as Scope, plan, declareQueues({} as Scope, plan));
 * ```
 */
export function declareRedriveAllowPolicies(scope: Scope, plan: DeploymentPlan, queues: Record<string, sst.aws.Queue>): Record<string, aws.sqs.RedriveAllowPolicy> {
  const policies: Record<string, aws.sqs.RedriveAllowPolicy> = {};
  for (const queue of plan.queues) {
    if (queue.spec.deadLetterFor.length === 0) continue;
    const args: aws.sqs.RedriveAllowPolicyArgs = {
      queueUrl: queues[queue.name]!.url,
      redriveAllowPolicy: $util
        .all(queue.spec.deadLetterFor.map((source) => queues[source]!.arn))
        .apply((arns) => JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: arns })),
    };
    policies[queue.name] = declare(scope, 'redriveAllowPolicy', `${queue.baseName}RedriveAllow`, args, (name, a, opts) => new aws.sqs.RedriveAllowPolicy(name, a, opts));
  }
  return policies;
}

/**
 * The only policy of each queue, by its name: requests without TLS are denied to everyone, and
 * SNS may send only on behalf of the topics subscribed to it, or whose undeliverable
 * notifications it keeps. Declared with plain `aws` resources rather than
 * `SnsTopic.subscribeQueue`, whose queue policy lets any SNS topic, S3 bucket or EventBridge bus
 * send to the queue.
 *
 * @example
 * ```ts
 * import { declareQueuePolicies, declareQueues, declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const plan = resolvePlan({ topology, settings: {} });
 * declareQueuePolicies({} as Scope, plan, declareQueues({} as Scope, plan), declareTopics({} as Scope, plan));
 * ```
 */
export function declareQueuePolicies(scope: Scope, plan: DeploymentPlan, queues: Record<string, sst.aws.Queue>, topics: Record<string, sst.aws.SnsTopic>): Record<string, aws.sqs.QueuePolicy> {
  const policies: Record<string, aws.sqs.QueuePolicy> = {};
  const account = aws.getCallerIdentityOutput({}).accountId;
  for (const queue of plan.queues) {
    const declared = queues[queue.name]!;
    const senders = queue.senders.map((topic) => topics[topic]!);
    const args: aws.sqs.QueuePolicyArgs = {
      queueUrl: declared.url,
      policy: withContractStatements(aws.iam.getPolicyDocumentOutput({
        statements: [
          {
            sid: 'DenyWithoutTls',
            effect: 'Deny',
            actions: ['sqs:*'],
            resources: [declared.arn],
            principals: [{ type: '*', identifiers: ['*'] }],
            conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
          },
          ...(senders.length > 0
            ? [
                {
                  sid: 'SubscribedTopicsOnly',
                  actions: ['sqs:SendMessage'],
                  resources: [declared.arn],
                  principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
                  conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: senders.map((t) => t.arn) }],
                },
              ]
            : []),
          {
            // Same-account IAM policies alone would let any role send: only SNS on behalf of the
            // subscribed topics, and the operator's redrive path (principals of the account), may.
            sid: 'OnlyTopicsAndOperators',
            effect: 'Deny',
            actions: ['sqs:SendMessage'],
            resources: [declared.arn],
            principals: [{ type: '*', identifiers: ['*'] }],
            conditions: [
              ...(senders.length > 0 ? [{ test: 'ArnNotEquals', variable: 'aws:SourceArn', values: senders.map((t) => t.arn) }] : []),
              { test: 'StringNotEquals', variable: 'aws:PrincipalAccount', values: [account] },
            ],
          },
        ],
      }).json, declared.arn, queue.spec.policy),
    };
    policies[queue.name] = declare(scope, 'queuePolicy', `${queue.baseName}Policy`, args, (name, a, opts) => new aws.sqs.QueuePolicy(name, a, opts));
  }
  return policies;
}
