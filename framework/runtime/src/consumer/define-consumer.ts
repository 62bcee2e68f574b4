/**
 * `defineConsumer`: a typed handler for the messages of one receive operation → a Lambda SQS
 * handler with partial batch responses.
 *
 * For every record of a batch, independently and concurrently:
 * 1. decode: SNS envelope or raw body; the `eventType`/`schemaVersion` attributes pick the message;
 * 2. validate with the generated validator, keep only the contract's fields (tolerant reader);
 * 3. call the handler with the typed payload;
 * 4. log one JSON line: ids, outcome, code and reasons (never the payload: it may hold personal data).
 *
 * | outcome | when | SQS |
 * |---|---|---|
 * | what the handler returns (`stored`, …), else `done` | the handler resolved | deleted |
 * | `invalid` | the record breaks the contract (stable code), or the handler threw `RecordRejected` | retried, then dead-lettered |
 * | `failed` | the handler threw anything else (throttling, network, a bug) | retried, then dead-lettered |
 *
 * Only `invalid` and `failed` records are reported in `batchItemFailures`: a neighbour's failure
 * never makes a success run again. Enable `ReportBatchItemFailures` on the event source
 * (`sst.config.ts` does, from the topology).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MessageMap, PayloadOf, ReceiveOperation } from '../contract/model.ts';
import { createDecoder } from './decode-record.ts';
import { RecordRejected } from './errors.ts';

/** Every way a record can end, besides the outcomes a handler names. */
export type FrameworkOutcome = 'done' | 'invalid' | 'failed';

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
  /** A logger (Powertools) whose every line carries the record's ids (messageId, snsMessageId, correlationId). */
  readonly logger: Logger;
  /** Adds fields to this record's one log line (e.g. `{ orderId }`): ids, not personal data. */
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

export interface ConsumerOptions {
  /** @default a Powertools Logger, service name `$POWERTOOLS_SERVICE_NAME`, else the operation id */
  logger?: Logger;
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
 * Builds the Lambda handler of a receive operation. Call it at module level: the logger, the
 * decoder and whatever the handler's module creates alongside belong to Lambda's init phase.
 *
 * @example
 * // app/consumers/consumeOrderPlaced.ts
 * const store = new OrderStore();
 * export const handler = defineConsumer(operations.consumeOrderPlaced, async (order, context) => {
 *   context.annotate({ orderId: order.orderId });
 *   return store.saveIfNewer(order); // 'stored' | 'duplicate' | 'stale'
 * });
 */
export function defineConsumer<Op extends ReceiveOperation>(
  operation: Op,
  handle: ConsumerHandler<Op['messages']> | ConsumerHandlers<Op['messages']>,
  options: ConsumerOptions = {},
): SqsConsumer<Op> {
  if (operation?.action !== 'receive') {
    throw new TypeError(`defineConsumer needs a receive operation from the generated operations (e.g. operations.consumeOrderPlaced), got ${JSON.stringify((operation as { id?: string })?.id ?? operation)}`);
  }
  const names = Object.keys(operation.messages);
  if (typeof handle === 'object') {
    const missing = names.filter((n) => typeof (handle as Record<string, unknown>)[n] !== 'function');
    const extra = Object.keys(handle).filter((n) => !names.includes(n));
    if (missing.length || extra.length) {
      throw new TypeError(`defineConsumer(${operation.id}): handlers ${missing.length ? `missing for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `given for ${extra.join(', ')}, which ${operation.id} does not receive` : ''}`);
    }
  }
  const logger = options.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? operation.id });
  const decode = createDecoder(operation);
  const processor = new BatchProcessor(EventType.SQS);

  async function processRecord(record: SQSRecord, lambda: Context): Promise<RecordReport> {
    const fields: Record<string, unknown> = {};
    const decoded = decode(record);
    if (!decoded.ok) {
      const { code, message, issues } = decoded.error;
      if (decoded.envelope) fields.snsMessageId = decoded.envelope.messageId;
      return { outcome: 'invalid', code, reasons: issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [message], fields };
    }
    if (decoded.envelope) fields.snsMessageId = decoded.envelope.messageId;
    const { correlationId, traceparent } = decoded.attributes;
    if (correlationId) fields.correlationId = correlationId;
    if (traceparent) fields.traceparent = traceparent;
    let child: Logger | undefined;
    const context: ConsumerContext<Op['messages']> = {
      message: decoded.name,
      messageId: record.messageId,
      snsMessageId: decoded.envelope?.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
      attributes: decoded.attributes,
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
      const message = error instanceof Error ? error.message : String(error);
      return { outcome: 'failed', message: decoded.name, code: name, reasons: [message], error, fields };
    }
  }

  /** Thrown for a record that must stay on the queue; the batch processor reports its id. */
  class RecordFailure extends Error {
    constructor(message: string, cause?: unknown) {
      super(message, cause === undefined ? undefined : { cause });
      this.name = 'RecordFailure';
    }
  }

  const consumer = async (event: SQSEvent, lambda: Context): Promise<SQSBatchResponse> => {
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const report = await processRecord(record, lambda);
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
        if (report.outcome === 'failed') logger.error('record failed', { ...line, error: report.error as Error });
        else if (report.outcome === 'invalid') logger.warn('record rejected', line);
        else logger.info('record processed', line);
        if (report.outcome === 'failed' || report.outcome === 'invalid') {
          throw new RecordFailure(`${report.outcome}: ${(report.reasons ?? []).join('; ')}`, report.error);
        }
        return report.outcome;
      },
      processor,
      {
        context: lambda,
        // A batch whose every record failed is still a partial response listing each id, not a
        // thrown error: the outcome is the same for SQS, and the log stays one line per record.
        throwOnFullBatchFailure: false,
      },
    );
  };
  return Object.assign(consumer, { operation });
}
