/**
 * One queue of the in-memory SQS: its messages and SQS's rules for them (visibility, receipt
 * handles, FIFO group order and locking, redrive, the 12-hour limit). Time is passed in by the
 * caller, so the queue itself holds no timers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/sqs-limits.js';

/** FIFO queues drop a second send with the same deduplication id within 5 minutes. */
const DEDUP_WINDOW_MS = 5 * 60_000;

/** Where a message is, as the queue sees it now. */
export type MessageState = 'visible' | 'delayed' | 'inFlight';

/** A message as the in-memory SQS stores it. */
export interface StoredMessage {
  messageId: string;
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  sentAtMs: number;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  receiveCount: number;
  firstReceiveAtMs?: number;
  /** Before this time the message is delayed (never received) or in flight (received). */
  visibleAtMs: number;
  /** The handle of the latest receive; earlier handles are no longer valid. */
  receiptHandle?: string;
  receivedAtMs?: number;
}

/** Queue attributes the in-memory SQS understands. */
export interface QueueSettings {
  name: string;
  url: string;
  arn: string;
  fifo: boolean;
  visibilityTimeoutSecs: number;
  delaySecs: number;
  receiveWaitTimeSecs: number;
  contentBasedDeduplication: boolean;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** A per-entry failure, as batch responses report it. */
export interface EntryError {
  code: string;
  message: string;
}

export interface EnqueueInput {
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  delaySecs?: number;
  groupId?: string;
  deduplicationId?: string;
}

export class InMemoryQueue {
  /** Messages not deleted and not moved to a DLQ, in send order. */
  readonly messages: StoredMessage[] = [];
  /** Messages deleted by a consumer, in the order they were deleted. */
  readonly deleted: StoredMessage[] = [];
  private readonly byHandle = new Map<string, StoredMessage>();
  /** Handles of deleted messages: deleting again with them succeeds, as on SQS. */
  private readonly deletedHandles = new Set<string>();
  private readonly dedup = new Map<string, { messageId: string; atMs: number }>();
  private sequence = 0;

  constructor(readonly settings: QueueSettings) {}

  stateOf(message: StoredMessage, nowMs: number): MessageState {
    if (message.visibleAtMs <= nowMs) return 'visible';
    return message.receiptHandle === undefined ? 'delayed' : 'inFlight';
  }

  /** Stores a message; returns its id (the earlier id for a FIFO duplicate within 5 minutes). */
  enqueue(input: EnqueueInput, nowMs: number): { messageId: string; sequenceNumber?: string } {
    let deduplicationId = input.deduplicationId;
    if (this.settings.fifo) {
      if (deduplicationId === undefined && this.settings.contentBasedDeduplication) {
        deduplicationId = createHash('sha256').update(input.body).digest('hex');
      }
      const earlier = deduplicationId === undefined ? undefined : this.dedup.get(deduplicationId);
      if (earlier && nowMs - earlier.atMs < DEDUP_WINDOW_MS)
        return { messageId: earlier.messageId };
    }
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      messageAttributes: input.messageAttributes ?? {},
      sentAtMs: nowMs,
      receiveCount: 0,
      visibleAtMs: nowMs + (input.delaySecs ?? this.settings.delaySecs) * 1000,
    };
    // Standard queues keep a group id too: fair queues (2025) return it, with no order.
    if (input.groupId !== undefined) message.groupId = input.groupId;
    if (this.settings.fifo) {
      message.deduplicationId = deduplicationId;
      message.sequenceNumber = String(++this.sequence).padStart(20, '0');
      if (deduplicationId !== undefined) {
        this.dedup.set(deduplicationId, { messageId: message.messageId, atMs: nowMs });
      }
    }
    this.messages.push(message);
    return message.sequenceNumber === undefined
      ? { messageId: message.messageId }
      : { messageId: message.messageId, sequenceNumber: message.sequenceNumber };
  }

  /** Adds a message moved here by a redrive policy; it keeps its id, body and receive count. */
  adopt(message: StoredMessage, nowMs: number): void {
    this.messages.push({
      ...message,
      receiptHandle: undefined,
      receivedAtMs: undefined,
      visibleAtMs: nowMs,
    });
  }

  /**
   * Receives up to `max` messages, each with a new receipt handle. A message that was received
   * `maxReceiveCount` times already is handed to `deadLetter` instead (SQS redrives on receive).
   * FIFO: a group with a message in flight is skipped; messages of a group come in order.
   */
  receive(
    max: number,
    visibilitySecs: number,
    nowMs: number,
    deadLetter: ((message: StoredMessage) => boolean) | undefined,
  ): StoredMessage[] {
    const taken: StoredMessage[] = [];
    const blockedGroups = new Set<string>();
    if (this.settings.fifo) {
      for (const m of this.messages) {
        if (this.stateOf(m, nowMs) !== 'visible') blockedGroups.add(m.groupId ?? '');
      }
    }
    const maxReceiveCount = this.settings.redrive?.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    for (const message of [...this.messages]) {
      if (taken.length >= max) break;
      if (this.settings.fifo && blockedGroups.has(message.groupId ?? '')) continue;
      if (this.stateOf(message, nowMs) !== 'visible') continue;
      if (message.receiveCount >= maxReceiveCount && deadLetter?.(message)) {
        this.remove(message);
        continue;
      }
      if (message.receiptHandle !== undefined) this.byHandle.delete(message.receiptHandle);
      message.receiptHandle = `${randomUUID()}#${message.messageId}`;
      message.receiveCount++;
      message.firstReceiveAtMs ??= nowMs;
      message.receivedAtMs = nowMs;
      message.visibleAtMs = nowMs + visibilitySecs * 1000;
      this.byHandle.set(message.receiptHandle, message);
      taken.push(message);
    }
    return taken;
  }

