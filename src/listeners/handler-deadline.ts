/**
 * Library-internal: when the handler call that received a batch must end (`handlerTimeout`), so
 * that an adapter running inside the handler (the Lambda adapter's
 * `context.getRemainingTimeInMillis()`) can tell how much time is left. Keyed by the very array
 * the handler receives: one entry per call, only with a timeout, gone with the array. Not
 * exported from the package.
 */
import type { LeasedMessage } from '../core/leased-message.js';

const deadlines = new WeakMap<readonly LeasedMessage[], number>();

/** Records that the call receiving `messages` times out at `deadlineMs` (`monotonicNow()` ms). */
export function setHandlerDeadline(messages: readonly LeasedMessage[], deadlineMs: number): void {
  deadlines.set(messages, deadlineMs);
}

/**
 * The monotonic time (ms) at which the call that received `messages` times out; `undefined`
 * when the listener has no `handlerTimeout` (or `messages` did not come from a listener).
 */
export function handlerDeadlineOf(messages: readonly LeasedMessage[]): number | undefined {
  return deadlines.get(messages);
}
