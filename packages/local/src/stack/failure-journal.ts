/**
 * The local stack's memory of why messages failed: the last {@link HandlerFailure} of each message
 * a consumer could not handle, read from the consumer's own record lines (`record failed`,
 * `record rejected`) and from batches that failed whole, forgotten once the message is handled.
 * The gateway answers `POST /_sluice/failures` from it, so that `dlq list` and the console show
 * the handler's words beside a dead letter instead of "see the consumer log".
 *
 * With a data folder it is kept in `<dataDir>/failures.jsonl` (a line per change, rewritten short
 * on start), so a restarted stack still explains the dead letters it kept. It holds at most
 * `limit` messages, the oldest failures going first.
 *
 * A consumer whose log level hides these lines (`ERROR` a rejection's, `SILENT` both) still writes
 * them for the journal alone on the stack (`FAILURE_LINES_ENV` of `@sluice/runtime/settings`,
 * which `startFunctions` sets), and the stack never shows those. What it cannot know: a failure of
 * a consumer that writes neither (a handler of its own, not `defineConsumer`'s); those dead
 * letters keep "see the consumer log".
 */
import { appendFileSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isHandlerFailure, type HandlerFailure } from '@sluice/ops';
import type { BatchReport } from '../lambda/event-source-poller.ts';

/** The options of a {@link FailureJournal}. */
export interface FailureJournalOptions {
  /** The file it is kept in (`<dataDir>/failures.jsonl`); in memory only when absent. */
  file?: string;
  /** How many messages' failures it keeps. @default 10_000 */
  limit?: number;
  /** Told when the file cannot be read or written (the journal goes on in memory). */
  onEvent?: (line: string) => void;
}

/** A line of the file: a failure, or a message forgotten (handled since). */
type JournalLine = HandlerFailure | { forget: string };

/** The consumer's record line fields the journal reads (see the runtime's `defineConsumer`). */
interface RecordLine {
  message?: unknown;
  messageId?: unknown;
  operation?: unknown;
  outcome?: unknown;
  code?: unknown;
  reasons?: unknown;
  receiveCount?: unknown;
  timestamp?: unknown;
}

/** What a batch or a line changes in a journal: messages handled since (forgotten), failures to keep. */
export interface FailureChanges {
  /** The SQS message ids handled since they failed (deleted from their queue): forgotten first. */
  forget: string[];
  /** The failures to keep, each replacing an earlier one of its message. */
  record: HandlerFailure[];
}

/**
 * The failure one line a consumer wrote tells of: a `record failed` or `record rejected` line of
 * this consumer; undefined for anything else (the handler's own lines, other levels, text that is
 * not JSON).
 *
 * @example
 * ```ts
 * import { failureOfLogLine } from '@sluice/local';
 *
 * failureOfLogLine('consumeOrderPlaced', '{"message":"record failed","messageId":"m-1","operation":"consumeOrderPlaced","outcome":"failed","code":"Error","reasons":["boom"]}')?.reasons; // ['boom']
 * failureOfLogLine('consumeOrderPlaced', 'listening'); // undefined
 * ```
 */
export function failureOfLogLine(operationId: string, line: string): HandlerFailure | undefined {
  // The cheap test first: most lines are records processed, or no record's at all.
  if (!line.startsWith('{') || !(line.includes('"record failed"') || line.includes('"record rejected"'))) return undefined;
  let parsed: RecordLine;
  try {
    parsed = JSON.parse(line) as RecordLine;
  } catch {
    return undefined;
  }
  if (parsed.message !== 'record failed' && parsed.message !== 'record rejected') return undefined;
  if (parsed.operation !== operationId || typeof parsed.messageId !== 'string') return undefined;
  if (parsed.outcome !== 'failed' && parsed.outcome !== 'invalid') return undefined;
  const reasons = Array.isArray(parsed.reasons) ? parsed.reasons.filter((r): r is string => typeof r === 'string') : [];
  return {
    messageId: parsed.messageId,
    operationId,
    at: typeof parsed.timestamp === 'string' ? parsed.timestamp : new Date().toISOString(),
    outcome: parsed.outcome,
    ...(typeof parsed.code === 'string' ? { code: parsed.code } : {}),
    reasons,
    ...(typeof parsed.receiveCount === 'number' ? { receiveCount: parsed.receiveCount } : {}),
  };
}

/**
 * What one batch's end changes: the messages deleted are forgotten; a batch that failed whole (a
 * throw outside the records, a timeout, a malformed response) is a failure of each of its messages.
 *
 * @example
 * ```ts
 * import { changesOfBatch, type BatchReport } from '@sluice/local';
 *
 * declare const report: BatchReport; // succeeded ['m-1'], batchFailure 'function timed out after 30 s' for m-2
 * changesOfBatch('consumeOrderPlaced', report); // { forget: ['m-1'], record: [{ messageId: 'm-2', outcome: 'batch failed', reasons: ['function timed out after 30 s'], … }] }
 * ```
 */
