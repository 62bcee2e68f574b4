#!/usr/bin/env node
/**
 * Entry point of `npm run subscriber`: only the Lambda side — the event-source poller running the
 * real subscriber handler — against a stack that runs elsewhere (`npm start -- --no-subscriber`).
 *
 * Two processes mirror AWS, where the queue outlives any function instance: killing this process
 * (even with SIGKILL) loses nothing, because unacknowledged messages reappear on the queue after
 * the visibility timeout. The reliability suite's crash scenario depends on that.
 */
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pipelineSettings } from '@orders/core';
import { EventSourcePoller, type SqsHandler } from '../event-source-poller.ts';
import { defaultLocalEndpoint, endpointEnv, localCredentials, localRegion } from '../local-defaults.ts';

const help = `Usage: npm run subscriber [-- options]

Runs the subscriber handler (packages/functions/src/subscriber.ts) with a Lambda-like SQS poller
against a local stack started elsewhere, e.g. \`npm start -- --no-subscriber\` in another terminal.
Ctrl-C stops it after the batch in flight.

Options:
  --endpoint <url>     the stack's endpoint (default $${endpointEnv} or ${defaultLocalEndpoint})
  --log-level <level>  subscriber log level (POWERTOOLS_LOG_LEVEL; default WARN)
  --quiet              no line per batch
  -h, --help           this help`;

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    'log-level': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${help}\n`);
  process.exit(0);
}
const endpoint = values.endpoint ?? (process.env[endpointEnv] || defaultLocalEndpoint);
const clientConfig = { endpoint, region: localRegion, credentials: localCredentials };
const sqs = new SQSClient(clientConfig);

let queueUrl: string;
let queueArn: string;
try {
  queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: pipelineSettings.queue.name }))).QueueUrl!;
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  queueArn = attrs.Attributes!.QueueArn!;
} catch (error) {
  process.stderr.write(`No ${pipelineSettings.queue.name} at ${endpoint} (${(error as Error).message}). Start the stack first: npm start -- --no-subscriber\n`);
  process.exit(2);
}

// The function's environment, as Lambda (and `npm start`) give it, before the handler is loaded.
process.env[pipelineSettings.env.tableName] ??= pipelineSettings.table.name;
process.env.AWS_ENDPOINT_URL ??= endpoint;
process.env.AWS_REGION ??= localRegion;
process.env.AWS_ACCESS_KEY_ID ??= localCredentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY ??= localCredentials.secretAccessKey;
process.env.AWS_LAMBDA_FUNCTION_NAME ??= pipelineSettings.subscriber.name;
process.env.POWERTOOLS_LOG_LEVEL = values['log-level'] ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN';
const { handler } = (await import('@orders/functions/subscriber')) as { handler: SqsHandler };

const { subscriber } = pipelineSettings;
const time = () => new Date().toISOString().slice(11, 23);
const poller = new EventSourcePoller({
  sqs,
  queueUrl,
  queueArn,
  handler,
  function: { functionName: subscriber.name, timeoutSeconds: subscriber.timeoutSeconds, memoryMB: subscriber.memoryMB, region: localRegion },
  batchSize: subscriber.batchSize,
  batchWindowSeconds: subscriber.batchWindowSeconds,
  onBatch: (r) => {
    if (!values.quiet) process.stdout.write(`${time()} batch of ${r.records.length}: ${r.succeeded.length} done, ${r.failed.length} left for retry${r.batchFailure ? ` [whole batch: ${r.batchFailure}]` : ''} in ${r.durationMs} ms\n`);
  },
  onError: (error) => process.stderr.write(`${time()} poller: ${(error as Error).message} (retrying)\n`),
});
poller.start();
process.stdout.write(`subscriber polling ${queueUrl} at ${endpoint} (batch ${subscriber.batchSize}, window ${subscriber.batchWindowSeconds} s)\n`);

// Ctrl-C arrives twice (terminal and tsx's relay): stop once.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await poller.stop();
  sqs.destroy();
  process.stdout.write(`${time()} subscriber stopped after ${poller.batches} batch(es).\n`);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
