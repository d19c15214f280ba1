/** `sqsMessages()`: the core, an IxJS async iterable of leased SQS messages. */
import { AsyncIterableX } from 'ix/asynciterable/asynciterablex';
import {
  EventHub,
  type StreamEventListener,
  type StreamEventName,
  type Unsubscribe,
} from './events.js';
import type { LeasedMessage } from './leased-message.js';
import { logLeaseEvents } from './log-events.js';
import { QueueAttributes } from './queue-info.js';
import { lookUpQueueUrl } from './queue-name.js';
import { ReceiveSession } from './receive-session.js';
import { type IterationGauges, ResolvingIteration } from './resolving-iteration.js';
import { copyHistogram, StatsRecorder, type StreamStats } from './stats.js';
import {
  declareDemand,
  defaultClient,
  fitToDemand,
  resolveStreamConfig,
  type SqsMessagesOptions,
  type StreamConfig,
} from './stream-config.js';

declare global {
  /**
   * ix's declarations (pulled in by `AsyncIterableX`, which `SqsMessageStream` extends) name the
   * DOM's `StreamPipeOptions`, which a Node project (`lib: ["es2023"]`, `@types/node`) does not
   * have: with `skipLibCheck: false`, its type check failed inside ix. Declared empty here, it
   * merges with the DOM's when that lib is present, and only ix's DOM-stream methods use it.
   */
  interface StreamPipeOptions {}
}

/** An iterator over the stream's messages, typed as the caller asked (see `sqsMessages<T>`). */
type Typed<T> = AsyncIterableIterator<LeasedMessage<T>>;

/**
 * An async iterable of leased messages. Each iteration (`for await`, `Readable.from`, an ix
 * pipeline) runs its own receive loop and lease scheduler; the options are resolved and
 * validated once, when the stream is created.
 *
 * @example
 * ```ts
 * const stream = sqsMessages(process.env.QUEUE_URL ?? '', { signal: AbortSignal.timeout(60_000) });
 * const off = stream.on('lost', ({ messageId, reason }) => console.warn(messageId, reason));
 * for await (const message of stream) {
 *   await handle(message.json);
 *   message.ack();
 * }
 * off();
 * await stream.drained(); // every ack confirmed by SQS
 * console.log(stream.stats());
 * ```
 */
export class SqsMessageStream<T = unknown> extends AsyncIterableX<LeasedMessage<T>> {
  private resolved: StreamConfig;
  /** The largest demand declared so far (two listeners on one stream: the larger one). */
  private declared = 0;
  private warnedDemand = false;
  private readonly options: SqsMessagesOptions;
  private readonly counters = new StatsRecorder();
  private readonly events: EventHub;
  private readonly sessions = new Set<IterationGauges>();
  private queue: QueueAttributes | undefined;
  /** The look-up of a `queueName`'s URL while it runs (it is made again after a failure). */
  private lookingUp: Promise<string> | undefined;

  /**
   * `queueUrl` `undefined`: the queue is `options.queueName`, or `QUEUE_URL` / `QUEUE_NAME` in
   * the environment.
   */
  constructor(queueUrl: string | undefined, options: SqsMessagesOptions = {}) {
    super();
    this.resolved = resolveStreamConfig(queueUrl, options);
    this.options = options;
    if (this.resolved.queueUrl !== '') {
      this.queue = new QueueAttributes(this.resolved.queueUrl, this.config.logger);
    }
    this.events = new EventHub(this.counters, this.config.logger);
    logLeaseEvents((name, listener) => this.events.on(name, listener), this.config.logger);
  }

  /**
   * The queue's URL; an empty string for a stream created with `queueName` until its URL was
   * looked up (see {@link SqsMessageStream.resolveQueueUrl}).
   */
  get queueUrl(): string {
    return this.resolved.queueUrl;
  }

  /**
   * The queue's URL, looked up once with GetQueueUrl for a stream created with `queueName` (the
   * first iteration does it too). Rejects with a `ConfigError` when no such queue exists, with a
   * `ReceiveError` when it cannot be asked (credentials, permissions).
   *
   * @example
   * ```ts
   * const stream = sqsMessages({ queueName: 'orders' });
   * console.log(await stream.resolveQueueUrl()); // https://sqs.eu-west-1.amazonaws.com/123456789012/orders
   * ```
   */
  resolveQueueUrl(signal?: AbortSignal): Promise<string> {
    if (this.resolved.queueUrl !== '') return Promise.resolve(this.resolved.queueUrl);
    if (this.lookingUp) return this.lookingUp;
    const client = this.options.client ?? defaultClient();
    const from = this.options.queueName === undefined ? 'env' : 'option';
    const lookup = lookUpQueueUrl(client, this.resolved.queueName, from, signal)
      .then((queueUrl) => {
        this.resolved = { ...this.resolved, queueUrl };
        this.queue = new QueueAttributes(queueUrl, this.resolved.logger);
        this.resolved.logger.debug('queue URL looked up', {
          queueName: this.resolved.queueName,
          queueUrl,
        });
        return queueUrl;
      })
      .finally(() => {
        this.lookingUp = undefined;
        if (this.options.client === undefined) client.destroy();
      });
    this.lookingUp = lookup;
    return lookup;
  }

  /**
   * The resolved configuration (options > environment > defaults), as the next iteration will
   * use it: a listener's declared demand may have raised maxInFlight (see `declareDemand`).
   */
  get config(): Readonly<StreamConfig> {
    return this.resolved;
  }

