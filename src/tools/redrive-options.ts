/** The options of `redrive()`, checked before any request is sent. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isValidQueueUrl } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

/** Options of `redrive()`. */
export interface RedriveOptions {
  /** The dead-letter queue's URL. */
  from: string;
  /**
   * Where the messages go. Default: back where each came from (its `DeadLetterQueueSourceArn`),
   * else the DLQ's one source queue (`ListDeadLetterSourceQueues`, or a `byQueue`
   * `RedriveAllowPolicy`); several or none end the run with a `RedriveError`.
   */
  to?: string | undefined;
  /** At most this many messages per second (client-side: any rate above 0; server: 1 to 500). */
  maxPerSecond?: number | undefined;
  /** Start SQS's `StartMessageMoveTask` instead of moving client-side (needs real SQS). */
  server?: boolean | undefined;
  /** The client to use; default one built from the environment (and destroyed at the end). */
  client?: SQSClient | undefined;
  /**
   * Stops the run between batches: a receive or a batch in hand is finished first (at most
   * `waitTimeSeconds` for a receive), so every message is either moved or visible in the DLQ.
   * With `server: true` it aborts the requests that start the task.
   */
  signal?: AbortSignal | undefined;
  /**
   * Seconds a received batch stays hidden in the DLQ while it is moved (default 60, 1–43,200). A
   * message that could not be sent stays hidden this long, so one run never retries it in a loop.
   */
  visibilityTimeout?: number | undefined;
  /** Long-poll seconds of each receive (default 2, 1–20): an empty answer ends the run. */
  waitTimeSeconds?: number | undefined;
}

export interface Settings {
  from: string;
  to: string | undefined;
  maxPerSecond: number | undefined;
  visibilityTimeout: number;
  waitTimeSeconds: number;
}

export function validate(options: RedriveOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', options, 'an object: { from, to?, maxPerSecond?, server? }');
  }
  const url = (option: string, value: unknown) => {
    if (typeof value !== 'string' || !isValidQueueUrl(value))
      throw invalid(option, value, 'an http(s) SQS queue URL');
    return value;
  };
  const from = url('from', options.from);
  const to = options.to === undefined ? undefined : url('to', options.to);
  if (to === from)
    throw invalid('to', to, 'a queue other than the dead-letter queue itself (`from`)');
  const rate = options.maxPerSecond;
  if (options.server) {
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 500)) {
      throw invalid(
        'maxPerSecond',
        rate,
        'an integer from 1 to 500 (SQS MaxNumberOfMessagesPerSecond) with server: true',
      );
    }
  } else if (
    rate !== undefined &&
    !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)
  ) {
    throw invalid('maxPerSecond', rate, 'a number of messages per second above 0');
  }
  return {
    from,
    to,
    maxPerSecond: rate,
    visibilityTimeout: integer('visibilityTimeout', options.visibilityTimeout, 60, 1, 43_200),
    waitTimeSeconds: integer('waitTimeSeconds', options.waitTimeSeconds, 2, 1, 20),
  };
}

function integer(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, value, `an integer from ${min} to ${max} (seconds)`);
  }
  return value;
}

function invalid(option: string, value: unknown, allowed: string): ConfigError {
  return new ConfigError({ option, value, allowed, from: 'option' });
}
