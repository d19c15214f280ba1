/**
 * Span and metric attributes, after the OpenTelemetry messaging semantic conventions (with the
 * AWS SQS refinements). One place for the names: add an attribute here.
 *
 * Metrics get only the per-queue attributes (and `error.type`): a message id on a metric would
 * make one time series per message.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { messageOrigin } from '../../core/leased-message.js';
import { queueNameOf } from '../../core/stream-config.js';

export type AttributeMap = Record<string, string | number>;

export const ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  queueUrl: 'aws.sqs.queue.url',
  errorType: 'error.type',
} as const;

/** The instrumentation scope: tracer and meter name. */
export const SCOPE = 'sqs-fargate-listener';

/** The queue's name and the attributes every span and metric of it shares, cached per URL. */
export interface QueueTraits {
  /** `process <queue name>` (or `process` when the queue is unknown). */
  processName: string;
  /** `settle <queue name>`. */
  settleName: string;
  /** For `process` spans and metrics (frozen: shared). */
  process: Readonly<AttributeMap>;
}

const UNKNOWN: QueueTraits = traitsOf(undefined);

export function traitsOf(queueUrl: string | undefined): QueueTraits {
  const name = queueUrl === undefined ? undefined : queueNameOf(queueUrl);
  const process: AttributeMap = {
    [ATTR.system]: 'aws_sqs',
    [ATTR.operationType]: 'process',
    [ATTR.operationName]: 'process',
  };
  if (name !== undefined) process[ATTR.destination] = name;
  if (queueUrl !== undefined) process[ATTR.queueUrl] = queueUrl;
  return {
    processName: name === undefined ? 'process' : `process ${name}`,
    settleName: name === undefined ? 'settle' : `settle ${name}`,
    process: Object.freeze(process),
  };
}

/** Per-queue traits, built once per queue URL a listener sees (usually one). */
export class QueueTraitsCache {
  private readonly byUrl = new Map<string, QueueTraits>();

  of(message: LeasedMessage): QueueTraits {
    const url = message[messageOrigin]?.queue.queueUrl;
    if (url === undefined) return UNKNOWN;
    let traits = this.byUrl.get(url);
    if (traits === undefined) {
      traits = traitsOf(url);
      this.byUrl.set(url, traits);
    }
    return traits;
  }
}

/** Attributes of a settle span (`DeleteMessageBatch` or `ChangeMessageVisibilityBatch`). */
export function settleAttributes(
  queueUrl: string,
  operation: 'ack' | 'nack',
  count: number,
): AttributeMap {
  return {
    [ATTR.system]: 'aws_sqs',
    [ATTR.operationType]: 'settle',
    [ATTR.operationName]:
      operation === 'ack' ? 'DeleteMessageBatch' : 'ChangeMessageVisibilityBatch',
    [ATTR.destination]: queueNameOf(queueUrl),
    [ATTR.queueUrl]: queueUrl,
    [ATTR.batchCount]: count,
  };
}

/**
 * `error.type` of a thrown value: its `name` (the class, by convention), bounded so that an odd
 * value cannot make an unbounded attribute; `_OTHER` when it has none or reading it throws.
 */
export function errorTypeOf(error: unknown): string {
  try {
    if (error !== null && typeof error === 'object') {
      const name = (error as { name?: unknown }).name;
      if (typeof name === 'string' && name.length > 0) return name.slice(0, 64);
    }
  } catch {
    // A revoked proxy or a throwing getter: the type cannot be told.
  }
  return '_OTHER';
}
