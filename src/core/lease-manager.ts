/**
 * One heartbeat scheduler per stream: a single chained, unref'd timer walks every active lease
 * (buffered or handed out) and extends those nearing their deadline together, through batched
 * ChangeMessageVisibility requests (at most ceil(due / 10) per round).
 */

import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/config.js';
import { LeaseLostError, type SettleError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { monotonicNow } from '../shared/timing.js';
import type { BatchQueue } from './batch-queue.js';
import type { Lease } from './lease.js';

export interface LeaseManagerOptions {
  queueUrl: string;
  visibilitySecs: number;
  /** Seconds since receive after which no extension is requested. */
  maxExtendSecs: number;
  visibilityQueue: BatchQueue;
  logger: Logger;
  /** Called when a lease ends without being settled, after its signal aborted. */
  onLost: (lease: Lease, error: LeaseLostError) => void;
  /** SQS confirmed an extension to `visibilityTimeout` seconds. */
  onExtended?: (lease: Lease, visibilityTimeout: number) => void;
  /** An extension request failed; a retryable one is tried again, a refused one loses the lease. */
  onExtendFailed?: (lease: Lease, error: SettleError) => void;
  /** Monotonic milliseconds; default `monotonicNow` (never the wall clock, which can step). */
  now?: () => number;
}

/**
 * SQS counts its 12 hours from its own receive time, a little before ours; keep a margin so a
 * request never crosses the limit and gets refused.
 */
const HARD_LIMIT_MARGIN_SECS = 30;

export class LeaseManager {
  private readonly leases = new Set<Lease>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private readonly now: () => number;
  /** Extend a lease when this much of its visibility is left. */
  private readonly extendAheadMs: number;
  /** Leases due within this window after the first are extended in the same round. */
  private readonly coalesceMs: number;
  /** A lease this close to its deadline is treated as lost: SQS may already hand it out. */
  private readonly safetyMs: number;
  private readonly limitSecs: number;
  private readonly limitReason: 'maxExtend' | 'visibilityLimit';
  private stopped = false;
  private rescheduleQueued = false;

  constructor(private readonly options: LeaseManagerOptions) {
    this.now = options.now ?? monotonicNow;
    const visibilityMs = options.visibilitySecs * 1000;
    this.extendAheadMs = Math.min(visibilityMs / 2, 30_000);
    this.coalesceMs = Math.min(visibilityMs / 4, 5_000);
    this.safetyMs = Math.min(visibilityMs / 8, 1_000);
    const hardLimit = SQS_MAX_VISIBILITY_SECONDS - HARD_LIMIT_MARGIN_SECS;
    this.limitSecs = Math.min(options.maxExtendSecs, hardLimit);
    this.limitReason = options.maxExtendSecs <= hardLimit ? 'maxExtend' : 'visibilityLimit';
  }

  get size(): number {
    return this.leases.size;
  }

  track(lease: Lease): void {
    this.leases.add(lease);
    this.schedule(this.dueAtMs(lease));
  }

  untrack(lease: Lease): void {
    this.leases.delete(lease);
    if (this.leases.size === 0) this.clearTimer();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.leases.clear();
  }

  /**
   * The latest moment (monotonic ms) a request with this lease's receipt handle may be sent:
   * after it, the lease counts as lost (see `loseIfExpired`).
   */
  lastUseMs(lease: Lease): number {
    return lease.deadlineMs - this.safetyMs;
  }

  /**
   * Loses the lease now, with the usual bookkeeping, when its deadline is within the safety
   * margin. The timer normally does this first, but after the process was paused (SIGSTOP, a
   * frozen container, a long GC) code that was waiting runs before the overdue timer, and an ack
   * sent then would use a receipt handle SQS may already have given to a rival. Returns whether
   * the lease is (now) lost.
   */
  loseIfExpired(lease: Lease): boolean {
    if (!this.leases.has(lease)) return false;
    if (lease.deadlineMs - this.now() > this.safetyMs) return false;
    this.lose(lease, lease.finalReason ?? 'expired');
    return true;
  }

  /** Runs one heartbeat round: expire what is past saving, extend what is due. */
  extendDue(): void {
    this.clearTimer();
    if (this.stopped) return;
    const now = this.now();
    const due: Lease[] = [];
    for (const lease of this.leases) {
      const remainingMs = lease.deadlineMs - now;
      if (remainingMs <= this.safetyMs) {
        this.lose(lease, lease.finalReason ?? 'expired');
        continue;
      }
      if (lease.extension || lease.finalReason) continue;
      if (remainingMs <= this.extendAheadMs + this.coalesceMs) due.push(lease);
    }
    for (const lease of due) this.extend(lease, now);
    if (due.length > 0) this.options.visibilityQueue.sendAll();
    this.rescheduleAll();
  }

  private extend(lease: Lease, now: number): void {
    const elapsedSecs = (now - lease.receivedAtMs) / 1000;
    // Never ask past maxExtend or SQS's 12 h: SQS rejects the whole entry rather than clamping.
    const budgetSecs = Math.floor(this.limitSecs - elapsedSecs);
    const timeoutSecs = Math.min(this.options.visibilitySecs, budgetSecs);
    if (timeoutSecs * 1000 <= lease.deadlineMs - now) {
      lease.finalReason = this.limitReason;
      return;
    }
    const sentAtMs = now;
    const request = this.options.visibilityQueue.add({
      messageId: lease.messageId,
      receiptHandle: lease.receiptHandle,
      visibilityTimeout: timeoutSecs,
    });
    lease.extension = request.then(
      () => {
        lease.extension = undefined;
        if (!lease.active) return;
        // Measured from when we sent it: SQS applied it later, so this errs on the safe side.
        lease.deadlineMs = sentAtMs + timeoutSecs * 1000;
        if (timeoutSecs < this.options.visibilitySecs) lease.finalReason = this.limitReason;
        this.options.onExtended?.(lease, timeoutSecs);
        this.rescheduleSoon();
      },
      (error: SettleError) => {
        lease.extension = undefined;
        if (!lease.active) return;
        this.options.onExtendFailed?.(lease, error);
        if (error.retryable) {
          // The request never reached SQS or SQS failed: try again next round, while time is left.
          this.options.logger.warn('lease extension failed; will retry', {
            messageId: lease.messageId,
            code: error.code,
          });
          this.schedule(this.now() + Math.min(1_000, this.extendAheadMs / 4));
          return;
        }
        this.lose(lease, 'extendFailed', error);
      },
    );
  }

  private lose(lease: Lease, reason: LeaseLostError['reason'], cause?: unknown): void {
    const why =
      reason === 'maxExtend'
        ? `its maxExtend budget of ${this.options.maxExtendSecs}s since receive is used up`
        : reason === 'visibilityLimit'
          ? "SQS's 12-hour visibility limit is reached"
          : reason === 'extendFailed'
            ? 'SQS refused to extend its visibility'
            : 'its visibility timeout ran out before it could be extended';
    const error = new LeaseLostError(`Lease on message ${lease.messageId} lost: ${why}`, reason, {
      cause,
      messageId: lease.messageId,
      queueUrl: this.options.queueUrl,
    });
    this.leases.delete(lease);
    lease.lose(error);
    this.options.logger.warn('lease lost', { messageId: lease.messageId, reason });
    this.options.onLost(lease, error);
  }

  /** When this lease next needs attention: its extension time, or its loss if it is final. */
  private dueAtMs(lease: Lease): number {
    if (lease.finalReason) return lease.deadlineMs - this.safetyMs;
    return lease.deadlineMs - this.extendAheadMs;
  }

  /**
   * After extensions succeed: the timer may still be armed at the old deadline − safety (set
   * while they were in flight), which would send the next extension early. Re-arm it from every
   * lease, once per answered request rather than once per entry.
   */
  private rescheduleSoon(): void {
    if (this.rescheduleQueued) return;
    this.rescheduleQueued = true;
    queueMicrotask(() => {
      this.rescheduleQueued = false;
      if (this.stopped) return;
      this.clearTimer();
      this.rescheduleAll();
    });
  }

  private rescheduleAll(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const lease of this.leases) {
      // A lease whose extension is still in flight needs a look again only if it could expire.
      const at = lease.extension ? lease.deadlineMs - this.safetyMs : this.dueAtMs(lease);
      earliest = Math.min(earliest, at);
    }
    this.schedule(earliest);
  }

  private schedule(atMs: number): void {
    if (this.stopped || !Number.isFinite(atMs) || atMs >= this.timerAtMs) return;
    this.clearTimer();
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.extendDue(), Math.max(0, atMs - this.now()));
    // Keeping a lease alive is housekeeping: it must not keep a finished process running.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }
}
