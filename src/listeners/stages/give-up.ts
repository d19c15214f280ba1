/**
 * Giving up on a message retrying cannot help (a non-retryable failure): move it to a
 * dead-letter queue, or delete it when its queue has none. Part of the settle stage.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type LeasedMessage, messageOrigin, movedToDeadLetter } from '../../core/leased-message.js';
import { isFifoQueueUrl } from '../../shared/config.js';
import { toError } from '../../shared/errors.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { PipelineContext } from '../pipeline.js';
import { retryNack } from '../retry.js';

/**
 * Reads the queue's attributes (its redrive policy: where a non-retryable message belongs) when
 * a listener starts, so that a missing permission shows in the logs at once rather than at the
 * first non-retryable failure. Not awaited: the result is kept for when it is needed.
 */
export function readQueueInfoAtStart(first: LeasedMessage, policy: ListenerPolicy): void {
  if (policy.deadLetterQueueUrl !== undefined) return;
  const origin = first[messageOrigin];
  void origin?.queue.load(origin.client);
}

/** Where a given-up message goes: a DLQ, nowhere (delete it), or unknown (keep it). */
type GiveUpTarget = { queueUrl: string; client: SQSClient } | 'delete' | 'unknown';

/**
 * The explicit `deadLetterQueueUrl`, else the dead-letter queue of the queue's own redrive
 * policy: a user who set one expects failures there, never a silent delete.
 */
async function giveUpTarget(
  message: LeasedMessage,
  context: PipelineContext,
): Promise<GiveUpTarget> {
  const origin = message[messageOrigin];
  const { deadLetterQueueUrl } = context.policy;
  if (deadLetterQueueUrl) {
    return { queueUrl: deadLetterQueueUrl, client: context.clientFor(origin?.client) };
  }
  // Not received by sqsMessages(): no queue to ask.
  if (origin === undefined) return 'delete';
  const { redrive } = await origin.queue.load(origin.client);
  if (redrive === undefined) return 'unknown';
  if (redrive === null) return 'delete';
  return { queueUrl: redrive.deadLetterQueueUrl, client: context.clientFor(origin.client) };
}

/**
 * Moves the message to the dead-letter queue (send, then delete), or deletes it when the queue
 * has none. If the move fails, or the redrive policy could not be read, the message is given
 * back instead: it must not be lost. Resolves how it was given up (`moved` to a dead-letter
 * queue, or `deleted`), or `false` when it was not.
 */
export async function giveUp(
  message: LeasedMessage,
  error: unknown,
  context: PipelineContext,
): Promise<'moved' | 'deleted' | false> {
  const { policy } = context;
  const target = await giveUpTarget(message, context);
  if (target === 'unknown') {
    policy.logger.error(
      "non-retryable failure, but the queue's redrive policy could not be read; given back so that the redrive policy can move it",
      { messageId: message.messageId, error: toError(error) },
    );
    await message.nack(retryNack(message, policy)).catch(() => {});
    return false;
  }
  if (target !== 'delete') {
    try {
      await sendToDeadLetterQueue(message, target.queueUrl, target.client);
      // The copy points to the same S3 payload (if any): the ack below must not delete it.
      message[movedToDeadLetter]();
    } catch (e) {
      policy.logger.error('could not move a non-retryable message to the DLQ; it will be retried', {
        messageId: message.messageId,
        deadLetterQueueUrl: target.queueUrl,
        error: toError(e),
      });
      await message.nack(retryNack(message, policy)).catch(() => {});
      return false;
    }
  }
  try {
    await message.ack();
  } catch (e) {
    policy.logger.warn('delete of a given-up message failed; it will be delivered again', {
      messageId: message.messageId,
      error: toError(e),
    });
    return false;
  }
  if (target === 'delete') {
    // Gone for good: the log is the only record left of it.
    policy.logger.error(
      'non-retryable failure and the queue has no dead-letter queue; message deleted',
      {
        messageId: message.messageId,
        body: message.body.slice(0, 200),
        error: toError(error),
      },
    );
  } else {
    policy.logger.error('non-retryable failure; message moved to the DLQ', {
      messageId: message.messageId,
      error: toError(error),
      deadLetterQueueUrl: target.queueUrl,
    });
  }
  return target === 'delete' ? 'deleted' : 'moved';
}

async function sendToDeadLetterQueue(
  message: LeasedMessage,
  queueUrl: string,
  client: SQSClient,
): Promise<void> {
  // SQS requires a dead-letter queue of the same type as its source.
  const fifo = isFifoQueueUrl(queueUrl);
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      // What SQS delivered, as its own redrive would move it: a decoded body (an S3 payload,
      // an unwrapped SNS message) may be too large to send, and would not match the attributes.
      MessageBody: message.raw.Body ?? '',
      MessageAttributes: message.raw.MessageAttributes,
      // A FIFO DLQ needs a group; the message id makes the copy idempotent across retries.
      ...(fifo
        ? {
            MessageGroupId: message.groupId ?? 'dead-letter',
            MessageDeduplicationId: message.messageId,
          }
        : {}),
    }),
  );
}
