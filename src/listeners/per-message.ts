/** `perMessageListener()`: one handler call per message, `workerThreads` at once. */
import { toError } from '../errors.js';
import type { LeasedMessage } from '../leased-message.js';
import { createDebugLogger, type Logger } from '../logger.js';
import {
  type ListenerBaseOptions,
  type ListenerResult,
  resolveWorkerThreads,
} from './listener-config.js';
import { Puller, runPool } from './pull.js';
import { settleOutcome } from './settle.js';

/** `false` or a throw fails the message (nack); anything else succeeds (ack). */
export type MessageHandler = (message: LeasedMessage) => unknown;

export type PerMessageListenerOptions = ListenerBaseOptions;

/** A function that consumes leased messages until the source ends, then reports counts. */
export type Listener = (source: AsyncIterable<LeasedMessage>) => Promise<ListenerResult>;

export function perMessageListener(
  handler: MessageHandler,
  options: PerMessageListenerOptions = {},
): Listener {
  if (typeof handler !== 'function')
    throw new TypeError('perMessageListener(handler): handler must be a function');
  const workerThreads = resolveWorkerThreads(options.workerThreads, options.env);
  const logger: Logger =
    options.logger ?? createDebugLogger({ component: 'listener', env: options.env });

  return async (source) => {
    const result: ListenerResult = { processed: 0, succeeded: 0, failed: 0 };
    const puller = new Puller(source[Symbol.asyncIterator]());
    const handle = async (message: LeasedMessage): Promise<void> => {
      result.processed++;
      let ok: boolean;
      try {
        ok = (await handler(message)) !== false;
        if (!ok)
          logger.warn('handler returned false; message will be retried', {
            messageId: message.messageId,
          });
      } catch (error) {
        ok = false;
        logger.error('handler failed; message will be retried', {
          messageId: message.messageId,
          error: toError(error),
        });
      }
      if (ok) result.succeeded++;
      else result.failed++;
      await settleOutcome(message, ok, logger);
      if (ok) logger.debug('message handled', { messageId: message.messageId });
    };
    try {
      await runPool(
        async () => {
          const next = await puller.next();
          return next.done ? undefined : next.value;
        },
        workerThreads,
        handle,
      );
    } catch (error) {
      await puller.stop();
      throw error;
    }
    return result;
  };
}
