/**
 * The ledger: every message sent is reconciled, one to one, with its final fate, observed
 * independently of the subscriber's own counters:
 *
 * - the consumer's structured log lines (one JSON line per record handled: `stored`, `duplicate`,
 *   `stale` are successes; `failed`, `invalid` are failures that leave the message on the queue);
 * - the dead-letter queue, read back;
 * - the table, compared with an oracle computed here.
 *
 * A message is keyed by its SNS MessageId (published through the topic; the consumer logs it as
 * `snsMessageId`, the dead-lettered body holds it in its envelope), or by its SQS MessageId when
 * the test sent it to the queue directly (the consumer logs it as `messageId`, the DLQ keeps it).
 *
 * Fates, each message in exactly one:
 *
 * | fate | evidence |
 * |---|---|
 * | `stored` | exactly one `stored` line (any further lines are `duplicate`/`stale` redeliveries), not dead-lettered |
 * | `duplicate`, `stale` | no `stored` line; the first success line says which; not dead-lettered |
 * | `dead-lettered` | in the DLQ once, and no success line (its failure lines are expected) |
 * | `unaccounted` | no success line and not in the DLQ: lost (e.g. deleted without being handled) |
 * | `double-accounted` | a success line AND dead-lettered, or dead-lettered twice, or two `stored` lines (a second write of one message) |
 *
 * A redelivery after a success (a lost delete, an in-flight batch of a killed process) legitimately
 * adds success lines; they can only be `duplicate` or `stale` (the item already holds this event or
 * a newer one), never a second `stored`.
 *
 * The oracle: per order, the latest event by instant (`Date.parse`) among the messages not
 * dead-lettered; equal instants with different content: the larger SHA-256 digest of the contract
 * fields wins (the store's documented rule, computed here on its own). The table must hold exactly
 * those orders, with exactly those fields.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { OrderPlaced } from '@orders/contract';

export const SUCCESS_OUTCOMES = ['stored', 'duplicate', 'stale'] as const;
export type SuccessOutcome = (typeof SUCCESS_OUTCOMES)[number];
export type Fate = SuccessOutcome | 'dead-lettered' | 'unaccounted' | 'double-accounted';

/** One consumer record line, as far as the ledger reads it. */
export interface ConsumerLine {
  /** Which process wrote it (a subscriber's name, or `runtime`). */
  source: string;
  messageId: string;
  snsMessageId: string | undefined;
  orderId: string | undefined;
  outcome: string;
  receiveCount: number | undefined;
  code: string | undefined;
  /** When the line reached the test (ms since epoch). */
  at: number;
}

/** Collects consumer log lines from any number of processes; other lines are counted and skipped. */
export class ConsumerLog {
  readonly lines: ConsumerLine[] = [];
  /** Lines that are not record lines (subscriber chatter, stack traces). */
  others = 0;
  private lastAt = 0;

  /** Reads one line; returns false when it is not a consumer record line. */
  add(text: string, source: string): boolean {
    this.lastAt = Date.now();
    let parsed: unknown;
    try {
      parsed = text.startsWith('{') ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const line = parsed as Record<string, unknown> | undefined;
    if (!line || typeof line.messageId !== 'string' || typeof line.outcome !== 'string') {
      this.others++;
      return false;
    }
    this.lines.push({
      source,
      messageId: line.messageId,
      snsMessageId: typeof line.snsMessageId === 'string' ? line.snsMessageId : undefined,
      orderId: typeof line.orderId === 'string' ? line.orderId : undefined,
      outcome: line.outcome,
      receiveCount: typeof line.receiveCount === 'number' ? line.receiveCount : undefined,
      code: typeof line.code === 'string' ? line.code : undefined,
      at: this.lastAt,
    });
    return true;
  }

  /** Reads a process's output line by line; `onOther` gets the lines that are not record lines. */
  attach(stream: Readable, source: string, onOther?: (line: string) => void): void {
    let rest = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line && !this.add(line, source)) onOther?.(line);
    });
  }

  /** Waits until no line has arrived for `quietMs` (lines travel through pipes after the queue empties). */
  async quiet(quietMs = 600, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - this.lastAt < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
}

/** A message the test sent, and how the ledger recognises it. */
export interface Sent {
  /** SNS MessageId (`by: 'sns'`) or SQS MessageId (`by: 'sqs'`). */
  id: string;
  by: 'sns' | 'sqs';
  /** The order event it carries; absent for bodies that are not orders. */
  event?: OrderPlaced;
}

