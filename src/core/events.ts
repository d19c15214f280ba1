/**
 * The stream's events: one vocabulary for everything that happens to a receive or a lease.
 * The core calls the hub's emitters with plain arguments; the stream's counters take them as
 * direct method calls (no payload), and a payload object is built only for an event that has
 * listeners, so an event nobody listens to costs one property check.
 */
import type { Message } from '@aws-sdk/client-sqs';
import {
  type LeaseLostError,
  type LeaseLostReason,
  type SettleError,
  toError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { BatchEntry } from './batch-queue.js';
import type { Lease } from './lease.js';

/** Payload of the `receiveSent` event: a ReceiveMessage request was sent. */
export interface ReceiveSentEvent {
  /** `MaxNumberOfMessages` of the request. */
  requested: number;
}

/** Payload of the `received` event: a ReceiveMessage request was answered. */
export interface ReceivedEvent {
  /** `MaxNumberOfMessages` of the request. */
  requested: number;
  /** Messages leased by this answer; 0 for an empty receive. */
  count: number;
  /** Their ids, in the order SQS returned them. */
  messageIds: readonly string[];
}

/** Payload of the events about one message (`handedOut`, `acked`). */
export interface StreamMessageEvent {
  /** The SQS `MessageId`. */
  messageId: string;
}

/** Payload of the `extended` event: SQS confirmed a lease extension. */
export interface ExtendedEvent extends StreamMessageEvent {
  /** The visibility timeout requested, in seconds from when it was sent. */
  visibilityTimeout: number;
}

/** Payload of the `lost` event: a lease ended before the message was settled. */
export interface LostEvent extends StreamMessageEvent {
  /** Why: `expired`, `maxExtend`, `visibilityLimit` or `extendFailed`. */
  reason: LeaseLostReason;
  /** The error the message's `signal` aborted with. */
  error: LeaseLostError;
}

/** Payload of the `nacked` event: a message was given back for another try. */
export interface NackedEvent extends StreamMessageEvent {
  /** The delay before it is visible again; `undefined`: when its current visibility ends. */
  delaySeconds: number | undefined;
  /** True when a listener's handler timeout gave it back, not a `nack()` call. */
  handlerTimeout: boolean;
}

/** Why the stream gave a message back without it being settled. */
export type ReleaseReason = 'neverHandedOut' | 'shutdownDeadline' | 'dropped';

/** Payload of the `released` event: the stream gave a message back unsettled. */
export interface ReleasedEvent extends StreamMessageEvent {
  /** Received but never handed out, still held at the shutdown deadline, or dropped unsettled. */
  reason: ReleaseReason;
  /** Seconds until it is visible again (0 unless an aborted long poll may still be open). */
  visibilityTimeout: number;
}

/** Payload of the `receiveFailed` event: a ReceiveMessage request failed. */
export interface ReceiveFailedEvent {
  /** The AWS error code (or the error's name). */
  code: string;
  /** Failed receives in a row, this one included. */
  attempt: number;
  /** False when the failure ends the stream (missing queue, bad credentials). */
  willRetry: boolean;
  /** What the request failed with; a `ReceiveError` when the stream ends. */
  error: Error;
}

/** Which settle request failed. */
export type SettleOperation = 'ack' | 'nack' | 'release' | 'extend';

/** Payload of the `settleFailed` event: SQS did not carry out a delete or visibility change. */
export interface SettleFailedEvent extends StreamMessageEvent {
  /** `ack` (delete), `nack` (delayed nack), `release` (give back) or `extend` (heartbeat). */
  operation: SettleOperation;
  /** The AWS error code or entry failure code. */
  code: string;
  /** The error; `retryable` says whether a later attempt may succeed. */
  error: SettleError;
}

/**
 * Payload of the `settleRequest` event: a DeleteMessageBatch (`ack`) or a
 * ChangeMessageVisibilityBatch giving messages back with a delay (`nack`) was answered (or
 * failed). Tracing makes its settle spans from it. Retried entries make another request.
 */
export interface SettleRequestEvent {
  /** `ack`: DeleteMessageBatch; `nack`: ChangeMessageVisibilityBatch for delayed nacks. */
  operation: 'ack' | 'nack';
  /** The messages this request settled (for `nack`, only the nacked entries of the request). */
  messageIds: readonly string[];
  /** When the request was sent (ms since the epoch). */
  startTime: number;
  /** When SQS answered or the request failed (ms since the epoch). */
  endTime: number;
  /** Entries SQS reported as failed (all of them when the request itself failed). */
  failed: number;
  /** What the request failed with, when it failed as a whole. */
  error: Error | undefined;
}

/**
 * The events of a stream (see `SqsMessageStream.on`), by name, with their payload. They cover
 * every iteration of the stream.
 */
export interface StreamEventMap {
  /** A ReceiveMessage request was sent. */
  receiveSent: ReceiveSentEvent;
  /** A ReceiveMessage request was answered, with or without messages. */
  received: ReceivedEvent;
  /** A message was handed to the consumer. */
  handedOut: StreamMessageEvent;
  /** SQS confirmed a lease extension (heartbeat). */
  extended: ExtendedEvent;
  /** A lease ended before the message was settled; SQS will deliver it again. */
  lost: LostEvent;
  /** SQS confirmed a delete. */
  acked: StreamMessageEvent;
  /** A message was given back for another try (`nack()` or a handler timeout). */
  nacked: NackedEvent;
  /** The stream gave a message back unsettled. */
  released: ReleasedEvent;
  /** A ReceiveMessage request failed. */
  receiveFailed: ReceiveFailedEvent;
  /** A delete or visibility change failed for one message. */
  settleFailed: SettleFailedEvent;
  /** A DeleteMessageBatch, or a ChangeMessageVisibilityBatch for delayed nacks, was answered. */
  settleRequest: SettleRequestEvent;
}

/** The name of a stream event. */
export type StreamEventName = keyof StreamEventMap;

/**
 * A listener of one stream event. It runs synchronously in the stream's own work, so keep it
 * short; it must not modify the payload, which is shared with the other listeners. A listener
 * that throws (or returns a promise that rejects) is logged at ERROR and the stream goes on.
 */
export type StreamEventListener<K extends StreamEventName> = (event: StreamEventMap[K]) => void;

/** Ends a subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * What the core reports, as plain arguments: implemented by the hub (which fans out to the
 * public listeners) and by the stream's counters (which take them as direct calls, one object
 * per stream and no closure or payload per message).
 */
export interface CoreEventSink {
  receiveSent(requested: number): void;
  received(requested: number, messages: readonly Message[], count: number): void;
  handedOut(lease: Lease): void;
  extended(lease: Lease, visibilityTimeout: number): void;
  lost(lease: Lease, error: LeaseLostError): void;
  acked(lease: Lease): void;
  nacked(lease: Lease, delaySeconds: number | undefined, handlerTimeout: boolean): void;
  released(lease: Lease, reason: ReleaseReason, visibilityTimeout: number): void;
  receiveFailed(code: string, attempt: number, willRetry: boolean, error: Error): void;
  settleFailed(lease: Lease, operation: SettleOperation, error: SettleError): void;
  /** Optional: only the hub reports requests (the counters count per message). */
  settleRequest?(
    operation: 'ack' | 'nack',
    chunk: readonly { readonly entry: BatchEntry }[],
    startTime: number,
    failed: number,
    error: unknown,
  ): void;
}

type Listeners = { [K in StreamEventName]?: ReadonlyArray<StreamEventListener<K>> };

const EVENT_NAMES: ReadonlySet<string> = new Set<StreamEventName>([
  'receiveSent',
  'received',
  'handedOut',
  'extended',
  'lost',
  'acked',
  'nacked',
  'released',
  'receiveFailed',
  'settleFailed',
  'settleRequest',
]);

/** One per stream, shared by its iterations. */
export class EventHub implements CoreEventSink {
  // Replaced, never mutated, on (un)subscribe: an emit in progress keeps the list it started with.
  private readonly listeners: Listeners = {};

  constructor(
    /** Always subscribed: the stream's counters. */
    private readonly counters: CoreEventSink,
    private readonly logger: Logger,
  ) {}

  on<K extends StreamEventName>(name: K, listener: StreamEventListener<K>): Unsubscribe {
    if (!EVENT_NAMES.has(name)) {
      throw new TypeError(`Unknown stream event ${JSON.stringify(name)}`);
    }
    if (typeof listener !== 'function') {
      throw new TypeError(`The listener of stream event ${name} is not a function`);
    }
    const lists = this.listeners as { [P in K]?: ReadonlyArray<StreamEventListener<K>> };
    lists[name] = [...(lists[name] ?? []), listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const rest = [...(lists[name] ?? [])];
      rest.splice(rest.indexOf(listener), 1);
      lists[name] = rest.length > 0 ? rest : undefined;
    };
  }

  receiveSent(requested: number): void {
    this.counters.receiveSent(requested);
    const l = this.listeners.receiveSent;
    if (l) this.dispatch('receiveSent', l, { requested });
  }

  received(requested: number, messages: readonly Message[], count: number): void {
    this.counters.received(requested, messages, count);
    const l = this.listeners.received;
    if (!l) return;
    // The messages the session leased: it skips any without an id or receipt handle.
    const messageIds: string[] = [];
    for (const m of messages) if (m.MessageId && m.ReceiptHandle) messageIds.push(m.MessageId);
    this.dispatch('received', l, { requested, count, messageIds });
  }

  handedOut(lease: Lease): void {
    this.counters.handedOut(lease);
    const l = this.listeners.handedOut;
    if (l) this.dispatch('handedOut', l, { messageId: lease.messageId });
  }

  extended(lease: Lease, visibilityTimeout: number): void {
    this.counters.extended(lease, visibilityTimeout);
    const l = this.listeners.extended;
    if (l) this.dispatch('extended', l, { messageId: lease.messageId, visibilityTimeout });
  }

  lost(lease: Lease, error: LeaseLostError): void {
    this.counters.lost(lease, error);
    const l = this.listeners.lost;
    if (l) this.dispatch('lost', l, { messageId: lease.messageId, reason: error.reason, error });
  }

  acked(lease: Lease): void {
    this.counters.acked(lease);
    const l = this.listeners.acked;
    if (l) this.dispatch('acked', l, { messageId: lease.messageId });
  }

  nacked(lease: Lease, delaySeconds: number | undefined, handlerTimeout: boolean): void {
    this.counters.nacked(lease, delaySeconds, handlerTimeout);
    const l = this.listeners.nacked;
    if (l) this.dispatch('nacked', l, { messageId: lease.messageId, delaySeconds, handlerTimeout });
  }

  released(lease: Lease, reason: ReleaseReason, visibilityTimeout: number): void {
    this.counters.released(lease, reason, visibilityTimeout);
    const l = this.listeners.released;
    if (l) this.dispatch('released', l, { messageId: lease.messageId, reason, visibilityTimeout });
  }

  receiveFailed(code: string, attempt: number, willRetry: boolean, error: Error): void {
    this.counters.receiveFailed(code, attempt, willRetry, error);
    const l = this.listeners.receiveFailed;
    if (l) this.dispatch('receiveFailed', l, { code, attempt, willRetry, error });
  }

  settleFailed(lease: Lease, operation: SettleOperation, error: SettleError): void {
    this.counters.settleFailed(lease, operation, error);
    const l = this.listeners.settleFailed;
    if (!l) return;
    const { messageId } = lease;
    this.dispatch('settleFailed', l, { messageId, operation, code: error.code, error });
  }

  settleRequest(
    operation: 'ack' | 'nack',
    chunk: readonly { readonly entry: BatchEntry }[],
    startTime: number,
    failed: number,
    error: unknown,
  ): void {
    const l = this.listeners.settleRequest;
    if (!l) return;
    // A visibility request also carries releases and heartbeats: only the nacks are settled.
    const messageIds: string[] = [];
    for (const { entry } of chunk) {
      if (operation === 'ack' || entry.operation === 'nack') messageIds.push(entry.messageId);
    }
    if (messageIds.length === 0) return;
    const endTime = Date.now();
    const e = error === undefined ? undefined : toError(error);
    this.dispatch('settleRequest', l, {
      operation,
      messageIds,
      startTime,
      endTime,
      failed,
      error: e,
    });
  }

  /**
   * A listener runs inside the stream's own bookkeeping: its failure must not break the stream
   * (a half-done settle, a receive loop that ends), so it is caught and logged, not rethrown.
   */
  private dispatch<K extends StreamEventName>(
    name: K,
    listeners: ReadonlyArray<StreamEventListener<K>>,
    event: StreamEventMap[K],
  ): void {
    for (const listener of listeners) {
      try {
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch((error) => this.listenerFailed(name, error));
      } catch (error) {
        this.listenerFailed(name, error);
      }
    }
  }

  private listenerFailed(event: StreamEventName, error: unknown): void {
    this.logger.error('a stream event listener threw; the stream goes on', {
      event,
      error: toError(error),
    });
  }
}
