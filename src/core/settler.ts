/**
 * The settling half of a receive session: `ack()`, `nack()`, handler timeouts and the stream's
 * own releases, coalesced into DeleteMessageBatch / ChangeMessageVisibilityBatch, and
 * tracked until SQS has answered so that shutdown can wait for them.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/config.js';
import { LeaseLostError, type LeaseLostReason, SettleError } from '../shared/errors.js';
import { monotonicNow } from '../shared/timing.js';
import { BatchQueue } from './batch-queue.js';
import type { CoreEventSink, ReleaseReason } from './events.js';
import type { Lease } from './lease.js';
import type { NackOptions, Settler } from './leased-message.js';
import { invalidNack } from './nack-options.js';
import { NACK_WINDOW_MS } from './settle-window.js';
import type { StreamConfig } from './stream-config.js';

/** What the settler needs from the session that owns the leases. */
export interface SettlerHooks {
  /** The lease stopped being the stream's responsibility (its bookkeeping, not SQS's). */
  leaseEnded(lease: Lease): void;
  /**
   * True when no handed-out message is unsettled: nothing more will be settled before the
   * consumer takes another message, so pending batches need not wait for the window.
   */
  nothingHeld(): boolean;
  /**
   * The latest moment (monotonic ms) a request using the lease's receipt handle may be sent: its
   * deadline minus the lease manager's safety margin. A settled lease is no longer heartbeated,
   * so its pending entry must not wait past this.
   */
  lastUseMs(lease: Lease): number;
  /**
   * Loses the lease (as the lease manager would) when its visibility has run out or is about to,
   * by the local deadline and the lease manager's safety margin; returns whether it did.
   */
  loseIfExpired(lease: Lease): boolean;
}

/** The text of a released lease's error, and its `LeaseLostReason`. */
const RELEASES: Record<ReleaseReason, { why: string; reason: LeaseLostReason }> = {
  neverHandedOut: { why: 'never handed out', reason: 'shutdown' },
  shutdownDeadline: { why: 'the shutdown deadline passed', reason: 'shutdown' },
  dropped: { why: 'it was dropped without ack() or nack()', reason: 'dropped' },
};

export class SessionSettler implements Settler {
  readonly deletes: BatchQueue;
  readonly visibility: BatchQueue;
  /** Settle requests SQS has not answered yet. */
  private readonly pending = new Set<Promise<unknown>>();
  private idleCheckQueued = false;

