/**
 * `HandlerError`: a handler failure that has no thrown value of its own. What a handler throws
 * is passed on as is (to `onFailure` and `isNonRetryable`), so that `instanceof` checks on the
 * user's own errors keep working; this error stands for the other ways a call can fail.
 */
import { SqsListenerError } from '../shared/errors.js';

/**
 * How a handler call failed without throwing:
 * - `returnedFalse`: the handler returned `false` (per message, or the whole batch);
 * - `timedOut`: `handlerTimeout` passed (`cause` is the `LeaseLostError` the messages' signals
 *   aborted with);
 * - `invalidResult`: a batch handler's result could not be read (the whole batch fails);
 * - `reportedFailed`: a batch handler's result named this message as failed.
 */
export type HandlerFailureKind = 'returnedFalse' | 'timedOut' | 'invalidResult' | 'reportedFailed';

/**
 * A handler failure that has no thrown value of its own; `kind` says which one.
 *
 * @example
 * ```ts
 * sqsListener(
 *   {
 *     handlerTimeout: 30,
 *     onFailure: (message, error) => {
 *       if (error instanceof HandlerError && error.kind === 'timedOut') {
 *         console.warn(`${message.messageId} took over 30 s`);
 *       }
 *     },
 *   },
 *   handle,
 * );
 * ```
 */
export class HandlerError extends SqsListenerError {
  override name = 'HandlerError';
  readonly kind: HandlerFailureKind;

  constructor(kind: HandlerFailureKind, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: `Handler${kind[0]?.toUpperCase()}${kind.slice(1)}`, ...options });
    this.kind = kind;
  }
}
