/**
 * An iteration of a stream whose queue was given by name: it looks the URL up first (once per
 * stream), then hands over to a `ReceiveSession`. Until then nothing is received, so nothing can
 * be leased and there is nothing to release when it ends early.
 */
import type { LeasedMessage } from './leased-message.js';
import type { ReceiveSession } from './receive-session.js';

/** What the stream reads from a running iteration (gauges, and when it is over). */
export interface IterationGauges {
  readonly inFlight: number;
  readonly bytesInFlight: number;
  readonly buffered: number;
  readonly closed: Promise<void>;
}

const DONE: IteratorResult<LeasedMessage> = { value: undefined, done: true };

export class ResolvingIteration implements AsyncIterableIterator<LeasedMessage>, IterationGauges {
  private session: ReceiveSession | undefined;
  /** `return()` was called, or a signal aborted: no session is started any more. */
  private readonly ended = new AbortController();
  private readonly ready: Promise<ReceiveSession | undefined>;
  /** A failed look-up, reported once by `next()` (later calls see a plain end, as a session does). */
  private failure: { error: unknown } | undefined;
  readonly closed: Promise<void>;

  constructor(
    resolve: (signal: AbortSignal) => Promise<unknown>,
    start: () => ReceiveSession,
    signals: readonly AbortSignal[],
  ) {
    const signal = AbortSignal.any([...signals, this.ended.signal]);
    // Already stopped: not even the look-up is sent.
    const lookup = signal.aborted ? Promise.reject(signal.reason) : resolve(signal);
    this.ready = lookup.then(
      () => {
        if (signal.aborted) return undefined;
        this.session = start();
        return this.session;
      },
      (error: unknown) => {
        // Aborted while looking up: a stop before the start, not an error (as with a receive).
        if (!signal.aborted) this.failure = { error };
        return undefined;
      },
    );
    this.closed = this.ready.then((session) => session?.closed);
  }

  get inFlight(): number {
    return this.session?.inFlight ?? 0;
  }

  get bytesInFlight(): number {
    return this.session?.bytesInFlight ?? 0;
  }

  get buffered(): number {
    return this.session?.buffered ?? 0;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<LeasedMessage>> {
    const session = await this.ready;
    if (session) return session.next();
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure.error;
    return DONE;
  }

  async return(): Promise<IteratorResult<LeasedMessage>> {
    this.ended.abort();
    const session = await this.ready;
    return session ? session.return() : DONE;
  }
}
