/**
 * A local Lambda SQS event source mapping: polls the queue, invokes the handler with real-shaped
 * events, deletes only the records the handler reported as successful.
 *
 * Faithful to Lambda where it matters for correctness:
 * - receives with every system and message attribute, up to `batchSize` records gathered for at
 *   most `batchWindowSeconds`;
 * - `ReportBatchItemFailures`: listed ids stay on the queue, the rest are deleted;
 * - a thrown error, a timeout (function timeout) or a malformed response leaves the WHOLE batch on
 *   the queue, to be received again after the visibility timeout (and dead-lettered by SQS after
 *   `maxReceiveCount` receives).
 * - up to `concurrency` batches at once, each from its own poller, as Lambda starts with 5
 *   concurrent batches per queue (`maximumConcurrency` in the settings caps both).
 * Simpler than Lambda: no scaling beyond `concurrency`.
 *
 * One deliberate difference: locally a queue's visibility timeout is short (seconds, so that
 * retries and dead-lettering happen while you watch), where AWS insists on one at least as long
 * as the function timeout. So that a batch that runs longer (a cold start on a busy machine, a
 * breakpoint) is not received again, and dead-lettered, while it is still being handled, the
 * poller keeps its messages hidden until the invocation ends (`ChangeMessageVisibility`), as a
 * visibility timeout ≥ the function timeout would. Given to an instance pool, which starts the
 * function timeout once an instance has the invocation, a batch is kept hidden until it ends
 * whatever the queue's visibility timeout. Failures still come back after the short one.
 */
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { changeVisibilityInBatches, deleteMessagesInBatches } from '@sluice/ops';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { interpretBatchResponse } from './batch-response.ts';
import { createLambdaContext, type FunctionConfiguration } from './lambda-context.ts';
import { toSqsRecord } from './sqs-record.ts';

/** The handler signature: the same function Lambda runs. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

/** What happened to one batch; the poller's `onBatch` receives it (the live line of `npm start`). */
export interface BatchReport {
  /** The records the handler was invoked with, as Lambda delivers them. */
  records: SQSRecord[];
  /** Deleted from the queue. */
  succeeded: string[];
  /** Left on the queue (retried after the visibility timeout). */
  failed: string[];
  /** Why the whole batch was left, when it was: the error thrown, a timeout or a malformed response. */
  batchFailure?: string;
  /** How long the invocation took, in milliseconds. */
  durationMs: number;
  /** The metrics the invocation wrote, by name (`RecordsStored: [8]`, `MessageAgeMs: [...]`), when the handler wrote any. */
  metrics?: Record<string, number[]>;
}

/** What an {@link EventSourcePoller} polls, what it invokes, and how. */
export interface EventSourcePollerOptions {
  /** The client it receives, deletes and changes visibility with. */
  sqs: SQSClient;
  /** The queue to poll. */
  queueUrl: string;
  /** The queue's ARN, written into each record's `eventSourceARN`. */
  queueArn: string;
  /** The function to invoke with each batch. */
  handler: SqsHandler;
  /** The function's name, timeout, memory and region, for its Lambda context. */
  function: FunctionConfiguration;
  /** Records per invocation (the consumer's `batchSize` setting). */
  batchSize: number;
  /** Seconds to gather records before invoking (the consumer's `batchWindowSeconds`). */
  batchWindowSeconds: number;
  /** Called after each batch with what became of its records. */
  onBatch?: (report: BatchReport) => void;
  /** The metrics the invocation with this context wrote (see {@link BatchReport.metrics}). */
  metricsOf?: (context: Context) => Record<string, number[]> | undefined;
  /** Errors of the poller itself (receive/delete failed); it keeps polling. */
  onError?: (error: unknown) => void;
  /**
   * Long-poll wait per receive. Short, so that `stop()` returns within about this long.
   * @default 1
   */
  waitTimeSeconds?: number;
  /** Batches handled at once, each by its own polling loop. @default 1 */
  concurrency?: number;
  /**
   * The queue's visibility timeout, when it is shorter than the function timeout: the poller then
   * keeps a batch's messages hidden until its invocation ends (see above).
   */
  visibilityTimeoutSeconds?: number;
  /**
   * The handler enforces the function timeout itself, from the moment an instance takes the
   * invocation (an instance pool does: a cold start's init does not count, as on Lambda, unless it
   * passes the init limit and is retried within the invocation). The poller then starts no timer
   * of its own, and keeps a batch hidden until its invocation ends (up to {@link longestInvocationMs}),
   * whatever the queue's visibility timeout.
   */
  handlerEnforcesTimeout?: boolean;
  /**
   * With {@link handlerEnforcesTimeout}: how long after its receive a batch is kept hidden at most,
   * a backstop (the handler ends every invocation before; one still running then is said through
   * `onError`). @default twice Lambda's init limit plus the function timeout
   */
  longestInvocationMs?: number;
  /**
   * False once whoever acts on this poller's reports is gone (the host process died): the poller
   * then deletes nothing more and stops, and the unacknowledged messages come back after the
   * visibility timeout, as when a Lambda instance is lost.
   */
  isAlive?: () => boolean;
}

