/**
 * `perMessageListener()`: one handler call per message, `workerThreads` at once; FIFO groups
 * one at a time and in order.
 */

import type { LeasedMessage } from '../core/leased-message.js';
import { isInstance, toError } from '../shared/errors.js';
import { GroupScheduler } from './group-scheduler.js';
import {
  emptyResult,
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
import { Puller, Settling } from './pull.js';

/** `false` or a throw fails the message (nack); anything else succeeds (ack). */
export type MessageHandler = (message: LeasedMessage) => unknown;

/** Options of `perMessageListener()`: the shared listener options. */
export type PerMessageListenerOptions = ListenerBaseOptions;

/** A function that consumes leased messages until the source ends, then reports counts. */
export type Listener = (source: AsyncIterable<LeasedMessage>) => Promise<ListenerResult>;

/**
 * Turns a per-message handler into a consumer of any `AsyncIterable<LeasedMessage>`: up to
 * `workerThreads` handler calls at once (FIFO groups one at a time, in order), ack on success,
 * nack on `false`, a throw or a timeout; resolves with counts when the source ends.
 */
export function perMessageListener(
  handler: MessageHandler,
  options: PerMessageListenerOptions = {},
): Listener {
  if (typeof handler !== 'function') {
    throw new TypeError('perMessageListener(handler): handler must be a function');
  }
  const policy = resolveListenerPolicy(options);
  const { logger } = policy;

  return async (source) => {
    const result = emptyResult();
    const settling = new Settling();
    const puller = new Puller(source[Symbol.asyncIterator]());
    const scheduler = new GroupScheduler(
      policy.workerThreads,
      (message) => handleMessageSafely(message, handler, policy, result, settling),
      async (message) => {
        result.released++;
        logger.info('released unhandled: an earlier message of its FIFO group failed', {
          messageId: message.messageId,
          groupId: message.groupId,
        });
        await message.nack({ delaySeconds: 0 }).catch(() => {});
      },
    );
    let started = false;
    try {
      for (;;) {
        await scheduler.capacity();
        const next = await puller.next();
        if (next.done) break;
        if (!started) {
          started = true;
          readQueueInfoAtStart(next.value, policy);
        }
        scheduler.submit(next.value);
      }
    } catch (error) {
      await scheduler.close();
      await settling.done();
      await puller.stop();
      throw error;
    }
    await scheduler.close();
    await settling.done();
    return result;
  };
}

/**
 * handleMessage never rejects by design; should a bug make it, the message is given back and
 * counted as failed rather than the rejection escaping the scheduler.
 */
async function handleMessageSafely(
  message: LeasedMessage,
  handler: MessageHandler,
  policy: ListenerPolicy,
  result: ListenerResult,
  settling: Settling,
): Promise<boolean> {
  try {
    return await handleMessage(message, handler, policy, result, settling);
  } catch (error) {
    policy.logger.error('unexpected error while handling a message; it will be retried', {
      messageId: message.messageId,
      error: toError(error),
    });
    if (!message.settled) await message.nack().catch(() => {});
    return false;
  }
}

/** Filter → handler (with timeout) → settle → hooks. Resolves whether the message succeeded. */
async function handleMessage(
  message: LeasedMessage,
  handler: MessageHandler,
  policy: ListenerPolicy,
  result: ListenerResult,
  settling: Settling,
): Promise<boolean> {
  const { logger } = policy;
  if (policy.filter) {
    let keep: boolean;
    try {
      keep = (await policy.filter(message)) !== false;
    } catch (error) {
      result.processed++;
      result.failed++;
      logger.error('filter threw; message will be retried', {
        messageId: message.messageId,
        error: toError(error),
      });
      if (await settleFailure(message, error, policy)) result.gaveUp++;
      return false;
    }
    if (!keep) {
      result.filtered++;
      logger.debug('filtered out; released', { messageId: message.messageId });
      if (!message.settled) await message.nack({ delaySeconds: 0 }).catch(() => {});
      return true;
    }
  }
  result.processed++;
  const { outcome } = await runHandler(() => handler(message), [message], policy);
  if (outcome.ok) {
    result.succeeded++;
    // The delete is queued at once; its confirmation (and onSuccess) must not hold the worker.
    settling.track(settleSuccess(message, policy));
    logger.debug('message handled', { messageId: message.messageId });
    return true;
  }
  result.failed++;
  if (isInstance(outcome.error, HandlerReturnedFalse)) {
    logger.warn('handler returned false; message will be retried', {
      messageId: message.messageId,
    });
  } else {
    logger.error(outcome.timedOut ? 'handler timed out' : 'handler failed', {
      messageId: message.messageId,
      error: toError(outcome.error),
    });
  }
  if (await settleFailure(message, outcome.error, policy)) result.gaveUp++;
  return false;
}
