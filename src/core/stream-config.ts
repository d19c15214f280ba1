/** The options of `sqsMessages()` and their resolution (option > environment > default). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Env, resolveNumber, resolveString, SPECS } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { userLogger } from '../shared/log-adapters.js';
import { createDebugLogger, type Logger } from '../shared/logger.js';
import { checkOptionNames, type OptionNames } from '../shared/option-names.js';
import { type EnvelopeMode, resolveEnvelopeMode } from '../shared/sns-envelope.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { missingQueueError, resolveQueueTarget } from './queue-name.js';
import { resolveSettleWindowMs } from './settle-window.js';

/** Options of `sqsMessages()`: explicit option > environment variable > default. */
export interface SqsMessagesOptions {
  /**
   * The queue by name instead of by URL (`sqsMessages({ queueName: 'orders' })`): its URL is
   * looked up once with GetQueueUrl when the first iteration starts (needs
   * `sqs:GetQueueUrl`), in the client's region and account. A missing queue ends that iteration
   * with a `ConfigError` naming the queue. Env `QUEUE_NAME`; not together with a queue URL.
   */
  queueName?: string | undefined;
  /** The SQS client. Default: one built from the environment (region, credentials), owned and closed by the stream. */
  client?: SQSClient | undefined;
  /** Aborting it ends the stream: receiving stops at once and buffered messages are released. */
  signal?: AbortSignal | undefined;
  /** Messages per ReceiveMessage (1–10). Env `BATCH_SIZE`, default 10. */
  batchSize?: number | undefined;
  /** Long-poll seconds per ReceiveMessage (0–20). Env `WAIT_TIME`, default 20. */
  waitTime?: number | undefined;
  /** Visibility timeout requested on receive and on each extension, seconds. Env `VISIBILITY_SECS`, default 60. */
  visibilitySecs?: number | undefined;
  /**
   * Seconds since receive after which a lease is no longer extended, at least `visibilitySecs`
   * and at most 43,200. Env `MAX_EXTEND`, default 900 (or `visibilitySecs` when that is larger).
   */
  maxExtend?: number | undefined;
  /**
   * Most leased, unsettled messages at once (buffered + handed out). Env `MAX_IN_FLIGHT`.
   * Default 2 × batchSize; when a listener adapter consumes the stream, what it declares it can
   * use instead: its workerThreads × its batch size, plus a batch for each receive that may be in
   * flight (`maxConcurrentReceives`).
   */
  maxInFlight?: number | undefined;
  /** After an empty receive, sleep a random time up to this many seconds. Env `IDLE_SLEEP_MAX`, default 2. */
  idleSleepMax?: number | undefined;
  /**
   * After the stream ends, messages already handed out keep their lease at most this many
   * seconds; then their `signal` aborts and they are released. Env `SHUTDOWN_TIMEOUT`; default:
   * no deadline (a lease still ends at `maxExtend`).
   */
  shutdownTimeout?: number | undefined;
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
  openPollsOnStop?: 'abort' | 'finish' | undefined;
  /**
   * The longest an ack or a delayed nack waits for others to share its batch request
   * (milliseconds, 0–10,000). A batch goes at once when it is full (10 entries) or when no
   * handed-out message is unsettled, so `await message.ack()` is never slowed; the window only
   * lets a loop that is still working fill batches. A pending entry is always sent before its
   * lease's visibility runs out. A delayed nack waits at most 20 ms whatever this says. Env
   * `SETTLE_WINDOW_MS`, default 250; 20 on a FIFO queue (`.fifo`), where a delete still waiting
   * holds back the rest of its message group.
   */
  settleWindowMs?: number | undefined;
  /** @deprecated Use `settleWindowMs` (the same setting under its old name). */
  settleBatchWindowMs?: number | undefined;
  /**
   * A fixed number of ReceiveMessage calls in flight at once (1–100), instead of the adaptive
   * count that `maxConcurrentReceives` caps. Setting it turns the adaptation off: that many long
   * polls run even when the queue is idle. Default: unset (adaptive).
   */
  concurrentReceives?: number | undefined;
  /**
   * The most ReceiveMessage calls in flight at once (1–100). One long poll runs while the queue
   * is idle; while receives come back full and slots are free, more are added, up to
   * ceil(free slots / batchSize) and this cap; an empty answer takes them back to one. Env
   * `MAX_CONCURRENT_RECEIVES`, default 20 (enough for a busy queue 25 ms away).
   */
  maxConcurrentReceives?: number | undefined;
  /**
   * The most bytes of leased, unsettled messages: bodies and message attributes (names, types
   * and values, as SQS counts them), plus payloads the listener's `largePayloads` fetched from
   * S3. No receive is sent unless the messages it asks for fit, each counted at the largest
   * message of recent receives (256 KiB until the first answer), and receives in flight together
   * may bring at most an eighth of it (always at least one receive). At least 10485760 (one
   * receive of ten 1 MiB messages). Env `MAX_IN_FLIGHT_BYTES`,
   * default 134217728 (128 MiB: fits a 0.5 GB Fargate task).
   */
  maxInFlightBytes?: number | undefined;
  /**
   * Unwraps SNS notifications as messages are received, so a `for await` loop sees the
   * published message: `body`, `json`, `messageAttributes()` (SNS's attributes) and
   * `message.sns` (the topic). `'sns'`: a body that is not a notification is handed out
   * untouched with `message.envelopeError` set (the loop decides: a listener sends it to the
   * DLQ). `'auto'`: only notifications are unwrapped. Prefer `'sns'`: under `'auto'` anyone who
   * can send to the queue can make a body look like a notification. Default: off.
   */
  envelope?: EnvelopeMode | undefined;
  /**
   * Replaces the default logger: a {@link Logger} (`(message, fields)`), or a pino or bunyan
   * logger as it is (recognised and adapted). Every line it gets carries `queue`.
   */
  logger?: Logger | undefined;
  /** Where environment variables are read from. Default `process.env`. */
  env?: Env | undefined;
}

