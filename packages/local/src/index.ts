/**
 * `@sluice/local`: the local runtime. Emulated SNS/SQS and DynamoDB behind one endpoint, the
 * topology's resources, and Lambda emulation (worker-thread instances; the consumers' pollers in
 * the runtime's process by default, a process per consumer with `functionProcesses: 'separate'`). The operator tools are `@sluice/ops`.
 *
 * @packageDocumentation
 */
export { loadApplication, readSettings, readTopology, ApplicationError, type Application } from './application.ts';
export { outOfContractReason, startLocalRuntime, startFunctions, type FunctionOptions, type LocalRuntime, type LocalRuntimeOptions } from './local-runtime.ts';
export { makePrivate, queueUrlOnPort, startEmulators, type Emulators, type EmulatorOptions, type LocalClientConfig } from './stack/emulators.ts';
export { DATA_LOCK_FILE, DataDirInUseError, lockDataDir } from './stack/data-lock.ts';
export { postUpstream, upstreamTarget, type UpstreamReply, type UpstreamTarget } from './stack/upstream.ts';
export { provisionTopology, discoverResources, type LocalResources, type ProvisionOptions } from './stack/provision.ts';
export { bodyLimits, isLoopbackHost, isLoopbackOrigin, routeOf, startAwsGateway, type AwsGateway, type AwsGatewayOptions, type GatewayRoute } from './stack/aws-gateway.ts';
export { MessageMoveTasks } from './stack/message-move-tasks.ts';
export { changesOfBatch, FAILURE_REPORTS_PATH, FailureJournal, failureOfLogLine, RemoteFailureJournal, type FailureChanges, type FailureJournalOptions } from './stack/failure-journal.ts';
export { startWalCheckpointer, BACKSTOP_PAGES, SQLITE_AUTOCHECKPOINT_PAGES, type WalCheckpointer, type WalCheckpointerOptions } from './stack/wal-checkpointer.ts';
export { EventSourcePoller, type BatchReport, type EventSourcePollerOptions, type SqsHandler } from './lambda/event-source-poller.ts';
export { interpretBatchResponse, type BatchVerdict } from './lambda/batch-response.ts';
export { createLambdaContext, type FunctionConfiguration } from './lambda/lambda-context.ts';
export { toSqsRecord } from './lambda/sqs-record.ts';
export { functionSpec, type FunctionSpec } from './lambda/function-environment.ts';
export { TRIAGE_HANDLER_FILE, triageFunctionSpecs } from './lambda/triage-function.ts';
export { FunctionHost, functionProcessesOf, HOST_TYPESCRIPT_LOADER, HOST_V8_OPTIONS, type FunctionHostOptions, type FunctionProcesses } from './lambda/function-host.ts';
export { appearedSinceLaunch, sourceDependencies } from './lambda/source-files.ts';
export { runFunction, type RunFunctionOptions, type RunningFunction } from './lambda/function-runner.ts';
export { INSTANCE_IDLE_ENV, INSTANCE_INIT_TIMEOUT_ENV, INSTANCE_SCALE_UP_ENV } from './lambda/worker-protocol.ts';
export { cpuQuota, idleCoresOver, type CpuQuota, type CpuQuotaSources, type IdleCounters } from './lambda/cpu-quota.ts';
export { startSubscriber, type RunningSubscriber, type SubscriberOptions } from './subscriber.ts';
export { manifestReadStep, watchTopology, type ManifestProblem, type ManifestReadState, type TopologyWatchOptions } from './topology-watch.ts';
export { bannerLines, batchLine, clock, deadLetterRouteOf, leftoversLine, maxReceiveCountOf, type DeadLetterRoute } from './terminal-report.ts';
