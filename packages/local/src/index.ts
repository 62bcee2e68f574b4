/**
 * @orders/local: the embedded local stack, the Lambda-like event source poller and the orders CLI.
 */
export { startAwsGateway, routeOf, type AwsGateway, type AwsGatewayOptions, type GatewayRoute } from './aws-gateway.ts';
export { interpretBatchResponse, type BatchVerdict } from './batch-response.ts';
export { DeadLetterQueue, type DeadLetter, type DeadLetterQueueOptions } from './dead-letter-queue.ts';
export { EventSourcePoller, type BatchReport, type EventSourcePollerOptions, type SqsHandler } from './event-source-poller.ts';
export { createLambdaContext, type FunctionConfiguration } from './lambda-context.ts';
export { defaultLocalEndpoint, localCredentials, localRegion, localVisibilityTimeoutSeconds } from './local-defaults.ts';
export { startLocalPipeline, type LocalPipeline, type LocalPipelineOptions } from './local-pipeline.ts';
export { startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack.ts';
export { bootstrapPipelineResources, type PipelineResources } from './pipeline-resources.ts';
export { PipelineTarget, type PipelineTargetOptions } from './pipeline-target.ts';
export { toSqsRecord } from './sqs-record.ts';
export { runOrdersCli } from './cli/orders-cli.ts';
