/** The options of `sqsMessages()` and their resolution (option > environment > default). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type Env,
  isValidQueueUrl,
  resolveNumber,
  resolveString,
  SPECS,
} from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { createDebugLogger, type Logger } from '../shared/logger.js';
import { type EnvelopeMode, resolveEnvelopeMode } from '../shared/sns-envelope.js';
import { createSqsClient } from '../shared/sqs-client.js';

/** Options of `sqsMessages()`: explicit option > environment variable > default. */
export interface SqsMessagesOptions {
  /** The SQS client. Default: one built from the environment (region, credentials), owned and closed by the stream. */
  client?: SQSClient;
  /** Aborting it ends the stream: receiving stops at once and buffered messages are released. */
  signal?: AbortSignal;
  /** Messages per ReceiveMessage (1–10). Env `BATCH_SIZE`, default 10. */
  batchSize?: number;
  /** Long-poll seconds per ReceiveMessage (0–20). Env `WAIT_TIME`, default 20. */
  waitTime?: number;
  /** Visibility timeout requested on receive and on each extension, seconds. Env `VISIBILITY_SECS`, default 60. */
  visibilitySecs?: number;
  /**
   * Seconds since receive after which a lease is no longer extended, at least `visibilitySecs`
   * and at most 43,200. Env `MAX_EXTEND`, default 900 (or `visibilitySecs` when that is larger).
   */
  maxExtend?: number;
  /**
   * Most leased, unsettled messages at once (buffered + handed out). Env `MAX_IN_FLIGHT`.
   * Default 2 × batchSize; when a listener adapter consumes the stream, what it declares it can
   * use instead: its workerThreads × its batch size, plus one receive batch.
   */
  maxInFlight?: number;
  /** After an empty receive, sleep a random time up to this many seconds. Env `IDLE_SLEEP_MAX`, default 2. */
  idleSleepMax?: number;
  /**
   * After the stream ends, messages already handed out keep their lease at most this many
   * seconds; then their `signal` aborts and they are released. Env `SHUTDOWN_TIMEOUT`; default:
   * no deadline (a lease still ends at `maxExtend`).
   */
  shutdownTimeout?: number;
  /**
   * What happens to the long polls in flight when the stream ends. SQS keeps a poll open after
   * the client gives up on it, and it can still take messages sent up to `waitTime` seconds
   * later: it hides them for a visibility timeout and counts a receive against them.
   * - `'abort'` (default): end them at once, so `break` and shutdown are fast; messages the stream
   *   gives back are made visible only after the aborted polls' end, so those polls cannot take
   *   them, but a message sent meanwhile may be taken and stay hidden a visibility timeout.
   * - `'finish'`: let them complete (up to `waitTime`, or until a finite `shutdownTimeout`), then
   *   release what they returned at once. Ending takes up to `waitTime` longer; no message is
   *   hidden by a poll nobody reads (each one a poll returned still counts a receive).
   *
   * Env `OPEN_POLLS_ON_STOP`.
   */
  openPollsOnStop?: 'abort' | 'finish';
  /** How long an ack or delayed nack waits for others to share its batch request. Default 20 ms. */
  settleBatchWindowMs?: number;
  /** ReceiveMessage calls in flight at once. Default: maxInFlight / batchSize, between 1 and 4. */
  concurrentReceives?: number;
  /**
   * Unwraps SNS notifications as messages are received, so a `for await` loop sees the
   * published message: `body`, `json`, `messageAttributes()` (SNS's attributes) and
   * `message.sns` (the topic). `'sns'`: a body that is not a notification is handed out
   * untouched with `message.envelopeError` set (the loop decides: a listener sends it to the
   * DLQ). `'auto'`: only notifications are unwrapped. Prefer `'sns'`: under `'auto'` anyone who
   * can send to the queue can make a body look like a notification. Default: off.
   */
  envelope?: EnvelopeMode;
  /** Replaces the default `debug` logger (pino-compatible shape). */
  logger?: Logger;
  /** Where environment variables are read from. Default `process.env`. */
  env?: Env;
}

/** The resolved, validated options of a stream (`stream.config`). */
export interface StreamConfig {
  queueUrl: string;
  batchSize: number;
  waitTime: number;
  visibilitySecs: number;
  maxExtend: number;
  maxInFlight: number;
  idleSleepMax: number;
  shutdownTimeout: number;
  openPollsOnStop: 'abort' | 'finish';
  settleBatchWindowMs: number;
  concurrentReceives: number;
  /** SNS envelopes unwrapped on receive, or `undefined` (off). */
  envelope: EnvelopeMode | undefined;
  logger: Logger;
}

