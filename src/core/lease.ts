/**
 * The mutable state behind one leased message, shared by the stream's lease manager, its
 * settle logic and the public `LeasedMessage` facade. The lease owns its transitions: each one
 * checks the state it starts from, so that a message can end only once.
 */
import type { LeaseLostError } from '../shared/errors.js';
import { checkTransition, type TransitionTable } from './transition.js';

/**
 * - buffered: received, not yet handed to the consumer (still heartbeated);
 * - held: handed out, unsettled;
 * - acked / nacked: the consumer settled it (the request may still be pending);
 * - lost: the lease ended unsettled (visibility ran out, budget used up, extension refused,
 *   handler timeout);
 * - released: given back by the stream without being settled (never handed out, the shutdown
 *   deadline, or dropped unsettled).
 */
export type LeaseState = 'buffered' | 'held' | 'acked' | 'nacked' | 'lost' | 'released';

/** Every transition a lease allows; the last four states are final. */
export const LEASE_TRANSITIONS: TransitionTable<LeaseState> = {
  buffered: ['held', 'lost', 'released'],
  held: ['acked', 'nacked', 'lost', 'released'],
  acked: [],
  nacked: [],
  lost: [],
  released: [],
};

export class Lease {
  private current: LeaseState = 'buffered';
  /**
   * How the lease ended, once it did: for acked and nacked, the promise the consumer's call
   * returned (a repeated call returns it again); for lost and released, the error its signal
   * aborted with (a later `ack()` rejects with it).
   */
  private outcome: Promise<void> | LeaseLostError | undefined;
  private controller: AbortController | undefined;
  /**
   * Monotonic time (ms, see `monotonicNow`) until which SQS keeps the message invisible,
   * conservatively estimated.
   */
  deadlineMs: number;
  /**
   * Set once the budget (maxExtend / 12 h) forbids a further extension: the reason the lease
   * will be lost at its deadline instead of `expired`.
   */
  finalReason: 'maxExtend' | 'visibilityLimit' | undefined;
  /** The visibility change in flight for this lease, if any. */
  extension: Promise<void> | undefined;

  constructor(
    readonly messageId: string,
    readonly receiptHandle: string,
    /** Monotonic time (ms) at which the receive returned the message. */
    readonly receivedAtMs: number,
    visibilitySecs: number,
  ) {
    this.deadlineMs = receivedAtMs + visibilitySecs * 1000;
  }

  get state(): LeaseState {
    return this.current;
  }

  /** True while the stream is responsible for keeping the message invisible. */
  get active(): boolean {
    return this.current === 'buffered' || this.current === 'held';
  }

  /** What the consumer's `ack()` or `nack()` returned, once the lease is acked or nacked. */
  get settlement(): Promise<void> | undefined {
    return this.current === 'acked' || this.current === 'nacked'
      ? (this.outcome as Promise<void>)
      : undefined;
  }

  /** Why the lease ended unsettled, once it is lost or released. */
  get endError(): LeaseLostError | undefined {
    return this.current === 'lost' || this.current === 'released'
      ? (this.outcome as LeaseLostError)
      : undefined;
  }

  /**
   * Created on first use: most messages are settled without anyone reading their signal, and a
   * stream may hold thousands.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const error = this.endError;
      if (error) this.controller.abort(error);
    }
    return this.controller.signal;
  }

  /** buffered → held: the consumer got the message. */
  handOut(): void {
    this.move('held');
  }

  /** held → acked / nacked: the consumer settled it; `settlement` is what its call returned. */
  settle(as: 'ack' | 'nack', settlement: Promise<void>): void {
    this.move(as === 'ack' ? 'acked' : 'nacked');
    this.outcome = settlement;
  }

  /** buffered / held → lost: the lease ended unsettled; its signal aborts with `error`. */
  lose(error: LeaseLostError): void {
    this.end('lost', error);
  }

  /** buffered / held → released: the stream gives the message back; its signal aborts. */
  release(error: LeaseLostError): void {
    this.end('released', error);
  }

  private end(state: 'lost' | 'released', error: LeaseLostError): void {
    this.move(state);
    this.outcome = error;
    this.controller?.abort(error);
  }

  private move(to: LeaseState): void {
    checkTransition('a lease', LEASE_TRANSITIONS, this.current, to);
    this.current = to;
  }
}
