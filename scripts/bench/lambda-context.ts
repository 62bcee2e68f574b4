/**
 * A Lambda `Context` for handlers invoked outside Lambda (the bench's workers and cold-start probe
 * share this shape; the probe, plain JavaScript, repeats it).
 */
import type { Context } from 'aws-lambda';

/** A context whose deadline is always `timeoutMs` away (Powertools idempotency reads it). */
export function benchLambdaContext(functionName: string, timeoutMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: 'bench-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => timeoutMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
