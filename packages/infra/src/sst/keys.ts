/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The deployment's customer-managed KMS keys. `MessagesKey`: every topic of the contract and every
 * queue SNS delivers to are encrypted with it. SQS must decrypt what an encrypted topic delivers,
 * so the queues SNS feeds use the same key; its policy lets SNS and SQS use it, and the account's
 * IAM decide for everyone of the account (consumers get `kms:Decrypt` on it, publishers
 * `kms:GenerateDataKey*`). A publisher the settings name in another account gets
 * `kms:GenerateDataKey*` and `kms:Decrypt` from the key policy itself, through SNS only: its own
 * account's IAM cannot grant use of a key of this account alone, so without it the topic policy
 * would let it publish and KMS refuse. `AlertsKey`: the alerts topic's alone; its policy lets
 * CloudWatch, which publishes the alarms' notifications to it, use it (CloudWatch needs
 * `kms:Decrypt` and `kms:GenerateDataKey*` on the key of an encrypted topic it notifies; the AWS
 * managed `alias/aws/sns` cannot be given to it). Apart, so that `MessagesKey` disabled or pending
 * deletion does not also silence the alarm saying so.
 */
import type { DeploymentPlan, KeyPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/**
 * A key, rotated yearly, with its policy: `key` (by default the plan's `MessagesKey`; the alerts
 * topic's is `plan.alertsKey`).
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
export function declareKey(scope: Scope, plan: DeploymentPlan, key: KeyPlan = plan.key): aws.kms.Key {
  const identity = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({});
  const partition = aws.getPartitionOutput({});
  const args: aws.kms.KeyArgs = {
    description: `Encrypts the topics (${key.topics.join(', ')})${key.queues.length > 0 ? ` and the queues they feed (${key.queues.join(', ')})` : ''}`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: $util.all([identity.accountId, region.region, partition.dnsSuffix]).apply(([account, regionName, dnsSuffix]) => {
      const elsewhere = publishersElsewhere(key.publishers, account);
      return JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          // Without it nobody could administer the key: IAM policies of the account decide.
          { Sid: 'AccountIam', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
          {
            // CloudWatch, for the alerts topic's key: it publishes every alarm's notification.
            Sid: key.name === plan.alertsKey.name ? 'AlarmNotifications' : 'MessagingServices',
            Effect: 'Allow',
            Principal: { Service: [...key.services] },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
          // Publishing to an encrypted topic needs both actions on its key; across accounts only
          // the key policy can grant them (with the publisher's own IAM). Through SNS only.
          ...(elsewhere.length > 0
            ? [
                {
                  Sid: 'PublishersOfOtherAccounts',
                  Effect: 'Allow',
                  Principal: { AWS: elsewhere },
                  Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
                  Resource: '*',
                  Condition: { StringEquals: { 'kms:ViaService': `sns.${regionName}.${dnsSuffix}` } },
                },
              ]
            : []),
        ],
      });
    }),
  };
  return declare(scope, 'key', key.name, args, (name, a, opts) => new aws.kms.Key(name, a, opts));
}

/**
 * The principals of `publishers` in another account than `account`, as a key policy names them
 * (an account id as its root's ARN). The deploying account's are left out: the key policy lets
 * the account's IAM decide for them.
 */
function publishersElsewhere(publishers: readonly string[], account: string): string[] {
  const elsewhere: string[] = [];
  for (const principal of publishers) {
    const owner = /^\d{12}$/.test(principal) ? principal : /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(principal)?.[1];
    if (owner === undefined || owner === account) continue;
    elsewhere.push(/^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal);
  }
  return [...new Set(elsewhere)];
}
