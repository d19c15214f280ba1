/**
 * Settle work (delete confirmation, hooks) that runs after a handler's worker moved on: holding
 * the worker for the delete round trip would cap a 20 ms handler at 10 / (20 ms + RTT) per
 * worker set instead of 10 / 20 ms. The listener waits for all of it before it returns.
 */
export class Settling {
  private readonly pending = new Set<Promise<unknown>>();

  /** `work` must not reject. */
  track(work: Promise<unknown>): void {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
  }

  async done(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
