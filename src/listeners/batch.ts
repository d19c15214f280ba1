/** `batchListener()`: the handler receives arrays of messages and may fail some of them. */
import { type Env, resolveNumber } from '../config.js';
import { toError } from '../errors.js';
import type { LeasedMessage } from '../leased-message.js';
import { createDebugLogger, type Logger } from '../logger.js';
import { failedMessages } from './batch-result.js';
import {
  LISTENER_SPECS,
  type ListenerBaseOptions,
  type ListenerResult,
  resolveWorkerThreads,
} from './listener-config.js';
import type { Listener } from './per-message.js';
import { afterBuffered, Puller, runPool } from './pull.js';
import { settleOutcome } from './settle.js';

/**
 * Returns `void` (all succeeded), `new BatchResult({ failedReceiptHandles })`, or Lambda's
 * `{ batchItemFailures: [{ itemIdentifier: messageId }] }`. A throw fails the whole batch.
 */
export type BatchHandler = (messages: LeasedMessage[]) => unknown;

export interface BatchListenerOptions extends ListenerBaseOptions {
  /**
   * Most messages per handler call. Env `BATCH_SIZE`, default 10. Up to 10 without a batch
   * window; with `batchWindowMs` a batch gathers across receives and may hold up to 10,000.
   */
  batchSize?: number;
  /** Wait up to this long after the first message for more (Lambda's MaximumBatchingWindow). Default 0. */
  batchWindowMs?: number;
}

export function resolveBatchOptions(options: BatchListenerOptions, env: Env = process.env) {
  const batchWindowMs = resolveNumber(LISTENER_SPECS.batchWindowMs, options.batchWindowMs, env);
  const max = batchWindowMs > 0 ? 10_000 : 10;
  const batchSize = resolveNumber(
    { option: 'batchSize', env: 'BATCH_SIZE', default: 10, min: 1, max, integer: true },
    options.batchSize,
    env,
  );
  return { batchSize, batchWindowMs };
}

export function batchListener(handler: BatchHandler, options: BatchListenerOptions = {}): Listener {
  if (typeof handler !== 'function')
    throw new TypeError('batchListener(handler): handler must be a function');
  const env = options.env ?? process.env;
  const workerThreads = resolveWorkerThreads(options.workerThreads, env);
  const { batchSize, batchWindowMs } = resolveBatchOptions(options, env);
  const logger: Logger = options.logger ?? createDebugLogger({ component: 'listener', env });

  return async (source) => {
    const result: ListenerResult = { processed: 0, succeeded: 0, failed: 0 };
    const puller = new Puller(source[Symbol.asyncIterator]());

    const gather = async (): Promise<LeasedMessage[] | undefined> => {
      if (puller.done) return undefined;
      const first = await puller.next();
      if (first.done) return undefined;
      const batch = [first.value];
      let timer: NodeJS.Timeout | undefined;
      const window =
        batchWindowMs > 0
          ? new Promise<void>((resolve) => {
              timer = setTimeout(resolve, batchWindowMs);
            })
          : undefined;
      try {
        while (batch.length < batchSize) {
          // Without a window, take only what is already buffered (one receive's worth).
          const next = await puller.nextBefore(window ?? afterBuffered());
          if (next === undefined || next.done) break;
          batch.push(next.value);
        }
      } finally {
        clearTimeout(timer);
      }
      return batch;
    };

    const handle = async (batch: LeasedMessage[]): Promise<void> => {
      result.processed += batch.length;
      let failed: Set<LeasedMessage>;
      try {
        const outcome = await handler(batch);
        const parsed = failedMessages(batch, outcome);
        failed = parsed.failed;
        if (parsed.unknown.length > 0) {
          // A result naming messages that are not in the batch cannot be trusted: fail it all.
          logger.error('batch result names messages not in the batch; failing the whole batch', {
            unknown: parsed.unknown.slice(0, 5).join(','),
          });
          failed = new Set(batch);
        }
      } catch (error) {
        logger.error('batch handler failed; the whole batch will be retried', {
          size: batch.length,
          firstMessageId: batch[0]?.messageId,
          error: toError(error),
        });
        failed = new Set(batch);
      }
      result.failed += failed.size;
      result.succeeded += batch.length - failed.size;
      await Promise.all(batch.map((m) => settleOutcome(m, !failed.has(m), logger)));
      const fields = { ok: batch.length - failed.size, failed: failed.size };
      if (failed.size > 0)
        logger.warn('batch handled with failures', {
          ...fields,
          failedIds: [...failed].map((m) => m.messageId).join(','),
        });
      else logger.info('batch handled', fields);
    };

    try {
      await runPool(gather, workerThreads, handle);
    } catch (error) {
      await puller.stop();
      throw error;
    }
    return result;
  };
}
