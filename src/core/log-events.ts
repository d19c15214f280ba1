/**
 * DEBUG lines for what happens to leases: extensions, deletes, messages given back or released.
 * A subscriber on the stream's own events rather than log calls in the lease code, so the core
 * stays free of logging and nothing is built per message unless DEBUG lines are wanted.
 * (Receives are logged by the receiver itself, which knows what it asked for.)
 */
import { isDebugEnabled } from '../shared/log-adapters.js';
import type { Logger } from '../shared/logger.js';
import type { StreamEventListener, StreamEventName, Unsubscribe } from './events.js';

type Subscribe = <K extends StreamEventName>(
  name: K,
  listener: StreamEventListener<K>,
) => Unsubscribe;

/** Subscribes DEBUG logging to a stream's events when `logger` prints DEBUG lines. */
export function logLeaseEvents(on: Subscribe, logger: Logger): void {
  if (!isDebugEnabled(logger)) return;
  on('extended', ({ messageId, visibilityTimeout }) =>
    logger.debug('lease extended', { messageId, visibilityTimeout }),
  );
  // One line per DeleteMessageBatch, not per message: the request is what reached SQS.
  on('settleRequest', ({ operation, messageIds, failed, startTime, endTime, error }) =>
    logger.debug(operation === 'ack' ? 'deleted' : 'given back with a delay', {
      count: messageIds.length,
      failed: failed || undefined,
      ms: endTime - startTime,
      messageIds: messageIds.join(','),
      error,
    }),
  );
  on('nacked', ({ messageId, delaySeconds, handlerTimeout }) =>
    logger.debug('given back', {
      messageId,
      delaySeconds,
      handlerTimeout: handlerTimeout || undefined,
    }),
  );
  on('released', ({ messageId, reason, visibilityTimeout }) =>
    logger.debug('released', { messageId, reason, visibilityTimeout }),
  );
}
