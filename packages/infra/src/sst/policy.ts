/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The statements a binding's `policy` adds (SNS 0.1.0 channel binding, SQS 0.2.0 queue): written
 * after the framework's own statements of the topic's or queue's policy, in IAM's spelling. The
 * framework's Deny statements (TLS only; only the named publishers, or only the subscribed
 * topics and the account's operators, may send) still apply: an explicit Deny wins over any Allow.
 */
import type { PolicyStatementSpec } from '@sluice/runtime/contract';

/**
 * One contract statement in IAM's spelling; `resource` defaults to the topic's or queue's ARN.
 *
 * @example
 * ```ts
 * import { iamStatementOf } from '@sluice/infra';
 *
 * iamStatementOf({ effect: 'Allow', principal: '*', action: 'sqs:SendMessage' }, 'arn:aws:sqs:eu-west-1:123456789012:Payments', 0);
 * // { Sid: 'Contract0', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:123456789012:Payments' }
 * ```
 */
export function iamStatementOf(statement: PolicyStatementSpec, arn: string, index: number): Record<string, unknown> {
  return {
    Sid: `Contract${index}`,
    Effect: statement.effect,
    Principal: statement.principal,
    Action: statement.action,
    Resource: statement.resource ?? arn,
    ...(statement.condition !== undefined ? { Condition: statement.condition } : {}),
  };
}

/**
 * A policy document (JSON) with the contract's statements appended; unchanged without any.
 *
 * @example
 * ```ts
 * import { withContractStatements } from '@sluice/infra';
 *
 * declare const policy: $util.Output<string>;
 * declare const arn: $util.Output<string>;
 * withContractStatements(policy, arn, [{ effect: 'Allow', principal: { AWS: ['123456789012'] }, action: 'sqs:ReceiveMessage' }]);
 * ```
 */
export function withContractStatements(policy: $util.Input<string>, arn: $util.Input<string>, statements: readonly PolicyStatementSpec[] | undefined): $util.Output<string> {
  return $util.all([policy, arn]).apply(([json, resourceArn]) => {
    if (!statements || statements.length === 0) return json;
    const doc = JSON.parse(json) as { Statement: unknown[] };
    doc.Statement = [...doc.Statement, ...statements.map((s, i) => iamStatementOf(s, resourceArn, i))];
    return JSON.stringify(doc);
  });
}
