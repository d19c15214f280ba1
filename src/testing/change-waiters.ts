/**
 * Waiting for "something changed" in the in-memory SQS: long polls and `until()` sleep here
 * until a request changes a queue, a message becomes visible, or their deadline passes.
 */
import type { Clock } from './clock.js';
import { abortError } from './sqs-errors.js';

export class ChangeWaiters {
  private readonly waiters = new Set<() => void>();

  /**
   * @param nextVisibleAtMs when the next delayed or in-flight message becomes visible (a change
   *   no request announces), or `undefined` when none will.
   */
  constructor(
    private readonly clock: Clock,
    private readonly nextVisibleAtMs: (nowMs: number) => number | undefined,
  ) {}

  /** Wakes every waiter; each re-checks its own condition. */
  changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Waits for the next change, the next message becoming visible, or `untilMs`. */
  waitForChange(untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const now = this.clock.now();
      const wakeAtMs = Math.min(untilMs, this.nextVisibleAtMs(now) ?? untilMs);
      let timer: unknown;
      const finish = () => {
        this.waiters.delete(wake);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const wake = () => {
        finish();
        resolve();
      };
      const onAbort = () => {
        finish();
        reject(abortError());
      };
      if (Number.isFinite(wakeAtMs)) {
        timer = this.clock.setTimeout(wake, Math.max(0, wakeAtMs - now));
      }
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
