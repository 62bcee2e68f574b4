#!/usr/bin/env node
/**
 * Entry point of `npm start` (and `npm run demo` = `npm start -- --demo`): the whole pipeline on
 * this machine, until Ctrl-C.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pipelineSettings } from '@orders/core';
import { runDemo } from '../demo-run.ts';
import type { BatchReport } from '../event-source-poller.ts';
import { localVisibilityTimeoutSeconds } from '../local-defaults.ts';
import { startLocalPipeline } from '../local-pipeline.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');

const help = `Usage: npm start [-- options]      (npm run demo = npm start -- --demo)

Runs the order pipeline locally, in this process: SNS + SQS (fauxqs), DynamoDB (dynalite) behind
one AWS endpoint, the resources from packages/core/src/settings.ts, and a Lambda-like poller that
runs the real subscriber handler. Ctrl-C stops it after the batch in flight.

Options:
  --port <n>                 endpoint port (default 4566; 0 = any free port)
  --data-dir <path>          DynamoDB data folder (default .orders-data/ in the repository)
  --in-memory                keep DynamoDB in memory (nothing survives a restart)
  --visibility-timeout <s>   queue visibility timeout (default ${localVisibilityTimeoutSeconds} s locally so retries take seconds;
                             deployed: ${pipelineSettings.queue.visibilityTimeoutSeconds} s)
  --log-level <level>        subscriber log level (POWERTOOLS_LOG_LEVEL; default WARN: failures only)
  --no-subscriber            run only the stack; run the subscriber with \`npm run subscriber\`
                             in another terminal (it can then be stopped or killed on its own)
  --demo                     publish the contract's examples and a poison message, wait, print the
                             stored orders and the DLQ, exit (visibility timeout 2 s unless given)
  -h, --help                 this help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'visibility-timeout': { type: 'string' },
        'log-level': { type: 'string' },
        demo: { type: 'boolean' },
        'no-subscriber': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${help}`);
  }
})();
if (values.help) {
  process.stdout.write(`${help}\n`);
  process.exit(0);
}

if (values.demo && values['no-subscriber']) fail('--demo needs the subscriber in this process: drop --no-subscriber');
const port = Number(values.port ?? 4566);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
const visibility = Number(values['visibility-timeout'] ?? (values.demo ? 2 : localVisibilityTimeoutSeconds));
if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200) fail(`--visibility-timeout must be 0..43200 seconds`);
const dataDir = values['in-memory'] ? undefined : resolve(values['data-dir'] ?? resolve(repoRoot, '.orders-data'), 'dynamodb');
process.env.POWERTOOLS_LOG_LEVEL = values['log-level'] ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN';

const time = () => new Date().toISOString().slice(11, 23);
function batchLine(report: BatchReport): string {
  const receives = report.records.map((r) => Number(r.attributes.ApproximateReceiveCount));
  const retried = receives.filter((n) => n > 1).length;
  const head = `${time()} batch of ${report.records.length}: ${report.succeeded.length} done (deleted)`;
  const failed = report.failed.length
    ? `, ${report.failed.length} left for retry (receive ${Math.max(...receives)}/${pipelineSettings.deadLetterQueue.maxReceiveCount})`
    : '';
  const why = report.batchFailure ? ` [whole batch: ${report.batchFailure}]` : '';
  return `${head}${failed}${retried ? `, ${retried} redelivered` : ''}${why} in ${report.durationMs} ms`;
}

let pipeline;
try {
  pipeline = await startLocalPipeline({
    port,
    ...(dataDir ? { dataDir } : {}),
    visibilityTimeoutSeconds: visibility,
    subscriber: !values['no-subscriber'],
    onBatch: (report) => process.stdout.write(`${batchLine(report)}\n`),
    onError: (error) => process.stderr.write(`${time()} poller: ${(error as Error).message} (retrying)\n`),
  });
} catch (error) {
  fail(`Could not start the local pipeline: ${(error as Error).message}`);
}
const { stack } = pipeline;
const r = stack.resources;
const s = pipelineSettings;
process.stdout.write(
  [
    `Orders pipeline running locally (fauxqs 1.9.2 + dynalite 4, one process)`,
    `  endpoint      ${stack.endpoint}   (SNS, SQS and DynamoDB; AWS_ENDPOINT_URL=${stack.endpoint})`,
    `  topic         ${r.topicArn}`,
    `  subscription  ${r.subscriptionArn} (raw delivery ${s.topic.rawMessageDelivery ? 'on' : 'off'})`,
    `  queue         ${r.queueUrl} (visibility ${r.visibilityTimeoutSeconds} s${r.visibilityTimeoutSeconds !== s.queue.visibilityTimeoutSeconds ? `, deployed ${s.queue.visibilityTimeoutSeconds} s` : ''})`,
    `  dead letters  ${r.deadLetterQueueUrl} (after ${s.deadLetterQueue.maxReceiveCount} receives)`,
    `  table         ${r.tableName}`,
    `  data folder   ${stack.dataDir ?? '(in memory: nothing survives a restart)'}`,
    values['no-subscriber']
      ? `  subscriber    not in this process: run \`npm run subscriber\` in another terminal`
      : `  subscriber    ${s.subscriber.handler} (batch ${s.subscriber.batchSize}, window ${s.subscriber.batchWindowSeconds} s, timeout ${s.subscriber.timeoutSeconds} s)`,
    ``,
    values.demo
      ? `Demo:`
      : `Try:  npm run orders -- publish --item-name "Desk lamp" --quantity 2\n      npm run orders -- list\n      AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${stack.endpoint} --region ${r.region} dynamodb scan --table-name ${r.tableName}\nCtrl-C to stop. One line per processed batch:`,
  ].join('\n') + '\n',
);

/** Messages still queued are in fauxqs's memory: say so before they go. */
async function leftovers(): Promise<string> {
  const sqs = new SQSClient(stack.clientConfig);
  try {
    const depth = async (url: string) => {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
      return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
    };
    const [queued, dead] = [await depth(r.queueUrl), await depth(r.deadLetterQueueUrl)];
    return queued + dead === 0 ? '' : ` ${queued} queued and ${dead} dead-lettered message(s) were discarded (queues live in memory${stack.dataDir ? '; orders are on disk' : ''}).`;
  } catch {
    return '';
  } finally {
    sqs.destroy();
  }
}

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${time()} stopping: finishing the batch in flight…\n`);
  await pipeline!.poller?.stop();
  const note = await leftovers();
  await pipeline!.stop();
  process.stdout.write(`${time()} stopped${pipeline!.poller ? ` after ${pipeline!.poller.batches} batch(es)` : ""}.${note}\n`);
  process.exit(code);
}
// A terminal's Ctrl-C reaches this process twice: from the terminal (the whole foreground process
// group) and relayed by tsx, which runs it. Only a second Ctrl-C typed after the first counts.
let firstInterruptAt = 0;
process.on('SIGINT', () => {
  if (stopping) {
    if (Date.now() - firstInterruptAt < 1000) return;
    process.stderr.write('Second Ctrl-C: exiting now.\n');
    process.exit(130);
  }
  firstInterruptAt = Date.now();
  void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));

if (values.demo) {
  const settled = await runDemo(pipeline, { asyncapiPath: resolve(repoRoot, 'asyncapi.yaml'), print: (t) => process.stdout.write(`${t}\n`) });
  if (settled) process.stdout.write(`\nNext: npm start, then npm run orders -- list / dlq list / dlq redrive\n`);
  await shutdown(settled ? 0 : 1);
}
