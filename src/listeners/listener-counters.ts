/**
 * What a listener counts for operators, over its whole life (every call of the listener
 * function): messages that failed and how, messages given up on, messages filtered out, and how
 * old messages were when the handler got them. The runner reads them for `/metrics` and EMF; the
 * stream's own counters (receives, deletes, leases) are in `core/stats.ts`.
 */
import type { LeasedMessage } from '../core/leased-message.js';

/**
 * How a message failed, as the `kind` label of `sqs_listener_message_failures_total`:
 * - `threw`: the handler (or a before-hook) threw or rejected;
 * - `returned_false`: the handler returned `false`;
 * - `timed_out`: `handlerTimeout` passed;
 * - `invalid_result`: a batch handler's result could not be read (the whole batch fails);
 * - `reported_failed`: a batch handler's result named the message as failed;
 * - `fifo_order`: it failed only because an earlier message of its FIFO group in the batch did;
 * - `invalid`: the message itself is bad (not JSON, refused by the `schema`, a broken SNS
 *   envelope or S3 pointer): it never reached the handler;
 * - `decode_failed`: decoding could not run (an S3 fetch failed, a validator threw);
 * - `filter_threw`: the `filter` threw.
 */
export type FailureKind =
  | 'threw'
  | 'returned_false'
  | 'timed_out'
  | 'invalid_result'
  | 'reported_failed'
  | 'fifo_order'
  | 'invalid'
  | 'decode_failed'
  | 'filter_threw';

/** Every {@link FailureKind}, in the order metrics list them. */
export const FAILURE_KINDS: readonly FailureKind[] = [
  'threw',
  'returned_false',
  'timed_out',
  'invalid_result',
  'reported_failed',
  'fifo_order',
  'invalid',
  'decode_failed',
  'filter_threw',
];

/**
 * Upper bounds (seconds) of the message-age buckets: sub-second for a queue that keeps up, then
 * minutes and hours for a backlog, up to SQS's longest retention (14 days), then `Infinity`.
 */
export const MESSAGE_AGE_BOUNDS: readonly number[] = [
  0.1,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
  900,
  3600,
  14_400,
  86_400,
  345_600,
  1_209_600,
  Number.POSITIVE_INFINITY,
];

/** A cumulative histogram, as Prometheus histograms are. */
export interface Histogram {
  /** Upper bounds, the last one `Infinity`. */
  le: readonly number[];
  /** `buckets[i]`: observations of at most `le[i]`. */
  buckets: number[];
  sum: number;
  count: number;
}

/** What a listener counted for operators: failures by kind, given up, filtered, message age. */
export interface ListenerCounts {
  /** Failed messages by how they failed; the kinds add up to the listener's `failed`. */
  failures: Record<FailureKind, number>;
  /** Non-retryable messages moved to a dead-letter queue (SendMessage, then delete). */
  movedToDeadLetter: number;
  /** Non-retryable messages deleted because their queue has no dead-letter queue. */
  deletedAsNonRetryable: number;
  /** Messages the `filter` rejected (released at once, unhandled). */
  filtered: number;
  /**
   * Seconds from `SentTimestamp` to the handler call, per message (clamped at 0 when clocks
   * disagree; messages without a readable `SentTimestamp` are left out).
   */
  messageAge: Histogram;
}

export class ListenerCounters {
  private readonly failures = Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<
    FailureKind,
    number
  >;
  private moved = 0;
  private deleted = 0;
  private filteredOut = 0;
  private readonly age: Histogram = {
    le: MESSAGE_AGE_BOUNDS,
    buckets: MESSAGE_AGE_BOUNDS.map(() => 0),
    sum: 0,
    count: 0,
  };

  failed(kind: FailureKind, messages = 1): void {
    this.failures[kind] += messages;
  }

  gaveUp(action: 'moved' | 'deleted'): void {
    if (action === 'moved') this.moved++;
    else this.deleted++;
  }

  filtered(): void {
    this.filteredOut++;
  }

  /** Records how old each message is as the handler gets it. */
  handling(messages: readonly LeasedMessage[], nowMs = Date.now()): void {
    for (const message of messages) {
      const sent = Number(message.raw.Attributes?.SentTimestamp);
      // A stand-in server may leave it out: not counted rather than counted as brand new.
      if (!Number.isFinite(sent) || sent <= 0) continue;
      // The sender's clock (SQS's) may be ahead of ours: a negative age is skew, not news.
      this.observeAge(Math.max(0, nowMs - sent) / 1000);
    }
  }

  private observeAge(seconds: number): void {
    const h = this.age;
    h.sum += seconds;
    h.count++;
    for (let i = 0; i < h.le.length; i++) {
      if (seconds <= (h.le[i] ?? 0)) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    }
  }

  snapshot(): ListenerCounts {
    const h = this.age;
    return {
      failures: { ...this.failures },
      movedToDeadLetter: this.moved,
      deletedAsNonRetryable: this.deleted,
      filtered: this.filteredOut,
      messageAge: { le: h.le, buckets: [...h.buckets], sum: h.sum, count: h.count },
    };
  }
}

/** Counters at zero, for a listener that was not built by this library. */
export function emptyListenerCounts(): ListenerCounts {
  return new ListenerCounters().snapshot();
}

const countersByListener = new WeakMap<object, ListenerCounters>();

/** Records the counters a listener function feeds, for {@link countersOf}. */
export function withCounters<L extends object>(listener: L, counters: ListenerCounters): L {
  countersByListener.set(listener, counters);
  return listener;
}

/** The counters of a listener made by `perMessageListener()`/`batchListener()`, if it is one. */
export function countersOf(listener: object): ListenerCounters | undefined {
  return countersByListener.get(listener);
}