export interface DeadLetterRef {
  messageId: string;
  snsMessageId: string | undefined;
}

export interface LedgerInput {
  sent: readonly Sent[];
  lines: readonly ConsumerLine[];
  deadLetters: readonly DeadLetterRef[];
  table: ReadonlyMap<string, Record<string, unknown>>;
  /** Messages left in the source queue (visible or in flight). */
  queueDepth: number;
}

export interface MessageFate {
  sent: Sent;
  fate: Fate;
  /** Success outcomes in the order their lines arrived. */
  successes: SuccessOutcome[];
  failures: number;
  deadLettered: number;
  /** Highest receive count seen in its lines. */
  maxReceiveCount: number;
}

export interface Ledger {
  published: number;
  counts: Record<Fate, number>;
  /** Messages with more than one success line (handled again after a success). */
  redelivered: number;
  /** Failure lines (`failed`, `invalid`): each one a receive that left the message on the queue. */
  failureLines: number;
  ordersExpected: number;
  ordersStored: number;
  tableMatchesOracle: boolean;
  fates: Map<string, MessageFate>;
  /** Every discrepancy, readable; empty when the ledger balances. */
  problems: string[];
  /** One line for the test output. */
  line: string;
  /** Throws with every discrepancy when there is one. */
  assert(): void;
}

/**
 * The contract fields in the order the store hashes them (`eventVersionOf` iterates the contract's
 * properties; the equal-instants scenario checks this list against the contract).
 */
export const HASHED_FIELDS = ['orderId', 'userId', 'itemName', 'quantity', 'status', 'timestamp'] as const satisfies readonly (keyof OrderPlaced)[];

/** SHA-256 of the contract fields, hex: the tie-break between two events of one order at the same instant. */
export function contentDigest(event: OrderPlaced): string {
  const digest = createHash('sha256');
  for (const key of HASHED_FIELDS) digest.update(`${key}\u0000${String(event[key])}\u0000`);
  return digest.digest('hex');
}

/** True when `a` must win over `b` (same order): a later instant, or the same instant and a larger digest. */
export function supersedes(a: OrderPlaced, b: OrderPlaced): boolean {
  const ta = Date.parse(a.timestamp);
  const tb = Date.parse(b.timestamp);
  if (!Number.isFinite(ta) || !Number.isFinite(tb)) throw new Error(`unparseable timestamp ${a.timestamp} or ${b.timestamp}`);
  if (ta !== tb) return ta > tb;
  return contentDigest(a) > contentDigest(b);
}

/** The oracle: the latest event of each order among `events`. */
export function latestByOrder(events: Iterable<OrderPlaced>): Map<string, OrderPlaced> {
  const latest = new Map<string, OrderPlaced>();
  for (const event of events) {
    const current = latest.get(event.orderId);
    if (!current || supersedes(event, current)) latest.set(event.orderId, event);
  }
  return latest;
}

const isSuccess = (outcome: string): outcome is SuccessOutcome => (SUCCESS_OUTCOMES as readonly string[]).includes(outcome);
const MAX_LISTED = 8;

function listed(ids: string[]): string {
  return ids.slice(0, MAX_LISTED).join(', ') + (ids.length > MAX_LISTED ? `, … (${ids.length} in all)` : '');
}

