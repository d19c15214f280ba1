/** Batch mode's workers: at most `concurrency` batches in the pipeline at once. */

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