/** Lambda's init limit (the instance pool's `INIT_TIMEOUT_MS`), for the default of {@link EventSourcePollerOptions.longestInvocationMs}. */
const INIT_LIMIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `invocation`, or Lambda's timeout error after `timeoutMs`. */
async function withTimeout(invocation: Promise<unknown>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)), timeoutMs);
  });
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first wait after a failed receive; doubled at each failure in a row. */
const POLL_RETRY_MS = 500;
/** The longest wait between receives that keep failing. */
const POLL_RETRY_MAX_MS = 15_000;
/** The same poller error is said again after this long at the soonest. */
const SAME_ERROR_EVERY_MS = 30_000;

/**
 * Polls one queue for one handler.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { EventSourcePoller, type FunctionConfiguration, type SqsHandler } from '@sluice/local';
 *
 * declare const handler: SqsHandler;
 * declare const fn: FunctionConfiguration;
 * const poller = new EventSourcePoller({
 *   sqs: new SQSClient({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' }),
 *   queueUrl: 'http://127.0.0.1:4566/000000000000/PaymentQueue',
 *   queueArn: 'arn:aws:sqs:us-east-1:000000000000:PaymentQueue',
 *   handler,
 *   function: fn,
 *   batchSize: 10,
 *   batchWindowSeconds: 1,
 * });
 * poller.start();
 * await poller.stop(); // finishes the batch in flight first
 * ```
 */
export class EventSourcePoller {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly options: EventSourcePollerOptions;
  /** Batches handled since start. */
  batches = 0;

  constructor(options: EventSourcePollerOptions) {
    this.options = options;
  }

