/**
 * Pulling from an async iterator for the schedulers: a `next()` that did not arrive in time is
 * kept for the next caller, and "what is already buffered" can be taken without waiting.
 */

/** Wraps an iterator so a `next()` that did not arrive in time is kept for the next caller. */
export class Puller<T> {
  private pending: Promise<IteratorResult<T>> | undefined;
  done = false;

  constructor(private readonly iterator: AsyncIterator<T>) {}

  next(): Promise<IteratorResult<T>> {
    const p = this.pending ?? this.iterator.next();
    this.pending = undefined;
    // Not an async function: called once per message, and `then` with one shared function
    // costs less than an async frame. A rejection passes through.
    return p.then(this.seen);
  }

  private readonly seen = (result: IteratorResult<T>): IteratorResult<T> => {
    if (result.done) this.done = true;
    return result;
  };

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
