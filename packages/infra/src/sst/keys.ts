/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The deployment's customer-managed KMS key: every topic (the alerts topic included) and every
 * queue SNS delivers to are encrypted with it. SQS must decrypt what an encrypted topic delivers,
 * so the queues SNS feeds use the same key; its policy lets SNS, SQS and CloudWatch (which
 * publishes alarms to the encrypted alerts topic) use it, and the account's IAM decide for
 * everyone else (consumers get `kms:Decrypt` on it, publishers `kms:GenerateDataKey*`).
 */
import type { DeploymentPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/**
 * The key, rotated yearly, with its policy.
 *
 * @example
 * ```ts
 * import { declareKey, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const key = declareKey({} as Scope, resolvePlan({ topology, settings: { alerts: { emails: ['oncall@example.com'] } } }));
 * key.arn;
 * ```
 */
export function declareKey(scope: Scope, plan: DeploymentPlan): aws.kms.Key {
  const identity = aws.getCallerIdentityOutput({});
  const args: aws.kms.KeyArgs = {
    description: `Encrypts the topics (${plan.key.topics.join(', ')}) and the queues they feed (${plan.key.queues.join(', ')})`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: identity.accountId.apply((account) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          // Without it nobody could administer the key: IAM policies of the account decide.
          { Sid: 'AccountIam', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'MessagingServices',
            Effect: 'Allow',
            Principal: { Service: [...plan.key.services] },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
        ],
      }),
    ),
  };
  return declare(scope, 'key', plan.key.name, args, (name, a, opts) => new aws.kms.Key(name, a, opts));
}
