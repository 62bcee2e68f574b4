/** `@sluice/runtime/consumer`: Lambda SQS handlers for the contract's receive operations. */
export {
  defineConsumer,
  HEADERS_INVALID,
  outcomeMetric,
  type ConsumerContext,
  type ConsumerHandler,
  type ConsumerHandlers,
  type ConsumerOptions,
  type FrameworkOutcome,
  type SqsConsumer,
} from './define-consumer.ts';
export { createDecoder, FRAMEWORK_HEADERS, type DecoderOptions, type DecodeResult, type DecodedMessage, type RecordInput, type SnsEnvelopeInfo } from './decode-record.ts';
export { EmfMetrics, MAX_VALUES_PER_METRIC, MetricUnit, type ConsumerMetrics, type EmfMetricsOptions, type MetricUnitName } from './emf.ts';
export {
  ConsumerLogger,
  LOG_LEVEL_THRESHOLDS,
  type ConsumerLoggerOptions,
  type LogExtra,
  type LogLevelName,
  type LogMessage,
  type StructuredLogger,
} from './logger.ts';
export { DecodeErrorCode, RecordRejected, decodeError, type DecodeError } from './errors.ts';
