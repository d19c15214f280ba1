/**
 * `settleWindowMs`: how long an ack or a delayed nack may wait for others to share its batch
 * request, and its deprecated alias `settleBatchWindowMs`.
 *
 * On a FIFO queue the default is the old 20 ms: SQS hands out no further message of a group
 * while one of its messages is in flight, so a delete waiting for company holds its whole group
 * back (measured: a FIFO listener over 3 groups ran ~25 % slower with 250 ms). FIFO queue names
 * end in `.fifo` (SQS requires it), so the URL tells.
 *
 * Why 250 ms by default: a pending entry is sent at once when its batch is full or when no
 * handed-out message is unsettled (nothing more can join soon), so the window only matters while
 * the consumer is still working on messages. There it should span ten handler runs of the
 * common sequential loop (`for await`, a ~20 ms handler, `ack()` not awaited): 10 × 20 ms plus
 * timer slack. Longer would only delay deletes of slower loops, which cannot fill a batch anyway
 * (a delete waiting longer is a message redelivered after a crash); the lease bounds the wait in
 * any case (see `SessionSettler`).
 */
import { type Env, resolveNumber, SPECS } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

/** The default on a FIFO queue (see above). */
export const FIFO_SETTLE_WINDOW_MS = 20;

/**
 * The longest a delayed nack waits, whatever `settleWindowMs` says: the per-message listener
 * holds a worker until its failed message's nack is answered, and the other workers keep messages
 * in hand, so a nack would wait out the whole window (measured: 400 messages, 4 workers, 20 ms
 * handler, every 5th failing once: 3.3 s at 20 ms, 5.5 s at 250 ms). Full batches and the
 * nothing-held rule still apply.
 */
export const NACK_WINDOW_MS = 20;

export function resolveSettleWindowMs(
  queueUrl: string,
  options: { settleWindowMs?: number | undefined; settleBatchWindowMs?: number | undefined },
  env: Env,
): number {
  const spec = queueUrl.endsWith('.fifo')
    ? { ...SPECS.settleWindowMs, default: FIFO_SETTLE_WINDOW_MS }
    : SPECS.settleWindowMs;
  const alias = options.settleBatchWindowMs;
  if (alias === undefined) return resolveNumber(spec, options.settleWindowMs, env);
  const { env: _noEnv, ...aliasSpec } = spec;
  const fromAlias = resolveNumber({ ...aliasSpec, option: 'settleBatchWindowMs' }, alias, env);
  if (options.settleWindowMs !== undefined && options.settleWindowMs !== fromAlias) {
    throw new ConfigError({
      option: 'settleBatchWindowMs',
      value: alias,
      allowed: `the same value as settleWindowMs (${String(options.settleWindowMs)}), or omitted: it is a deprecated alias of settleWindowMs`,
      from: 'option',
    });
  }
  return fromAlias;
}
