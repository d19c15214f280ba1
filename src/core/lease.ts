/**
 * The mutable state behind one leased message, shared by the stream's lease manager, its
 * settle logic and the public `LeasedMessage` facade.
 */
import type { LeaseLostError } from '../shared/errors.js';

/**
 * - buffered: received, not yet handed to the consumer (still heartbeated);
 * - held: handed out, unsettled;
 * - settled: ack() or nack() was called (the request may still be pending);
 * - released: given back by the stream (visibility 0) without being handed out, or at the
 *   shutdown deadline;
 * - lost: the lease ended (expired, budget used up, extension refused).
 */
export type LeaseState = 'buffered' | 'held' | 'settled' | 'released' | 'lost';

export class Lease {
  state: LeaseState = 'buffered';
  /**
   * Monotonic time (ms, see `monotonicNow`) until which SQS keeps the message invisible,
   * conservatively estimated.
   */
  deadlineMs: number;
  /** Set once the budget (maxExtend / 12 h) forbids a further extension. */
  finalReason: 'maxExtend' | 'visibilityLimit' | undefined;
  /** The visibility change in flight for this lease, if any. */
  extension: Promise<void> | undefined;
  lostError: LeaseLostError | undefined;
  settledAs: 'ack' | 'nack' | undefined;
  settlement: Promise<void> | undefined;
  private controller: AbortController | undefined;

  constructor(
    readonly messageId: string,
    readonly receiptHandle: string,
    /** Monotonic time (ms) at which the receive returned the message. */
    readonly receivedAtMs: number,
    visibilitySecs: number,
  ) {
    this.deadlineMs = receivedAtMs + visibilitySecs * 1000;
  }

  /** True while the stream is responsible for keeping the message invisible. */
  get active(): boolean {
    return this.state === 'buffered' || this.state === 'held';
  }

  /**
   * Created on first use: most messages are settled without anyone reading their signal, and a
   * stream may hold thousands.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.lostError) this.controller.abort(this.lostError);
    }
    return this.controller.signal;
  }

  /** Ends the lease for good: its signal aborts with the error as reason. */
  lose(error: LeaseLostError, state: 'lost' | 'released' = 'lost'): void {
    if (this.lostError) return;
    this.lostError = error;
    this.state = state;
    this.controller?.abort(error);
  }
}
