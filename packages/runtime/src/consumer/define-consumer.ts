/**
 * `defineConsumer`: a typed handler for the messages of one receive operation → a Lambda SQS
 * handler with partial batch responses.
 *
 * For every record of a batch, independently and concurrently (in order, on a FIFO queue):
 * 1. decode: SNS envelope or raw body, from a topic the queue is subscribed to; the
 *    `eventType`/`schemaVersion` attributes pick the message;
 * 2. validate with the generated validator, keep only the contract's fields (tolerant reader);
 * 3. check the headers (message attributes) against the contract's headers schema: a header the
 *    schema requires missing (a `tenantId`), a value outside what it allows, a header it does not
 *    declare where it allows no others, rejects the message as a payload violation does (`invalid`,
 *    code `MESSAGE_HEADERS_INVALID`, the reasons naming each header: `tenantId: is required`);
 *    the framework's optional headers (`correlationId`, `traceparent`) out of bounds (a 200 KB
 *    correlationId) are refused, not the message: neither logged, nor passed to the handler, nor
 *    propagated; the record's log line says so under `headersRefused` (code `HEADERS_INVALID`, the
 *    header, why, its length and first characters); so is one sent as a Binary message attribute
 *    (a Binary correlationId is no correlation id), its reason saying so;
 * 4. call the handler with the typed payload;
 * 5. log one JSON line (the framework's {@link ConsumerLogger}: the fields Powertools Logger writes):
 *    ids, outcome, code and reasons (never the payload: it may hold personal data).
 *
 * | outcome | when | SQS |
 * |---|---|---|
 * | what the handler returns (`stored`, …), else `done` | the handler resolved | deleted |
 * | `invalid` | the record breaks the contract (its payload, or the headers it requires) or comes from elsewhere (stable code), or the handler threw `RecordRejected` | retried, then dead-lettered |
 * | `failed` | the handler threw anything else (throttling, network, a bug) | retried, then dead-lettered |
 *
 * Only `invalid` and `failed` records are reported in `batchItemFailures`: a neighbour's failure
 * never makes a success run again. Enable `ReportBatchItemFailures` on the event source
 * (`sst.config.ts` does, from the topology). On a FIFO queue the records of the same message
 * group after a failure are reported too, unprocessed, so that nothing overtakes a message that
 * will be retried; the other groups' records are processed.
 *
 * Each invocation also writes its metrics (CloudWatch embedded metric format, the lines Powertools
 * Metrics would write, by the framework's own {@link EmfMetrics}; dimension `service` = the operation id): `Records<Outcome>` per outcome (`RecordsStored`,
 * `RecordsInvalid`, ...; `RecordsInvalid` and `RecordsFailed` always, 0 included), `MessageAgeMs`
 * per record (from the SNS publish, else from the send to SQS), `BatchSize`, and `ColdStart` once.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MessageMap, PayloadOf, ReceiveOperation } from '../contract/model.ts';
import { ConfigurationError } from '../resources.ts';
import { FAILURE_LINE_PREFIX, FAILURE_LINES_ENV, SOURCE_TOPICS_ENV } from '../settings.ts';
import { BINARY_HEADER_REASON, createDecoder, FRAMEWORK_HEADERS, type DecodeResult } from './decode-record.ts';
import { EmfMetrics, MetricUnit, type ConsumerMetrics } from './emf.ts';
import { ConsumerLogger, LOG_LEVEL_THRESHOLDS, type StructuredLogger } from './logger.ts';
import { RecordRejected } from './errors.ts';
import { toIssues, type AjvError } from '../contract/issues.ts';
import type { MessageContract } from '../contract/model.ts';

/**
 * The stable code of the framework's optional headers a consumer refuses (`correlationId`,
 * `traceparent` out of bounds, or sent as Binary message attributes: they are dropped, the message
 * is processed, the record's log line names them under `headersRefused`). A message whose
 * headers break what its contract requires is rejected instead: `MESSAGE_HEADERS_INVALID`.
 */
export const HEADERS_INVALID = 'HEADERS_INVALID';

/** How much of a refused header value a log line shows. */
const SHOWN_HEADER_CHARACTERS = 32;

/** One refused framework header of a record's log line (`headersRefused.headers`): a string value's length and first characters; a Binary one has none. */
interface RefusedHeader {
  header: string;
  reason: string;
  length?: number;
  startsWith?: string;
}