  /**
   * Library-internal: a consumer whose handlers hold up to `held` messages at once declares it
   * before iterating, so that iterations started afterwards keep every handler busy (the
   * listener adapters and the runner call it). An explicit lower maxInFlight is kept, with one
   * warning. Not reachable through ix operators (`stream.pipe(...)`): set maxInFlight there.
   */
  [declareDemand](held: number): void {
    this.declared = Math.max(this.declared, held);
    const fit = fitToDemand(this.resolved, this.options, this.declared);
    this.resolved = fit.config;
    if (!fit.explicitBelow || this.warnedDemand) return;
    this.warnedDemand = true;
    const { maxInFlight, batchSize, logger } = this.resolved;
    logger.warn(
      `maxInFlight ${maxInFlight} is below the ${fit.wanted} the listener can use (its handlers hold ${this.declared} at once, plus one receive of ${batchSize}): at most ${maxInFlight} messages will be in hand at once`,
      { maxInFlight, wanted: fit.wanted },
    );
  }

  /**
   * Starts receiving. Ends when `options.signal` or `signal` aborts or the consumer stops
   * (`break`, `return()`): abort ends the iteration quietly, as a shutdown, not with an error.
   * A missing queue or bad credentials end it with a `ReceiveError`.
   */
  [Symbol.asyncIterator](signal?: AbortSignal): AsyncIterableIterator<LeasedMessage<T>> {
    const signals: AbortSignal[] = [];
    if (this.options.signal) signals.push(this.options.signal);
    if (signal) signals.push(signal);
    // `T` is the caller's type for the bodies (see sqsMessages): the session yields them as is.
    if (this.queue !== undefined) return this.startSession(this.queue, signals, true) as Typed<T>;
    // A queue given by name: look its URL up before the first receive.
    const iteration: ResolvingIteration = new ResolvingIteration(
      (lookupSignal) => this.resolveQueueUrl(lookupSignal),
      () => this.startSession(this.queue as QueueAttributes, signals, false),
      signals,
    );
    this.sessions.add(iteration);
    void iteration.closed.then(() => this.sessions.delete(iteration));
    return iteration as Typed<T>;
  }

  private startSession(
    queue: QueueAttributes,
    signals: AbortSignal[],
    tracked: boolean,
  ): ReceiveSession {
    const session: ReceiveSession = new ReceiveSession(this.config, {
      client: this.options.client ?? defaultClient(),
      ownsClient: this.options.client === undefined,
      signals,
      events: this.events,
      stats: this.counters.counts,
      queue,
      onClosed: () => this.sessions.delete(session),
    });
    if (tracked) this.sessions.add(session);
    return session;
  }

  /**
   * Counters over every iteration of this stream; the gauges (`inFlight`, `bytesInFlight`,
   * `buffered`, `secondsSinceLastReceive`) as they are now.
   */
  stats(): StreamStats {
    let inFlight = 0;
    let bytesInFlight = 0;
    let buffered = 0;
    for (const session of this.sessions) {
      inFlight += session.inFlight;
      bytesInFlight += session.bytesInFlight;
      buffered += session.buffered;
    }
    const counts = this.counters.counts;
    const since = counts.lastReceiveAt?.getTime() ?? this.counters.createdAtMs;
    return {
      ...counts,
      receiveCounts: copyHistogram(counts.receiveCounts),
      inFlight,
      bytesInFlight,
      buffered,
      secondsSinceLastReceive: Math.max(0, Date.now() - since) / 1000,
    };
  }

  /**
   * Subscribes to one of the stream's events (see `StreamEventMap`), over every iteration.
   * Returns the function that unsubscribes. An event nobody listens to costs nothing: its payload
   * is not even built. Listeners run synchronously inside the stream's bookkeeping; one that
   * throws is logged at ERROR and does not disturb the stream.
   *
   * ```ts
   * const stop = stream.on('lost', ({ messageId, reason }) => metrics.leaseLost(reason));
   * // later
   * stop();
   * ```
   */
  on<K extends StreamEventName>(event: K, listener: StreamEventListener<K>): Unsubscribe {
    return this.events.on(event, listener);
  }

  /**
   * Resolves once every iteration has ended and each message it handed out is settled (or
   * released at `shutdownTimeout`) and SQS has answered every delete and visibility change.
   */
  async drained(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.closed));
  }
}

/**
 * Leased messages from an SQS queue as an async iterable. Messages keep their lease (visibility
 * heartbeat) from receive until `ack()`/`nack()`. `T` types `message.json` (`sqsMessages<Order>(…)`):
 * your statement of what the bodies hold, not checked at run time.
 *
 * ```ts
 * const controller = new AbortController();
 * for await (const message of sqsMessages(queueUrl, { signal: controller.signal })) {
 *   await handle(message.json);
 *   message.ack();
 * }
 * ```
 */
export function sqsMessages<T = unknown>(
  queueUrl: string | undefined,
  options?: SqsMessagesOptions,
): SqsMessageStream<T>;
/**
 * The queue by name (`queueName`: its URL is looked up with GetQueueUrl when iterating starts),
 * or from the environment (`QUEUE_URL`, else `QUEUE_NAME`).
 *
 * @example
 * ```ts
 * for await (const message of sqsMessages({ queueName: 'orders', signal })) {
 *   await handle(message.json);
 *   await message.ack();
 * }
 * ```
 */
export function sqsMessages<T = unknown>(options?: SqsMessagesOptions): SqsMessageStream<T>;
export function sqsMessages<T = unknown>(
  queueOrOptions?: string | SqsMessagesOptions,
  options: SqsMessagesOptions = {},
): SqsMessageStream<T> {
  if (typeof queueOrOptions === 'object' && queueOrOptions !== null) {
    return new SqsMessageStream<T>(undefined, queueOrOptions);
  }
  return new SqsMessageStream<T>(queueOrOptions, options);
}
