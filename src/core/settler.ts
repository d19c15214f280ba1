/**
 * The settling half of a receive session: `ack()`, `nack()`, handler-timeout expiry and the
 * stream's own releases, coalesced into DeleteMessageBatch / ChangeMessageVisibilityBatch, and
 * tracked until SQS has answered so that shutdown can wait for them.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/config.js';
import { describeValue, LeaseLostError, SettleError } from '../shared/errors.js';
import { monotonicNow } from '../shared/timing.js';
import { BatchQueue } from './batch-queue.js';
import type { Lease } from './lease.js';
import type { NackOptions, Settler } from './leased-message.js';
import type { StreamStats } from './stats.js';
import type { StreamConfig } from './stream-config.js';

/** What the settler needs from the session that owns the leases. */
export interface SettlerHooks {
  /** The lease stopped being the stream's responsibility (its bookkeeping, not SQS's). */
  leaseEnded(lease: Lease, how: 'settled' | 'expired' | 'released'): void;
  /** True when no handed-out message is unsettled and none waits in the buffer. */
  isIdle(): boolean;
  /**
   * Loses the lease (as the lease manager would) when its visibility has run out or is about to,
   * by the local deadline and the lease manager's safety margin; returns whether it did.
   */
  loseIfExpired(lease: Lease): boolean;
}

