/**
 * The SQS commands the in-memory SQS answers, translated from SDK inputs into queue operations.
 * Commands are matched by class, or by class name when the caller's SDK is another copy.
 */

import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchCommandInput,
  ChangeMessageVisibilityCommand,
  type ChangeMessageVisibilityCommandInput,
  CreateQueueCommand,
  type CreateQueueCommandInput,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandInput,
  DeleteMessageCommand,
  type DeleteMessageCommandInput,
  GetQueueAttributesCommand,
  type GetQueueAttributesCommandInput,
  GetQueueUrlCommand,
  type GetQueueUrlCommandInput,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SendMessageCommand,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import type { Clock } from './clock.js';
import {
  type EntryError,
  type InMemoryQueue,
  MAX_VISIBILITY_SECONDS,
  type StoredMessage,
} from './in-memory-queue.js';
import { sqsError } from './sqs-errors.js';
import {
  checkBatchEntries,
  checkBody,
  checkInteger,
  checkMessageAttributes,
  MAX_BATCH_ENTRIES,
} from './validation.js';

/** What the command handlers need from the in-memory SQS. */
export interface CommandContext {
  readonly clock: Clock;
  /** The queue at `url`; throws QueueDoesNotExist like SQS. */
  queue(url: string | undefined): InMemoryQueue;
  /** Moves a message to `queue`'s DLQ; false when the queue has none. */
  deadLetter(queue: InMemoryQueue, message: StoredMessage): boolean;
  createQueue(name: string, attributes: Record<string, string>): string;
  queueUrlOf(name: string): string | undefined;
  /** Something changed: long polls and `until()` re-check. */
  changed(): void;
  /** Resolves at the next change or `untilMs`; rejects with an AbortError when `signal` aborts. */
  waitForChange(untilMs: number, signal: AbortSignal | undefined): Promise<void>;
}

type Handler = (ctx: CommandContext, input: never, signal: AbortSignal | undefined) => unknown;

const HANDLERS: Array<[abstract new (...args: never[]) => object, Handler]> = [
  [ReceiveMessageCommand, receiveMessage],
  [DeleteMessageBatchCommand, deleteMessageBatch],
  [ChangeMessageVisibilityBatchCommand, changeMessageVisibilityBatch],
  [SendMessageCommand, sendMessage],
  [SendMessageBatchCommand, sendMessageBatch],
  [DeleteMessageCommand, deleteMessage],
  [ChangeMessageVisibilityCommand, changeMessageVisibility],
  [GetQueueAttributesCommand, getQueueAttributes],
  [CreateQueueCommand, createQueue],
  [GetQueueUrlCommand, getQueueUrl],
];

/** Runs an SDK command object against the in-memory queues. */
export async function runCommand(
  ctx: CommandContext,
  command: object,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const name = command.constructor.name;
  const entry = HANDLERS.find(([type]) => command instanceof type || type.name === name);
  if (!entry) {
    throw sqsError('UnsupportedOperation', `The in-memory SQS does not implement ${name}.`);
  }
  const input = (command as { input?: unknown }).input ?? {};
  return entry[1](ctx, input as never, signal);
}

