/**
 * The message a consumer receives: body helpers (`json`, `tryJson()`, `messageAttributes()`)
 * plus the lease (`ack()`, `nack()`, `signal`).
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { type LeaseLostError, MessageBodyError } from '../shared/errors.js';
import { simplifyAttributes } from '../shared/message-attributes.js';
import type { SnsEnvelopeError, SnsNotification } from '../shared/sns-envelope.js';
import type { ByteBudget } from './byte-budget.js';
import type { Lease } from './lease.js';
import type { QueueAttributes } from './queue-info.js';

/** Options of {@link LeasedMessage.nack}. */
export interface NackOptions {
  /**
   * Make the message visible again after this many seconds (0 = at once), through a batched
   * ChangeMessageVisibility: a whole number from 0 to 43200. Without it (or `undefined`), the
   * message reappears when its current visibility timeout ends and no request is sent.
   */
  delaySeconds?: number | undefined;
}

/** What a message needs from the stream that leased it. */
export interface Settler {
  ack(lease: Lease): Promise<void>;
  nack(lease: Lease, options: NackOptions): Promise<void>;
  /**
   * A handler timeout: ends the lease as lost with `error` (its signal aborts) and gives the
   * message back like nack.
   */
  timeOut(lease: Lease, error: LeaseLostError, options: NackOptions): Promise<void>;
}

/**
 * Library-internal: ends a message's lease early because its handler timed out, so that its
 * `signal` aborts with `error` (reason `handlerTimeout`), a later `ack()` rejects with it, and
 * the message is given back as `nack(options)` would. Not exported from the package: only the
 * listeners call it.
 */
export const timeOutLease = Symbol('timeOutLease');

/**
 * Library-internal: where a message came from, for the listeners (FIFO order, moving a
 * non-retryable message to the queue's dead-letter queue). Not exported from the package.
 */
export const messageOrigin = Symbol('messageOrigin');

export interface MessageOrigin {
  queue: QueueAttributes;
  /** The client of the stream that received it. */
  client: SQSClient;
  /** Monotonic time (ms, `monotonicNow()`) at which the receive that returned it was sent. */
  receiveSentAtMs: number;
  /** The session's maxInFlightBytes budget, which also counts a payload fetched from S3. */
  bytes?: ByteBudget | undefined;
}

/**
 * Library-internal: replaces what `body`, `json`, `tryJson()` and `messageAttributes()` show,
 * for a decoder that unwrapped an envelope or fetched an offloaded payload. `raw` keeps what SQS
 * returned. Not exported from the package.
 */
export const decodeMessage = Symbol('decodeMessage');

/**
 * Library-internal: what reading the body as an SNS envelope gave (`src/core/sns-envelope.ts`),
 * set once, on receive by a stream with `envelope` or by a listener's decoder, so that a
 * message is never unwrapped twice. Not exported from the package.
 */
export const snsEnvelopeState = Symbol('snsEnvelopeState');

/** Unwrapped (`sns`), or not an envelope: why, and the error when the mode was `'sns'`. */
export type SnsEnvelopeState =
  | { sns: SnsNotification }
  | { notEnvelope: string; error: SnsEnvelopeError | undefined };

/**
 * Library-internal: sets what `data` shows, for the schema decoder (the validator's output).
 * Not exported from the package.
 */
export const decodedData = Symbol('decodedData');

/**
 * Where an offloaded payload was (an Extended Client pointer, see the `largePayloads` option):
 * its S3 bucket and key, and its size in bytes.
 */
export interface PayloadPointer {
  readonly bucket: string;
  readonly key: string;
  /** The payload's size in bytes, as fetched from S3. */
  readonly size: number;
}

/**
 * Library-internal: sets `payloadPointer`, for the large-payload decoder. Not exported from the
 * package.
 */
export const payloadPointerOf = Symbol('payloadPointerOf');

/**
 * Library-internal: the SQS-style attributes `messageAttributes()` reads now (what a decoder
 * set, else what SQS sent), for a decoder that reads a marker another decoder unwrapped. Not
 * exported from the package.
 */
export const currentAttributes = Symbol('currentAttributes');

/**
 * Library-internal: `[afterAck](callback)` runs `callback` once SQS confirmed this message's
 * delete, never after a nack or a failed delete (the large-payload cleanup). A callback must
 * not throw (it runs detached). Not exported from the package.
 */
export const afterAck = Symbol('afterAck');

/**
 * Library-internal: the message is being moved to a dead-letter queue, whose copy still points
 * to what the message points to: the coming ack must not run the `afterAck` callbacks. Not
 * exported from the package.
 */
export const movedToDeadLetter = Symbol('movedToDeadLetter');

/** Message attributes simplified: String → string, Number → number, Binary → Uint8Array. */
export type MessageAttributeRecord = Record<string, string | number | Uint8Array>;

