/** `sqsMessages()`: the core, an IxJS async iterable of leased SQS messages. */
import { AsyncIterableX } from 'ix/asynciterable/asynciterablex';
import {
  EventHub,
  type StreamEventListener,
  type StreamEventName,
  type Unsubscribe,
} from './events.js';
import type { LeasedMessage } from './leased-message.js';
import { QueueAttributes } from './queue-info.js';
import { ReceiveSession } from './receive-session.js';
import { copyHistogram, StatsRecorder, type StreamStats } from './stats.js';
import {
  declareDemand,
  defaultClient,
  fitToDemand,
  resolveStreamConfig,
  type SqsMessagesOptions,
  type StreamConfig,
} from './stream-config.js';

/**
 * An async iterable of leased messages. Each iteration (`for await`, `Readable.from`, an ix
 * pipeline) runs its own receive loop and lease scheduler; the options are resolved and
 * validated once, when the stream is created.
 */
export class SqsMessageStream extends AsyncIterableX<LeasedMessage> {
  readonly queueUrl: string;
  private resolved: StreamConfig;
  /** The largest demand declared so far (two listeners on one stream: the larger one). */
  private declared = 0;
  private warnedDemand = false;
  private readonly options: SqsMessagesOptions;
  private readonly counters = new StatsRecorder();
  private readonly events: EventHub;
  private readonly sessions = new Set<ReceiveSession>();
  private readonly queue: QueueAttributes;

  constructor(queueUrl: string, options: SqsMessagesOptions = {}) {
    super();
    this.resolved = resolveStreamConfig(queueUrl, options);
    this.queueUrl = this.config.queueUrl;
    this.options = options;
    this.queue = new QueueAttributes(this.queueUrl, this.config.logger);
    this.events = new EventHub(this.counters, this.config.logger);
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
  [Symbol.asyncIterator](signal?: AbortSignal): AsyncIterableIterator<LeasedMessage> {
    const signals: AbortSignal[] = [];
    if (this.options.signal) signals.push(this.options.signal);
    if (signal) signals.push(signal);
    const session: ReceiveSession = new ReceiveSession(this.config, {
      client: this.options.client ?? defaultClient(),
      ownsClient: this.options.client === undefined,
      signals,
      events: this.events,
      stats: this.counters.counts,
      queue: this.queue,
      onClosed: () => this.sessions.delete(session),
    });
    this.sessions.add(session);
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
 * heartbeat) from receive until `ack()`/`nack()`.
 *
 * ```ts
 * const controller = new AbortController();
 * for await (const message of sqsMessages(queueUrl, { signal: controller.signal })) {
 *   await handle(message.json);
 *   message.ack();
 * }
 * ```
 */
export function sqsMessages(queueUrl: string, options: SqsMessagesOptions = {}): SqsMessageStream {
  return new SqsMessageStream(queueUrl, options);
}
