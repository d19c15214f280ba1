/** Options shared by the listener adapters, resolved like every other option. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LeasedMessage } from '../core/leased-message.js';
import type { LargePayloadOptions } from '../payloads/options.js';
import { PayloadPointerError } from '../payloads/payload-error.js';
import {
  type Env,
  isValidQueueUrl,
  type NumberSpec,
  resolveNumber,
  resolveString,
} from '../shared/config.js';
import {
  ConfigError,
  isInstance,
  MessageValidationError,
  NonRetryableError,
} from '../shared/errors.js';
import { resolveLoggerOption } from '../shared/log-adapters.js';
import { createDebugLogger, type Logger } from '../shared/logger.js';
import type { OptionSet } from '../shared/option-names.js';
import type { EnvelopeMode } from '../shared/sns-envelope.js';
import { buildDecoders } from './decoders/index.js';
import { checkListenerOptionNames, PER_MESSAGE_OPTION_SET } from './option-names.js';
import { type ResolvedRetryPolicy, type RetryPolicy, resolveRetryPolicy } from './retry.js';
import type { MessageSchema } from './schema/standard-schema.js';
import type { BeforeHook } from './stages/before-hooks.js';
import type { Decoder } from './stages/decode.js';
import { type ListenerTracing, listenerTracing } from './tracing/listener-tracing.js';
import type { TracingOptions } from './tracing/options.js';

export const LISTENER_SPECS = {
  workerThreads: {
    option: 'workerThreads',
    env: 'WORKER_THREADS',
    default: 4,
    min: 1,
    max: 10_000,
    integer: true,
  },
  batchWindowMs: {
    option: 'batchWindowMs',
    env: 'BATCH_WINDOW_MS',
    default: 0,
    min: 0,
    max: 300_000,
    integer: false,
    unit: 'milliseconds',
  },
  handlerTimeout: {
    option: 'handlerTimeout',
    env: 'HANDLER_TIMEOUT',
    default: 0,
    min: 0,
    max: 43_200,
    integer: false,
    unit: 'seconds; 0 = no timeout',
  },
  maxConcurrentPerGroup: {
    option: 'maxConcurrentPerGroup',
    env: 'MAX_CONCURRENT_PER_GROUP',
    // Unset: no cap. An explicit Infinity is rejected (max is finite); leave it unset instead.
    default: Number.POSITIVE_INFINITY,
    min: 1,
    max: 10_000,
    integer: true,
    unit: 'messages of one MessageGroupId in running handlers',
  },
} satisfies Record<string, NumberSpec>;

/**
 * Options shared by `perMessageListener()` and `batchListener()` (and `sqsListener()`). `T` is
 * the output type of `schema`: what the handler's `message.data` holds.
 */
