/** Small timing helpers shared by the receiver, the lease manager and the settle queues. */

/**
 * Milliseconds on a monotonic clock, for every deadline and timer decision. `Date.now()` follows
 * the wall clock, which NTP or an operator may step by hours: a step back would stop heartbeats
 * (a rival then receives the message), a step forward would lose every lease at once. Only
 * differences between two readings mean anything. `performance` is looked up on each call, so
 * fake timers that replace it apply.
 */
export function monotonicNow(): number {
  return performance.now();
}

/**
 * Sleeps `ms`, ending early (resolving `false`) when `signal` aborts. The abort listener is
 * removed on the normal path so long-lived signals do not accumulate listeners.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  options: { unref?: boolean } = {},
): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    if (options.unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)]. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * random());
}

/** A promise that can be resolved from outside; used to wake waiters. */
export class Wakeup {
  private resolveFn: (() => void) | undefined;
  private promise: Promise<void> | undefined;

  /** Resolves at the next `wake()`. */
  wait(): Promise<void> {
    if (!this.promise) {
      this.promise = new Promise((resolve) => {
        this.resolveFn = resolve;
      });
    }
    return this.promise;
  }

  wake(): void {
    const resolve = this.resolveFn;
    this.promise = undefined;
    this.resolveFn = undefined;
    resolve?.();
  }
}
