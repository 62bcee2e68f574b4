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
 * dead-lettered; equal instants with different content: the larger SHA-256 digest of the event's
 * contract fields wins (the store's documented rule). The order is decided here on its own; the
 * digest is the store's function, imported, and the fields are the generated contract's: one rule,
 * so a contract edit cannot make the oracle and the store disagree. The table must hold exactly
 * those orders, with exactly those fields.
 *
 * The verdicts are not taken on the consumer's word. Every success line is checked against
 * evidence the consumer does not write: what the store holds and, when the scenario observes it,
 * the wire (the PutItem calls the DynamoDB server answered 200, seen by a proxy in front of it).
 *
 * | verdict for event E of order O | the table (always) | the wire (when observed) |
 * |---|---|---|
 * | `stored` | O's item is E or newer | a write of E applied before the line; no more `stored` claims of E than writes of E |
 * | `duplicate` | O's item is E or newer | a write of E (the same event) applied before the line |
 * | `stale` | O's item is newer than E | a write of a newer event of O applied before the line |
 *
 * "Before the line": the write reached the wire before the line reached the test (the write must
 * have been applied before the condition that gave the verdict was evaluated). Without the wire
 * (a stack whose consumers cannot be observed), `stored` claims of one event are at most one: the
 * store's condition (`#eventVersion < :eventVersion`) lets each event be written once. A verdict
 * that fails a check is `unjustified`: listed, counted, and the ledger does not balance. A consumer
 * that logs `duplicate` for an order it never wrote is caught by the table (no item) and, for an
 * event that is not the latest of its order, by the wire only.
 */
import type { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { lineSplitter } from '@sluice/cli';
import { messages, type OrderPlaced } from '@orders/contract';
import { contentDigestOf } from '@orders/app/store';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';

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
    // The last line too, when the output ends without a newline.
    const lines = lineSplitter((line) => {
      if (line && !this.add(line, source)) onOther?.(line);
    });
    stream.setEncoding('utf8').on('data', (chunk: string) => lines.write(chunk));
    stream.once('end', () => lines.end());
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

/** A write the DynamoDB server applied (a PutItem it answered 200), seen on the wire, not in the consumer's log. */
export interface ObservedWrite {
  /** The contract fields of the item written (its `orderId` among them). */
  event: OrderPlaced;
  /** When the request reached the observer (ms since epoch, the clock of {@link ConsumerLine.at}); applied after that. */
  at: number;
}

export interface LedgerInput {
  sent: readonly Sent[];
  lines: readonly ConsumerLine[];
  deadLetters: readonly DeadLetterRef[];
  table: ReadonlyMap<string, Record<string, unknown>>;
  /** Messages left in the source queue (visible or in flight). */
  queueDepth: number;
  /**
   * Every write to the orders table the server applied, from the wire; absent when the scenario
   * cannot observe the consumers' calls (the verdicts are then checked against the table alone).
   */
  writes?: readonly ObservedWrite[];
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
  /** Success lines checked against the store (and the wire), and how many of them no evidence backs. */
  verdicts: { checked: number; unjustified: number; evidence: 'table and wire' | 'table' };
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

/** The fields an order event has in the contract, in its order: what the store hashes and stores. */
export const CONTRACT_FIELDS: readonly (keyof OrderPlaced & string)[] = messages.OrderPlaced.properties;

/** The store's digest of an event (its contract fields), hex: the tie-break between two events of one order at the same instant. */
export function contentDigest(event: OrderPlaced): string {
  return contentDigestOf(event);
}

/**
 * True when `a` and `b` hold the same value of `field` (both without it too): the ledger's own
 * comparison, value and type (a stored `"3"` is not the event's `3`), not the store's digest,
 * which turns values into text and would take one for the other.
 */
function sameField(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, field: string): boolean {
  return isDeepStrictEqual(a[field], b[field]);
}

/** True when `a` must win over `b` (same order): a later instant, or the same instant and a larger digest. */
export function supersedes(a: OrderPlaced, b: OrderPlaced): boolean {
  const ta = Date.parse(a.timestamp);
  const tb = Date.parse(b.timestamp);
  if (!Number.isFinite(ta) || !Number.isFinite(tb)) throw new Error(`unparseable timestamp ${a.timestamp} or ${b.timestamp}`);
  if (ta !== tb) return ta > tb;
  return contentDigest(a) > contentDigest(b);
}

/** True when `a` and `b` are the same event: every contract field equal, value and type (the ledger's own rule; the store's digest only breaks ties). */
export function sameEvent(a: OrderPlaced, b: OrderPlaced): boolean {
  const x = a as unknown as Readonly<Record<string, unknown>>;
  const y = b as unknown as Readonly<Record<string, unknown>>;
  return CONTRACT_FIELDS.every((field) => sameField(x, y, field));
}

/** The contract fields of a stored item (or a written one), as an event; undefined when a field the contract requires is missing. */
export function eventOfItem(item: Readonly<Record<string, unknown>>): OrderPlaced | undefined {
  const event = Object.fromEntries(CONTRACT_FIELDS.filter((key) => item[key] !== undefined).map((key) => [key, item[key]]));
  const checked = messages.OrderPlaced.check(event);
  return checked.ok || !checked.issues.some((issue) => issue.keyword === 'required') ? (event as unknown as OrderPlaced) : undefined;
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

/** A DynamoDB JSON attribute value, as far as the orders table uses them. */
type AttributeValue = { S?: string; N?: string };

/**
 * The writes to the orders table the server applied, from what a proxy saw: PutItem calls it
 * answered 200 (a failed condition is a 400; a request a fault kept from the server has no answer).
 * Writes by any other call (UpdateItem, BatchWriteItem, TransactWriteItems) are not read: the
 * store makes none, and a verdict resting on one would show up unjustified, not pass unseen.
 */
export function writesOnTheWire(requests: readonly ProxiedRequest[], tableName: string): ObservedWrite[] {
  const writes: ObservedWrite[] = [];
  for (const request of requests) {
    if (request.target !== 'DynamoDB_20120810.PutItem' || request.response?.status !== 200) continue;
    const body = JSON.parse(request.body) as { TableName?: string; Item?: Record<string, AttributeValue> };
    if (body.TableName !== tableName || !body.Item) continue;
    const item = Object.fromEntries(Object.entries(body.Item).map(([key, value]) => [key, value.N !== undefined ? Number(value.N) : value.S]));
    const event = eventOfItem(item);
    if (!event) throw new Error(`a PutItem on ${tableName} without the contract's fields: ${request.body.slice(0, 200)}`);
    writes.push({ event, at: request.at });
  }
  return writes;
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
    const wrong = CONTRACT_FIELDS.filter((key) => !sameField(item, event as unknown as Record<string, unknown>, key));
    if (wrong.length) tableProblems.push(`order ${orderId}: ${wrong.map((k) => `${k} is ${String(item[k])}, expected ${String(event[k])}`).join('; ')} (latest event at ${event.timestamp})`);
  }
  for (const orderId of input.table.keys()) if (!expected.has(orderId)) tableProblems.push(`order ${orderId} stored, but no event of it was published and kept out of the DLQ`);
  if (tableProblems.length) problems.push(`table differs from the oracle: ${listed(tableProblems)}`);

  const verdicts = checkVerdicts(input, find);
  if (verdicts.problems.length) problems.push(`verdicts no evidence backs (${verdicts.evidence}): ${listed(verdicts.problems)}`);

  const redelivered = [...fates.values()].filter((e) => e.successes.length > 1).length;
  const published = fates.size;
  const line =
    `published ${published} = stored ${counts.stored} + duplicate ${counts.duplicate} + stale ${counts.stale} + dead-lettered ${counts['dead-lettered']}` +
    ` + unaccounted ${counts.unaccounted} + double-accounted ${counts['double-accounted']}; redelivered after a success ${redelivered};` +
    ` orders stored ${input.table.size}, expected ${expected.size}${tableProblems.length ? ' (MISMATCH)' : ', table = oracle'};` +
    ` verdicts checked against the ${verdicts.evidence} ${verdicts.checked}, unjustified ${verdicts.problems.length}`;
  return {
    published,
    counts,
    redelivered,
    failureLines,
    verdicts: { checked: verdicts.checked, unjustified: verdicts.problems.length, evidence: verdicts.evidence },
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

/**
 * Checks every success line against the table and, when given, the writes seen on the wire (see
 * the table at the top of this file). Returns one problem per unjustified line.
 */
function checkVerdicts(input: LedgerInput, find: (messageId: string, snsMessageId: string | undefined) => MessageFate | undefined) {
  const evidence: 'table and wire' | 'table' = input.writes ? 'table and wire' : 'table';
  const writesByOrder = new Map<string, ObservedWrite[]>();
  const writesOfEvent = new Map<string, number>();
  for (const write of input.writes ?? []) {
    const list = writesByOrder.get(write.event.orderId) ?? [];
    list.push(write);
    writesByOrder.set(write.event.orderId, list);
    const digest = contentDigest(write.event);
    writesOfEvent.set(digest, (writesOfEvent.get(digest) ?? 0) + 1);
  }
  const storedClaims = new Map<string, { event: OrderPlaced; ids: string[] }>();
  const problems: string[] = [];
  let checked = 0;
  for (const line of input.lines) {
    if (!isSuccess(line.outcome)) continue;
    const entry = find(line.messageId, line.snsMessageId);
    if (!entry) continue; // reported as a line for a message never sent
    checked++;
    const id = entry.sent.id;
    const event = entry.sent.event;
    if (!event) {
      problems.push(`${id}: \`${line.outcome}\`, but it carries no order`);
      continue;
    }
    const about = `${id} (${event.orderId} ${event.status} at ${event.timestamp}) \`${line.outcome}\``;
    const reasons: string[] = [];
    try {
      // The table: what the item of the order is at the end, which only ever moves forward.
      const item = input.table.get(event.orderId);
      const stored = item ? eventOfItem(item) : undefined;
      if (!stored) reasons.push(`the table holds no item of ${event.orderId}`);
      else if (line.outcome === 'stale' ? !supersedes(stored, event) : supersedes(event, stored)) {
        reasons.push(`the table holds ${stored.status} at ${stored.timestamp}, not ${line.outcome === 'stale' ? 'a newer event' : 'this event or a newer one'}`);
      }
      // The wire: a write that justifies the verdict, applied before the line.
      if (input.writes) {
        const before = (writesByOrder.get(event.orderId) ?? []).filter((w) => w.at <= line.at);
        const justified = line.outcome === 'stale' ? before.some((w) => supersedes(w.event, event)) : before.some((w) => sameEvent(w.event, event));
        if (!justified) {
          const seen = (writesByOrder.get(event.orderId) ?? []).length;
          reasons.push(`no write of ${line.outcome === 'stale' ? 'a newer event of the order' : 'this event'} reached the server before the line (${seen} write(s) of ${event.orderId} on the wire in all)`);
        }
      }
    } catch (error) {
      reasons.push(`cannot be ordered against the store (${(error as Error).message})`);
    }
    if (reasons.length) problems.push(`${about}: ${reasons.join('; ')}`);
    if (line.outcome === 'stored') {
      const digest = contentDigest(event);
      const claim = storedClaims.get(digest) ?? { event, ids: [] };
      claim.ids.push(id);
      storedClaims.set(digest, claim);
    }
  }
  // Each `stored` is one write: more claims of one event than writes of it is a claim too many.
  for (const [digest, claim] of storedClaims) {
    const writes = input.writes ? (writesOfEvent.get(digest) ?? 0) : 1;
    if (claim.ids.length > Math.max(writes, 1)) { // none at all: each line is reported above
      const source = input.writes ? `${writes} write(s) of it on the wire` : 'the store writes an event once';
      problems.push(`${claim.event.orderId} ${claim.event.status} at ${claim.event.timestamp} \`stored\` ${claim.ids.length} times (${listed(claim.ids)}), ${source}`);
    }
  }
  return { evidence, checked, problems };
}
