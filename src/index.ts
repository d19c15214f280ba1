/**
 * The main entry point: listeners (`sqsListener`, `runListeners`, `perMessageListener`,
 * `batchListener`), the core stream (`sqsMessages`), the producer and tools, and the errors.
 * Tests import from `sqs-fargate-listener/testing`.
 *
 * @module sqs-fargate-listener
 */

export type { LambdaHandlerOptions } from './adapters/lambda.js';
export { lambdaHandler } from './adapters/lambda.js';
export type {
  LambdaBatchResponse,
  LambdaCallback,
  LambdaContext,
  LambdaSqsEvent,
  LambdaSqsHandler,
  LambdaSqsMessageAttribute,
  LambdaSqsRecord,
  LambdaSqsRecordAttributes,
} from './adapters/lambda-types.js';
export type {
  AckingWritableOptions,
  ToReadableOptions,
  WritableHandler,
} from './adapters/node-streams.js';
export { ackingWritable, toReadable } from './adapters/node-streams.js';
export type {
  ExtendedEvent,
  LostEvent,
  NackedEvent,
  ReceivedEvent,
  ReceiveFailedEvent,
  ReceiveSentEvent,
  ReleasedEvent,
  ReleaseReason,
  SettleFailedEvent,
  SettleOperation,
  SettleRequestEvent,
  StreamEventListener,
  StreamEventMap,
  StreamEventName,
  StreamMessageEvent,
  Unsubscribe,
} from './core/events.js';
export type {
  MessageAttributeRecord,
  NackOptions,
  PayloadPointer,
} from './core/leased-message.js';
export { LeasedMessage, LeasedMessage as SqsMessage } from './core/leased-message.js';
export { SqsMessageStream, sqsMessages } from './core/sqs-messages.js';
export type { ReceiveCountHistogram, StreamStats } from './core/stats.js';
export type { SqsMessagesOptions, StreamConfig } from './core/stream-config.js';
export type { BatchHandler, BatchListenerOptions } from './listeners/batch.js';
export { batchListener } from './listeners/batch.js';
export type { BatchHandlerResult, BatchItemFailures } from './listeners/batch-result.js';
export { BatchResult } from './listeners/batch-result.js';
export type { HandlerFailureKind } from './listeners/handler-error.js';
export { HandlerError } from './listeners/handler-error.js';
export type { ListenerBaseOptions, ListenerResult } from './listeners/listener-config.js';
export type {
  FailureKind,
  Histogram,
  ListenerCounts,
} from './listeners/listener-counters.js';
export type {
  Listener,
  MessageHandler,
  PerMessageListenerOptions,
} from './listeners/per-message.js';
export { perMessageListener } from './listeners/per-message.js';
export type { ResolvedRetryPolicy, RetryPolicy } from './listeners/retry.js';
export { resolveRetryPolicy, retryDelaySeconds } from './listeners/retry.js';
export type {
  InferSchemaOutput,
  MessageSchema,
  MessageSchemaIssue,
  MessageSchemaProps,
  MessageSchemaResult,
} from './listeners/schema/standard-schema.js';
export type {
  MeterProviderLike,
  TextMapPropagatorLike,
  TracerProviderLike,
  TracingOptions,
} from './listeners/tracing/options.js';
export type { LargePayloadOptions, S3ClientLike } from './payloads/options.js';
export type { PayloadErrorCode } from './payloads/payload-error.js';
export { PayloadError, PayloadPointerError } from './payloads/payload-error.js';
export type {
  ProducerLargePayloadOptions,
  SendMessageOptions,
  SendMessageResult,
} from './producer/send-message.js';
export { sendMessage } from './producer/send-message.js';
export type {
  CreateListenerOptions,
  ListenerHandle,
  ListenerStats,
  StopOptions,
} from './runner/create-listener.js';
export { createListener } from './runner/create-listener.js';
export type { EmfOptions } from './runner/emf.js';
export type { DurationSummary, HandlerStats, RunningHandlerCall } from './runner/handler-stats.js';
export type { HealthOptions, HealthReport } from './runner/health-server.js';
export type {
  ListenerEventListener,
  ListenerEventMap,
  ListenerEventName,
} from './runner/listener-events.js';
export type { ListenerReport } from './runner/listener-run.js';
export type {
  HandlerForMode,
  ListenerMode,
  RegisteredListener,
  SqsListenerOptions,
} from './runner/registry.js';
export { clearListeners, registeredListeners, sqsListener } from './runner/registry.js';
export type { ListenerRunReport, RunListenersOptions } from './runner/run-listeners.js';
export { runListeners } from './runner/run-listeners.js';
export type { TaskProtectionOptions } from './runner/task-protection.js';
export type { LeaseLostReason, SqsListenerErrorOptions, ValidationIssue } from './shared/errors.js';
export {
  ConfigError,
  LeaseLostError,
  MessageBodyError,
  MessageValidationError,
  NonRetryableError,
  ReceiveError,
  SettleError,
  SqsListenerError,
} from './shared/errors.js';
export type { ConsoleLoggerOptions, PinoLike } from './shared/log-adapters.js';
export { consoleLogger, pinoLogger } from './shared/log-adapters.js';
export type { SerializedError } from './shared/log-errors.js';
export { serializeError } from './shared/log-errors.js';
export type {
  DebugLoggerOptions,
  LogDestination,
  LogFields,
  LogFormat,
  Logger,
  LogLevel,
} from './shared/logger.js';
export { createDebugLogger, silentLogger } from './shared/logger.js';
export type {
  SendableAttributeValue,
  SimpleAttributeValue,
} from './shared/message-attributes.js';
export type { EnvelopeMode, SnsNotification } from './shared/sns-envelope.js';
export { SnsEnvelopeError } from './shared/sns-envelope.js';
export type { QueueStats } from './tools/queue-stats.js';
export { queueStats } from './tools/queue-stats.js';
export type { RedriveOptions, RedriveResult } from './tools/redrive.js';
export { redrive } from './tools/redrive.js';
export { RedriveError } from './tools/redrive-error.js';
export type { RedriveMessageError, RedriveSummary } from './tools/redrive-summary.js';
export type { MessageMoveTaskStarted } from './tools/server-redrive.js';
