/** The options of `sqsMessages()` and their resolution (option > environment > default). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Env, isValidQueueUrl, resolveNumber, SPECS } from './config.js';
import { ConfigError } from './errors.js';
import { createDebugLogger, type Logger } from './logger.js';

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
  /** Seconds since receive after which a lease is no longer extended. Env `MAX_EXTEND`, default 900, at most 43,200. */
  maxExtend?: number;
  /** Most leased, unsettled messages at once (buffered + handed out). Env `MAX_IN_FLIGHT`, default 2 × batchSize. */
  maxInFlight?: number;
  /** After an empty receive, sleep a random time up to this many seconds. Env `IDLE_SLEEP_MAX`, default 2. */
  idleSleepMax?: number;
  /**
   * After the stream ends, messages already handed out keep their lease at most this many
   * seconds; then their `signal` aborts and they are released. Env `SHUTDOWN_TIMEOUT`; default:
   * no deadline (a lease still ends at `maxExtend`).
   */
  shutdownTimeout?: number;
  /** How long an ack or delayed nack waits for others to share its batch request. Default 20 ms. */
  settleBatchWindowMs?: number;
  /** ReceiveMessage calls in flight at once. Default: maxInFlight / batchSize, between 1 and 4. */
  concurrentReceives?: number;
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
  settleBatchWindowMs: number;
  concurrentReceives: number;
  logger: Logger;
}

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
    settleBatchWindowMs: resolveNumber(SPECS.settleBatchWindowMs, options.settleBatchWindowMs, env),
    concurrentReceives: resolveNumber(
      { ...SPECS.concurrentReceives, default: concurrentDefault },
      options.concurrentReceives,
      env,
    ),
    logger: options.logger ?? createDebugLogger({ component: queueNameOf(queueUrl), env }),
  };
}

export function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

export function defaultClient(): SQSClient {
  return new SQSClient({});
}