/** The refused headers of a record that has none (shared, never written to). */
const NONE_REFUSED: RefusedHeader[] = [];

/**
 * The message's attributes without the framework's optional headers (`correlationId`,
 * `traceparent`) that break the contract's header schema, and why each was refused (values cut to
 * their first characters); those that arrived as Binary attributes (`binary`: never among the
 * attributes) are refused too, said as such, not dropped in silence. The decoder checked the rest
 * already: the identity (`eventType`, `schemaVersion`), and the headers the contract requires or
 * declares (a violation rejects the message: `MESSAGE_HEADERS_INVALID`), a framework header the
 * contract requires included.
 */
function checkHeaders(contract: MessageContract, attributes: Readonly<Record<string, string>>, binary: readonly string[] = []): { attributes: Readonly<Record<string, string>>; refused: RefusedHeader[] } {
  // Almost every record has none: no array is made for it.
  const refusedBinary: RefusedHeader[] = binary.length === 0 ? NONE_REFUSED : binary.map((header) => ({ header, reason: BINARY_HEADER_REASON }));
  const validate = contract.validateHeaders as (((data: unknown) => boolean) & { errors?: AjvError[] | null }) | undefined;
  if (!validate || FRAMEWORK_HEADERS.every((h) => attributes[h] === undefined) || validate(attributes)) return { attributes, refused: refusedBinary };
  const refused: RefusedHeader[] = toIssues(validate.errors)
    .filter((issue) => FRAMEWORK_HEADERS.includes(issue.path) && attributes[issue.path] !== undefined)
    .map((issue) => {
      const value = attributes[issue.path] ?? '';
      return { header: issue.path, reason: issue.message, length: value.length, startsWith: value.slice(0, SHOWN_HEADER_CHARACTERS) };
    });
  if (refused.length === 0) return { attributes, refused: refusedBinary };
  const kept: Record<string, string> = { ...attributes };
  for (const r of refused) delete kept[r.header];
  return { attributes: Object.freeze(kept), refused: [...refused, ...refusedBinary] };
}

/** Every way a record can end, besides the outcomes a handler names. */
export type FrameworkOutcome = 'done' | 'invalid' | 'failed';

/** How long the text of a thrown value that is no Error may be in a reason. */
const THROWN_VALUE_CHARACTERS = 300;

/**
 * The text of a value thrown that is no Error (`throw { code: 'E42' }`, `throw 'nope'`): a string
 * as it is, anything else as JSON (cut short), so that a reason never reads `[object Object]`.
 */
function thrownValueText(value: unknown): string {
  if (typeof value === 'string') return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // circular, or a BigInt inside
  }
  text ??= String(value);
  const shown = text.length > THROWN_VALUE_CHARACTERS ? `${text.slice(0, THROWN_VALUE_CHARACTERS)}…` : text;
  const kind = value === null || value === undefined ? String(value) : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return `the handler threw ${kind}, not an Error: ${shown}`;
}

/** What a handler knows about the record it is handling. */
export interface ConsumerContext<M extends MessageMap = MessageMap> {
  /** Which of the operation's messages this is. */
  readonly message: keyof M & string;
  /** The SQS message id. */
  readonly messageId: string;
  /** The SNS message id (unchanged across SNS retries), when the body was an SNS envelope. */
  readonly snsMessageId: string | undefined;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  readonly receiveCount: number;
  /** The message's string attributes (`eventType`, `schemaVersion`, `correlationId`, …). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The `correlationId` attribute, when the publisher set one: pass it on to what this handler publishes. */
  readonly correlationId: string | undefined;
  /** The raw record, for what the framework does not surface. */
  readonly record: SQSRecord;
  /** The Lambda invocation context. */
  readonly lambda: Context;
  /**
   * A logger (a child of the consumer's {@link ConsumerLogger}) whose every line carries the
   * invocation (request id, cold start) and the record's ids (messageId, snsMessageId,
   * correlationId). Log a message as `{ payment }`; spread into the line, the keys of the line's
   * own fields (`timestamp`, `level`, `message`, `service`, `sampling_rate`) are kept as
   * `field_timestamp`, ... instead of being dropped.
   */
  readonly logger: StructuredLogger;
  /** Adds fields to this record's one log line (e.g. `{ paymentId }`): ids, not personal data. */
  annotate(fields: Record<string, string | number | boolean | undefined>): void;
}

