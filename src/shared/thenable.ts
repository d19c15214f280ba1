/**
 * What `await` would wait for: an object or function with a callable `then`, as the spec
 * defines thenables. A `then` getter that throws counts as one, so the caller's `then()` call
 * (or Promise.resolve) meets the same throw and turns it into a rejection, as `await` would.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}
