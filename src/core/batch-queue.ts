/**
 * Coalesces per-message settle operations into SQS batch requests (DeleteMessageBatch,
 * ChangeMessageVisibilityBatch): a request is sent at 10 entries, after a window counted from
 * the first pending entry, by the earliest `sendByMs` of its entries, or on demand (`sendAll`).
 * Each caller gets a promise for exactly its own entry.
 */
import { SQS_MAX_BATCH } from '../shared/config.js';
import { awsErrorCode, isAbortError, isFatalAwsError, SettleError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { backoffMs, monotonicNow, sleep } from '../shared/timing.js';

export interface BatchEntry {
  messageId: string;
  receiptHandle: string;
  /** Only for ChangeMessageVisibilityBatch. */
  visibilityTimeout?: number;
  /** Why a visibility change is sent (the `settleRequest` event reports only nacks). */
  operation?: 'nack' | 'release' | 'extend';
  /**
   * Monotonic time (ms, `monotonicNow`) by which the entry must be sent even if the window has
   * not ended: its lease stops keeping the message invisible soon after.
   */
  sendByMs?: number;
}

export interface RequestEntry {
  Id: string;
  ReceiptHandle: string;
  VisibilityTimeout?: number;
}

export interface BatchResponse {
  Successful?: Array<{ Id?: string | undefined }> | undefined;
  Failed?:
    | Array<{
        Id?: string | undefined;
        Code?: string | undefined;
        Message?: string | undefined;
        SenderFault?: boolean | undefined;
      }>
    | undefined;
}

export interface BatchQueueOptions {
  /** For messages and logs: "delete" or "change visibility". */
  action: string;
  queueUrl: string;
  send: (entries: RequestEntry[]) => Promise<BatchResponse>;
  windowMs: number;
  logger: Logger;
  /** Attempts per entry, counting the first. */
  maxAttempts?: number;
  /** Cancels backoff sleeps when the stream is torn down for good. */
  signal?: AbortSignal;
  /**
   * Told of each request once answered, before its entries settle (the `settleRequest` event):
   * `failed` entries, or all of them with `error` when the request failed as a whole.
   */
  onAnswered?: (
    chunk: readonly Pending[],
    startTime: number,
    failed: number,
    error: unknown,
  ) => void;
}

export interface Pending {
  entry: BatchEntry;
  attempts: number;
  resolve: () => void;
  reject: (error: SettleError) => void;
}

/** Whether a failed request may succeed if sent again (throttling, 5xx, network trouble). */
export function isRetryableRequestError(error: unknown): boolean {
  if (isFatalAwsError(error)) return false;
  const e = error as { $retryable?: unknown; $fault?: unknown };
  if (e && typeof e === 'object') {
    if (e.$retryable) return true;
    if (e.$fault === 'server') return true;
    if (e.$fault === 'client') return false;
  }
  return true;
}

export class BatchQueue {
  private readonly pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (monotonic ms); +Infinity when it is not armed. */
  private timerAtMs = Number.POSITIVE_INFINITY;
  private nextId = 0;
  private fullSendQueued = false;
  private readonly maxAttempts: number;

  constructor(private readonly options: BatchQueueOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  /** Queues one entry; the promise settles when SQS has answered for it. */
  add(entry: BatchEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entry, attempts: 0, resolve, reject });
      // The window starts with the first pending entry; an entry due earlier brings it forward.
      const { sendByMs } = entry;
      if (this.timer === undefined || (sendByMs !== undefined && sendByMs < this.timerAtMs)) {
        const now = monotonicNow();
        const windowEnd = this.timer === undefined ? now + this.options.windowMs : this.timerAtMs;
        this.armTimer(sendByMs === undefined ? windowEnd : Math.min(windowEnd, sendByMs), now);
      }
      if (this.pending.length >= SQS_MAX_BATCH && !this.fullSendQueued) {
        // After the promise jobs now queued (nextTick waits for them when queued from one): the
        // SDK's synchronous work for a request (serialising, signing) would otherwise run
        // before the handlers this turn is starting. Not setImmediate: fake timers stall it.
        this.fullSendQueued = true;
        process.nextTick(this.onFull);
      }
    });
  }

  private readonly onFull = (): void => {
    this.fullSendQueued = false;
    this.sendFullBatches();
  };

  private armTimer(atMs: number, now: number): void {
    this.clearTimer();
    this.timerAtMs = atMs;
    // Not unref'd: a pending delete is work the process should finish before it exits.
    this.timer = setTimeout(this.onTimer, Math.max(0, atMs - now));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    this.sendAll();
  };

  /** Sends whatever is pending now, without waiting for the window. */
  sendAll(): void {
    this.clearTimer();
    while (this.pending.length > 0) this.sendChunk();
  }

  private sendFullBatches(): void {
    while (this.pending.length >= SQS_MAX_BATCH) this.sendChunk();
    if (this.pending.length === 0) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
    }
  }

  private sendChunk(): void {
    // Never rejects: every entry's own promise carries its outcome (the settler waits on those).
    void this.sendRequest(this.pending.splice(0, SQS_MAX_BATCH));
  }

  private async sendRequest(chunk: Pending[]): Promise<void> {
    // Ids are ours and unique per queue: a MessageId could repeat within one batch when SQS
    // redelivers a duplicate, and SQS rejects a batch with repeated ids.
    const byId = new Map<string, Pending>();
    const entries: RequestEntry[] = chunk.map((p) => {
      const id = (this.nextId++).toString(36);
      byId.set(id, p);
      p.attempts++;
      const e: RequestEntry = { Id: id, ReceiptHandle: p.entry.receiptHandle };
      if (p.entry.visibilityTimeout !== undefined) e.VisibilityTimeout = p.entry.visibilityTimeout;
      return e;
    });
    const { onAnswered } = this.options;
    const startTime = onAnswered === undefined ? 0 : Date.now();
    let response: BatchResponse;
    try {
      response = await this.options.send(entries);
    } catch (error) {
      onAnswered?.(chunk, startTime, chunk.length, error);
      await this.requestFailed(chunk, error);
      return;
    }
    onAnswered?.(chunk, startTime, response.Failed?.length ?? 0, undefined);
    const retry: Pending[] = [];
    for (const ok of response.Successful ?? []) {
      const p = ok.Id === undefined ? undefined : byId.get(ok.Id);
      if (!p) continue;
      byId.delete(ok.Id!);
      p.resolve();
    }
    for (const failed of response.Failed ?? []) {
      const p = failed.Id === undefined ? undefined : byId.get(failed.Id);
      if (!p) continue;
      byId.delete(failed.Id!);
      // SenderFault false means SQS's side failed: the same entry may succeed when sent again.
      if (failed.SenderFault === false && p.attempts < this.maxAttempts) {
        retry.push(p);
        continue;
      }
      p.reject(
        new SettleError(
          `SQS refused to ${this.options.action} message ${p.entry.messageId}: ${failed.Code ?? 'unknown code'}${failed.Message ? ` (${failed.Message})` : ''}`,
          {
            code: failed.Code ?? 'Unknown',
            retryable: failed.SenderFault === false,
            messageId: p.entry.messageId,
            queueUrl: this.options.queueUrl,
          },
        ),
      );
    }
    // An entry SQS did not mention at all is treated as a server-side failure.
    for (const p of byId.values()) retry.push(p);
    if (retry.length > 0) await this.retryLater(retry, undefined);
  }

  private async requestFailed(chunk: Pending[], error: unknown): Promise<void> {
    const retryable = isRetryableRequestError(error) && !isAbortError(error);
    const again = retryable ? chunk.filter((p) => p.attempts < this.maxAttempts) : [];
    for (const p of chunk) {
      if (again.includes(p)) continue;
      p.reject(
        new SettleError(
          `Could not ${this.options.action} message ${p.entry.messageId}: ${awsErrorCode(error)}`,
          {
            cause: error,
            code: awsErrorCode(error),
            retryable,
            messageId: p.entry.messageId,
            queueUrl: this.options.queueUrl,
          },
        ),
      );
    }
    if (again.length > 0) await this.retryLater(again, error);
  }

  private async retryLater(entries: Pending[], error: unknown): Promise<void> {
    const attempt = Math.max(...entries.map((p) => p.attempts));
    this.options.logger.warn(`${this.options.action} request will be retried`, {
      entries: entries.length,
      attempt,
      code: error === undefined ? 'EntryFailed' : awsErrorCode(error),
    });
    await sleep(backoffMs(attempt, 200, 5_000), this.options.signal);
    // Retried entries go to the front: they have waited longest.
    this.pending.unshift(...entries);
    this.sendAll();
  }
}
