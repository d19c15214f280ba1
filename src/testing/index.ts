/**
 * `sqs-fargate-listener/testing`: helpers for testing handlers and pipelines without a server.
 *
 * @module sqs-fargate-listener/testing
 */

export type { SendableAttributeValue, SimpleAttributeValue } from '../shared/message-attributes.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export { createInMemorySqs, InMemorySqs } from './in-memory-sqs.js';
export type {
  InMemoryMessage,
  InMemoryQueueCounts,
  InMemoryQueueOptions,
  InMemoryRequest,
  InMemorySendOptions,
  InMemorySqsOptions,
} from './in-memory-types.js';
