/**
 * The stream's counters (`stream.stats()`), for logs, tests, the runner's health report and
 * its Prometheus metrics. They are fed by the stream's events: `StatsRecorder` is the one
 * subscriber that is always there.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { CoreEventSink, ReleaseReason, SettleOperation } from './events.js';

/** Counters kept by a stream, over every iteration. */
export interface StreamStats {
  /** ReceiveMessage requests sent. */
  receives: number;
  /** ReceiveMessage requests that failed and were retried (a fatal failure ends the stream). */
  receiveErrors: number;
  /** Messages received (leased). */
  received: number;
  /** Deletes SQS confirmed. */
  acked: number;
  /** Deletes that failed; those messages will be delivered again. */
  ackFailed: number;
  /** Messages given back for another try (`nack()` or a handler timeout). */
  nacked: number;
  /** Lease extensions SQS confirmed. */
  extended: number;
  /** Leases that ended unsettled (visibility ran out, budget used up, extension refused). */
  lost: number;
  /** Messages given back by the stream (never handed out, or at the shutdown deadline). */
  released: number;
  /**
   * Handed-out messages garbage-collected while unsettled (dropped without ack() or nack()):
   * released by the stream, and counted in `released` too.
   */
  dropped: number;
  /** Leased, unsettled messages now (buffered or handed out): what `maxInFlight` bounds. */
  inFlight: number;
  /**
   * Their bytes now: bodies and message attributes, plus payloads fetched from S3. What
   * `maxInFlightBytes` bounds.
   */
  bytesInFlight: number;
  /** When a ReceiveMessage last succeeded (with or without messages); unset before the first. */
  lastReceiveAt?: Date | undefined;
  /** When a ReceiveMessage last failed and was retried; unset if none did. */
  lastReceiveErrorAt?: Date | undefined;
  /** ReceiveMessage requests answered with no message. */
  emptyReceives: number;
  /**
   * `ApproximateReceiveCount` of the messages as they were received. A poison message that
   * keeps failing shows up here (SQS moves it to the back of a standard queue, so
   * `ApproximateAgeOfOldestMessage` does not reveal it).
   */
  receiveCounts: ReceiveCountHistogram;
  /** Messages received and not yet handed to the consumer, now (part of `inFlight`). */
  buffered: number;
  /**
   * Seconds since a ReceiveMessage last succeeded (with or without messages), or since the
   * stream was created when none has yet. Grows while the stream is busy and sends none.
   */
  secondsSinceLastReceive: number;
  /**
   * True when a ReceiveMessage was sent after the last successful one: it is still open, it
   * failed, or a stop aborted it. With `inFlight` 0 it tells whether the stream is waiting for
   * SQS rather than for its own consumer (the runner's stuck check).
   */
  receivePending: boolean;
}

/** Upper bounds of the receive-count buckets (the last one, `Infinity`, is Prometheus' +Inf). */
export const RECEIVE_COUNT_BOUNDS: readonly number[] = [1, 2, 3, 5, 10, Number.POSITIVE_INFINITY];

/** A histogram of `ApproximateReceiveCount`, cumulative as Prometheus histograms are. */
export interface ReceiveCountHistogram {
  /** Upper bounds: 1, 2, 3, 5, 10 and `Infinity` (see `RECEIVE_COUNT_BOUNDS`). */
  le: readonly number[];
  /** `buckets[i]`: messages received with a receive count of at most `le[i]`. */
  buckets: number[];
  /** Sum of the receive counts. */
  sum: number;
  /** Messages counted (those that carried `ApproximateReceiveCount`). */
  count: number;
}

/** Counters at zero, for a new stream. */
export function emptyStats(): StreamStats {
  return {
    receives: 0,
    receiveErrors: 0,
    received: 0,
    acked: 0,
    ackFailed: 0,
    nacked: 0,
    extended: 0,
    lost: 0,
    released: 0,
    dropped: 0,
    inFlight: 0,
    bytesInFlight: 0,
    emptyReceives: 0,
    receiveCounts: {
      le: RECEIVE_COUNT_BOUNDS,
      buckets: RECEIVE_COUNT_BOUNDS.map(() => 0),
      sum: 0,
      count: 0,
    },
    buffered: 0,
    secondsSinceLastReceive: 0,
    receivePending: false,
  };
}

/**
 * Counts the stream's events into `StreamStats`. Its methods take the event's arguments
 * directly (no payload object): it is subscribed for every message of every stream.
 * `inFlight` and `bytesInFlight` are gauges, read from the live iterations when a snapshot is taken.
 */
export class StatsRecorder implements CoreEventSink {
  readonly counts: StreamStats = emptyStats();
  /** What `secondsSinceLastReceive` counts from before the first successful receive. */
  readonly createdAtMs = Date.now();

  receiveSent(): void {
    this.counts.receives++;
    this.counts.receivePending = true;
  }

  received(_requested: number, messages: readonly Message[], count: number): void {
    const c = this.counts;
    c.received += count;
    c.lastReceiveAt = new Date();
    // A flag, not two timestamps compared: the next receive may go out in the same millisecond.
    c.receivePending = false;
    if (messages.length === 0) c.emptyReceives++;
    else countReceives(c.receiveCounts, messages);
  }

  handedOut(): void {}

  extended(): void {
    this.counts.extended++;
  }

  lost(): void {
    this.counts.lost++;
  }

  acked(): void {
    this.counts.acked++;
  }

  nacked(): void {
    this.counts.nacked++;
  }

  released(_lease: unknown, reason: ReleaseReason): void {
    this.counts.released++;
    if (reason === 'dropped') this.counts.dropped++;
  }

  receiveFailed(_code: string, _attempt: number, willRetry: boolean): void {
    if (!willRetry) return;
    this.counts.receiveErrors++;
    this.counts.lastReceiveErrorAt = new Date();
  }

  settleFailed(_lease: unknown, operation: SettleOperation): void {
    if (operation === 'ack') this.counts.ackFailed++;
  }
}

/** Adds the receive counts of the messages the session leased (it skips any without a handle). */
function countReceives(histogram: ReceiveCountHistogram, messages: readonly Message[]): void {
  const { le, buckets } = histogram;
  for (const m of messages) {
    if (!m.MessageId || !m.ReceiptHandle) continue;
    const n = Number(m.Attributes?.ApproximateReceiveCount);
    // Missing or garbled (a stand-in server): left out rather than counted as a first receive.
    if (!Number.isInteger(n) || n < 1) continue;
    histogram.sum += n;
    histogram.count++;
    for (let i = 0; i < le.length; i++) {
      if (n <= (le[i] ?? 0)) buckets[i] = (buckets[i] ?? 0) + 1;
    }
  }
}

/** A copy a snapshot can hand out: the recorder keeps counting into its own. */
export function copyHistogram(h: ReceiveCountHistogram): ReceiveCountHistogram {
  return { le: h.le, buckets: [...h.buckets], sum: h.sum, count: h.count };
}