const OPEN_POLLS_ON_STOP = {
  option: 'openPollsOnStop',
  env: 'OPEN_POLLS_ON_STOP',
  allowed: "'abort' or 'finish'",
  validate: (s: string): boolean => s === 'abort' || s === 'finish',
};

export function resolveStreamConfig(queueUrl: unknown, options: SqsMessagesOptions): StreamConfig {
  if (typeof queueUrl !== 'string' || !isValidQueueUrl(queueUrl)) {
    throw new ConfigError({
      option: 'queueUrl',
      envVar: 'QUEUE_URL',
      value: queueUrl,
      allowed:
        'an http(s) SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue',
      from: 'option',
    });
  }
  if (
    options.client !== undefined &&
    typeof (options.client as { send?: unknown }).send !== 'function'
  ) {
    throw new ConfigError({
      option: 'client',
      value: typeof options.client,
      allowed: 'an SQSClient',
      from: 'option',
    });
  }
  const env = options.env ?? process.env;
  const batchSize = resolveNumber(SPECS.batchSize, options.batchSize, env);
  const visibilitySecs = resolveNumber(SPECS.visibilitySecs, options.visibilitySecs, env);
  const maxExtendSpec = {
    ...SPECS.maxExtend,
    // A default below the visibility would be a budget no extension fits in: leases would
    // silently never be extended. An explicit value below it is refused instead.
    default: Math.max(SPECS.maxExtend.default, visibilitySecs),
    min: visibilitySecs,
    unit: `seconds since receive, at least visibilitySecs (${visibilitySecs})`,
  };
  const maxInFlight = resolveNumber(
    { ...SPECS.maxInFlight, default: 2 * batchSize },
    options.maxInFlight,
    env,
  );
  const concurrentDefault = Math.min(4, Math.max(1, Math.floor(maxInFlight / batchSize)));
  return {
    queueUrl,
    batchSize,
    waitTime: resolveNumber(SPECS.waitTime, options.waitTime, env),
    visibilitySecs,
    maxExtend: resolveNumber(maxExtendSpec, options.maxExtend, env),
    maxInFlight,
    idleSleepMax: resolveNumber(SPECS.idleSleepMax, options.idleSleepMax, env),
    shutdownTimeout: resolveNumber(SPECS.shutdownTimeout, options.shutdownTimeout, env),
    openPollsOnStop: (resolveString(OPEN_POLLS_ON_STOP, options.openPollsOnStop, env) ??
      'abort') as StreamConfig['openPollsOnStop'],
    settleBatchWindowMs: resolveNumber(SPECS.settleBatchWindowMs, options.settleBatchWindowMs, env),
    concurrentReceives: resolveNumber(
      { ...SPECS.concurrentReceives, default: concurrentDefault },
      options.concurrentReceives,
      env,
    ),
    envelope: resolveEnvelopeMode(options.envelope),
    logger: options.logger ?? createDebugLogger({ component: queueNameOf(queueUrl), env }),
  };
}

/**
 * Library-internal: a consumer declares how many messages its handlers can hold at once, before
 * it starts iterating (see `SqsMessageStream[declareDemand]`). Not exported from the package.
 */
export const declareDemand = Symbol('declareDemand');

/** What a consumer's declared demand does to a stream's configuration. */
export interface DemandFit {
  /** The configuration for iterations started from now on. */
  config: StreamConfig;
  /** The maxInFlight the demand asked for (handlers' demand plus one receive batch). */
  wanted: number;
  /** maxInFlight was set explicitly (option or `MAX_IN_FLIGHT`) and is below `wanted`. */
  explicitBelow: boolean;
}

/**
 * Fits a stream to a consumer whose handlers hold up to `held` messages at once: it needs that
 * many plus one receive batch in flight, so that no handler waits on a poll, and more would only
 * hold leases nobody works on. A maxInFlight left to its default becomes that (concurrentReceives
 * follows unless it was set); an explicit one is kept, and the caller says so.
 */
export function fitToDemand(
  config: StreamConfig,
  options: SqsMessagesOptions,
  held: number,
): DemandFit {
  const env = options.env ?? process.env;
  const wanted = Math.min(held + config.batchSize, SPECS.maxInFlight.max);
  const explicit = options.maxInFlight !== undefined || env.MAX_IN_FLIGHT !== undefined;
  if (explicit) {
    return { config, wanted, explicitBelow: wanted > config.maxInFlight };
  }
  const concurrentReceives =
    options.concurrentReceives ?? Math.min(4, Math.max(1, Math.floor(wanted / config.batchSize)));
  return {
    config: { ...config, maxInFlight: wanted, concurrentReceives },
    wanted,
    explicitBelow: false,
  };
}

export function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

export function defaultClient(): SQSClient {
  return createSqsClient();
}
