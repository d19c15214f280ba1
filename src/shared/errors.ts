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

/**
 * Reads one property of a value of unknown origin. A getter that throws, a Proxy trap that
 * throws or a revoked Proxy gives `undefined`: code reporting a failure must not fail itself.
 */
function readProperty(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * `value instanceof type`, false where the check itself throws: `instanceof` asks a Proxy for
 * its prototype, which throws when the Proxy is revoked (or its trap throws). Use it on anything
 * a user's code threw.
 */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** `value instanceof Error`, false where the check itself throws (a revoked Proxy). */
export function isError(value: unknown): value is Error {
  return isInstance(value, Error);
}

/** Longest description of a non-string value put into a message or a log line. */
const DESCRIPTION_MAX_CHARS = 300;

/**
 * A printable description of any value, for messages and logs; never throws. `String()` throws
 * for a null-prototype object, a revoked Proxy, and an object whose `toString`/`valueOf`/
 * `Symbol.toPrimitive` throws or returns an object; a template literal throws for a Symbol.
 * Plain objects are shown as JSON rather than `[object Object]`.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  // Primitives, Symbols included: String() is total on them (a template literal is not).
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return String(value);
  }
  let shown: string | undefined;
  try {
    shown = String(value);
  } catch {
    // Fall through to JSON.
  }
  if (shown === undefined || /^\[object \w*\]$/.test(shown)) {
    try {
      shown = JSON.stringify(value) ?? shown;
    } catch {
      // Circular, a BigInt inside, a throwing toJSON or getter.
    }
  }
  shown ??= `[${typeof value} that cannot be shown]`;
  return shown.length > DESCRIPTION_MAX_CHARS ? `${shown.slice(0, DESCRIPTION_MAX_CHARS)}…` : shown;
}

/** The `name` and `message` of an Error as strings, whatever its getters do. */
function errorParts(error: Error): { name: string | undefined; message: string | undefined } {
  const name = readProperty(error, 'name');
  const message = readProperty(error, 'message');
  return {
    name: typeof name === 'string' ? name : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** `name: message` of an Error, or a description of any other value; never throws. */
export function describeError(value: unknown): string {
  if (!isError(value)) return describeValue(value);
  const { name, message } = errorParts(value);
  return `${name ?? describeValue(readProperty(value, 'name') ?? 'Error')}: ${
    message ?? '(message cannot be read)'
  }`;
}

/** Extracts the SQS/AWS error code from whatever the SDK threw. */
export function awsErrorCode(error: unknown): string {
  const Code = readProperty(error, 'Code');
  if (typeof Code === 'string' && !Code.startsWith('AWS.SimpleQueueService.')) return Code;
  const name = readProperty(error, 'name');
  if (typeof name === 'string' && name !== 'Error') return name;
  const code = readProperty(error, 'code');
  if (typeof code === 'string') return code;
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
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsNotFound',
]);

export function isFatalAwsError(error: unknown): boolean {
  return FATAL_CODES.has(awsErrorCode(error)) || clientConfigProblem(error) !== undefined;
}

/**
 * The SDK's own configuration errors, found by what @aws-sdk/client-sqs 3.x throws before any
 * request is sent (observed with a real SQSClient): they carry no code, so they are matched by
 * name and message. None of them can go away by retrying.
 * - no region (neither option nor AWS_REGION/profile): `Error: Region is missing`;
 * - a region that is no hostname label: `Error: Region not accepted: region="us east 1" is not a
 *   valid hostname component.`; the signer's `expected \`region\` to be configured` likewise;
 * - an endpoint that is no URL ('not a url', 'http://'): Node's `TypeError: Invalid URL` with
 *   `code: 'ERR_INVALID_URL'`, thrown while the SDK parses the endpoint.
 */
function clientConfigProblem(error: unknown): string | undefined {
  const message = readProperty(error, 'message');
  if (typeof message !== 'string') return undefined;
  if (readProperty(error, 'code') === 'ERR_INVALID_URL') {
    const input = readProperty(error, 'input');
    return typeof input === 'string' ? `${message}: endpoint ${JSON.stringify(input)}` : message;
  }
  if (
    message === 'Region is missing' ||
    message.startsWith('Region not accepted') ||
    message.startsWith('expected `region` to be configured')
  ) {
    return message;
  }
  return undefined;
}

/**
 * Credentials that could not be loaded: the provider chain's `CredentialsProviderError` ("Could
 * not load credentials from any providers", or a custom provider's own), or a provider that
 * resolved without keys (`Error: Resolved credential object is not valid`, e.g.
 * `{ accessKeyId: process.env.UNSET }`). Unlike the errors above this can be transient (the
 * container credentials endpoint not ready yet at start-up), so it is retried a few times.
 */
function isCredentialsError(error: unknown): boolean {
  return (
    readProperty(error, 'name') === 'CredentialsProviderError' ||
    readProperty(error, 'message') === 'Resolved credential object is not valid'
  );
}

/** Receives in a row that must fail on credentials before the stream gives up. */
export const CREDENTIALS_ATTEMPTS = 3;

/** What a failed receive means for the stream. */
export interface ReceiveFailure {
  /** `fatal`: end the stream now; `credentials`: end it once it keeps failing; else retry. */
  kind: 'fatal' | 'credentials' | 'retry';
  code: string;
  /** What to tell the user: the SDK's own message, with the bad endpoint where there is one. */
  message: string;
}

export function classifyReceiveFailure(error: unknown): ReceiveFailure {
  const config = clientConfigProblem(error);
  if (config !== undefined) return { kind: 'fatal', code: 'InvalidClientConfig', message: config };
  const message = isError(error) ? (errorParts(error).message ?? '') : describeValue(error);
  if (isCredentialsError(error)) {
    return { kind: 'credentials', code: 'CredentialsProviderError', message };
  }
  const code = awsErrorCode(error);
  return { kind: FATAL_CODES.has(code) ? 'fatal' : 'retry', code, message };
}

export function isAbortError(error: unknown): boolean {
  return readProperty(error, 'name') === 'AbortError';
}

/**
 * Turns any thrown value into an Error, so that logs and `cause` chains stay readable. Total:
 * whatever was thrown, the result's `name` and `message` are strings that read without throwing.
 */
export function toError(value: unknown): Error {
  if (isError(value)) {
    const { name, message } = errorParts(value);
    if (name !== undefined && message !== undefined) return value;
    return new Error(`Unreadable error thrown: ${describeError(value)}`, { cause: value });
  }
  return new Error(
    typeof value === 'string' ? value : `Non-Error value thrown: ${describeValue(value)}`,
    { cause: value },
  );
}
