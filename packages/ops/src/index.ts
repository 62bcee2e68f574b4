/**
 * `@sluice/ops`: operator tools that work against the local stack and AWS alike (dead-letter
 * queues, queue depths, the target) and the commands an application composes into its own CLI.
 *
 * @packageDocumentation
 */
export * from './local-endpoint.ts';
export * from './target.ts';
export * from './queue-depth.ts';
export * from './dead-letter-queue.ts';
export * from './dead-letter-queues.ts';
export * from './queue-roles.ts';
export * from './handler-failures.ts';
export * from './sqs-batches.ts';
export * from './unrouted.ts';
export * from './dead-letter-json.ts';
export * from './rejected-again.ts';
export * from './redrive-sources.ts';
export * from './message-subject.ts';
export * from './owned-queues.ts';
export * from './application-headers.ts';
export { dlqCommand, formatDeadLetterListing, formatDeadLetters, formatUnrouted, whyDeadLettered, type DlqCommandOptions } from './cli/dlq-command.ts';
export { formatSubscriptions, statusCommand, type ShownSubscription } from './cli/status-command.ts';
export { publishMessageCommand, type PublishMessageCommandOptions } from './cli/publish-command.ts';
export { contractModule, targetFlags, targetOptions, withTarget, type ContractModule } from './cli/target-options.ts';
export { opsInvocation, opsProgram } from './cli/ops-cli.ts';
