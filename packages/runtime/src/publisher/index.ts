/** `@sluice/runtime/publisher`: typed publishers for the contract's send operations. */
export {
  createPublisher,
  ContractViolation,
  InvalidHeadersError,
  InvalidMessagesError,
  UndeclaredFieldsError,
  type BatchPublishResult,
  type PublishOptions,
  type PublishResult,
  type Publisher,
  type PublisherOptions,
} from './create-publisher.ts';