const UNPARSED = Symbol('unparsed');

/**
 * A message received from SQS and leased to the consumer: its lease (visibility) is extended
 * until `ack()` or `nack()`. Exported also as `SqsMessage`.
 *
 * `T` is the type of the body: what `json` and `data` hold. A listener's `schema` sets it (its
 * output type) and checks it; without a schema, `sqsListener<Order>(…)`, `perMessageListener<Order>(…)`
 * or `sqsMessages<Order>(…)` state it, unchecked, like `JSON.parse(body) as Order`. `unknown`
 * by default.
 *
 * @example
 * ```ts
 * interface Order { id: string }
 * sqsListener<Order>({ queueUrl: process.env.QUEUE_URL }, async (message) => {
 *   await save(message.json.id); // message.json: Order
 * });
 * ```
 */
export class LeasedMessage<T = unknown> {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The SDK's message as SQS returned it. */
  readonly raw: Message;
  private parsed: unknown = UNPARSED;
  private decodedBody: string | undefined;
  private decodedAttributes: Message['MessageAttributes'];
  private validated: unknown;
  private envelope: SnsEnvelopeState | undefined;
  private pointer: PayloadPointer | undefined;
  private ackCallbacks: Array<() => void> | undefined;

  /** @internal Built by the stream; users receive instances, they do not construct them. */
  constructor(
    raw: Message,
    private readonly lease: Lease,
    private readonly settler: Settler,
    private readonly origin?: MessageOrigin,
  ) {
    this.raw = raw;
    this.messageId = lease.messageId;
    this.receiptHandle = lease.receiptHandle;
  }

  /** The body as a string: what SQS delivered, or the payload a decoder (SNS, S3) unwrapped. */
  get body(): string {
    return this.decodedBody ?? this.raw.Body ?? '';
  }

  /** @internal See `decodeMessage`. */
  [decodeMessage](body: string, attributes?: Message['MessageAttributes']): void {
    this.decodedBody = body;
    if (attributes !== undefined) this.decodedAttributes = attributes;
    this.parsed = UNPARSED;
  }

  /** @internal See `currentAttributes`. */
  get [currentAttributes](): Message['MessageAttributes'] {
    return this.decodedAttributes ?? this.raw.MessageAttributes;
  }

  /**
   * Where the payload came from when the listener's `largePayloads` option fetched it from S3
   * (the body was an Extended Client pointer): `body`, `json` and the schema then see the
   * payload. `undefined` for a message that carried its body itself.
   */
  get payloadPointer(): PayloadPointer | undefined {
    return this.pointer;
  }

  /** @internal See `payloadPointerOf`. */
  set [payloadPointerOf](pointer: PayloadPointer) {
    this.pointer = pointer;
    // The payload is in memory until the lease ends: maxInFlightBytes counts it.
    this.origin?.bytes?.add(this.lease, pointer.size);
  }

  /** @internal See `afterAck`. */
  [afterAck](callback: () => void): void {
    if (this.ackCallbacks === undefined) this.ackCallbacks = [callback];
    else this.ackCallbacks.push(callback);
  }

  /** @internal See `movedToDeadLetter`. */
  [movedToDeadLetter](): void {
    this.ackCallbacks = undefined;
  }

  /** @internal See `snsEnvelopeState`. */
  get [snsEnvelopeState](): SnsEnvelopeState | undefined {
    return this.envelope;
  }

  /** @internal See `snsEnvelopeState`. */
  set [snsEnvelopeState](state: SnsEnvelopeState) {
    this.envelope = state;
  }

  /**
   * Where an SNS-delivered message came from (topic, SNS message id, subject, publish time),
   * when the `envelope` option unwrapped its notification; then `body`, `json` and
   * `messageAttributes()` show the published message and its attributes. `undefined` for a
   * message that was not unwrapped: a raw delivery, a plain body under `'auto'`, or no
   * `envelope` option.
   */
  get sns(): SnsNotification | undefined {
    const state = this.envelope;
    return state !== undefined && 'sns' in state ? state.sns : undefined;
  }

  /**
   * Set when `envelope: 'sns'` found that the body is not an SNS notification (code
   * `InvalidSnsEnvelope`). A listener fails such a message as non-retryable (to the DLQ); a
   * `for await` loop over `sqsMessages()` receives it untouched (`body` as SQS delivered it,
   * `sns` undefined) and decides itself, e.g. `nack()` it or move it away.
   */
  get envelopeError(): SnsEnvelopeError | undefined {
    const state = this.envelope;
    return state !== undefined && 'error' in state ? state.error : undefined;
  }

  /**
   * The body validated by the listener's `schema`: its output, typed as such (transforms and
   * defaults applied). A message that fails validation never reaches the handler. `undefined`
   * without a schema (read `json` then), and in a `filter`, which runs before validation.
   */
  get data(): T {
    return this.validated as T;
  }

