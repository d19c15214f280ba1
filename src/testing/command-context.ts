/** The seam between the in-memory SQS and the files of its command handlers. */
import type { Clock } from './clock.js';
import type { InMemoryQueue, StoredMessage } from './in-memory-queue.js';

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
