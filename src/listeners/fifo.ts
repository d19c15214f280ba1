/**
 * FIFO order across a failure, shared by both listeners. Order applies only to FIFO queues: on a
 * standard queue a MessageGroupId (fair queues) only spreads load, and messages run freely.
 */
import { type LeasedMessage, messageOrigin } from '../core/leased-message.js';
import { monotonicNow } from '../shared/timing.js';

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
 * FIFO, batch mode: a batch holding messages of a group runs only after every earlier batch
 * holding that group has finished, so two batches never run one group's messages out of order.
 */
export class GroupTurns {
  private readonly last = new Map<string, Promise<void>>();

  /** Waits for this batch's turn; call the returned function when it is done. */
  async acquire(groups: ReadonlySet<string>): Promise<() => void> {
    if (groups.size === 0) return () => {};
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const before: Promise<void>[] = [];
    for (const group of groups) {
      const previous = this.last.get(group);
      if (previous) before.push(previous);
      this.last.set(group, mine);
    }
    await Promise.all(before);
    return () => {
      for (const group of groups) if (this.last.get(group) === mine) this.last.delete(group);
      done();
    };
  }
}
