/** Settling a message from a handler's outcome, shared by both adapters. */
import { toError } from '../errors.js';
import type { LeasedMessage } from '../leased-message.js';
import type { Logger } from '../logger.js';

/**
 * Acks a success, nacks a failure, and leaves alone a message the handler settled itself.
 * Never rejects: an ack SQS refused means the message will be delivered again, which is logged.
 */
export async function settleOutcome(
  message: LeasedMessage,
  ok: boolean,
  logger: Logger,
): Promise<void> {
  if (message.settled) return;
  try {
    if (ok) await message.ack();
    else await message.nack();
  } catch (error) {
    logger.warn(`${ok ? 'ack' : 'nack'} failed; the message will be delivered again`, {
      messageId: message.messageId,
      error: toError(error),
    });
  }
}