export function changesOfBatch(operationId: string, report: BatchReport): FailureChanges {
  if (!report.batchFailure) return { forget: report.succeeded, record: [] };
  const at = new Date().toISOString();
  return {
    forget: report.succeeded,
    record: report.records.map((record) => {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
      return {
        messageId: record.messageId,
        operationId,
        at,
        outcome: 'batch failed' as const,
        reasons: [report.batchFailure!],
        ...(Number.isFinite(receiveCount) && receiveCount > 0 ? { receiveCount } : {}),
      };
    }),
  };
}

/**
 * @example
 * ```ts
 * import { FailureJournal } from '@sluice/local';
 *
 * const journal = new FailureJournal({});
 * journal.fromLogLine('consumeOrderPlaced', '{"level":"ERROR","message":"record failed","messageId":"m-1","operation":"consumeOrderPlaced","outcome":"failed","code":"Error","reasons":["boom"],"receiveCount":1}');
 * journal.lookup(['m-1']); // { 'm-1': { messageId: 'm-1', operationId: 'consumeOrderPlaced', outcome: 'failed', code: 'Error', reasons: ['boom'], receiveCount: 1, at: '…' } }
 * ```
 */
export class FailureJournal {
  private readonly failures = new Map<string, HandlerFailure>();
  private readonly file: string | undefined;
  private readonly limit: number;
  private readonly onEvent: (line: string) => void;
  private linesWritten = 0;
  private writable = true;

  constructor(options: FailureJournalOptions) {
    this.file = options.file;
    this.limit = options.limit ?? 10_000;
    this.onEvent = options.onEvent ?? ((line) => process.stderr.write(`${line}\n`));
    if (this.file) this.load(this.file);
  }

  /** How many messages it holds a failure for. */
  get size(): number {
    return this.failures.size;
  }

  /** Keeps `failure` as the last of its message (replacing an earlier one). */
  record(failure: HandlerFailure): void {
    this.failures.delete(failure.messageId); // re-inserted last: the newest goes last
    this.failures.set(failure.messageId, failure);
    this.write(failure);
    while (this.failures.size > this.limit) this.forget([this.failures.keys().next().value!]);
  }

  /** Forgets the messages handled since they failed (deleted from their queue). */
  forget(messageIds: readonly string[]): void {
    for (const id of messageIds) if (this.failures.delete(id)) this.write({ forget: id });
  }

  /** The failures it holds of these ids. */
  lookup(messageIds: readonly string[]): Record<string, HandlerFailure> {
    const found: Record<string, HandlerFailure> = {};
    for (const id of messageIds) {
      const failure = this.failures.get(id);
      if (failure) found[id] = failure;
    }
    return found;
  }

  /** Reads one line a consumer wrote: see {@link failureOfLogLine}. */
  fromLogLine(operationId: string, line: string): void {
    const failure = failureOfLogLine(operationId, line);
    if (failure) this.record(failure);
  }

  /** Reads one batch's end: see {@link changesOfBatch}. */
  fromBatch(operationId: string, report: BatchReport): void {
    this.apply(changesOfBatch(operationId, report));
  }

  /** Applies changes: forgets first, then records. */
  apply(changes: FailureChanges): void {
    this.forget(changes.forget);
    for (const failure of changes.record) this.record(failure);
  }

  /** Reads the file, keeping the last line of each message, then rewrites it with those alone. */
  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.onEvent(`failure journal: cannot read ${file} (${(error as Error).message}); dead letters from before this start are listed without their handler's words`);
      return;
    }
    let unreadable = 0;
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        unreadable++; // a line cut short by a crash: the others stand
        continue;
      }
      if ('forget' in line) this.failures.delete(line.forget);
      else if (isHandlerFailure(line)) {
        this.failures.delete(line.messageId);
        this.failures.set(line.messageId, line);
      } else unreadable++;
    }
    while (this.failures.size > this.limit) this.failures.delete(this.failures.keys().next().value!);
    if (unreadable > 0) this.onEvent(`failure journal: ${unreadable} unreadable line(s) in ${file} left out (a write cut short?)`);
    this.rewrite();
  }

  /** Writes the file anew with what it holds: one line per message. */
  private rewrite(): void {
    if (!this.file || !this.writable) return;
    const temporary = `${this.file}.tmp`;
    try {
      writeFileSync(temporary, [...this.failures.values()].map((f) => `${JSON.stringify(f)}\n`).join(''), { mode: 0o600 });
      renameSync(temporary, this.file);
      this.linesWritten = this.failures.size;
    } catch (error) {
      // Not left in the data folder, half written or never renamed.
      try {
        unlinkSync(temporary);
      } catch {
        // never written, or a folder by that name (not ours): the failure to say is the one below
      }
      this.stopWriting(error);
    }
  }

  /** Appends one change; once the file holds four lines per message kept (and more than the limit), rewrites it. */
  private write(line: JournalLine): void {
    if (!this.file || !this.writable) return;
    if (this.linesWritten > Math.max(this.limit, 4 * this.failures.size)) return this.rewrite();
    try {
      appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      this.linesWritten++;
    } catch (error) {
      this.stopWriting(error);
    }
  }

  private stopWriting(error: unknown): void {
    this.writable = false;
    this.onEvent(`failure journal: cannot write ${this.file} (${(error as Error).message}); failures are kept in memory until the stack stops`);
  }
}

