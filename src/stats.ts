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
}

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
  };
}
