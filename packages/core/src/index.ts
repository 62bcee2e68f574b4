/**
 * @orders/core: the contract at run time.
 * Decode SQS records, store orders, publish OrderPlaced, and the shared pipeline settings.
 */
export { pipelineSettings, type PipelineSettings } from './settings.ts';
export { DecodeErrorCode, ConfigurationError, type DecodeError } from './errors.ts';
export { decodeOrderRecord, type DecodeResult, type OrderRecordInput, type SnsEnvelopeInfo } from './decode-order-record.ts';
export {
  OrderStore,
  createDocumentClient,
  eventVersionOf,
  SAVE_CONDITION,
  type OrderStoreOptions,
  type SaveOutcome,
  type StoredOrder,
} from './order-store.ts';
export {
  OrderPublisher,
  InvalidOrdersError,
  ContractViolation,
  orderPlacedAttributes,
  type OrderPublisherOptions,
  type PublishResult,
  type BatchPublishResult,
} from './order-publisher.ts';
export { processOrderRecord, isFailure, type RecordOutcome, type RecordReport } from './process-order-record.ts';
export { resolveTableName, resolveTopicArn } from './resource-names.ts';
