/**
 * Error classes. Every error carries the context a user needs to act on it: a stable `code`,
 * whether retrying can help, and the queue or message it concerns.
 *
 * The helpers that describe thrown values (`describe.ts`) and classify SDK errors
 * (`aws-errors.ts`) are re-exported from here, so this stays the one import for error handling.
 */
import { describeValue } from './describe.js';

export {
  awsErrorCode,
  CREDENTIALS_ATTEMPTS,
  classifyReceiveFailure,
  isAbortError,
  isFatalAwsError,
  type ReceiveFailure,
} from './aws-errors.js';
export { describeError, describeValue, isError, isInstance, toError } from './describe.js';

/** Options of every error class: the cause, and the context a user needs to act on it. */
export interface SqsListenerErrorOptions {
  /** What went wrong underneath (an SDK error, a handler's throw): kept as the error's `cause`. */
  cause?: unknown;
  /** A stable, machine-readable code, such as `QueueDoesNotExist` or `SettleConflict`. */
  code?: string | undefined;
  /** Whether trying again may succeed. */
  retryable?: boolean | undefined;
  /** The queue concerned, when there is one. */
  queueUrl?: string | undefined;
  /** The message concerned, when there is one. */
  messageId?: string | undefined;
}

/**
 * Base class of every error this library throws or rejects with.
 *
 * @example
 * ```ts
 * try {
 *   await runListeners();
 * } catch (error) {
 *   if (error instanceof SqsListenerError) console.error(error.code, error.queueUrl, error.message);
 *   process.exitCode = 1;
 * }
 * ```
 */
export class SqsListenerError extends Error {
  override name = 'SqsListenerError';
  /** A stable, machine-readable code (the SQS error code where SQS supplied one). */
  readonly code: string;
  /** Whether the same operation may succeed if tried again. */
  readonly retryable: boolean;
  readonly queueUrl: string | undefined;
  readonly messageId: string | undefined;

  constructor(message: string, options: SqsListenerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'SqsListenerError';
    this.retryable = options.retryable ?? false;
    this.queueUrl = options.queueUrl;
    this.messageId = options.messageId;
  }
}

/**
 * An option or environment variable has a value outside what is allowed. Thrown at start-up.
 *
 * @example
 * ```ts
 * try {
 *   sqsMessages(queueUrl, { waitTime: 30 }); // SQS long polls last 20 s at most
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.option, error.value, error.allowed);
 * }
 * ```
 */
export class ConfigError extends SqsListenerError {
  override name = 'ConfigError';
  readonly option: string;
  readonly envVar: string | undefined;
  readonly value: unknown;
  readonly allowed: string;
  /** What to do about it, when there is more to say than the range: "Did you mean batchSize?". */
  readonly hint: string | undefined;

  constructor(details: {
    option: string;
    envVar?: string | undefined;
    value: unknown;
    allowed: string;
    from: 'option' | 'env';
    /** The option name itself is not one the function knows (a typo, or an option of another). */
    unknown?: boolean | undefined;
    hint?: string | undefined;
    cause?: unknown;
  }) {
    const shown =
      typeof details.value === 'string'
        ? JSON.stringify(details.value)
        : describeValue(details.value);
    const source =
      details.from === 'env'
        ? `environment variable ${details.envVar} (option ${details.option})`
        : `option ${details.option}${details.envVar ? ` (environment variable ${details.envVar})` : ''}`;
    const hint = details.hint === undefined ? '' : ` ${details.hint}`;
    super(
      `${details.unknown ? 'Unknown' : 'Invalid'} ${source}: got ${shown}; allowed: ${details.allowed}.${hint}`,
      { code: 'InvalidConfig', cause: details.cause },
    );
    this.option = details.option;
    this.envVar = details.envVar;
    this.value = details.value;
    this.allowed = details.allowed;
    this.hint = details.hint;
  }
}

/** Why a lease ended before the message was settled. */
export type LeaseLostReason =
  | 'maxExtend'
  | 'visibilityLimit'
  | 'extendFailed'
  /** The visibility timeout ran out before the lease could be extended (only that). */
  | 'expired'
  /** Released by the stream: never handed out, or still held at the shutdown deadline. */
  | 'shutdown'
  | 'handlerTimeout'
  /** Released because the message was garbage-collected unsettled (no ack() nor nack()). */
  | 'dropped';

