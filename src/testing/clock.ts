/** The time source of the in-memory SQS: injectable, so visibility timeouts follow a test's clock. */

/**
 * What the in-memory SQS needs to tell time and wake long polls. The default, {@link systemClock},
 * reads `Date.now()` and calls `setTimeout` at call time, so vitest's or Jest's fake timers
 * drive it together with the library (which uses the same globals).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a callback scheduled with {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** `Date.now()` and the global timers, looked up on every call (fake timers replace them). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
