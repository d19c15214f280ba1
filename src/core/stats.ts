/**
 * The stream's counters (`stream.stats()`), for logs, tests, the runner's health report and
 * its Prometheus metrics. They are fed by the stream's events: `StatsRecorder` is the one
 * subscriber that is always there.
 */
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
  lastReceiveAt?: Date;
  /** When a ReceiveMessage last failed and was retried; unset if none did. */
  lastReceiveErrorAt?: Date;
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
  };
}

/**
 * Counts the stream's events into `StreamStats`. Its methods take the event's arguments
 * directly (no payload object): it is subscribed for every message of every stream.
 * `inFlight` and `bytesInFlight` are gauges, read from the live iterations when a snapshot is taken.
 */
export class StatsRecorder implements CoreEventSink {
  readonly counts: StreamStats = emptyStats();

  receiveSent(): void {
    this.counts.receives++;
  }

  received(_requested: number, _messages: unknown, count: number): void {
    this.counts.received += count;
    this.counts.lastReceiveAt = new Date();
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