/**
 * The lease on a message ended before it was settled: SQS may hand the message to another
 * consumer. Used as the `reason` of the message's `signal` and to reject a later `ack()`.
 *
 * @example
 * ```ts
 * message.signal.addEventListener('abort', () => {
 *   const reason = message.signal.reason;
 *   if (reason instanceof LeaseLostError) console.warn(message.messageId, reason.reason);
 * });
 * ```
 */
export class LeaseLostError extends SqsListenerError {
  override name = 'LeaseLostError';
  readonly reason: LeaseLostReason;

  constructor(message: string, reason: LeaseLostReason, options: SqsListenerErrorOptions = {}) {
    super(message, { code: 'LeaseLost', ...options });
    this.reason = reason;
  }
}

/**
 * `ack()` or `nack()` could not be carried out (SQS refused it, or it conflicts with an earlier settle).
 *
 * @example
 * ```ts
 * try {
 *   await message.ack();
 * } catch (error) {
 *   // SQS refused the delete: the message will be delivered again.
 *   if (error instanceof SettleError) console.warn(error.messageId, error.code, error.message);
 * }
 * ```
 */
export class SettleError extends SqsListenerError {
  override name = 'SettleError';
}

/**
 * A receive failed in a way retrying cannot fix (missing queue, bad credentials): ends the stream.
 *
 * @example
 * ```ts
 * try {
 *   for await (const message of sqsMessages(queueUrl)) await handle(message);
 * } catch (error) {
 *   if (error instanceof ReceiveError && error.code === 'QueueDoesNotExist') process.exit(1);
 *   throw error;
 * }
 * ```
 */
export class ReceiveError extends SqsListenerError {
  override name = 'ReceiveError';
}

/**
 * The message body is not valid JSON.
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl }, async (message) => {
 *   try {
 *     await handle(message.json);
 *   } catch (error) {
 *     if (error instanceof MessageBodyError) throw new NonRetryableError('not JSON', { cause: error });
 *     throw error;
 *   }
 * });
 * ```
 */
export class MessageBodyError extends SqsListenerError {
  override name = 'MessageBodyError';
}

/**
 * Thrown by a handler to say that retrying cannot help (a malformed order, a deleted customer):
 * the listener gives up on the message at once — deletes it, or moves it to
 * `deadLetterQueueUrl` when one is configured — instead of waiting for the redrive policy.
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl }, async (message) => {
 *   const order = message.json as { customerId: string };
 *   if (!(await customers.has(order.customerId))) {
 *     throw new NonRetryableError(`unknown customer ${order.customerId}`); // to the DLQ at once
 *   }
 *   await charge(order);
 * });
 * ```
 */
export class NonRetryableError extends SqsListenerError {
  override name = 'NonRetryableError';

  constructor(message: string, options: SqsListenerErrorOptions = {}) {
    super(message, { code: 'NonRetryable', ...options });
  }
}

/** One problem found in a message body: where (`$.items[0].qty`, `$` for the whole body) and what. */
export interface ValidationIssue {
  /** A JSONPath-like location in the parsed body: `$`, `$.orderId`, `$.items[0].qty`. */
  readonly path: string;
  /** The validator's message (cut at 200 characters). */
  readonly message: string;
}

/**
 * A message body the listener's `schema` rejected, or that is not JSON at all (code
 * `InvalidJson`; else `SchemaValidation`). A poison message: always given up at once (moved to
 * the dead-letter queue), whatever `isNonRetryable` says, and the handler never sees it.
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl, schema: Order, onFailure: (message, error) => {
 *   if (!(error instanceof MessageValidationError)) return;
 *   for (const issue of error.issues) console.warn(message.messageId, issue.path, issue.message);
 * } }, handle);
 * ```
 */
export class MessageValidationError extends NonRetryableError {
  override name = 'MessageValidationError';
  /** What the validator found, in its order (at most 100; the message says how many there were). */
  readonly issues: readonly ValidationIssue[];
  /** The start of the body (at most 200 characters): never the whole of it, which may be huge. */
  readonly bodyPreview: string;

  constructor(
    message: string,
    details: SqsListenerErrorOptions & {
      issues: readonly ValidationIssue[];
      bodyPreview: string;
    },
  ) {
    const { issues, bodyPreview, ...options } = details;
    super(message, { code: 'SchemaValidation', ...options });
    this.issues = issues;
    this.bodyPreview = bodyPreview;
  }
}