export class SessionSettler implements Settler {
  readonly deletes: BatchQueue;
  readonly visibility: BatchQueue;
  /** Settle requests SQS has not answered yet. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly config: StreamConfig,
    client: SQSClient,
    private readonly stats: StreamStats,
    private readonly hooks: SettlerHooks,
    /** Aborts retry sleeps when the session is disposed for good. */
    teardown: AbortSignal,
  ) {
    const { queueUrl, logger, settleBatchWindowMs: windowMs } = config;
    this.deletes = new BatchQueue({
      action: 'delete',
      queueUrl,
      windowMs,
      logger,
      signal: teardown,
      send: (Entries) =>
        client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries })),
    });
    this.visibility = new BatchQueue({
      action: 'change visibility of',
      queueUrl,
      windowMs,
      logger,
      signal: teardown,
      send: (Entries) =>
        client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries })),
    });
  }

  ack(lease: Lease): Promise<void> {
    if (lease.settledAs === 'ack' && lease.settlement) return lease.settlement;
    if (lease.settledAs === 'nack') return this.conflict(lease, 'ack', 'nacked');
    lease.settledAs = 'ack';
    // After a pause (SIGSTOP, a frozen host) the deadline may have passed before the heartbeat
    // timer could notice: SQS may have handed the message to a rival, and a delete with our stale
    // receipt handle could still succeed and remove it from under them. Send nothing.
    if (lease.active) this.hooks.loseIfExpired(lease);
    if (!lease.active) {
      lease.settlement = Promise.reject(
        lease.lostError ??
          new LeaseLostError(`Message ${lease.messageId} is no longer leased`, 'expired', {
            messageId: lease.messageId,
          }),
      );
      return quiet(lease.settlement);
    }
    const request = this.deletes.add({
      messageId: lease.messageId,
      receiptHandle: lease.receiptHandle,
    });
    // Tracked before the lease counts as ended, so a drain that this completes waits for it.
    this.track(request);
    this.hooks.leaseEnded(lease, 'settled');
    this.sendIfIdle();
    lease.settlement = request.then(
      () => {
        this.stats.acked++;
      },
      (error: unknown) => {
        this.stats.ackFailed++;
        this.config.logger.warn('ack failed; the message will be delivered again', {
          messageId: lease.messageId,
          code: (error as SettleError).code,
        });
        throw error;
      },
    );
    return quiet(lease.settlement);
  }

  /** Invalid options throw a `SettleError` (`InvalidDelay`) at once, after a plain nack. */
  nack(lease: Lease, options: NackOptions | undefined): Promise<void> {
    const invalid = this.invalidNack(lease, options);
    if (invalid) {
      // The caller meant to give the message back; only the delay is wrong. A rejected promise
      // is easy to drop (a listener then acked the message, a loop leaked its lease until
      // maxExtend), so throw, and give it back without a delay so that nothing can leak.
      if (lease.settledAs === undefined) void this.nack(lease, undefined);
      throw invalid;
    }
    if (lease.settledAs === 'nack' && lease.settlement) return lease.settlement;
    if (lease.settledAs === 'ack') return this.conflict(lease, 'nack', 'acked');
    const delay = options?.delaySeconds;
    lease.settledAs = 'nack';
    if (!lease.active) {
      // The lease is gone already: the message reappears by itself, which is what nack asks for.
      lease.settlement = Promise.resolve();
      return lease.settlement;
    }
    this.stats.nacked++;
    // Without a delay, Lambda's behaviour: stop heartbeating and let the visibility run out.
    lease.settlement =
      delay === undefined
        ? Promise.resolve()
        : this.changeVisibility(lease, this.clamp(lease, delay));
    this.hooks.leaseEnded(lease, 'settled');
    this.sendIfIdle();
    return quiet(lease.settlement);
  }

  expire(lease: Lease, error: LeaseLostError, options: NackOptions): Promise<void> {
    if (!lease.active) return lease.settlement ?? Promise.resolve();
    lease.lose(error);
    this.stats.nacked++;
    const delay = options.delaySeconds;
    lease.settlement = quiet(
      delay === undefined
        ? Promise.resolve()
        : this.changeVisibility(lease, this.clamp(lease, delay)),
    );
    this.hooks.leaseEnded(lease, 'expired');
    this.sendIfIdle();
    return lease.settlement;
  }

  /**
   * Gives back a lease the stream ends itself (never handed out, or past the shutdown
   * deadline): its signal aborts with reason `shutdown`, and it becomes visible after
   * `timeoutSecs`.
   */
  release(lease: Lease, why: string, timeoutSecs: number): void {
    lease.lose(
      new LeaseLostError(`Message ${lease.messageId} released: ${why}`, 'shutdown', {
        messageId: lease.messageId,
        queueUrl: this.config.queueUrl,
      }),
      'released',
    );
    this.changeVisibility(lease, timeoutSecs).catch((e: SettleError) => {
      this.config.logger.warn('release failed; the message reappears when its visibility ends', {
        messageId: lease.messageId,
        code: e.code,
      });
    });
    this.hooks.leaseEnded(lease, 'released');
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
  private changeVisibility(lease: Lease, timeoutSecs: number): Promise<void> {
    const request = (async () => {
      if (lease.extension) await lease.extension.catch(() => {});
      await this.visibility.add({
        messageId: lease.messageId,
        receiptHandle: lease.receiptHandle,
        visibilityTimeout: timeoutSecs,
      });
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
   * Nothing more will be settled soon when no handed-out message is unsettled and none waits in
   * the buffer: send the pending batches now instead of waiting for the window.
   */
  private sendIfIdle(): void {
    if (this.hooks.isIdle()) this.sendNow();
  }

  /** Keeps a settle request in view until SQS answered, so shutdown can wait for it. */
  private track(request: Promise<unknown>): void {
    this.pending.add(request);
    const done = () => this.pending.delete(request);
    request.then(done, done);
  }

  /** `undefined` when `options` is a valid nack: no options, or a whole number of seconds SQS allows. */
  private invalidNack(lease: Lease, options: NackOptions | undefined): SettleError | undefined {
    let got: string;
    if (options === undefined) return undefined;
    if (options === null || typeof options !== 'object') {
      got = `options ${describe(options)}`;
    } else {
      const delay: unknown = options.delaySeconds;
      if (
        delay === undefined ||
        (typeof delay === 'number' &&
          Number.isInteger(delay) &&
          delay >= 0 &&
          delay <= SQS_MAX_VISIBILITY_SECONDS)
      ) {
        return undefined;
      }
      got = `delaySeconds ${describe(delay)}`;
    }
    const outcome =
      lease.settledAs === undefined
        ? 'The message was nacked without a delay: it reappears when its visibility timeout ends.'
        : `The earlier ${lease.settledAs} stands.`;
    return new SettleError(
      `Invalid nack of message ${lease.messageId}: got ${got}; allowed: delaySeconds a whole ` +
        `number of seconds from 0 to ${SQS_MAX_VISIBILITY_SECONDS}, or omitted. ${outcome}`,
      { code: 'InvalidDelay', messageId: lease.messageId, queueUrl: this.config.queueUrl },
    );
  }

  private conflict(lease: Lease, attempted: string, earlier: string): Promise<void> {
    const error = new SettleError(
      `Cannot ${attempted} message ${lease.messageId}: it was already ${earlier}`,
      { code: 'SettleConflict', messageId: lease.messageId, queueUrl: this.config.queueUrl },
    );
    return quiet(Promise.reject(error));
  }
}

/** A value for an error message, strings marked as such (`'5'` is not `5`); never throws. */
function describe(value: unknown): string {
  return typeof value === 'string' ? `${JSON.stringify(value)} (a string)` : describeValue(value);
}

/** Marks a promise as handled (callers may fire and forget) while returning it unchanged. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
