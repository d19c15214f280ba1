/**
 * Settle work (delete confirmation, hooks) that runs after a handler's worker moved on: holding
 * the worker for the delete round trip would cap a 20 ms handler at 10 / (20 ms + RTT) per
 * worker set instead of 10 / 20 ms. The listener waits for all of it before it returns.
 */
export class Settling {
  /** Work tracked and not finished yet: a count, not a set, so tracking costs no closure. */
  private pending = 0;
  private idle: (() => void) | undefined;
  private idlePromise: Promise<void> | undefined;
  /** One function for every piece of work, passed to `then`. */
  private readonly finished = (): void => {
    if (--this.pending > 0) return;
    const resolve = this.idle;
    this.idle = undefined;
    this.idlePromise = undefined;
    resolve?.();
  };

  /** `work` must not reject. */
  track(work: Promise<unknown>): void {
    this.pending++;
    work.then(this.finished, this.finished);
  }

  /** Resolves once no tracked work is pending, including work tracked while waiting. */
  done(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    this.idlePromise ??= new Promise((resolve) => {
      this.idle = resolve;
    });
    return this.idlePromise;
  }
}