type PayloadUnion<M extends MessageMap> = { [N in keyof M]: PayloadOf<M[N]> }[keyof M];
type HandlerResult = string | void | undefined;

/** One function for every message of the operation: `payload` is the union of their types. */
export type ConsumerHandler<M extends MessageMap> = (payload: PayloadUnion<M>, context: ConsumerContext<M>) => Promise<HandlerResult> | HandlerResult;

/** One function per message, by name: each gets its own payload type. */
export type ConsumerHandlers<M extends MessageMap> = {
  [N in keyof M]: (payload: PayloadOf<M[N]>, context: ConsumerContext<M>) => Promise<HandlerResult> | HandlerResult;
};

/** The Lambda handler `defineConsumer` returns; `operation` says what it consumes. */
export type SqsConsumer<Op extends ReceiveOperation = ReceiveOperation> = ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) & {
  readonly operation: Op;
};

/** The options of {@link defineConsumer}; every one has a default fit for Lambda. */
export interface ConsumerOptions {
  /**
   * Where the lines go: a {@link ConsumerLogger}, or a Powertools `Logger` (it has the same methods).
   * @default a {@link ConsumerLogger}, service name `$POWERTOOLS_SERVICE_NAME`, else the operation id
   */
  logger?: StructuredLogger;
  /**
   * Where the metrics go: an {@link EmfMetrics}, or a Powertools `Metrics` instance.
   * @default an {@link EmfMetrics}, namespace `$POWERTOOLS_METRICS_NAMESPACE`, else `EventContract`; service the operation id
   */
  metrics?: ConsumerMetrics;
  /**
   * ARNs of the topics the queue is subscribed to: envelopes from any other topic, and raw bodies
   * where no subscription delivers raw, are rejected. `sst.config.ts` and the local runtime set
   * them in `EVENT_SOURCE_TOPIC_ARNS` (comma-separated). Required: without either, every
   * invocation fails (and pages) rather than trusting whoever can send to the queue.
   * @default process.env.EVENT_SOURCE_TOPIC_ARNS
   */
  sourceTopicArns?: readonly string[];
}

/** What happened to one record: the content of its log line. */
export interface RecordReport {
  outcome: string;
  message?: string;
  code?: string;
  reasons?: string[];
  error?: unknown;
  fields: Record<string, unknown>;
}

/**
 * The name of the metric counting records with an outcome: `Records` and the outcome capitalized.
 *
 * @example
 * ```ts
 * import { outcomeMetric } from '@sluice/runtime/consumer';
 *
 * outcomeMetric('stored'); // 'RecordsStored'
 * outcomeMetric('invalid'); // 'RecordsInvalid'
 * ```
 */
export function outcomeMetric(outcome: string): string {
  return `Records${outcome.charAt(0).toUpperCase()}${outcome.slice(1)}`;
}

