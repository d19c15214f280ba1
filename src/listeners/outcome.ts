/**
 * Turning a handler's outcome into settling, shared by both adapters: ack successes, nack
 * failures (with the retry backoff when one is set), give up on non-retryable ones, run hooks.
 * Nothing here rejects: what SQS refuses is logged, and the message comes back by itself.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { isFifoQueueUrl } from '../config.js';
import { LeaseLostError, toError } from '../errors.js';
import { expireLease, type LeasedMessage, type NackOptions } from '../leased-message.js';
import { retryDelaySeconds } from '../retry.js';
import type { ListenerPolicy } from './listener-config.js';

/** How a handler call ended, before settling. */
export type HandlerOutcome = { ok: true } | { ok: false; error: unknown; timedOut: boolean };

/** A handler returned `false`: a failure without an error of its own. */
export class HandlerReturnedFalse extends Error {
  override name = 'HandlerReturnedFalse';
}

/** The nack for a failed message: the retry policy's delay, or plain (reappear when visibility ends). */
export function retryNack(message: LeasedMessage, policy: ListenerPolicy): NackOptions {
  return policy.retry
    ? { delaySeconds: retryDelaySeconds(policy.retry, message.receiveCount) }
    : {};
}

/**
 * Runs a handler call with the listener's timeout. On timeout the messages' leases end (their
 * `signal`s abort with reason `handlerTimeout`) and they are given back; the call itself cannot
 * be stopped, so it runs on unobserved, its result ignored.
 */
export async function runHandler(
  call: () => unknown,
  messages: readonly LeasedMessage[],
  policy: ListenerPolicy,
  falseFails: boolean,
): Promise<{ outcome: HandlerOutcome; value: unknown }> {
  const work = (async (): Promise<{ outcome: HandlerOutcome; value: unknown }> => {
    try {
      const value = await call();
      if (falseFails && value === false) {
        return {
          outcome: {
            ok: false,
            error: new HandlerReturnedFalse('handler returned false'),
            timedOut: false,
          },
          value,
        };
      }
      return { outcome: { ok: true }, value };
    } catch (error) {
      return { outcome: { ok: false, error, timedOut: false }, value: undefined };
    }
  })();
  if (policy.handlerTimeoutMs <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), policy.handlerTimeoutMs);
  });
  const winner = await Promise.race([work, timeout]);
  clearTimeout(timer);
  if (winner !== 'timeout') return winner;
  const seconds = policy.handlerTimeoutMs / 1000;
  for (const message of messages) {
    if (message.settled) continue;
    const error = new LeaseLostError(
      `Handler for message ${message.messageId} timed out after ${seconds}s`,
      'handlerTimeout',
      {
        messageId: message.messageId,
      },
    );
    void message[expireLease](error, retryNack(message, policy));
  }
  const error = new LeaseLostError(`Handler timed out after ${seconds}s`, 'handlerTimeout');
  return { outcome: { ok: false, error, timedOut: true }, value: undefined };
}

export async function settleSuccess(message: LeasedMessage, policy: ListenerPolicy): Promise<void> {
  if (!message.settled) {
    try {
      await message.ack();
    } catch (error) {
      policy.logger.warn('ack failed; the message will be delivered again', {
        messageId: message.messageId,
        error: toError(error),
      });
      return;
    }
  }
  await runHook('onSuccess', () => policy.onSuccess?.(message), message, policy);
}

/** Gives a failed message back, or gives up on it; returns whether it was given up. */
export async function settleFailure(
  message: LeasedMessage,
  error: unknown,
  policy: ListenerPolicy,
): Promise<boolean> {
  let gaveUp = false;
  if (!message.settled) {
    if (isNonRetryable(error, message, policy)) {
      gaveUp = await giveUp(message, error, policy);
    } else {
      try {
        await message.nack(retryNack(message, policy));
      } catch (e) {
        policy.logger.warn('nack failed; the message reappears when its visibility ends', {
          messageId: message.messageId,
          error: toError(e),
        });
      }
    }
  }
  await runHook('onFailure', () => policy.onFailure?.(message, error), message, policy);
  return gaveUp;
}

function isNonRetryable(error: unknown, message: LeasedMessage, policy: ListenerPolicy): boolean {
  try {
    return policy.isNonRetryable(error, message);
  } catch (e) {
    policy.logger.error('isNonRetryable threw; treating the failure as retryable', {
      messageId: message.messageId,
      error: toError(e),
    });
    return false;
  }
}

/**
 * Deletes a message retrying cannot help, after copying it to the DLQ URL when one is set. If
 * the copy fails the message is nacked instead: it must not be lost.
 */
async function giveUp(
  message: LeasedMessage,
  error: unknown,
  policy: ListenerPolicy,
): Promise<boolean> {
  const dlq = policy.deadLetterQueueUrl;
  if (dlq) {
    try {
      await sendToDeadLetterQueue(message, dlq, policy);
    } catch (e) {
      policy.logger.error('could not move a non-retryable message to the DLQ; it will be retried', {
        messageId: message.messageId,
        deadLetterQueueUrl: dlq,
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
  policy.logger.error(
    dlq
      ? 'non-retryable failure; message moved to the DLQ'
      : 'non-retryable failure; message deleted',
    {
      messageId: message.messageId,
      error: toError(error),
      deadLetterQueueUrl: dlq,
    },
  );
  return true;
}

let defaultDlqClient: SQSClient | undefined;

/** One client from the environment for every listener without its own, built on first use. */
function environmentClient(): SQSClient {
  defaultDlqClient ??= new SQSClient({});
  return defaultDlqClient;
}

async function sendToDeadLetterQueue(
  message: LeasedMessage,
  queueUrl: string,
  policy: ListenerPolicy,
): Promise<void> {
  const client = policy.client ?? environmentClient();
  const fifo = isFifoQueueUrl(queueUrl);
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.body,
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

async function runHook(
  name: string,
  hook: () => unknown,
  message: LeasedMessage,
  policy: ListenerPolicy,
): Promise<void> {
  try {
    await hook();
  } catch (error) {
    policy.logger.error(`${name} hook threw; ignored`, {
      messageId: message.messageId,
      error: toError(error),
    });
  }
}
