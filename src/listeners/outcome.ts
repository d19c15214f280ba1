/**
 * Turning a handler's outcome into settling, shared by both adapters: ack successes, nack
 * failures (with the retry backoff when one is set), give up on non-retryable ones, run hooks.
 * Nothing here rejects: what SQS refuses is logged, and the message comes back by itself.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  expireLease,
  type LeasedMessage,
  messageOrigin,
  type NackOptions,
} from '../core/leased-message.js';
import { isFifoQueueUrl } from '../shared/config.js';
import { LeaseLostError, toError } from '../shared/errors.js';
import type { ListenerPolicy } from './listener-config.js';
import { retryDelaySeconds } from './retry.js';

/** How a handler call ended, before settling. */
export type HandlerOutcome = { ok: true } | { ok: false; error: unknown; timedOut: boolean };

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
): Promise<{ outcome: HandlerOutcome; value: unknown }> {
  const work = (async (): Promise<{ outcome: HandlerOutcome; value: unknown }> => {
    try {
      const value = await call();
      // In both modes `false` fails: in batch mode it fails the whole batch, like a throw.
      if (value === false) {
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

/** Where a given-up message goes: a DLQ, nowhere (delete it), or unknown (keep it). */
type GiveUpTarget = { queueUrl: string; client: SQSClient } | 'delete' | 'unknown';

/**
 * The explicit `deadLetterQueueUrl`, else the dead-letter queue of the queue's own redrive
 * policy: a user who set one expects failures there, never a silent delete.
 */
async function giveUpTarget(message: LeasedMessage, policy: ListenerPolicy): Promise<GiveUpTarget> {
  const origin = message[messageOrigin];
  const client = policy.client ?? origin?.client ?? environmentClient();
  if (policy.deadLetterQueueUrl) return { queueUrl: policy.deadLetterQueueUrl, client };
  // Not received by sqsMessages(): no queue to ask.
  if (origin === undefined) return 'delete';
  const { redrive } = await origin.queue.load(origin.client);
  if (redrive === undefined) return 'unknown';
  if (redrive === null) return 'delete';
  return { queueUrl: redrive.deadLetterQueueUrl, client };
}

/**
 * Gives up on a message retrying cannot help: moves it to the dead-letter queue (send, then
 * delete), or deletes it when the queue has none. If the move fails, or the redrive policy could
 * not be read, the message is given back instead: it must not be lost.
 */
async function giveUp(
  message: LeasedMessage,
  error: unknown,
  policy: ListenerPolicy,
): Promise<boolean> {
  const target = await giveUpTarget(message, policy);
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
  client: SQSClient,
): Promise<void> {
  // SQS requires a dead-letter queue of the same type as its source.
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
