/**
 * A Lambda-like invocation context, so a handler that reads `getRemainingTimeInMillis()` or
 * `awsRequestId` behaves locally as it does in Lambda.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What a Lambda context says about its function. */
export interface FunctionConfiguration {
  /** The function's name (in its ARN and log group). */
  functionName: string;
  /** The function timeout: `getRemainingTimeInMillis()` counts down from it. */
  timeoutSeconds: number;
  /** The memory size, reported as `memoryLimitInMB`. */
  memoryMB: number;
  /** The region in the function ARN. */
  region: string;
  /** Account in the function ARN. @default '000000000000' (what the emulators use) */
  accountId?: string;
}

/**
 * Creates the context of one invocation; the deadline starts now.
 *
 * The legacy callback methods (`done`, `fail`, `succeed`) throw.
 *
 * @param now - when the invocation started, in ms since the epoch; `Date.now()` by default
 *
 * @example
 * ```ts
 * import { createLambdaContext } from '@sluice/local';
 *
 * const context = createLambdaContext({ functionName: 'PaymentSubscriber', timeoutSeconds: 30, memoryMB: 512, region: 'us-east-1' });
 * context.getRemainingTimeInMillis(); // ≈ 30000
 * context.awsRequestId; // a new UUID per context
 * ```
 */
export function createLambdaContext(config: FunctionConfiguration, now = Date.now()): Context {
  const deadline = now + config.timeoutSeconds * 1000;
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is the legacy Lambda callback API; return a value (async handler) instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${config.region}:${config.accountId ?? '000000000000'}:function:${config.functionName}`,
    memoryLimitInMB: String(config.memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${config.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
