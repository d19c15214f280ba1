export type { LeaseLostReason, SqsListenerErrorOptions } from './errors.js';
export {
  ConfigError,
  LeaseLostError,
  MessageBodyError,
  ReceiveError,
  SettleError,
  SqsListenerError,
} from './errors.js';
export type { MessageAttributeRecord, NackOptions } from './leased-message.js';
export { LeasedMessage, LeasedMessage as SqsMessage } from './leased-message.js';
export type { DebugLoggerOptions, LogFields, Logger, LogLevel } from './logger.js';
export { createDebugLogger, silentLogger } from './logger.js';
export { SqsMessageStream, sqsMessages } from './sqs-messages.js';
export type { StreamStats } from './stats.js';
export type { SqsMessagesOptions, StreamConfig } from './stream-config.js';
