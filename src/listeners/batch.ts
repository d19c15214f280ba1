/** `batchListener()`: the handler receives arrays of messages and may fail some of them. */

import type { LeasedMessage } from '../core/leased-message.js';
import { type Env, resolveNumber } from '../shared/config.js';
import { isInstance, toError } from '../shared/errors.js';
import { type BatchHandlerResult, readBatchResult } from './batch-result.js';
import { BrokenGroups, fifoGroupOf, GroupTurns } from './fifo.js';
import {
  emptyResult,
  LISTENER_SPECS,
  type ListenerBaseOptions,
  type ListenerPolicy,
  type ListenerResult,
  resolveListenerPolicy,
} from './listener-config.js';
import {
  HandlerReturnedFalse,
  readQueueInfoAtStart,
  runHandler,
  settleFailure,
  settleSuccess,
} from './outcome.js';
import type { Listener } from './per-message.js';
import { afterBuffered, Puller, runPool, Settling } from './pull.js';

/**
 * Returns `void` (all succeeded), `new BatchResult({ failedReceiptHandles })`, or Lambda's
 * `{ batchItemFailures: [{ itemIdentifier: messageId }] }`. A throw, `false` or a result of any
 * other shape fails the whole batch. See {@link BatchHandlerResult}.
 */
export type BatchHandler = (
  messages: LeasedMessage[],
) => BatchHandlerResult | Promise<BatchHandlerResult>;

/** Options of `batchListener()`: the shared listener options plus batch size and window. */
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

/**
 * Turns a batch handler into a consumer of any `AsyncIterable<LeasedMessage>`: it gathers
 * batches (what one receive brought, or up to `batchWindowMs`), runs `workerThreads` batches at
 * once, acks the successes and nacks the failures from the handler's result, and resolves with
 * counts when the source ends.
 */