/** Reconciles what was sent with what the consumer logged, the DLQ and the table. Never throws. */
export function reconcileLedger(input: LedgerInput): Ledger {
  const fates = new Map<string, MessageFate>();
  const bySqs = new Map<string, MessageFate>();
  const bySns = new Map<string, MessageFate>();
  const problems: string[] = [];
  for (const sent of input.sent) {
    const entry: MessageFate = { sent, fate: 'unaccounted', successes: [], failures: 0, deadLettered: 0, maxReceiveCount: 0 };
    const index = sent.by === 'sqs' ? bySqs : bySns;
    if (index.has(sent.id)) problems.push(`message ${sent.id} was sent twice under the same id`);
    index.set(sent.id, entry);
    fates.set(sent.id, entry);
  }
  // A body sent straight to the queue may carry any SNS id (or a copy of another's): its SQS id decides.
  const find = (messageId: string, snsMessageId: string | undefined) => bySqs.get(messageId) ?? (snsMessageId ? bySns.get(snsMessageId) : undefined);

  const foreignLines: string[] = [];
  let failureLines = 0;
  for (const line of input.lines) {
    const entry = find(line.messageId, line.snsMessageId);
    if (!entry) {
      foreignLines.push(line.snsMessageId ?? line.messageId);
      continue;
    }
    entry.maxReceiveCount = Math.max(entry.maxReceiveCount, line.receiveCount ?? 0);
    if (isSuccess(line.outcome)) entry.successes.push(line.outcome);
    else {
      entry.failures++;
      failureLines++;
    }
  }
  const foreignLetters: string[] = [];
  for (const letter of input.deadLetters) {
    const entry = find(letter.messageId, letter.snsMessageId);
    if (entry) entry.deadLettered++;
    else foreignLetters.push(letter.snsMessageId ?? letter.messageId);
  }

  const counts: Record<Fate, number> = { stored: 0, duplicate: 0, stale: 0, 'dead-lettered': 0, unaccounted: 0, 'double-accounted': 0 };
  const unaccounted: string[] = [];
  const doubled: string[] = [];
  for (const entry of fates.values()) {
    const stores = entry.successes.filter((o) => o === 'stored').length;
    const describe = () => `${entry.sent.id}${entry.sent.event ? ` (${entry.sent.event.orderId} ${entry.sent.event.status} at ${entry.sent.event.timestamp})` : ''}`;
    if (entry.deadLettered > 1 || (entry.deadLettered === 1 && entry.successes.length > 0) || stores > 1) {
      entry.fate = 'double-accounted';
      doubled.push(`${describe()}: ${entry.deadLettered} time(s) in the DLQ, success lines [${entry.successes.join(', ')}]`);
    } else if (entry.deadLettered === 1) entry.fate = 'dead-lettered';
    else if (entry.successes.length === 0) {
      entry.fate = 'unaccounted';
      unaccounted.push(`${describe()}${entry.failures ? ` after ${entry.failures} failure line(s)` : ', never handled'}`);
    } else entry.fate = stores === 1 ? 'stored' : entry.successes[0]!;
    counts[entry.fate]++;
  }
  if (input.queueDepth !== 0) problems.push(`${input.queueDepth} message(s) still in the source queue`);
  if (unaccounted.length) problems.push(`unaccounted (no success line, not in the DLQ): ${listed(unaccounted)}`);
  if (doubled.length) problems.push(`double-accounted: ${listed(doubled)}`);
  if (foreignLines.length) problems.push(`consumer lines for messages never sent: ${listed([...new Set(foreignLines)])}`);
  if (foreignLetters.length) problems.push(`DLQ holds messages never sent: ${listed(foreignLetters)}`);

  // The oracle, from what was sent and what the DLQ says; the table must equal it.
  const expected = latestByOrder([...fates.values()].filter((e) => e.sent.event && e.fate !== 'dead-lettered').map((e) => e.sent.event!));
  const tableProblems: string[] = [];
  for (const [orderId, event] of expected) {
    const item = input.table.get(orderId);
    if (!item) {
      tableProblems.push(`order ${orderId} missing: expected ${event.status} at ${event.timestamp}`);
      continue;
    }
    const wrong = HASHED_FIELDS.filter((key) => item[key] !== event[key]);
    if (wrong.length) tableProblems.push(`order ${orderId}: ${wrong.map((k) => `${k} is ${String(item[k])}, expected ${String(event[k])}`).join('; ')} (latest event at ${event.timestamp})`);
  }
  for (const orderId of input.table.keys()) if (!expected.has(orderId)) tableProblems.push(`order ${orderId} stored, but no event of it was published and kept out of the DLQ`);
  if (tableProblems.length) problems.push(`table differs from the oracle: ${listed(tableProblems)}`);

  const redelivered = [...fates.values()].filter((e) => e.successes.length > 1).length;
  const published = fates.size;
  const line =
    `published ${published} = stored ${counts.stored} + duplicate ${counts.duplicate} + stale ${counts.stale} + dead-lettered ${counts['dead-lettered']}` +
    ` + unaccounted ${counts.unaccounted} + double-accounted ${counts['double-accounted']}; redelivered after a success ${redelivered};` +
    ` orders stored ${input.table.size}, expected ${expected.size}${tableProblems.length ? ' (MISMATCH)' : ', table = oracle'}`;
  return {
    published,
    counts,
    redelivered,
    failureLines,
    ordersExpected: expected.size,
    ordersStored: input.table.size,
    tableMatchesOracle: tableProblems.length === 0,
    fates,
    problems,
    line,
    assert() {
      if (problems.length) throw new Error(`the ledger does not balance: ${line}\n- ${problems.join('\n- ')}`);
    },
  };
}