async function receiveMessage(
  ctx: CommandContext,
  input: ReceiveMessageCommandInput,
  signal: AbortSignal | undefined,
) {
  const queue = ctx.queue(input.QueueUrl);
  const max = checkInteger(
    'MaxNumberOfMessages',
    input.MaxNumberOfMessages,
    1,
    MAX_BATCH_ENTRIES,
    1,
  );
  const visibility = checkInteger(
    'VisibilityTimeout',
    input.VisibilityTimeout,
    0,
    MAX_VISIBILITY_SECONDS,
    queue.settings.visibilityTimeoutSecs,
  );
  const waitSecs = checkInteger(
    'WaitTimeSeconds',
    input.WaitTimeSeconds,
    0,
    20,
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

function sendMessage(ctx: CommandContext, input: SendMessageCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  const result = enqueue(ctx, queue, input);
  ctx.changed();
  return result;
}

function sendMessageBatch(ctx: CommandContext, input: SendMessageBatchCommandInput) {
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
    900,
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

function deleteMessage(ctx: CommandContext, input: DeleteMessageCommandInput) {
  const failure = ctx.queue(input.QueueUrl).deleteByHandle(input.ReceiptHandle ?? '');
  if (failure) throw sqsError(failure.code, failure.message);
  ctx.changed();
  return {};
}

function deleteMessageBatch(ctx: CommandContext, input: DeleteMessageBatchCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  checkBatchEntries(input.Entries);
  const result = batchResult(input.Entries ?? [], (e) =>
    queue.deleteByHandle(e.ReceiptHandle ?? ''),
  );
  ctx.changed();
  return result;
}

function changeMessageVisibility(ctx: CommandContext, input: ChangeMessageVisibilityCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  const failure = queue.changeVisibility(
    input.ReceiptHandle ?? '',
    input.VisibilityTimeout,
    ctx.clock.now(),
  );
  if (failure) throw sqsError(failure.code, failure.message);
  ctx.changed();
  return {};
}

function changeMessageVisibilityBatch(
  ctx: CommandContext,
  input: ChangeMessageVisibilityBatchCommandInput,
) {
  const queue = ctx.queue(input.QueueUrl);
  checkBatchEntries(input.Entries);
  const now = ctx.clock.now();
  const result = batchResult(input.Entries ?? [], (e) =>
    queue.changeVisibility(e.ReceiptHandle ?? '', e.VisibilityTimeout, now),
  );
  ctx.changed();
  return result;
}

/** Applies `apply` to each entry; failures are reported per entry, as SQS does. */
function batchResult<E extends { Id?: string }>(
  entries: readonly E[],
  apply: (entry: E) => EntryError | undefined,
) {
  const Successful: Array<{ Id: string }> = [];
  const Failed: Array<{ Id: string; Code: string; Message: string; SenderFault: boolean }> = [];
  for (const entry of entries) {
    const failure = apply(entry);
    const Id = entry.Id ?? '';
    if (failure)
      Failed.push({ Id, Code: failure.code, Message: failure.message, SenderFault: true });
    else Successful.push({ Id });
  }
  return { Successful, Failed };
}

function getQueueAttributes(ctx: CommandContext, input: GetQueueAttributesCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  const now = ctx.clock.now();
  const s = queue.settings;
  const all: Record<string, string | undefined> = {
    QueueArn: s.arn,
    ApproximateNumberOfMessages: String(queue.count('visible', now)),
    ApproximateNumberOfMessagesNotVisible: String(queue.count('inFlight', now)),
    ApproximateNumberOfMessagesDelayed: String(queue.count('delayed', now)),
    VisibilityTimeout: String(s.visibilityTimeoutSecs),
    DelaySeconds: String(s.delaySecs),
    ReceiveMessageWaitTimeSeconds: String(s.receiveWaitTimeSecs),
    FifoQueue: s.fifo ? 'true' : undefined,
    ContentBasedDeduplication: s.fifo ? String(s.contentBasedDeduplication) : undefined,
    RedrivePolicy: s.redrive ? JSON.stringify(s.redrive) : undefined,
  };
  const names = input.AttributeNames ?? [];
  const Attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined && (names.includes('All') || names.includes(name as never))) {
      Attributes[name] = value;
    }
  }
  return { Attributes };
}

function createQueue(ctx: CommandContext, input: CreateQueueCommandInput) {
  if (!input.QueueName)
    throw sqsError('MissingParameter', 'The request must contain the parameter QueueName.');
  return { QueueUrl: ctx.createQueue(input.QueueName, input.Attributes ?? {}) };
}

function getQueueUrl(ctx: CommandContext, input: GetQueueUrlCommandInput) {
  const url = ctx.queueUrlOf(input.QueueName ?? '');
  if (url === undefined) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  return { QueueUrl: url };
}
