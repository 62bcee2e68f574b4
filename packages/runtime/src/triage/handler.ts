/**
 * The triage function's Lambda handler module, deployed by the plan of `@sluice/model` for each
 * topic with an unrouted queue: `handler` is {@link triageUnrouted} configured from the
 * function's environment.
 */
import { triageOptionsFromEnvironment, triageUnrouted } from './triage.ts';

/**
 * The handler Lambda (and the local stack) invokes.
 *
 * @example
 * ```ts
 * import { handler } from '@sluice/runtime/triage/handler';
 *
 * await handler({ Records: [] }); // { batchItemFailures: [] }
 * ```
 */
export const handler = triageUnrouted(triageOptionsFromEnvironment(process.env));