  /** Starts polling (`concurrency` loops); does nothing when it is already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    this.loops = Array.from({ length: concurrency }, () => this.run());
  }

  /** Stops receiving; resolves once the batches in flight (if any) are handled and their successes deleted. */
  async stop(): Promise<void> {
    this.running = false;
    // A loop waiting out its back-off after failed receives stops now, not at the end of the wait.
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.loops);
  }

  /** The back-off waits under way: {@link stop} ends them. */
  private readonly wakers = new Set<() => void>();

  /** Waits `ms`, or until {@link stop}. */
  private backOff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const messages = await this.gather();
        failures = 0;
        // Recovered: the same error later is said again.
        this.lastError = undefined;
        // Even when stopping: messages already received are handled, never dropped mid-way.
        if (messages.length > 0) await this.handleBatch(messages);
      } catch (error) {
        failures++;
        this.reportError(error);
        // Backing off while it keeps failing (a queue deleted, the emulators gone): 0.5 s, doubled up to 15 s.
        if (this.running) await this.backOff(Math.min(POLL_RETRY_MAX_MS, POLL_RETRY_MS * 2 ** Math.min(failures - 1, 5)));
      }
    }
  }

  /** The last error said, and when: the same one again (every loop meets it) is said at most every {@link SAME_ERROR_EVERY_MS}. */
  private lastError: { text: string; at: number } | undefined;

  private reportError(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    if (this.lastError?.text === text && now - this.lastError.at < SAME_ERROR_EVERY_MS) return;
    this.lastError = { text, at: now };
    this.options.onError?.(error);
  }

  private receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    return this.options.sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
      .then((out) => out.Messages ?? []);
  }

  /** Waits for a first message, then gathers up to batchSize for at most the batch window. */
  private async gather(): Promise<Message[]> {
    const { batchSize, batchWindowSeconds } = this.options;
    const messages = await this.receive(batchSize, this.options.waitTimeSeconds ?? 1);
    if (messages.length === 0) return messages;
    const windowEnds = Date.now() + batchWindowSeconds * 1000;
    while (messages.length < batchSize && Date.now() < windowEnds && this.running) {
      const more = await this.receive(batchSize - messages.length, 0);
      if (more.length === 0) await sleep(Math.min(100, Math.max(0, windowEnds - Date.now())));
      messages.push(...more);
    }
    return messages;
  }

  /** One invocation: build the event, call the handler, delete what succeeded. */
  async handleBatch(messages: Message[]): Promise<BatchReport> {
    const started = Date.now();
    const { queueArn, function: fn } = this.options;
    const records = messages.map((m) => toSqsRecord(m, { queueArn, region: fn.region }));
    const ids = records.map((r) => r.messageId);
    const context = createLambdaContext(fn, started);

    let batchFailure: string | undefined;
    let failedIds: ReadonlySet<string> = new Set(ids);
    const keepHidden = this.keepHidden(records);
    try {
      const invocation = Promise.resolve().then(() => this.options.handler({ Records: records }, context));
      const response = await (this.options.handlerEnforcesTimeout ? invocation : withTimeout(invocation, fn.timeoutSeconds * 1000));
      const verdict = interpretBatchResponse(response, ids);
      if (verdict.kind === 'malformed') batchFailure = `malformed batch response: ${verdict.reason}`;
      else failedIds = verdict.failedIds;
    } catch (error) {
      batchFailure = `handler error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    } finally {
      await keepHidden.stop();
    }

    if (this.options.isAlive && !this.options.isAlive()) {
      // Nobody hears of this batch any more: delete nothing, the messages come back.
      this.running = false;
      throw new Error('the host is gone: batch left on the queue');
    }
    const succeeded = batchFailure ? [] : records.filter((r) => !failedIds.has(r.messageId));
    await this.deleteAll(succeeded);
    this.batches++;
    const metrics = this.options.metricsOf?.(context);
    const report: BatchReport = {
      records,
      succeeded: succeeded.map((r) => r.messageId),
      failed: batchFailure ? ids : ids.filter((id) => failedIds.has(id)),
      ...(batchFailure ? { batchFailure } : {}),
      durationMs: Date.now() - started,
      ...(metrics && Object.keys(metrics).length ? { metrics } : {}),
    };
    this.options.onBatch?.(report);
    return report;
  }

  /**
   * While an invocation runs, renews its messages' visibility every half visibility timeout, when
   * the queue's is shorter than the function timeout (see the class comment).
   */
  private keepHidden(records: SQSRecord[]): { stop(): Promise<void> } {
    const visibility = this.options.visibilityTimeoutSeconds;
    const timeoutMs = this.options.function.timeoutSeconds * 1000;
    // A handler that enforces the timeout itself (an instance pool) ends its invocation later than
    // the function timeout after the receive when it starts an instance first: the wait for it, its
    // init (up to the init limit) and, past that, an init retried within the invocation. Its
    // messages stay hidden until it ends, even when the visibility timeout is not shorter than the
    // function timeout, up to `longestInvocationMs` (said when passed). Otherwise the poller's own
    // timer ends the invocation at the function timeout, and the renewals stop there.
    const enforced = this.options.handlerEnforcesTimeout === true;
    if (visibility === undefined || (!enforced && visibility * 1000 >= timeoutMs)) return { stop: async () => {} };
    const longest = enforced ? (this.options.longestInvocationMs ?? 2 * (INIT_LIMIT_MS + timeoutMs)) : timeoutMs;
    const deadline = Date.now() + longest;
    let said = false;
    let renewing: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (Date.now() >= deadline) {
        // The backstop: never hidden for good. Said once: its messages may now be received again.
        if (enforced && !said) {
          said = true;
          this.options.onError?.(new Error(`a batch of ${records.length} record(s) still running ${+(longest / 1000).toFixed(1)} s after its receive, longer than any invocation should: no longer kept hidden, its messages may be received again while it runs`));
        }
        return;
      }
      // One renewal at a time: a tick while one is under way (a slow SQS) makes none, so that none
      // piles up to run after the deadline or the invocation's end.
      if (renewing) return;
      renewing = this.renew(records, visibility)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => (renewing = undefined));
    }, Math.max(500, (visibility * 1000) / 2));
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  /** Hides `records` for another `visibility` seconds, ten per request. */
  private async renew(records: SQSRecord[], visibility: number): Promise<void> {
    await changeVisibilityInBatches(this.options.sqs, this.options.queueUrl, records.map((r) => r.receiptHandle), visibility);
  }

  private async deleteAll(records: SQSRecord[]): Promise<void> {
    await deleteMessagesInBatches(this.options.sqs, this.options.queueUrl, records.map((r) => r.receiptHandle), ({ failed }) => {
      if (failed.length === 0) return;
      // The record will be received again: at-least-once, the handler is idempotent.
      this.options.onError?.(new Error(`DeleteMessageBatch failed for ${failed.length} record(s): ${failed.map((f) => f.message).join('; ')}`));
    });
  }
}
