/**
 * Error classes. Every error carries the context a user needs to act on it: a stable `code`,
 * whether retrying can help, and the queue or message it concerns.
 */

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
      typeof details.value === 'string' ? JSON.stringify(details.value) : String(details.value);
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
  | 'expired'
  | 'shutdown'
  | 'handlerTimeout';

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

/** Extracts the SQS/AWS error code from whatever the SDK threw. */
export function awsErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.Code === 'string' && !e.Code.startsWith('AWS.SimpleQueueService.')) return e.Code;
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.code === 'string') return e.code;
  }
  return 'Unknown';
}

/** Error codes after which receiving again cannot succeed without someone changing something. */
const FATAL_CODES = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSecurity',
  'InvalidAddress',
  'CredentialsProviderError',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsNotFound',
]);

export function isFatalAwsError(error: unknown): boolean {
  return FATAL_CODES.has(awsErrorCode(error));
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AbortError'
  );
}

/** Turns any thrown value into an Error, so that logs and `cause` chains stay readable. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-Error value thrown: ${String(value)}`, {
    cause: value,
  });
}