export function batchListener(handler: BatchHandler, options: BatchListenerOptions = {}): Listener {
  if (typeof handler !== 'function') {
    throw new TypeError('batchListener(handler): handler must be a function');
  }
  const env = options.env ?? process.env;
  const policy = resolveListenerPolicy(options);
  const { batchSize, batchWindowMs } = resolveBatchOptions(options, env);
  const { logger } = policy;

  return async (source) => {
    const result = emptyResult();
    const puller = new Puller(source[Symbol.asyncIterator]());
    const settling = new Settling();

    const gather = async (): Promise<LeasedMessage[] | undefined> => {
      if (puller.done) return undefined;
      const first = await puller.next();
      if (first.done) return undefined;
      const batch = [first.value];
      let timer: NodeJS.Timeout | undefined;
      // Without a window, take only what is already buffered (one receive's worth): buffered
      // messages arrive through microtasks, which all run before a single setImmediate fires.
      const deadline =
        batchWindowMs > 0
          ? new Promise<void>((resolve) => {
              timer = setTimeout(resolve, batchWindowMs);
            })
          : afterBuffered();
      try {
        while (batch.length < batchSize) {
          const next = await puller.nextBefore(deadline);
          if (next === undefined || next.done) break;
          batch.push(next.value);
        }
      } finally {
        clearTimeout(timer);
      }
      return batch;
    };

    const turns = new GroupTurns();
    const broken = new BrokenGroups();
    let started = false;
    const release = (message: LeasedMessage) => {
      result.released++;
      logger.info('released unhandled: an earlier message of its FIFO group failed', {
        messageId: message.messageId,
        groupId: message.groupId,
      });
      // Not awaited one by one: the releases of a batch share one batched request.
      settling.track(message.nack({ delaySeconds: 0 }).catch(() => {}));
    };

    const handle = async (gathered: LeasedMessage[]): Promise<void> => {
      if (!started && gathered[0]) {
        started = true;
        readQueueInfoAtStart(gathered[0], policy);
      }
      const groups = new Set<string>();
      for (const m of gathered) {
        const group = fifoGroupOf(m);
        if (group !== undefined) groups.add(group);
      }
      const done = await turns.acquire(groups);
      try {
        const current = gathered.filter((m) => {
          const group = fifoGroupOf(m);
          if (group === undefined || !broken.mustRelease(m, group)) return true;
          release(m);
          return false;
        });
        const batch = await applyFilter(current, policy, result);
        if (batch.length > 0) await run(batch);
      } catch (error) {
        // run() never rejects by design; should a bug make it, the batch is given back rather
        // than the rejection ending the listener.
        logger.error('unexpected error while handling a batch; it will be retried', {
          size: gathered.length,
          error: toError(error),
        });
        for (const m of gathered) if (!m.settled) settling.track(m.nack().catch(() => {}));
      } finally {
        done();
      }
    };

    const run = async (batch: LeasedMessage[]): Promise<void> => {
      result.processed += batch.length;
      const { outcome, value } = await runHandler(() => handler(batch), batch, policy);
      let failed: Set<LeasedMessage>;
      let error: unknown;
      if (outcome.ok) {
        const read = readBatchResult(batch, value);
        if (read.ok) {
          failed = read.failed;
          error = new Error('reported failed in the batch result');
        } else {
          // A result that cannot be read cannot say what succeeded: nothing is deleted.
          logger.warn(`invalid batch result: ${read.problem}; failing the whole batch`, {
            size: batch.length,
            firstMessageId: batch[0]?.messageId,
          });
          failed = new Set(batch);
          error = new Error(`invalid batch result: ${read.problem}`);
        }
      } else {
        error = outcome.error;
        if (isInstance(error, HandlerReturnedFalse)) {
          logger.warn('batch handler returned false; the whole batch will be retried', {
            size: batch.length,
            firstMessageId: batch[0]?.messageId,
          });
        } else {
          logger.error(
            outcome.timedOut
              ? 'batch handler timed out'
              : 'batch handler failed; the whole batch will be retried',
            {
              size: batch.length,
              firstMessageId: batch[0]?.messageId,
              error: toError(error),
            },
          );
        }
        failed = new Set(batch);
      }
      const fifoFailed = failLaterInGroup(batch, failed);
      for (const m of failed) {
        const group = fifoGroupOf(m);
        if (group !== undefined) broken.failed(m, group);
      }
      let gaveUp = 0;
      result.failed += failed.size;
      result.succeeded += batch.length - failed.size;
      // Deletes are queued at once; their confirmation (and hooks) must not hold the worker.
      settling.track(
        Promise.all(
          batch.map(async (m) => {
            if (!failed.has(m)) return settleSuccess(m, policy);
            if (await settleFailure(m, error, policy)) gaveUp++;
          }),
        ).then(() => {
          result.gaveUp += gaveUp;
        }),
      );
      const fields = { ok: batch.length - failed.size, failed: failed.size };
      if (failed.size > 0) {
        logger.warn('batch handled with failures', {
          ...fields,
          fifoFollowers: fifoFailed || undefined,
          failedIds: [...failed].map((m) => m.messageId).join(','),
        });
      } else {
        logger.info('batch handled', fields);
      }
    };

    try {
      await runPool(gather, policy.workerThreads, handle);
    } catch (error) {
      await settling.done();
      await puller.stop();
      throw error;
    }
    await settling.done();
    return result;
  };
}

/** Releases what the filter rejects (visibility 0) and returns the rest. */
async function applyFilter(
  batch: LeasedMessage[],
  policy: ListenerPolicy,
  result: ListenerResult,
): Promise<LeasedMessage[]> {
  const filter = policy.filter;
  if (!filter) return batch;
  const kept: LeasedMessage[] = [];
  for (const message of batch) {
    let keep: boolean;
    try {
      keep = (await filter(message)) !== false;
    } catch (error) {
      policy.logger.error('filter threw; message will be retried', {
        messageId: message.messageId,
        error: toError(error),
      });
      result.processed++;
      result.failed++;
      if (await settleFailure(message, error, policy)) result.gaveUp++;
      continue;
    }
    if (keep) kept.push(message);
    else {
      result.filtered++;
      if (!message.settled) await message.nack({ delaySeconds: 0 }).catch(() => {});
    }
  }
  return kept;
}

/**
 * FIFO: once a message of a group failed, the later messages of that group in the batch fail
 * too (as Lambda and Powertools do), so SQS redelivers the group in order. Returns how many
 * were added.
 */
function failLaterInGroup(batch: readonly LeasedMessage[], failed: Set<LeasedMessage>): number {
  const brokenGroups = new Set<string>();
  let added = 0;
  for (const message of batch) {
    const group = fifoGroupOf(message);
    if (group === undefined) continue;
    if (brokenGroups.has(group)) {
      if (!failed.has(message)) {
        failed.add(message);
        added++;
      }
    } else if (failed.has(message)) {
      brokenGroups.add(group);
    }
  }
  return added;
}
