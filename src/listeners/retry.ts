/**
 * Retry backoff computed from a message's receive count, for handlers that fail: exponential
 * with full jitter, capped, and clamped to what SQS accepts as a visibility timeout.
 */
import type { LeasedMessage, NackOptions } from '../core/leased-message.js';
import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

/** Backoff for failed messages, computed from their receive count. */
export interface RetryPolicy {
  /** Delay after the first failure, seconds. Default 1. */
  baseSeconds?: number | undefined;
  /** Largest delay, seconds (at most 43,200). Default 300. */
  maxSeconds?: number | undefined;
  /** Randomise the delay between half and all of the computed value. Default true. */
  jitter?: boolean | undefined;
}

/** A `RetryPolicy` with its defaults filled in and validated. */
export interface ResolvedRetryPolicy {
  baseSeconds: number;
  maxSeconds: number;
  jitter: boolean;
}

/**
 * Validates a `RetryPolicy` and fills in defaults; throws a `ConfigError` naming the bad field.
 *
 * @example
 * ```ts
 * // What a listener's `retry` option does, for code that settles messages itself.
 * const policy = resolveRetryPolicy({ baseSeconds: 5, maxSeconds: 300 }); // ConfigError if invalid
 * for await (const message of sqsMessages(process.env.QUEUE_URL ?? '')) {
 *   try {
 *     await handle(message.json);
 *     message.ack();
 *   } catch {
 *     message.nack({ delaySeconds: retryDelaySeconds(policy!, message.receiveCount) });
 *   }
 * }
 * ```
 */
export function resolveRetryPolicy(
  policy: RetryPolicy | undefined,
): ResolvedRetryPolicy | undefined {
  if (policy === undefined) return undefined;
  if (typeof policy !== 'object' || policy === null) {
    throw new ConfigError({
      option: 'retry',
      value: policy,
      allowed: '{ baseSeconds, maxSeconds, jitter }',
      from: 'option',
    });
  }
  const baseSeconds = policy.baseSeconds ?? 1;
  const maxSeconds = policy.maxSeconds ?? 300;
  if (
    typeof baseSeconds !== 'number' ||
    !Number.isFinite(baseSeconds) ||
    baseSeconds < 0 ||
    baseSeconds > SQS_MAX_VISIBILITY_SECONDS
  ) {
    throw new ConfigError({
      option: 'retry.baseSeconds',
      value: baseSeconds,
      allowed: 'a number from 0 to 43200 (seconds)',
      from: 'option',
    });
  }
  if (
    typeof maxSeconds !== 'number' ||
    !Number.isFinite(maxSeconds) ||
    maxSeconds < baseSeconds ||
    maxSeconds > SQS_MAX_VISIBILITY_SECONDS
  ) {
    throw new ConfigError({
      option: 'retry.maxSeconds',
      value: maxSeconds,
      allowed: `a number from retry.baseSeconds (${baseSeconds}) to 43200 (seconds)`,
      from: 'option',
    });
  }
  return { baseSeconds, maxSeconds, jitter: policy.jitter ?? true };
}

/**
 * Seconds to keep a failed message invisible before its next try: base × 2^(receiveCount − 1),
 * capped at maxSeconds; with jitter, a random value in [delay/2, delay] so that a burst of
 * failures does not come back as a burst.
 *
 * @example
 * ```ts
 * const policy = resolveRetryPolicy({ baseSeconds: 5, maxSeconds: 300, jitter: false })!;
 * retryDelaySeconds(policy, 1); // 5
 * retryDelaySeconds(policy, 3); // 20
 * retryDelaySeconds(policy, 10); // 300 (capped)
 * ```
 */
export function retryDelaySeconds(
  policy: ResolvedRetryPolicy,
  receiveCount: number,
  random: () => number = Math.random,
): number {
  const attempt = Math.max(0, Math.min(receiveCount - 1, 40));
  const delay = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** attempt);
  const jittered = policy.jitter ? delay / 2 + (delay / 2) * random() : delay;
  // ChangeMessageVisibility takes whole seconds.
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.round(jittered));
}

/** The nack for a failed message: the retry policy's delay, or plain (reappear when visibility ends). */
export function retryNack(
  message: LeasedMessage,
  policy: { retry: ResolvedRetryPolicy | undefined },
): NackOptions {
  return policy.retry
    ? { delaySeconds: retryDelaySeconds(policy.retry, message.receiveCount) }
    : {};
}