/** When the message was published (SNS) or, for a raw body, sent to the queue; ms since the epoch. */
function publishedAt(record: SQSRecord, decoded: DecodeResult): number | undefined {
  const published = decoded.envelope?.timestamp ? Date.parse(decoded.envelope.timestamp) : Number.NaN;
  if (Number.isFinite(published)) return published;
  const sent = Number(record.attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? sent : undefined;
}

/**
 * Builds the Lambda handler of a receive operation. Call it at module level: the logger, the
 * decoder and whatever the handler's module creates alongside belong to Lambda's init phase.
 *
 * @param operation - a receive operation of the generated `operations`
 * @param handle - one function for every message, or one per message name; what it returns (a
 *   string) is the record's outcome, `done` when it returns nothing
 * @param options - logger, metrics and the topics the queue is subscribed to
 * @returns the Lambda handler (SQS event → partial batch response), with `operation` on it
 * @throws TypeError when `operation` is not a receive operation, or `handle` is an object that
 *   misses one of its messages or names one it does not receive
 *
 * @example
 * ```ts
 * import { defineConsumer } from '@sluice/runtime/consumer';
 * import type { MessageContract, ReceiveOperation } from '@sluice/runtime/contract';
 *
 * declare const consumePaymentCaptured: ReceiveOperation<'consumePaymentCaptured', { PaymentCaptured: MessageContract<{ paymentId: string }> }>;
 * declare function save(paymentId: string): Promise<'stored' | 'duplicate'>;
 *
 * export const handler = defineConsumer(consumePaymentCaptured, async (payment, context) => {
 *   context.annotate({ paymentId: payment.paymentId });
 *   return save(payment.paymentId); // the record's outcome
 * });
 * ```
 */
export function defineConsumer<Op extends ReceiveOperation>(
  operation: Op,
  handle: ConsumerHandler<Op['messages']> | ConsumerHandlers<Op['messages']>,
  options: ConsumerOptions = {},
): SqsConsumer<Op> {
  if (operation?.action !== 'receive') {
    throw new TypeError(`defineConsumer needs a receive operation from the generated operations (operations.<operationId>), got ${JSON.stringify((operation as { id?: string })?.id ?? operation)}`);
  }
  const names = Object.keys(operation.messages);
  if (typeof handle === 'object') {
    const missing = names.filter((n) => typeof (handle as Record<string, unknown>)[n] !== 'function');
    const extra = Object.keys(handle).filter((n) => !names.includes(n));
    if (missing.length || extra.length) {
      throw new TypeError(`defineConsumer(${operation.id}): handlers ${missing.length ? `missing for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `given for ${extra.join(', ')}, which ${operation.id} does not receive` : ''}`);
    }
  }
  const logger = options.logger ?? new ConsumerLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? operation.id });
  // On the local stack: the failures the logger's level hides still reach the stack's journal (FAILURE_LINES_ENV).
  const failureLines = process.env[FAILURE_LINES_ENV] === '1';
  /** Whether the logger surely writes lines of this threshold (false when it does not say its level: a logger of the caller's). */
  const writes = (threshold: number) => {
    const level = (logger as { level?: unknown }).level;
    return typeof level === 'number' && level <= threshold;
  };
  const metrics = options.metrics ?? new EmfMetrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'EventContract', serviceName: operation.id });
  const sourceTopicArns =
    options.sourceTopicArns ??
    process.env[SOURCE_TOPICS_ENV]
      ?.split(',')
      .map((arn) => arn.trim())
      .filter(Boolean);
  // Checked per invocation, not here: a module that throws at load fails its init, which says less.
  // A point-to-point queue (a `send` on its SQS channel, no topic subscribed) has no topics to know:
  // its consumer ran into this error at every batch (the plan gives it an empty list).
  const fedByTopics = (operation.sources ?? []).length > 0;
  const misconfigured =
    fedByTopics && (sourceTopicArns === undefined || sourceTopicArns.length === 0)
      ? new ConfigurationError(
          `${operation.id} does not know which topics its queue ${operation.queue} is subscribed to (${(operation.sources ?? []).map((s) => s.topic).join(', ')}), so it cannot tell their messages from anyone else's: set ${SOURCE_TOPICS_ENV} to their ARNs (sst.config.ts and npm start do), or pass sourceTopicArns to defineConsumer`,
        )
      : undefined;
  const decode = createDecoder(operation, { sourceTopicArns: sourceTopicArns ?? [] });

  async function processRecord(record: SQSRecord, decoded: DecodeResult<Op['messages']>, lambda: Context): Promise<RecordReport> {
    const fields: Record<string, unknown> = {};
    if (decoded.envelope) fields.snsMessageId = decoded.envelope.messageId;
    if (!decoded.ok) {
      const { code, message, issues } = decoded.error;
      return { outcome: 'invalid', code, reasons: issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [message], fields };
    }
    const headers = checkHeaders(decoded.contract, decoded.attributes, decoded.binaryFrameworkHeaders);
    if (headers.refused.length > 0) fields.headersRefused = { code: HEADERS_INVALID, headers: headers.refused };
    const { correlationId, traceparent } = headers.attributes;
    if (correlationId) fields.correlationId = correlationId;
    if (traceparent) fields.traceparent = traceparent;
    let child: StructuredLogger | undefined;
    const context: ConsumerContext<Op['messages']> = {
      message: decoded.name,
      messageId: record.messageId,
      snsMessageId: decoded.envelope?.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
      attributes: headers.attributes,
      correlationId,
      record,
      lambda,
      // Made on first use: most handlers log nothing of their own.
      get logger() {
        return (child ??= logger.createChild({ persistentKeys: { messageId: record.messageId, ...(decoded.envelope ? { snsMessageId: decoded.envelope.messageId } : {}), ...(correlationId ? { correlationId } : {}) } }));
      },
      annotate(extra) {
        for (const [k, v] of Object.entries(extra)) if (v !== undefined) fields[k] = v;
      },
    };
    const fn = typeof handle === 'function' ? handle : (handle as Record<string, ConsumerHandler<Op['messages']>>)[decoded.name]!;
    try {
      const result = await fn(decoded.payload as never, context);
      return { outcome: typeof result === 'string' && result !== '' ? result : 'done', message: decoded.name, fields };
    } catch (error) {
      if (error instanceof RecordRejected) return { outcome: 'invalid', message: decoded.name, code: error.code, reasons: [error.message], fields };
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : thrownValueText(error);
      return { outcome: 'failed', message: decoded.name, code: name, reasons: [message], error, fields };
    }
  }

  /** One record, start to end: its report, its one log line, its metrics; true when it must stay on the queue. */
  async function runRecord(record: SQSRecord, lambda: Context, counts: Map<string, number>): Promise<boolean> {
    const decoded = decode(record);
    const published = publishedAt(record, decoded);
    if (published !== undefined) metrics.addMetric('MessageAgeMs', MetricUnit.Milliseconds, Math.max(0, Date.now() - published));
    const report = await processRecord(record, decoded, lambda);
    counts.set(report.outcome, (counts.get(report.outcome) ?? 0) + 1);
    // One line per record: identity, outcome, reasons. Never the payload (personal data).
    const line = {
      messageId: record.messageId,
      operation: operation.id,
      ...(report.message ? { messageName: report.message } : {}),
      ...report.fields,
      outcome: report.outcome,
      ...(report.code ? { code: report.code } : {}),
      ...(report.reasons ? { reasons: report.reasons } : {}),
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0) || undefined,
    };
    if (report.outcome === 'failed') {
      logger.error('record failed', { ...line, error: report.error as Error });
      if (failureLines && !writes(LOG_LEVEL_THRESHOLDS.ERROR)) writeFailureLine('record failed', line);
    } else if (report.outcome === 'invalid') {
      logger.warn('record rejected', line);
      if (failureLines && !writes(LOG_LEVEL_THRESHOLDS.WARN)) writeFailureLine('record rejected', line);
    } else logger.info('record processed', line);
    return report.outcome === 'failed' || report.outcome === 'invalid';
  }

  const consumer = async (event: SQSEvent, lambda: Context): Promise<SQSBatchResponse> => {
    if (!Array.isArray(event?.Records)) throw new TypeError(`${operation.id} expects an SQS event ({ Records: [...] }), got ${event === null ? 'null' : typeof event}`);
    logger.addContext(lambda);
    metrics.captureColdStartMetric(lambda.functionName);
    if (misconfigured) throw misconfigured;
    const records = event.Records;
    const counts = new Map<string, number>([
      ['invalid', 0],
      ['failed', 0],
    ]);
    const failed: string[] = [];
    try {
      if (records.length > 0 && records[0]!.eventSourceARN?.endsWith('.fifo')) {
        // In order. After a failure, the rest of that message group go back unprocessed, so that
        // none overtakes the record retried; the other groups' records go on. Every record handed
        // back costs a receive: stopping the whole batch at a poison message made its neighbours
        // of other groups come back with it, batch after batch, until their own receives ran out
        // and SQS dead-lettered them untried.
        const stopped = new Set<string | undefined>();
        for (const record of records) {
          const group = record.attributes?.MessageGroupId;
          if (stopped.has(group)) failed.push(record.messageId);
          else if (await runRecord(record, lambda, counts)) {
            failed.push(record.messageId);
            stopped.add(group);
          }
        }
      } else {
        const stays = await Promise.all(records.map((record) => runRecord(record, lambda, counts)));
        stays.forEach((stay, i) => stay && failed.push(records[i]!.messageId));
      }
    } finally {
      metrics.addMetric('BatchSize', MetricUnit.Count, records.length);
      for (const [outcome, count] of counts) metrics.addMetric(outcomeMetric(outcome), MetricUnit.Count, count);
      metrics.publishStoredMetrics();
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
  return Object.assign(consumer, { operation });
}

/** A record's failure line for the local stack's journal only (see {@link FAILURE_LINES_ENV}): on stderr, one line, never shown. */
function writeFailureLine(message: 'record failed' | 'record rejected', line: Record<string, unknown>): void {
  const fields = JSON.stringify({ message, ...line });
  process.stderr.write(`${FAILURE_LINE_PREFIX}${fields.slice(1)}\n`);
}
