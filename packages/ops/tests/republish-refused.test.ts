/**
 * `dlq redrive` of an unrouted queue on AWS puts each message back by publishing it to its topic
 * (`republish`). A topic whose publishers the settings name refuses every other principal, the
 * operator's role included, and an encrypted topic needs its key: each refusal is said with the
 * setting or permission to add, not as AWS's bare AuthorizationError. Nothing reaches AWS: the
 * SNS client is a stand-in that refuses as SNS does.
 */
import { describe, expect, it } from 'vitest';
import { AuthorizationErrorException, KMSAccessDeniedException, type SNSClient } from '@aws-sdk/client-sns';
import { describeFailure } from '@sluice/cli';
import { republish, republishRefusal } from '@sluice/ops';
import { snsEnvelope } from '../../../tests/helpers/sns-envelope.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:OrderTopic';
const DENIED = `User: arn:aws:sts::123456789012:assumed-role/OnCall/alice is not authorized to perform: SNS:Publish on resource: ${TOPIC_ARN} with an explicit deny in a resource-based policy`;

/** An SNS client whose every request fails with `error`. */
const refusing = (error: Error) => ({ send: async () => Promise.reject(error) }) as unknown as SNSClient;

const unrouted = { MessageId: 'm-1', Body: JSON.stringify(snsEnvelope({ orderId: 'ord-1' }, { eventType: 'OrderPlaced' })) };

describe('a redrive the topic refuses', () => {
  it('names settings.operators.principals and the role to add when the topic policy refuses the publish', async () => {
    const refused = republish(refusing(new AuthorizationErrorException({ message: DENIED, $metadata: {} })), TOPIC_ARN, unrouted);
    await expect(refused).rejects.toThrow(
      `topic OrderTopic refused the redrive's publish (${DENIED}): a redrive of its unrouted queue publishes each message to it again, and its policy lets only the principals of settings.publishers and settings.operators publish. ` +
        "Add 'arn:aws:iam::123456789012:role/OnCall' to settings.operators.principals in the application's settings (operators: { principals: ['arn:aws:iam::123456789012:role/OnCall'] }), " +
        "with the role's path if it has one (AWS names a session by its role's name only, while the policy compares the role's ARN, path included: an IAM Identity Center role's is role/aws-reserved/sso.amazonaws.com/…; aws iam get-role --role-name OnCall --query Role.Arn prints it), deploy, then redrive again",
    );
    // What the command prints: that line, AWS's words once.
    const error = await refused.catch((e: unknown) => e);
    expect(describeFailure(error).split(DENIED)).toHaveLength(2);
  });

  it('says which KMS permissions are missing when the key refuses it', () => {
    const kms = new KMSAccessDeniedException({ message: 'User: arn:aws:iam::210987654321:user/ops is not authorized to perform: kms:GenerateDataKey', $metadata: {} });
    expect(republishRefusal(kms, TOPIC_ARN)).toMatch(/^topic OrderTopic is encrypted with the deployment's key \(MessagesKey\), and KMS refused .*: 'arn:aws:iam::210987654321:user\/ops' needs kms:GenerateDataKey\* and kms:Decrypt on the key\. .*settings\.operators\.principals/);
  });

  it('leaves any other failure as it was', async () => {
    const other = new Error('socket hang up');
    expect(republishRefusal(other, TOPIC_ARN)).toBeUndefined();
    await expect(republish(refusing(other), TOPIC_ARN, unrouted)).rejects.toBe(other);
  });
});
