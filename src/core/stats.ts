/** Counters kept by a stream, for logs, tests and (later) health endpoints. */
export interface StreamStats {
  /** ReceiveMessage requests sent. */
  receives: number;
  receiveErrors: number;
  /** Messages received (leased). */
  received: number;
  /** Deletes SQS confirmed. */
  acked: number;
  ackFailed: number;
  nacked: number;
  /** Lease extensions SQS confirmed. */
  extended: number;
  /** Leases that ended unsettled (expired, budget used up, extension refused). */
  lost: number;
  /** Messages given back by the stream (never handed out, or at the shutdown deadline). */
  released: number;
  /**
   * Handed-out messages garbage-collected while unsettled (dropped without ack() or nack()):
   * released by the stream, and counted in `released` too.
   */
  dropped: number;
  /** Leased, unsettled messages now (buffered or handed out): what `maxInFlight` bounds. */
  inFlight: number;
  /** When a ReceiveMessage last succeeded (with or without messages); unset before the first. */
  lastReceiveAt?: Date;
  /** When a ReceiveMessage last failed; unset if none did. */
  lastReceiveErrorAt?: Date;
}

/** Counters at zero, for a new stream. */
export function emptyStats(): StreamStats {
  return {
    receives: 0,
    receiveErrors: 0,
    received: 0,
    acked: 0,
    ackFailed: 0,
    nacked: 0,
    extended: 0,
    lost: 0,
    released: 0,
    dropped: 0,
    inFlight: 0,
  };
}
