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
  cause?: unknown;
  code?: string;
  retryable?: boolean;
  queueUrl?: string;
  messageId?: string;
}

/** Base class of every error this library throws or rejects with. */
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

/** An option or environment variable has a value outside what is allowed. Thrown at start-up. */
export class ConfigError extends SqsListenerError {
  override name = 'ConfigError';
  readonly option: string;
  readonly envVar: string | undefined;
  readonly value: unknown;
  readonly allowed: string;

  constructor(details: {
    option: string;
    envVar?: string;
    value: unknown;
    allowed: string;
    from: 'option' | 'env';
  }) {
    const shown =
      typeof details.value === 'string'
        ? JSON.stringify(details.value)
        : describeValue(details.value);
    const source =
      details.from === 'env'
        ? `environment variable ${details.envVar} (option ${details.option})`
        : `option ${details.option}${details.envVar ? ` (environment variable ${details.envVar})` : ''}`;
    super(`Invalid ${source}: got ${shown}; allowed: ${details.allowed}.`, {
      code: 'InvalidConfig',
    });
    this.option = details.option;
    this.envVar = details.envVar;
    this.value = details.value;
    this.allowed = details.allowed;
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
 */
export class LeaseLostError extends SqsListenerError {
  override name = 'LeaseLostError';
  readonly reason: LeaseLostReason;

  constructor(message: string, reason: LeaseLostReason, options: SqsListenerErrorOptions = {}) {
    super(message, { code: 'LeaseLost', ...options });
    this.reason = reason;
  }
}

/** `ack()` or `nack()` could not be carried out (SQS refused it, or it conflicts with an earlier settle). */
export class SettleError extends SqsListenerError {
  override name = 'SettleError';
}

/** A receive failed in a way retrying cannot fix (missing queue, bad credentials): ends the stream. */
export class ReceiveError extends SqsListenerError {
  override name = 'ReceiveError';
}

/** The message body is not valid JSON. */
export class MessageBodyError extends SqsListenerError {
  override name = 'MessageBodyError';
}

/**
 * Thrown by a handler to say that retrying cannot help (a malformed order, a deleted customer):
 * the listener gives up on the message at once — deletes it, or moves it to
 * `deadLetterQueueUrl` when one is configured — instead of waiting for the redrive policy.
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
