/**
 * Pulling from an async iterator with bounded concurrency, and gathering batches without
 * artificial delay: what is already buffered is taken at once, nothing more is waited for
 * unless a batch window asks for it.
 */

/** Wraps an iterator so a `next()` that did not arrive in time is kept for the next caller. */
export class Puller<T> {
  private pending: Promise<IteratorResult<T>> | undefined;
  done = false;

  constructor(private readonly iterator: AsyncIterator<T>) {}

  async next(): Promise<IteratorResult<T>> {
    const p = this.pending ?? this.iterator.next();
    this.pending = undefined;
    const result = await p;
    if (result.done) this.done = true;
    return result;
  }

  /** The next item if it comes before `deadline` settles; `undefined` if not (the call is kept). */
  async nextBefore(deadline: Promise<void>): Promise<IteratorResult<T> | undefined> {
    const p = this.pending ?? this.iterator.next();
    this.pending = p;
    const result = await Promise.race([p, deadline.then(() => undefined)]);
    if (result === undefined) return undefined;
    this.pending = undefined;
    if (result.done) this.done = true;
    return result;
  }

  /** Stops the source early (after an error of ours), as `for await` would. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }
}

/** Resolves after the current microtasks and I/O callbacks: "whatever is already buffered". */
export function afterBuffered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `work` on items from `nextItem` with at most `concurrency` at once, and waits for all of
 * them before returning (or rethrowing a source error). `work` must not reject.
 */
export async function runPool<T>(
  nextItem: () => Promise<T | undefined>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  try {
    for (;;) {
      while (running.size >= concurrency) await Promise.race(running);
      const item = await nextItem();
      if (item === undefined) break;
      const task: Promise<void> = work(item).finally(() => running.delete(task));
      running.add(task);
    }
  } finally {
    await Promise.all(running);
  }
}

/**
 * Settle work (ack confirmation, hooks) that runs after a handler's worker moved on: holding the
 * worker for the delete round trip would cap a 20 ms handler at 10 / (20 ms + RTT) per worker set
 * instead of 10 / 20 ms. The listener waits for all of it before it returns.
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
