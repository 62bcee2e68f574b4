// Section 3's probe, run as plain `node` in a fresh process per sample (no tsx: nothing but the
// bundle may be loaded). argv: <bundle.mjs> <event.json> [export name, default handler]. Writes its timings as JSON to fd 3.
import { readFileSync, writeSync } from 'node:fs';

const [bundle, eventFile, exportName = 'handler'] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
// The Lambda context shape of scripts/bench/lambda-context.ts.
const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'bench-cold-start',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-cold-start',
  memoryLimitInMB: '512',
  awsRequestId: 'bench-request',
  logGroupName: '/aws/lambda/bench-cold-start',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
  done() {},
  fail() {},
  succeed() {},
};

const started = performance.now();
const handler = (await import(bundle))[exportName];
const imported = performance.now();
const response = await handler(event, context);
const handled = performance.now();
writeSync(
  3,
  JSON.stringify({
    importMs: imported - started,
    firstBatchMs: handled - imported,
    failures: response?.batchItemFailures?.length ?? 0,
    sinceProcessStartMs: handled,
  }),
);
// Keep-alive sockets would hold the process open; a Lambda sandbox would be frozen here.
process.exit(0);
