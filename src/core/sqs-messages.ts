/** `sqsMessages()`: the core, an IxJS async iterable of leased SQS messages. */
import { AsyncIterableX } from 'ix/asynciterable/asynciterablex';
import type { LeasedMessage } from './leased-message.js';
import { QueueAttributes } from './queue-info.js';
import { ReceiveSession } from './receive-session.js';
import { emptyStats, type StreamStats } from './stats.js';
import {
  defaultClient,
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
  /** The resolved configuration (options > environment > defaults). */
  readonly config: Readonly<StreamConfig>;
  private readonly options: SqsMessagesOptions;
  private readonly counters: StreamStats = emptyStats();
  private readonly sessions = new Set<ReceiveSession>();
  private readonly queue: QueueAttributes;

  constructor(queueUrl: string, options: SqsMessagesOptions = {}) {
    super();
    this.config = resolveStreamConfig(queueUrl, options);
    this.queueUrl = this.config.queueUrl;
    this.options = options;
    this.queue = new QueueAttributes(this.queueUrl, this.config.logger);
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
      stats: this.counters,
      queue: this.queue,
      onDisposed: () => this.sessions.delete(session),
    });
    this.sessions.add(session);
    return session;
  }

  /** Counters over every iteration of this stream. */
  stats(): StreamStats {
    return { ...this.counters };
  }

  /**
   * Resolves once every iteration has ended and each message it handed out is settled (or
   * released at `shutdownTimeout`) and SQS has answered every delete and visibility change.
   */
  async drained(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.drained()));
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