/** The resolved, validated options of a stream (`stream.config`). */
export interface StreamConfig {
  /**
   * The queue's URL. Empty for a stream created with `queueName` until the name is looked up
   * (`await stream.resolveQueueUrl()`, or the first iteration does it).
   */
  queueUrl: string;
  /** The queue's name: the last part of its URL, or `queueName`. */
  queueName: string;
  batchSize: number;
  waitTime: number;
  visibilitySecs: number;
  maxExtend: number;
  maxInFlight: number;
  idleSleepMax: number;
  shutdownTimeout: number;
  openPollsOnStop: 'abort' | 'finish';
  settleWindowMs: number;
  /** @deprecated The same as `settleWindowMs`. */
  settleBatchWindowMs: number;
  /** Fixed receives in flight (adaptation off), or `undefined`: adaptive. */
  concurrentReceives: number | undefined;
  maxConcurrentReceives: number;
  maxInFlightBytes: number;
  /**
   * What the consuming listener's handlers hold at once, when it declared it and maxInFlight
   * was left to its default (see `declareDemand`); `undefined` otherwise.
   */
  heldDemand: number | undefined;
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

/**
 * Every option name of `sqsMessages()`: an unknown one is a `ConfigError` (a typo would silently
 * leave a setting at its default). `satisfies` keeps it equal to the interface.
 */
export const SQS_MESSAGES_OPTION_NAMES = {
  queueName: true,
  client: true,
  signal: true,
  batchSize: true,
  waitTime: true,
  visibilitySecs: true,
  maxExtend: true,
  maxInFlight: true,
  idleSleepMax: true,
  shutdownTimeout: true,
  openPollsOnStop: true,
  settleWindowMs: true,
  settleBatchWindowMs: true,
  concurrentReceives: true,
  maxConcurrentReceives: true,
  maxInFlightBytes: true,
  envelope: true,
  logger: true,
  env: true,
} as const satisfies OptionNames<SqsMessagesOptions>;

/** Options of the listener adapters and the runner that users pass to `sqsMessages()`. */
const NOT_STREAM_OPTIONS: Readonly<Record<string, string>> = {
  workerThreads: 'the listeners (perMessageListener, batchListener, sqsListener)',
  batchWindowMs: 'batchListener and sqsListener',
  handlerTimeout: 'the listeners',
  queueUrl:
    'sqsListener (sqsMessages takes the URL as its first argument: sqsMessages(queueUrl, options))',
  mode: 'sqsListener',
};

export function resolveStreamConfig(queueUrl: unknown, options: SqsMessagesOptions): StreamConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError({
      option: 'options',
      value: options,
      allowed: 'an object of sqsMessages() options',
      from: 'option',
    });
  }
  checkOptionNames(options, {
    where: 'sqsMessages()',
    names: SQS_MESSAGES_OPTION_NAMES,
    elsewhere: NOT_STREAM_OPTIONS,
  });
  const target = resolveQueueTarget(queueUrl, options.queueName, options.env ?? process.env);
  if (target === undefined) throw missingQueueError('sqsMessages()');
  // A queue given by name: its URL is looked up when the first iteration starts. The name tells
  // all that is needed before: FIFO queues' names end in `.fifo`, as their URLs do.
  const url = 'queueUrl' in target ? target.queueUrl : '';
  const name = 'queueUrl' in target ? queueNameOf(target.queueUrl) : target.queueName;
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
  const settleWindowMs = resolveSettleWindowMs(name, options, env);
  const maxInFlight = resolveNumber(
    { ...SPECS.maxInFlight, default: 2 * batchSize },
    options.maxInFlight,
    env,
  );
  return {
    queueUrl: url,
    queueName: name,
    batchSize,
    waitTime: resolveNumber(SPECS.waitTime, options.waitTime, env),
    visibilitySecs,
    maxExtend: resolveNumber(maxExtendSpec, options.maxExtend, env),
    maxInFlight,
    idleSleepMax: resolveNumber(SPECS.idleSleepMax, options.idleSleepMax, env),
    shutdownTimeout: resolveNumber(SPECS.shutdownTimeout, options.shutdownTimeout, env),
    openPollsOnStop: (resolveString(OPEN_POLLS_ON_STOP, options.openPollsOnStop, env) ??
      'abort') as StreamConfig['openPollsOnStop'],
    settleWindowMs,
    settleBatchWindowMs: settleWindowMs,
    concurrentReceives:
      options.concurrentReceives === undefined
        ? undefined
        : resolveNumber(SPECS.concurrentReceives, options.concurrentReceives, env),
    maxConcurrentReceives: resolveNumber(
      SPECS.maxConcurrentReceives,
      options.maxConcurrentReceives,
      env,
    ),
    maxInFlightBytes: resolveNumber(SPECS.maxInFlightBytes, options.maxInFlightBytes, env),
    heldDemand: undefined,
    envelope: resolveEnvelopeMode(options.envelope),
    logger: streamLogger(options.logger, name, env),
  };
}

/** The stream's logger: the user's, bound to the queue, or the default one. */
function streamLogger(option: unknown, queue: string, env: Env): Logger {
  const bindings = { queue };
  return userLogger(option, bindings) ?? createDebugLogger({ component: queue, bindings, env });
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
 * Fits a stream to a consumer whose handlers hold up to `held` messages at once: it needs at
 * least that many plus one receive batch (`wanted`; an explicit maxInFlight below it is kept,
 * and the caller warns). A maxInFlight left to its default becomes `held` plus a batch for each
 * receive that may be in flight (maxConcurrentReceives, or a fixed concurrentReceives).
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
  // Room for every receive that may be in flight: a message's slot is taken from the moment
  // its receive is sent, and at a 25 ms round trip the handlers' demand plus one batch would
  // allow one or two receives at once. The receiver then leases at most `held` plus a batch per
  // running receive loop (Receiver.slotLimit), so slow handlers do not hoard the extra room;
  // maxInFlightBytes bounds memory.
  const receives = config.concurrentReceives ?? config.maxConcurrentReceives;
  const fitted = Math.min(held + receives * config.batchSize, SPECS.maxInFlight.max);
  return {
    config: { ...config, maxInFlight: fitted, heldDemand: held },
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
