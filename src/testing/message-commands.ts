/** ReceiveMessage, SendMessage and SendMessageBatch of the in-memory SQS. */
import { createHash } from 'node:crypto';
import type {
  ReceiveMessageCommandInput,
  SendMessageBatchCommandInput,
  SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import {
  SQS_MAX_BATCH,
  SQS_MAX_DELAY_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
  SQS_MAX_WAIT_SECONDS,
} from '../shared/sqs-limits.js';
import type { CommandContext } from './command-context.js';
import type { InMemoryQueue } from './in-memory-queue.js';
import { sqsError } from './sqs-errors.js';
import {
  checkBatchEntries,
  checkBody,
  checkInteger,
  checkMessageAttributes,
  checkMessageSize,
} from './validation.js';

export async function receiveMessage(
  ctx: CommandContext,
  input: ReceiveMessageCommandInput,
  signal: AbortSignal | undefined,
) {
  const queue = ctx.queue(input.QueueUrl);
  const max = checkInteger('MaxNumberOfMessages', input.MaxNumberOfMessages, 1, SQS_MAX_BATCH, 1);
  const visibility = checkInteger(
    'VisibilityTimeout',
    input.VisibilityTimeout,
    0,
    SQS_MAX_VISIBILITY_SECONDS,
    queue.settings.visibilityTimeoutSecs,
  );
  const waitSecs = checkInteger(
    'WaitTimeSeconds',
    input.WaitTimeSeconds,
    0,
    SQS_MAX_WAIT_SECONDS,
    queue.settings.receiveWaitTimeSecs,
  );
  const systemNames = [
    ...(input.MessageSystemAttributeNames ?? []),
    ...(input.AttributeNames ?? []),
  ];
  const attributeNames = input.MessageAttributeNames ?? [];
  const untilMs = ctx.clock.now() + waitSecs * 1000;
  for (;;) {
    let deadLettered = false;
    const received = queue.receive(max, visibility, ctx.clock.now(), (m) => {
      const moved = ctx.deadLetter(queue, m);
      if (moved) deadLettered = true;
      return moved;
    });
    // Only real changes wake other waiters: two long polls waking each other would spin.
    if (received.length > 0 || deadLettered) ctx.changed();
    if (received.length > 0) {
      return { Messages: received.map((m) => queue.toSdkMessage(m, systemNames, attributeNames)) };
    }
    // Long polling: wait for a message to arrive or become visible, up to WaitTimeSeconds.
    if (ctx.clock.now() >= untilMs) return {};
    await ctx.waitForChange(untilMs, signal);
  }
}

export function sendMessage(ctx: CommandContext, input: SendMessageCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  const result = enqueue(ctx, queue, input);
  ctx.changed();
  return result;
}

export function sendMessageBatch(ctx: CommandContext, input: SendMessageBatchCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  checkBatchEntries(input.Entries);
  const Successful = [];
  const Failed = [];
  for (const entry of input.Entries ?? []) {
    try {
      Successful.push({ Id: entry.Id, ...enqueue(ctx, queue, entry) });
    } catch (error) {
      const e = error as Error;
      Failed.push({ Id: entry.Id, Code: e.name, Message: e.message, SenderFault: true });
    }
  }
  ctx.changed();
  return { Successful, Failed };
}

function enqueue(
  ctx: CommandContext,
  queue: InMemoryQueue,
  input: Omit<SendMessageCommandInput, 'QueueUrl'>,
) {
  const body = checkBody(input.MessageBody);
  checkMessageAttributes(input.MessageAttributes);
  checkMessageSize(body, input.MessageAttributes);
  const { fifo, contentBasedDeduplication } = queue.settings;
  if (fifo) {
    if (input.MessageGroupId === undefined) {
      throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    }
    if (input.DelaySeconds !== undefined) {
      throw sqsError(
        'InvalidParameterValue',
        'FIFO queues do not support per-message DelaySeconds.',
      );
    }
    if (input.MessageDeduplicationId === undefined && !contentBasedDeduplication) {
      throw sqsError(
        'InvalidParameterValue',
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
  }
  const delaySecs = checkInteger(
    'DelaySeconds',
    input.DelaySeconds,
    0,
    SQS_MAX_DELAY_SECONDS,
    queue.settings.delaySecs,
  );
  const stored = queue.enqueue(
    {
      body,
      messageAttributes: input.MessageAttributes,
      delaySecs,
      groupId: input.MessageGroupId,
      deduplicationId: input.MessageDeduplicationId,
    },
    ctx.clock.now(),
  );
  return {
    MessageId: stored.messageId,
    MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
    ...(stored.sequenceNumber === undefined ? {} : { SequenceNumber: stored.sequenceNumber }),
  };
}
