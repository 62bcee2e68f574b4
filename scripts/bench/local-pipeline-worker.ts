/**
 * Child-process entry for section 4: the local runtime (`startLocalRuntime`: fauxqs + dynalite
 * behind one endpoint, the consumer in its own process), apart from the producer so that it does
 * not share the producer's event loop.
 *
 * IPC: sends `{ ready: { endpoint, topicArn, tableName } }`; on `{ expect: n }` reports
 * `{ stored: n }` once the poller has deleted n records as processed; on `'stop'` stops the
 * pipeline and sends `{ stopped: { maxRssBytes, rssAtReadyBytes, batches, failedRecords } }`.
 * Subscriber logs go to this process's stdout, which the parent discards.
 */
import { startLocalRuntime } from '@orders/local';

let succeeded = 0;
let failedRecords = 0;
let batches = 0;
let expected = Number.POSITIVE_INFINITY;
let reported = false;

const pipeline = await startLocalRuntime({
  port: 0,
  logLevel: 'SILENT',
  onBatch(_operationId, report) {
    batches++;
    succeeded += report.succeeded.length;
    failedRecords += report.failed.length;
    if (!reported && succeeded >= expected) {
      reported = true;
      process.send?.({ stored: succeeded });
    }
  },
  onEvent(line) {
    if (/failed|exited/.test(line)) process.send?.({ error: line });
  },
});
const rssAtReadyBytes = process.memoryUsage().rss;
const { resources, endpoint } = pipeline;
process.send?.({ ready: { endpoint, topicArn: resources.topics.OrderTopic!.arn, tableName: resources.tables.Orders!.name } });

process.on('message', async (message: unknown) => {
  if (message === 'stop') {
    await pipeline.stop();
    // maxRSS is in kilobytes (getrusage).
    process.send?.({ stopped: { maxRssBytes: process.resourceUsage().maxRSS * 1024, rssAtReadyBytes, batches, failedRecords } }, () => process.exit(0));
    return;
  }
  const expect = (message as { expect?: number }).expect;
  if (expect !== undefined) {
    expected = expect;
    if (!reported && succeeded >= expected) {
      reported = true;
      process.send?.({ stored: succeeded });
    }
  }
});
process.on('disconnect', () => process.exit(0));
