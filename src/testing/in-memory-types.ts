/** The options and results of the in-memory SQS's own methods (not the SDK commands it answers). */
import type { MessageAttributeRecord } from '../core/leased-message.js';
import type { SendableAttributeValue } from '../shared/message-attributes.js';
import type { Clock } from './clock.js';

/** Options of {@link createInMemorySqs}. */
export interface InMemorySqsOptions {
  /** Time source for visibility timeouts, delays and long polls. Default {@link systemClock}. */
  clock?: Clock | undefined;
  /** Region in queue URLs and ARNs. Default `us-east-1`. */
  region?: string | undefined;
  /** Account id in queue URLs and ARNs. Default `000000000000`. */
  accountId?: string | undefined;
}

/** Options of {@link InMemorySqs.createQueue}. */
export interface InMemoryQueueOptions {
  /** A FIFO queue; `.fifo` is appended to the name when missing. */
  fifo?: boolean | undefined;
  /** The queue's default visibility timeout, seconds. Default 30. */
  visibilityTimeout?: number | undefined;
  /** The queue's default delay, seconds. Default 0. */
  delaySeconds?: number | undefined;
  /** FIFO: deduplicate on a hash of the body when no deduplication id is given. Default true. */
  contentBasedDeduplication?: boolean | undefined;
  /** Creates `<name>-dlq` (or `name`) and a redrive policy moving a message there after `maxReceiveCount` receives. */
  deadLetterQueue?: { maxReceiveCount: number; name?: string | undefined } | undefined;
}

/** Options of {@link InMemorySqs.sendMessage}. */
export interface InMemorySendOptions {
  /**
   * Simple values (a string is a String, a number or bigint a Number, bytes a Binary) or SDK
   * attribute values (for custom types such as `Number.float`).
   */
  messageAttributes?: Record<string, SendableAttributeValue> | undefined;
  /**
   * Message group: FIFO order (default `default` on FIFO queues), or on a standard queue the
   * tenant of a fair queue (returned as MessageGroupId, no order).
   */
  groupId?: string | undefined;
  /** FIFO deduplication id; default: content-based. */
  deduplicationId?: string | undefined;
  /** Standard queues: seconds before the message becomes visible. */
  delaySeconds?: number | undefined;
}

/** A message held by the in-memory SQS, as the inspection helpers return it. */
export interface InMemoryMessage {
  messageId: string;
  body: string;
  /** The body parsed as JSON; `undefined` when it is not JSON. */
  json: unknown;
  /** Simplified exactly as `LeasedMessage.messageAttributes()` simplifies them. */
  messageAttributes: MessageAttributeRecord;
  /** Receives so far (SQS's ApproximateReceiveCount). */
  receiveCount: number;
  sentAt: Date;
  groupId?: string | undefined;
}

/** How many messages a queue holds in each state. */
export interface InMemoryQueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Deleted by consumers so far. */
  deleted: number;
  /** Sitting in the queue's dead-letter queue. */
  deadLettered: number;
}

/** A request the in-memory SQS answered (or refused), for assertions on batching. */
export interface InMemoryRequest {
  /** The command class name without `Command`, e.g. `DeleteMessageBatch`. */
  command: string;
  input: unknown;
  atMs: number;
}