  /** Deletes by receipt handle; an outdated or unknown handle fails (a deleted one succeeds). */
  deleteByHandle(receiptHandle: string): EntryError | undefined {
    if (this.deletedHandles.has(receiptHandle)) return undefined;
    const message = this.byHandle.get(receiptHandle);
    if (!message) return invalidHandle(receiptHandle);
    this.remove(message);
    this.deleted.push(message);
    this.deletedHandles.add(receiptHandle);
    return undefined;
  }

  /** Sets a message's visibility from now, within SQS's 12-hour limit. */
  changeVisibility(
    receiptHandle: string,
    timeoutSecs: unknown,
    nowMs: number,
  ): EntryError | undefined {
    if (
      typeof timeoutSecs !== 'number' ||
      !Number.isInteger(timeoutSecs) ||
      timeoutSecs < 0 ||
      timeoutSecs > SQS_MAX_VISIBILITY_SECONDS
    ) {
      return {
        code: 'InvalidParameterValue',
        message: `Value ${String(timeoutSecs)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and ${SQS_MAX_VISIBILITY_SECONDS}.`,
      };
    }
    const message = this.byHandle.get(receiptHandle);
    if (!message) return invalidHandle(receiptHandle);
    if (this.stateOf(message, nowMs) !== 'inFlight') {
      return {
        code: 'MessageNotInflight',
        message: 'Message does not exist or is not available for visibility timeout change.',
      };
    }
    // SQS counts the 12 hours from the receive, not from the last extension.
    if (
      nowMs + timeoutSecs * 1000 >
      (message.receivedAtMs ?? nowMs) + SQS_MAX_VISIBILITY_SECONDS * 1000
    ) {
      return {
        code: 'InvalidParameterValue',
        message: `Value ${timeoutSecs} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${SQS_MAX_VISIBILITY_SECONDS} seconds]`,
      };
    }
    message.visibleAtMs = nowMs + timeoutSecs * 1000;
    return undefined;
  }

  /** Whether a receive now would return something (FIFO: from a group with nothing in flight). */
  hasReceivable(nowMs: number): boolean {
    if (!this.settings.fifo) return this.messages.some((m) => m.visibleAtMs <= nowMs);
    const blocked = new Set<string>();
    for (const m of this.messages) {
      const group = m.groupId ?? '';
      if (blocked.has(group)) continue;
      if (m.visibleAtMs <= nowMs) return true;
      blocked.add(group);
    }
    return false;
  }

  /** The next time a message becomes visible, if any is delayed or in flight. */
  nextVisibleAtMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const m of this.messages) {
      if (m.visibleAtMs > nowMs && (next === undefined || m.visibleAtMs < next))
        next = m.visibleAtMs;
    }
    return next;
  }

  count(state: MessageState, nowMs: number): number {
    return this.messages.filter((m) => this.stateOf(m, nowMs) === state).length;
  }

  /** A message as ReceiveMessage returns it, with the attributes the request asked for. */
  toSdkMessage(
    message: StoredMessage,
    systemNames: readonly string[],
    attributeNames: readonly string[],
  ): Message {
    const out: Message = {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle,
      MD5OfBody: createHash('md5').update(message.body).digest('hex'),
      Body: message.body,
    };
    const system: Record<string, string | undefined> = {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAtMs),
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveAtMs ?? message.sentAtMs),
      SenderId: 'AIDAINMEMORYSQS',
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.deduplicationId,
      SequenceNumber: message.sequenceNumber,
    };
    const all = systemNames.includes('All');
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(system)) {
      if (value !== undefined && (all || systemNames.includes(name))) attributes[name] = value;
    }
    if (Object.keys(attributes).length > 0) out.Attributes = attributes;
    const wanted = Object.entries(message.messageAttributes).filter(([name]) =>
      attributeNames.some(
        (pattern) =>
          pattern === 'All' ||
          pattern === '.*' ||
          pattern === name ||
          (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
      ),
    );
    if (wanted.length > 0) out.MessageAttributes = Object.fromEntries(wanted);
    return out;
  }

  private remove(message: StoredMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
    if (message.receiptHandle !== undefined) this.byHandle.delete(message.receiptHandle);
  }
}

function invalidHandle(receiptHandle: string): EntryError {
  return {
    code: 'ReceiptHandleIsInvalid',
    message: `The input receipt handle "${receiptHandle}" is not a valid receipt handle (outdated: each receive issues a new one).`,
  };
}