export interface ListenerBaseOptions<T = unknown> {
  /**
   * Validates every body before the handler sees it: any Standard Schema v1 validator (zod ≥
   * 3.24, valibot ≥ 1, arktype). The body is parsed as JSON (after the SNS envelope and S3
   * payload are unwrapped), validated (async validators are awaited), and the output is
   * `message.data`, typed. A body that is not JSON or fails validation is a poison message:
   * never handled, moved to the dead-letter queue at once (`MessageValidationError`).
   */
  schema?: MessageSchema<T> | undefined;
  /** Handlers (per-message) or batches (batch mode) running at once. Env `WORKER_THREADS`, default 4. */
  workerThreads?: number | undefined;
  /**
   * Fair queues: most messages of one `MessageGroupId` in running handler calls at once, so one
   * noisy tenant cannot take every worker. Applies to group ids on standard queues; FIFO groups
   * always run one at a time, so on a FIFO queue it is ignored (a debug note says so). Counts
   * messages, in batch mode too. Messages without a group id are not capped. A message of a
   * group at its cap waits in the listener, leased, up to about a second of the group's work
   * (and, for all groups, no more than the handlers hold); further ones are given back with a
   * delay paced by the group's handler time (counted as `deferred`), so that a noisy backlog
   * cannot fill `maxInFlight` and keep the quiet groups from being received. A deferral never
   * leaves a message without a retry before its redrive policy's `maxReceiveCount`. See
   * docs/fair-queues.md. Env `MAX_CONCURRENT_PER_GROUP`; default: no cap.
   *
   * @example
   * ```ts
   * perMessageListener(handle, { workerThreads: 10, maxConcurrentPerGroup: 2 });
   * ```
   */
  maxConcurrentPerGroup?: number | undefined;
  /**
   * Seconds a handler call may run. When it passes, the messages' `signal` aborts (reason
   * `handlerTimeout`), they are given back as failures, and a late `ack()` rejects. The slot is
   * freed; a handler ignoring its signal runs on unobserved. Env `HANDLER_TIMEOUT`; 0 = none.
   */
  handlerTimeout?: number | undefined;
  /**
   * Backoff for failed messages, from their receive count: `nack({ delaySeconds })` with an
   * exponential, jittered, capped delay. Default: none (a failure reappears when its visibility
   * timeout ends, as with Lambda).
   */
  retry?: RetryPolicy | undefined;
  /**
   * Messages for which this returns false are not handled: they are released at once
   * (visibility 0) and counted as `filtered`. A throw counts as a failure.
   */
  filter?: ((message: LeasedMessage) => boolean | Promise<boolean>) | undefined;
  /** Called after a message succeeded and was acked. A throw is logged, never breaks the listener. */
  onSuccess?: ((message: LeasedMessage) => unknown) | undefined;
  /** Called after a message failed. A throw is logged, never breaks the listener. */
  onFailure?: ((message: LeasedMessage, error: unknown) => unknown) | undefined;
  /**
   * Decides that a failure cannot be helped by retrying. Default: the handler threw a
   * `NonRetryableError`. Such messages are given up at once (see `deadLetterQueueUrl`).
   */
  isNonRetryable?: ((error: unknown, message: LeasedMessage) => boolean) | undefined;
  /**
   * Where given-up messages go (SendMessage, then delete). Without it they are deleted and
   * logged at ERROR: the handler already said retrying cannot help. Env `DEAD_LETTER_QUEUE_URL`.
   */
  deadLetterQueueUrl?: string | undefined;
  /**
   * Client for dead-letter moves. Default: the client of the stream the message came from; for a
   * message from elsewhere, one from the environment, destroyed when the listener returns.
   */
  client?: SQSClient | undefined;
  /**
   * Unwraps SNS notifications (a queue subscribed to a topic without raw delivery): `body`,
   * `json`, the schema and `messageAttributes()` see the published message and its attributes,
   * `message.sns` the topic. `'sns'`: every body must be a notification; one that is not is
   * non-retryable (dead-letter queue). `'auto'`: only bodies that are notifications are
   * unwrapped. Prefer `'sns'`: under `'auto'` a producer that can send to the queue directly
   * can make a body look like a notification and choose its topic and attributes.
   */
  envelope?: EnvelopeMode | undefined;
  /**
   * Reads payloads an Extended Client (Java, Python, SNS) offloaded to S3: see
   * `LargePayloadOptions`. Needs the optional peer dependency `@aws-sdk/client-s3`.
   */
  largePayloads?: LargePayloadOptions | undefined;
  /**
   * OpenTelemetry spans and metrics (`@opentelemetry/api`, an optional peer, loaded when the
   * listener starts). Default: on whenever a global tracer or meter provider is registered, like
   * every OpenTelemetry instrumentation; nothing is recorded, and a message costs nothing more,
   * until one is. `false` switches it off. See {@link TracingOptions}.
   */
  tracing?: false | TracingOptions | undefined;
  /**
   * Replaces the default logger: a {@link Logger} (`(message, fields)`), or a pino or bunyan
   * logger as it is (recognised and adapted).
   */
  logger?: Logger | undefined;
  /** Where environment variables are read from. Default `process.env`. */
  env?: Env | undefined;
}

export function resolveWorkerThreads(explicit: unknown, env: Env | undefined): number {
  return resolveNumber(LISTENER_SPECS.workerThreads, explicit, env ?? process.env);
}

function resolveGroupCap(explicit: unknown, env: Env): number | undefined {
  const cap = resolveNumber(LISTENER_SPECS.maxConcurrentPerGroup, explicit, env);
  return Number.isFinite(cap) ? cap : undefined;
}