/** Where a stack's endpoint takes {@link FailureChanges} from consumers that run in another process (`npm run subscriber`). */
export const FAILURE_REPORTS_PATH = '/_sluice/failures/report';

/** Whether `value` is a list of {@link FailureChanges} (what a client sends is checked, not trusted). */
export function isFailureChangesList(value: unknown): value is FailureChanges[] {
  return (
    Array.isArray(value) &&
    value.every(
      (c: Partial<FailureChanges> | null) =>
        typeof c === 'object' && c !== null && Array.isArray(c.forget) && c.forget.every((id) => typeof id === 'string') && Array.isArray(c.record) && c.record.every(isHandlerFailure),
    )
  );
}

/**
 * The failures of consumers that run in this process, sent to the journal of a stack another
 * process runs (`npm run subscriber` against `npm start -- --no-consumers`): a request at most
 * every 200 ms with what changed, in order; forgetting only the messages it reported.
 *
 * @example
 * ```ts
 * import { RemoteFailureJournal } from '@sluice/local';
 *
 * const failures = new RemoteFailureJournal('http://127.0.0.1:4566', (line) => console.error(line));
 * failures.fromLogLine('consumeOrderPlaced', '{"message":"record failed","messageId":"m-1","operation":"consumeOrderPlaced","outcome":"failed","reasons":["boom"]}');
 * await failures.close(); // sends what is left
 * ```
 */
export class RemoteFailureJournal {
  private pending: FailureChanges[] = [];
  private readonly reported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private refused = false;
  private readonly endpoint: string;
  private readonly onEvent: (line: string) => void;

  /**
   * @param endpoint - the stack's endpoint
   * @param onEvent - told once when the stack keeps no failures, and when a report could not be sent
   */
  constructor(endpoint: string, onEvent: (line: string) => void) {
    this.endpoint = endpoint;
    this.onEvent = onEvent;
  }

  /** Reads one line a consumer wrote: see {@link failureOfLogLine}. */
  fromLogLine(operationId: string, line: string): void {
    const failure = failureOfLogLine(operationId, line);
    if (failure) this.add({ forget: [], record: [failure] });
  }

  /** Reads one batch's end: see {@link changesOfBatch}. */
  fromBatch(operationId: string, report: BatchReport): void {
    const changes = changesOfBatch(operationId, report);
    this.add({ forget: changes.forget.filter((id) => this.reported.has(id)), record: changes.record });
  }

  /** Sends what is left; nothing is sent after. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    await this.sending;
    this.refused = true;
  }

  private add(changes: FailureChanges): void {
    if (this.refused || (changes.forget.length === 0 && changes.record.length === 0)) return;
    for (const id of changes.forget) this.reported.delete(id);
    for (const failure of changes.record) {
      this.reported.add(failure.messageId);
      if (this.reported.size > 10_000) this.reported.delete(this.reported.values().next().value!);
    }
    this.pending.push(changes);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 200).unref();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    this.sending = this.sending.then(async () => {
      try {
        const res = await fetch(`${this.endpoint}${FAILURE_REPORTS_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ changes }),
          signal: AbortSignal.timeout(5_000),
        });
        if (res.ok) return;
        if (res.status === 404) {
          this.refused = true;
          this.onEvent(`the stack at ${this.endpoint} keeps no handler failures (it predates them): \`dlq list\` cannot show why a message failed; this terminal's log lines say it`);
          return;
        }
        this.onEvent(`could not tell the stack at ${this.endpoint} why ${changes.reduce((n, c) => n + c.record.length, 0)} message(s) failed (HTTP ${res.status}): \`dlq list\` will not show it; this terminal's log lines say it`);
      } catch (error) {
        this.onEvent(`could not tell the stack at ${this.endpoint} why messages failed (${(error as Error).message}): \`dlq list\` will not show it; this terminal's log lines say it`);
      }
    });
  }
}
