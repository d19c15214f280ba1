/**
 * Moves one received batch: send to the target, then delete from the dead-letter queue exactly
 * the entries SQS confirmed. A crash between the two leaves the message in both queues (a
 * duplicate, deduplicated by SQS on a FIFO target within 5 minutes), never in neither.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { attributesSize } from '../shared/message-attributes.js';
import { SQS_MAX_MESSAGE_BYTES } from '../shared/sqs-limits.js';
import { type RedriveSummary, recordError, recordMoved } from './redrive-summary.js';

export interface MoveContext {
  client: SQSClient;
  dlqUrl: string;
  summary: RedriveSummary;
}

/**
 * Sends `messages` (in their receive order) to `target` and deletes the sent ones from the DLQ.
 * On a FIFO target a SendMessageBatch holds at most one message per group ("waves"): SQS does not
 * promise that a failed entry stops the later entries of its group in the same request, so a
 * later message could overtake a failed earlier one. After a failure the group's remaining
 * messages are not sent; they stay in the DLQ, in order, for the next run. Throws when a whole
 * request fails (after the SDK's retries); what was not confirmed is then left in the DLQ.
 */
export async function moveToTarget(
  context: MoveContext,
  target: string,
  targetFifo: boolean,
  messages: readonly Message[],
): Promise<void> {
  const broken = new Set<string>();
  for (const wave of targetFifo ? waves(messages) : [messages]) {
    const sendable: Message[] = [];
    for (const message of wave) {
      const group = message.Attributes?.MessageGroupId;
      if (targetFifo && group !== undefined && broken.has(group)) {
        fail(
          context,
          target,
          message,
          'send',
          'GroupOrder',
          'not sent: an earlier message of its FIFO group failed, so sending it would break the order',
        );
      } else if (targetFifo && group === undefined) {
        fail(
          context,
          target,
          message,
          'send',
          'MissingMessageGroupId',
          'not sent: the target is a FIFO queue and the message has no MessageGroupId',
        );
      } else {
        sendable.push(message);
      }
    }
    for (const chunk of bySize(sendable)) {
      const sent = await send(context, target, targetFifo, chunk, broken);
      if (sent.length > 0) await remove(context, target, sent);
    }
  }
}

/**
 * Splits messages, in order, into requests SQS accepts: a SendMessageBatch may carry 1 MiB in
 * all, so ten large messages need several requests (one too large alone is sent alone, and
 * SQS's answer for it is recorded like any failed entry).
 */
function bySize(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.Body ?? '') + attributesSize(message.MessageAttributes);
    if (current.length > 0 && bytes + size > SQS_MAX_MESSAGE_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Splits a batch into rounds holding the k-th message of every group (standard: one round). */
function waves(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  const seen = new Map<string, number>();
  for (const message of messages) {
    const group = message.Attributes?.MessageGroupId ?? '';
    const index = seen.get(group) ?? 0;
    seen.set(group, index + 1);
    const wave = out[index] ?? [];
    wave.push(message);
    out[index] = wave;
  }
  return out;
}

async function send(
  context: MoveContext,
  target: string,
  targetFifo: boolean,
  messages: readonly Message[],
  broken: Set<string>,
): Promise<Message[]> {
  const entries = messages.map((message, i) => entryFor(message, `m${i}`, targetFifo));
  const output = await context.client.send(
    // Never aborted half-way: whether an aborted send went out is unknown, and a stop should
    // leave every message either moved or in the DLQ, visible.
    new SendMessageBatchCommand({ QueueUrl: target, Entries: entries }),
  );
  const sent: Message[] = [];
  const ok = new Set((output?.Successful ?? []).map((entry) => entry.Id));
  const failed = new Map((output?.Failed ?? []).map((entry) => [entry.Id, entry]));
  messages.forEach((message, i) => {
    const id = `m${i}`;
    if (ok.has(id)) {
      sent.push(message);
      return;
    }
    // An entry in neither list was not confirmed: treat it as not sent, and keep it.
    const failure = failed.get(id);
    const group = message.Attributes?.MessageGroupId;
    if (group !== undefined) broken.add(group);
    fail(
      context,
      target,
      message,
      'send',
      failure?.Code ?? 'NotConfirmed',
      failure?.Message ?? 'SQS did not confirm the entry',
    );
  });
  return sent;
}

async function remove(
  context: MoveContext,
  target: string,
  messages: readonly Message[],
): Promise<void> {
  const output = await context.client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: context.dlqUrl,
      Entries: messages.map((message, i) => ({
        Id: `d${i}`,
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
    // Not the caller's signal: the messages are already sent; leaving them would duplicate them.
  );
  const failed = new Map((output?.Failed ?? []).map((entry) => [entry.Id, entry]));
  let deleted = 0;
  messages.forEach((message, i) => {
    const failure = failed.get(`d${i}`);
    if (failure === undefined) deleted += 1;
    else
      fail(
        context,
        target,
        message,
        'delete',
        failure.Code ?? 'Unknown',
        `sent, but not deleted from the dead-letter queue: ${failure.Message ?? ''}`,
      );
  });
  recordMoved(context.summary, target, deleted);
}

/**
 * The message as a send entry: body, attributes (Binary ones as bytes) and the trace header kept;
 * on a FIFO target its group and a deduplication id. The id comes from the DLQ message's own
 * MessageId, never from its original MessageDeduplicationId: a message that reached the DLQ
 * within 5 minutes of being sent would be taken for its own first send and dropped by SQS (while
 * the redrive deleted it from the DLQ). Sent again after a crash, the same id makes SQS drop it.
 * On a standard target the group id is kept too (fair queues); no deduplication exists there.
 */
export function entryFor(
  message: Message,
  id: string,
  targetFifo: boolean,
): SendMessageBatchRequestEntry {
  const entry: SendMessageBatchRequestEntry = { Id: id, MessageBody: message.Body ?? '' };
  const attributes = copyAttributes(message.MessageAttributes);
  if (attributes !== undefined) entry.MessageAttributes = attributes;
  const trace = message.Attributes?.AWSTraceHeader;
  if (trace !== undefined) {
    entry.MessageSystemAttributes = { AWSTraceHeader: { DataType: 'String', StringValue: trace } };
  }
  const group = message.Attributes?.MessageGroupId;
  if (group !== undefined) entry.MessageGroupId = group;
  if (targetFifo) entry.MessageDeduplicationId = `redrive-${message.MessageId ?? ''}`;
  return entry;
}

/** Only the fields SendMessage accepts (a received value may carry empty list fields). */
function copyAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (attributes === undefined || Object.keys(attributes).length === 0) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const copy: MessageAttributeValue = { DataType: value.DataType };
    if (value.StringValue !== undefined) copy.StringValue = value.StringValue;
    if (value.BinaryValue !== undefined) copy.BinaryValue = value.BinaryValue;
    Object.defineProperty(out, name, {
      value: copy,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function fail(
  context: MoveContext,
  target: string,
  message: Message,
  stage: 'send' | 'delete',
  code: string,
  text: string,
): void {
  recordError(context.summary, {
    messageId: message.MessageId ?? '',
    target,
    stage,
    code,
    message: text,
  });
}