  constructor(
    private readonly config: StreamConfig,
    client: SQSClient,
    private readonly events: CoreEventSink,
    private readonly hooks: SettlerHooks,
    /** Aborts retry sleeps when the session is disposed for good. */
    teardown: AbortSignal,
  ) {
    const { queueUrl, logger, settleWindowMs: windowMs } = config;
    this.deletes = new BatchQueue({
      action: 'delete',
      queueUrl,
      windowMs,
      logger,
      signal: teardown,
      send: (Entries) =>
        client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries })),
      onAnswered: (chunk, start, failed, error) =>
        events.settleRequest?.('ack', chunk, start, failed, error),
    });
    this.visibility = new BatchQueue({
      action: 'change visibility of',
      queueUrl,
      windowMs: Math.min(windowMs, NACK_WINDOW_MS),
      logger,
      signal: teardown,
      send: (Entries) =>
        client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries })),
      onAnswered: (chunk, start, failed, error) =>
        events.settleRequest?.('nack', chunk, start, failed, error),
    });
  }

  ack(lease: Lease): Promise<void> {
    if (lease.state === 'acked') return lease.settlement!;
    if (lease.state === 'nacked') return this.conflict(lease, 'ack', 'nacked');
    // After a pause (SIGSTOP, a frozen host) the deadline may have passed before the heartbeat
    // timer could notice: SQS may have handed the message to a rival, and a delete with our stale
    // receipt handle could still succeed and remove it from under them. Send nothing.
    if (lease.active) this.hooks.loseIfExpired(lease);
    const lostWith = lease.endError;
    if (lostWith) return quiet(Promise.reject(lostWith));
    const request = this.deletes.add({
      messageId: lease.messageId,
      receiptHandle: lease.receiptHandle,
      sendByMs: this.hooks.lastUseMs(lease),
    });
    const settlement = request.then(
      () => this.events.acked(lease),
      (error: SettleError) => {
        this.events.settleFailed(lease, 'ack', error);
        this.config.logger.warn('ack failed; the message will be delivered again', {
          messageId: lease.messageId,
          code: error.code,
        });
        throw error;
      },
    );
    lease.settle('ack', quiet(settlement));
    // Tracked before the lease counts as ended, so a drain that this completes waits for it.
    this.track(request);
    this.hooks.leaseEnded(lease);
    this.sendIfIdle();
    return settlement;
  }

  /** Invalid options throw a `SettleError` (`InvalidDelay`) at once, after a plain nack. */
  nack(lease: Lease, options: NackOptions | undefined): Promise<void> {
    const invalid = invalidNack(lease, options, this.config.queueUrl);
    if (invalid) {
      // The caller meant to give the message back; only the delay is wrong. A rejected promise
      // is easy to drop (a listener then acked the message, a loop leaked its lease until
      // maxExtend), so throw, and give it back without a delay so that nothing can leak.
      if (lease.settlement === undefined) void this.nack(lease, undefined);
      throw invalid;
    }
    if (lease.state === 'nacked') return lease.settlement!;
    if (lease.state === 'acked') return this.conflict(lease, 'nack', 'acked');
    // The lease is gone already: the message reappears by itself, which is what nack asks for.
    if (!lease.active) return Promise.resolve();
    const delay = options?.delaySeconds;
    this.events.nacked(lease, delay, false);
    // Without a delay, Lambda's behaviour: stop heartbeating and let the visibility run out.
    const settlement = quiet(
      delay === undefined
        ? Promise.resolve()
        : this.changeVisibility(lease, this.clamp(lease, delay), 'nack'),
    );
    lease.settle('nack', settlement);
    this.hooks.leaseEnded(lease);
    this.sendIfIdle();
    return settlement;
  }

  /**
   * A handler timeout: ends the lease as lost with `error` (its signal aborts) and gives the
   * message back as `nack(options)` would.
   */
  timeOut(lease: Lease, error: LeaseLostError, options: NackOptions): Promise<void> {
    if (!lease.active) return lease.settlement ?? Promise.resolve();
    lease.lose(error);
    const delay = options.delaySeconds;
    this.events.nacked(lease, delay, true);
    const settlement = quiet(
      delay === undefined
        ? Promise.resolve()
        : this.changeVisibility(lease, this.clamp(lease, delay), 'nack'),
    );
    this.hooks.leaseEnded(lease);
    this.sendIfIdle();
    return settlement;
  }

  /**
   * Gives back a lease the stream ends itself (never handed out, past the shutdown deadline, or
   * dropped unsettled): its signal aborts, and it becomes visible after `timeoutSecs`.
   */
  release(lease: Lease, why: ReleaseReason, timeoutSecs: number): void {
    const { why: text, reason } = RELEASES[why];
    lease.release(
      new LeaseLostError(`Message ${lease.messageId} released: ${text}`, reason, {
        messageId: lease.messageId,
        queueUrl: this.config.queueUrl,
      }),
    );
    this.events.released(lease, why, timeoutSecs);
    this.changeVisibility(lease, timeoutSecs, 'release').catch((e: SettleError) => {
      this.config.logger.warn('release failed; the message reappears when its visibility ends', {
        messageId: lease.messageId,
        code: e.code,
      });
    });
    this.hooks.leaseEnded(lease);
    this.sendIfIdle();
  }

  /** Sends what is pending now instead of waiting for the batch window. */
  sendNow(): void {
    this.deletes.sendAll();
    this.visibility.sendAll();
  }

  /** Sends everything pending now and waits until SQS answered all of it. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) {
      this.sendNow();
      await Promise.allSettled([...this.pending]);
    }
  }

  /** Sends a visibility change after any extension in flight, so the later request wins. */
  private changeVisibility(
    lease: Lease,
    timeoutSecs: number,
    operation: 'nack' | 'release',
  ): Promise<void> {
    const request = (async () => {
      let waited = false;
      if (lease.extension) {
        await lease.extension.catch(() => {});
        // The idle check of the ack/nack that started this ran before the entry was queued.
        waited = true;
      }
      try {
        const sent = this.visibility.add({
          messageId: lease.messageId,
          receiptHandle: lease.receiptHandle,
          visibilityTimeout: timeoutSecs,
          operation,
          sendByMs: this.hooks.lastUseMs(lease),
        });
        if (waited) this.sendIfIdle();
        await sent;
      } catch (error) {
        this.events.settleFailed(lease, operation, error as SettleError);
        throw error;
      }
    })();
    this.track(request);
    return request;
  }

  /** SQS refuses a visibility reaching past 12 h from receive; the longest it allows will do. */
  private clamp(lease: Lease, delaySeconds: number): number {
    const elapsedSecs = Math.ceil((monotonicNow() - lease.receivedAtMs) / 1000);
    return Math.max(0, Math.min(delaySeconds, SQS_MAX_VISIBILITY_SECONDS - elapsedSecs - 1));
  }

  /**
   * Sends the pending batches now, instead of waiting for the window, when nothing more will be
   * settled soon: no handed-out message is unsettled. Checked once the code running now and the
   * promise jobs it started have run (a microtask, then a tick: the tick runs only after the
   * microtask queue is empty), so a loop that calls `ack()` without awaiting it and goes on to
   * `next()` holds its next message by then, and its acks fill a batch; one that awaits `ack()`,
   * or waits for a receive, holds nothing, and its ack goes at once. One check per turn.
   */
  private sendIfIdle(): void {
    if (this.idleCheckQueued) return;
    this.idleCheckQueued = true;
    queueMicrotask(this.queueIdleCheck);
  }

  private readonly queueIdleCheck = (): void => {
    process.nextTick(this.checkIdle);
  };

  private readonly checkIdle = (): void => {
    this.idleCheckQueued = false;
    if (this.hooks.nothingHeld()) this.sendNow();
  };

  /** Keeps a settle request in view until SQS answered, so shutdown can wait for it. */
  private track(request: Promise<unknown>): void {
    this.pending.add(request);
    const done = () => this.pending.delete(request);
    request.then(done, done);
  }

  private conflict(lease: Lease, attempted: string, earlier: string): Promise<void> {
    const error = new SettleError(
      `Cannot ${attempted} message ${lease.messageId}: it was already ${earlier}`,
      { code: 'SettleConflict', messageId: lease.messageId, queueUrl: this.config.queueUrl },
    );
    return quiet(Promise.reject(error));
  }
}

/** Marks a promise as handled (callers may fire and forget) while returning it unchanged. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
