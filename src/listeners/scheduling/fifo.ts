/**
 * FIFO order across a failure, shared by both listeners' schedulers. Order applies only to FIFO
 * queues: on a standard queue a MessageGroupId (fair queues) only spreads load, and messages run
 * freely.
 */
import { type LeasedMessage, messageOrigin } from '../../core/leased-message.js';
import { monotonicNow } from '../../shared/timing.js';
import type { PipelineContext } from '../pipeline.js';

/** The message's FIFO group, or `undefined` when no order applies to it. */
export function fifoGroupOf(message: LeasedMessage): string | undefined {
  const group = message.groupId;
  if (group === undefined) return undefined;
  const origin = message[messageOrigin];
  // A message not received by sqsMessages() has no origin: keep its group's order to be safe.
  return origin === undefined || origin.queue.fifo ? group : undefined;
}

function sequenceOf(message: LeasedMessage): bigint | undefined {
  const sequence = message.sequenceNumber;
  if (sequence === undefined || !/^\d+$/.test(sequence)) return undefined;
  return BigInt(sequence);
}

/**
 * Groups whose message failed and was given back. SQS redelivers a FIFO group from that message,
 * so the group's later messages already received must not run before it: they are given back
 * too, however long the failed message takes to return.
 *
 * The group is whole again when the failed message comes back (its sequence number is not
 * later), or when a receive sent after the failure returns the group: SQS hands a group out only
 * from its head, so that message is the head now (the failed one went to the DLQ, say). Without
 * that second rule, a message redriven away would make every later message of its group bounce
 * until it too reached the DLQ.
 */
export class BrokenGroups {
  private readonly failures = new Map<string, { sequence: bigint | undefined; atMs: number }>();

  failed(message: LeasedMessage, group: string): void {
    const sequence = sequenceOf(message);
    const earlier = this.failures.get(group);
    if (earlier === undefined) {
      this.failures.set(group, { sequence, atMs: monotonicNow() });
      return;
    }
    // Several failures in one group (a batch): SQS redelivers from the earliest of them.
    if (sequence !== undefined && earlier.sequence !== undefined && sequence < earlier.sequence) {
      earlier.sequence = sequence;
    }
  }

  /** Whether `message` must be given back unhandled; forgets the failure once the group is whole. */
  mustRelease(message: LeasedMessage, group: string): boolean {
    const failure = this.failures.get(group);
    if (failure === undefined) return false;
    const origin = message[messageOrigin];
    const receivedBefore = origin === undefined || origin.receiveSentAtMs < failure.atMs;
    const sequence = sequenceOf(message);
    const later =
      sequence === undefined || failure.sequence === undefined || sequence > failure.sequence;
    if (receivedBefore && later) return true;
    this.failures.delete(group);
    return false;
  }
}

/**
 * Gives back a message that will not be handled because an earlier message of its FIFO group
 * failed. Resolves once the release is queued; never rejects. Callers do not await releases
 * one by one: the releases of a batch share one batched request.
 */
export function releaseUnhandled(message: LeasedMessage, context: PipelineContext): Promise<void> {
  context.result.released++;
  // DEBUG: the failure that caused it is logged at WARN/ERROR; INFO is for the lifecycle.
  context.policy.logger.debug('released unhandled: an earlier message of its FIFO group failed', {
    messageId: message.messageId,
    groupId: message.groupId,
  });
  return message.nack({ delaySeconds: 0 }).catch(() => {});
}
