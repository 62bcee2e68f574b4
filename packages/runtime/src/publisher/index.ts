/** `@sluice/runtime/publisher`: typed publishers for the contract's send operations. */
export {
  BatchPublishInterrupted,
  createPublisher,
  fifoFieldsOf,
  publishProblems,
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
export { createQueuePublisher, type QueuePublisher, type QueuePublisherOptions } from './queue-publisher.ts';