  /** @internal See `decodedData`. */
  set [decodedData](value: unknown) {
    this.validated = value;
  }

  /**
   * The body parsed as JSON, parsed once and cached. Throws `MessageBodyError` when invalid.
   * Typed `T`: with a `schema` that transforms (a date from a string), the body is the schema's
   * input and `data` its output, so read `data` then.
   */
  get json(): T {
    if (this.parsed === UNPARSED) {
      try {
        this.parsed = JSON.parse(this.body);
      } catch (cause) {
        throw new MessageBodyError(
          `Message ${this.messageId} does not have a JSON body: ${(cause as Error).message}`,
          {
            cause,
            code: 'InvalidJson',
            messageId: this.messageId,
          },
        );
      }
    }
    return this.parsed as T;
  }

  /**
   * `[data, undefined]` when the body is JSON, `[undefined, error]` when not. Never throws.
   * `U` (default `T`) types the data, unchecked.
   */
  tryJson<U = T>(): [U, undefined] | [undefined, MessageBodyError] {
    try {
      return [this.json as unknown as U, undefined];
    } catch (error) {
      return [undefined, error as MessageBodyError];
    }
  }

  /**
   * Message attributes simplified: String → string, Number → number, Binary → Uint8Array.
   * Custom types (`Number.float`, `String.uuid`) follow their base type.
   */
  messageAttributes(): MessageAttributeRecord {
    return simplifyAttributes(this.decodedAttributes ?? this.raw.MessageAttributes);
  }

  /** How many times SQS has handed this message out, this time included. */
  get receiveCount(): number {
    return Number(this.raw.Attributes?.ApproximateReceiveCount ?? '1');
  }

  /** When the message was sent to the queue. */
  get sentAt(): Date | undefined {
    const ts = this.raw.Attributes?.SentTimestamp;
    return ts === undefined ? undefined : new Date(Number(ts));
  }

  /**
   * The message group: on `.fifo` queues the FIFO group (order within it is kept); on a standard
   * queue with fair queues, the tenant the producer named (no order).
   */
  get groupId(): string | undefined {
    return this.raw.Attributes?.MessageGroupId;
  }

  get deduplicationId(): string | undefined {
    return this.raw.Attributes?.MessageDeduplicationId;
  }

  get sequenceNumber(): string | undefined {
    return this.raw.Attributes?.SequenceNumber;
  }

  /**
   * Aborts when the lease is lost: an extension was refused, the `maxExtend` budget or SQS's
   * 12-hour limit ran out, a handler timeout fired, or the stream released the message (the
   * shutdown deadline passed). The reason is a `LeaseLostError` saying which. Pass it to your
   * own I/O.
   */
  get signal(): AbortSignal {
    return this.lease.signal;
  }

  /** Whether ack() or nack() was called, or the lease ended. */
  get settled(): boolean {
    return !this.lease.active;
  }

  /**
   * Deletes the message (batched into DeleteMessageBatch). Resolves when SQS confirmed the
   * delete; rejects with `LeaseLostError` when the lease was already lost (nothing is sent: the
   * message will be delivered again) or `SettleError` when SQS refused. Idempotent. Safe to call
   * without awaiting: a failure is also logged, never an unhandled rejection.
   */
  ack(): Promise<void> {
    const settlement = this.settler.ack(this.lease);
    const callbacks = this.ackCallbacks;
    // Taken by the call that acked the lease: a repeated ack() returns the same settlement,
    // and an ack refused at once (after a nack, or a lost lease) deletes nothing.
    if (callbacks !== undefined && this.lease.state === 'acked') {
      this.ackCallbacks = undefined;
      settlement.then(
        () => {
          for (const callback of callbacks) callback();
        },
        () => {},
      );
    }
    return settlement;
  }

  /**
   * Gives the message back for another try. See `NackOptions`. Idempotent; rejects with a
   * `SettleError` (`SettleConflict`) after `ack()`. An invalid `delaySeconds` (1.5, -1, NaN,
   * over 43200, a string) throws a `SettleError` (`InvalidDelay`) at once, not a rejection,
   * and the message is still nacked, without a delay: it cannot stay leased, and a later
   * `ack()` rejects.
   */
  nack(options: NackOptions = {}): Promise<void> {
    return this.settler.nack(this.lease, options);
  }

  /** @internal See `messageOrigin`. */
  get [messageOrigin](): MessageOrigin | undefined {
    return this.origin;
  }

  /** @internal See `timeOutLease`. */
  [timeOutLease](error: LeaseLostError, options: NackOptions = {}): Promise<void> {
    return this.settler.timeOut(this.lease, error, options);
  }

  /** What `JSON.stringify` shows (for logs): id, body and receive count, not the lease. */
  toJSON(): object {
    return { messageId: this.messageId, body: this.body, receiveCount: this.receiveCount };
  }
}
