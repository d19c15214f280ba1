/**
 * Node streams over leased messages. `Readable.from(sqsMessages(...))` works as is; these
 * helpers remove the boilerplate around it: a Writable that settles what it is given, and a
 * Readable that, when destroyed, gives back at once what it buffered but never handed out.
 */
import { Readable, Writable } from 'node:stream';
import type { LeasedMessage } from '../core/leased-message.js';
import { ConfigError, toError } from '../shared/errors.js';
import { isValidVisibilitySeconds, SQS_MAX_VISIBILITY_SECONDS } from '../shared/sqs-limits.js';

/** A handler for {@link ackingWritable}: `false` or a throw nacks the message, anything else acks it. */
export type WritableHandler = (message: LeasedMessage) => unknown;

/** Options of {@link ackingWritable}. */
export interface AckingWritableOptions {
  /**
   * Messages the Writable buffers before it pushes back on the source. Default 1: the source
   * (and so the receiving) waits for the handler. Leases are extended meanwhile either way.
   */
  highWaterMark?: number | undefined;
  /** Called when the handler fails (throws or returns `false`), before the nack. */
  onError?: ((error: unknown, message: LeasedMessage) => void) | undefined;
  /** Passed to `nack()` on failure. Default: none (reappears when its visibility ends). */
  nackDelaySeconds?: number | undefined;
}

/**
 * A Writable (object mode) that runs `handler` on each message, one at a time, and acks it on
 * success or nacks it on failure (unless the handler settled it itself). A failing handler does
 * not fail the stream: the message is retried by SQS, as with the listeners.
 *
 * The ack is not awaited (SQS confirms it in a batch a few ms later; a refusal is logged), so the
 * Writable's pace is the handler's.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * await pipeline(
 *   toReadable(sqsMessages(process.env.QUEUE_URL ?? '', { signal: stop.signal })),
 *   ackingWritable(async (message) => {
 *     await resize(message.json); // returning normally acks; a throw or `false` nacks
 *   }),
 * );
 * ```
 */
export function ackingWritable(
  handler: WritableHandler,
  options: AckingWritableOptions = {},
): Writable {
  const delaySeconds = options.nackDelaySeconds;
  // nack() throws on an invalid delay; inside write() that would stall the stream: refuse it here.
  if (delaySeconds !== undefined && !isValidVisibilitySeconds(delaySeconds)) {
    throw new ConfigError({
      option: 'nackDelaySeconds',
      value: delaySeconds,
      allowed: `a whole number of seconds from 0 to ${SQS_MAX_VISIBILITY_SECONDS}`,
      from: 'option',
    });
  }
  return new Writable({
    objectMode: true,
    highWaterMark: options.highWaterMark ?? 1,
    write(message: LeasedMessage, _encoding, done) {
      const settle = (ok: boolean, error?: unknown) => {
        if (!ok) options.onError?.(error, message);
        if (!message.settled) {
          if (ok) void message.ack();
          else void message.nack({ delaySeconds });
        }
        done();
      };
      try {
        Promise.resolve(handler(message)).then(
          (result) =>
            settle(
              result !== false,
              result === false ? new Error('handler returned false') : undefined,
            ),
          (error: unknown) => settle(false, error),
        );
      } catch (error) {
        settle(false, error);
      }
    },
  });
}

/** Options of {@link toReadable}. */
export interface ToReadableOptions {
  /**
   * Messages the Readable reads ahead of its consumer. Default 1. Every message read ahead is
   * leased (it counts against `maxInFlight`), so a small number keeps leases for real work.
   */
  highWaterMark?: number | undefined;
}

/**
 * Like `Readable.from(source)`, but when the stream is destroyed (an error in a pipeline, an
 * early `destroy()`), the messages it had read ahead and not yet handed to its consumer are
 * given back at once (`nack({ delaySeconds: 0 })`) instead of staying leased until the source's
 * `shutdownTimeout` or `maxExtend`. Messages the consumer already got are left to it.
 *
 * @example
 * ```ts
 * const readable = toReadable(sqsMessages(process.env.QUEUE_URL ?? ''), { highWaterMark: 1 });
 * await pipeline(readable, ackingWritable((message) => console.log(message.body)));
 * ```
 */
export function toReadable(
  source: AsyncIterable<LeasedMessage>,
  options: ToReadableOptions = {},
): Readable {
  return new MessageReadable(source, options.highWaterMark ?? 1);
}

class MessageReadable extends Readable {
  private readonly messages: AsyncIterator<LeasedMessage>;
  /** Pushed into the stream's buffer and not yet emitted to a consumer. */
  private readonly unclaimed = new Set<LeasedMessage>();
  private reading = false;

  constructor(source: AsyncIterable<LeasedMessage>, highWaterMark: number) {
    super({ objectMode: true, highWaterMark });
    this.messages = source[Symbol.asyncIterator]();
  }

  // Every chunk leaves a Readable through a 'data' event (flowing mode, pipe, read() and async
  // iteration alike), so that is where a message stops being ours to give back.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') this.unclaimed.delete(args[0] as LeasedMessage);
    return super.emit(event, ...args);
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.messages.next().then(
      (next) => {
        this.reading = false;
        if (next.done) {
          this.push(null);
          return;
        }
        if (this.destroyed) {
          // Arrived after destroy: nobody will read it.
          void next.value.nack({ delaySeconds: 0 });
          return;
        }
        this.unclaimed.add(next.value);
        this.push(next.value);
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(toError(error));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const message of this.unclaimed) {
      if (!message.settled) void message.nack({ delaySeconds: 0 });
    }
    this.unclaimed.clear();
    // Ends the source: receiving stops and its own read-ahead is released.
    Promise.resolve(this.messages.return?.()).then(
      () => callback(error),
      (returnError: unknown) => callback(error ?? (returnError as Error)),
    );
  }
}