/** What a listener reports when its source ends. */
export interface ListenerResult {
  /** Messages handed to the handler (filtered ones excluded). */
  processed: number;
  /** Of those, the ones that succeeded (acked). */
  succeeded: number;
  /** Of those, the ones that failed (given back for a retry, or given up). */
  failed: number;
  /** Of the failed, the ones given up as non-retryable (deleted or moved to the DLQ URL). */
  gaveUp: number;
  /** Messages the filter rejected (released at once). */
  filtered: number;
  /** FIFO: messages released unhandled because an earlier message of their group failed. */
  released: number;
  /**
   * `maxConcurrentPerGroup`: messages given back unhandled because their group was at its cap
   * (they come back later), or waiting for their group at a shutdown. Present only with the cap.
   */
  deferred?: number | undefined;
}

export function emptyResult(): ListenerResult {
  return { processed: 0, succeeded: 0, failed: 0, gaveUp: 0, filtered: 0, released: 0 };
}

/** Everything the adapters need to turn a handler's outcome into settling, resolved once. */
export interface ListenerPolicy {
  workerThreads: number;
  /** `undefined`: no cap. */
  maxConcurrentPerGroup: number | undefined;
  handlerTimeoutMs: number;
  retry: ResolvedRetryPolicy | undefined;
  filter: ListenerBaseOptions['filter'];
  onSuccess: ListenerBaseOptions['onSuccess'];
  onFailure: ListenerBaseOptions['onFailure'];
  isNonRetryable: (error: unknown, message: LeasedMessage) => boolean;
  deadLetterQueueUrl: string | undefined;
  client: SQSClient | undefined;
  logger: Logger;
  /** The decode stage's steps, in order: see `decoders/index.ts`. */
  decoders: readonly Decoder[];
  /** Run just before the handler (none yet). */
  beforeHooks: readonly BeforeHook[];
  /** Spans and metrics; `undefined` with `tracing: false`. */
  tracing: ListenerTracing | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * A body that failed validation, or a pointer that cannot be followed, is non-retryable
 * whatever the user's `isNonRetryable` says: every retry would fail the same way, and it would
 * reach the DLQ only after maxReceiveCount.
 */
function nonRetryable(
  custom: ListenerBaseOptions['isNonRetryable'],
): (error: unknown, message: LeasedMessage) => boolean {
  if (custom === undefined) return (error) => isInstance(error, NonRetryableError);
  return (error, message) =>
    isInstance(error, MessageValidationError) ||
    isInstance(error, PayloadPointerError) ||
    custom(error, message);
}

/**
 * `set`: the adapter's option names, checked first (`perMessageListener()` unless given); `null`
 * when the caller checked them already (the runner hands each layer only its own options).
 */
export function resolveListenerPolicy(
  options: ListenerBaseOptions,
  set: OptionSet | null = PER_MESSAGE_OPTION_SET,
): ListenerPolicy {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError({
      option: 'options',
      value: options,
      allowed: 'an object of listener options',
      from: 'option',
    });
  }
  if (set !== null) checkListenerOptionNames(options, set);
  const env = options.env ?? process.env;
  for (const name of ['filter', 'onSuccess', 'onFailure', 'isNonRetryable'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new ConfigError({
        option: name,
        value: typeof value,
        allowed: 'a function',
        from: 'option',
      });
    }
  }
  const deadLetterQueueUrl = resolveString(
    {
      option: 'deadLetterQueueUrl',
      env: 'DEAD_LETTER_QUEUE_URL',
      allowed: 'an http(s) SQS queue URL',
      validate: isValidQueueUrl,
    },
    options.deadLetterQueueUrl,
    env,
  );
  const logger =
    resolveLoggerOption(options.logger) ?? createDebugLogger({ component: 'listener', env });
  return {
    workerThreads: resolveWorkerThreads(options.workerThreads, env),
    maxConcurrentPerGroup: resolveGroupCap(options.maxConcurrentPerGroup, env),
    handlerTimeoutMs:
      resolveNumber(LISTENER_SPECS.handlerTimeout, options.handlerTimeout, env) * 1000,
    retry: resolveRetryPolicy(options.retry),
    filter: options.filter,
    onSuccess: options.onSuccess,
    onFailure: options.onFailure,
    isNonRetryable: nonRetryable(options.isNonRetryable),
    deadLetterQueueUrl,
    client: options.client,
    logger,
    decoders: buildDecoders(options, logger),
    beforeHooks: NONE,
    tracing: listenerTracing(options.tracing, logger),
  };
}
