/**
 * The SQS commands the in-memory SQS answers, translated from SDK inputs into queue operations.
 * Commands are matched by class, or by class name when the caller's SDK is another copy.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  type CreateQueueCommandInput,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type GetQueueAttributesCommandInput,
  GetQueueUrlCommand,
  type GetQueueUrlCommandInput,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { CommandContext } from './command-context.js';
import { receiveMessage, sendMessage, sendMessageBatch } from './message-commands.js';
import {
  changeMessageVisibility,
  changeMessageVisibilityBatch,
  deleteMessage,
  deleteMessageBatch,
} from './settle-commands.js';
import { sqsError } from './sqs-errors.js';

export type { CommandContext } from './command-context.js';

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
