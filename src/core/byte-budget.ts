/**
 * `maxInFlightBytes`: the bytes of a session's leased, unsettled messages. A message counts its
 * body and message attributes (as SQS counts them) from its receive, plus an S3 payload once the
 * large-payload decoder fetched it, until its lease ends.
 *
 * A receive is sent only if the messages it asks for fit, each counted at the size estimate: the
 * largest message of recent receives (256 KiB, SQS's maximum before 2025, until the first answer). Counting every
 * message at 1 MiB would cap a queue of small messages at a dozen receives in flight under the
 * default budget, which is what a distant endpoint needs more of; the estimate jumps to the
 * largest message as soon as one arrives, so only the receives already in flight when messages
 * suddenly grow can bring more than counted.
 *
 * Receives in flight together may bring at most an eighth of the budget (at least one receive):
 * each answer is held several times over while the SDK reads and parses it (the raw bytes, the
 * JSON text, the bodies, the MD5 check), and V8 frees those copies late, so parallel receives of
 * large messages cost far more memory than the messages themselves. Small messages never reach
 * this cap.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { attributesSize } from '../shared/message-attributes.js';
import type { Lease } from './lease.js';

/** The estimate never drops below this: the attributes alone of a message take some bytes. */
const MIN_ESTIMATE_BYTES = 1024;
/**
 * Before the first answer: what most queues' messages stay under. A stream starts with one
 * receive, so only a fixed `concurrentReceives` sends several before the estimate is known.
 */
const INITIAL_ESTIMATE_BYTES = 256 * 1024;

export class ByteBudget {
  /** Bytes counted per active lease; deleted when the lease ends. */
  private readonly sizes = new Map<Lease, number>();
  private used = 0;
  /** Bytes a message a receive asks for is counted at; see the file comment. */
  private estimate = INITIAL_ESTIMATE_BYTES;
  /** What receives in flight together may bring. */
  private readonly receiveCap: number;

  constructor(private readonly limit: number) {
    this.receiveCap = limit / 8;
  }

  /** Bytes of leased, unsettled messages now. */
  get inUse(): number {
    return this.used;
  }

  /** Bytes each message a receive asks for is counted at now. */
  get messageEstimate(): number {
    return this.estimate;
  }

  /**
   * How many more messages receives may ask for, `reserved` being what receives in flight
   * asked for already, each counted at the size estimate. With nothing in flight, the receive cap
   * does not apply: one receive always fits it.
   */
  messagesThatFit(reserved: number): number {
    const budget = Math.floor((this.limit - this.used) / this.estimate) - reserved;
    if (reserved === 0) return budget;
    return Math.min(budget, Math.floor(this.receiveCap / this.estimate) - reserved);
  }

  /**
   * How many receives of `batchSize` messages the receive cap lets run at once (at least one).
   * Loops beyond it would only wait for bytes while their slots hold room for messages that
   * cannot come, and an answer buffered ahead is held on top of the one being parsed.
   */
  receivesAtOnce(batchSize: number): number {
    return Math.max(1, Math.floor(this.receiveCap / (this.estimate * batchSize)));
  }

  /**
   * A receive answered; `largest` is its largest message in bytes (0 if empty). The estimate
   * follows a larger message at once and halves towards smaller ones, so one small answer does
   * not undo what a large one showed.
   */
  observe(largest: number): void {
    if (largest <= 0) return;
    this.estimate = Math.max(MIN_ESTIMATE_BYTES, largest, Math.floor(this.estimate / 2));
  }

  /** Counts `bytes` more for a lease; a lease that already ended is not counted (it is gone). */
  add(lease: Lease, bytes: number): void {
    if (!lease.active || !(bytes > 0)) return;
    this.sizes.set(lease, (this.sizes.get(lease) ?? 0) + bytes);
    this.used += bytes;
  }

  /** The lease ended: its bytes are free. */
  release(lease: Lease): void {
    const bytes = this.sizes.get(lease);
    if (bytes === undefined) return;
    this.sizes.delete(lease);
    this.used -= bytes;
  }
}

/**
 * A received message's size as SQS counts it against its 1 MiB limit: the body's UTF-8 bytes
 * plus each message attribute's name, data type and value.
 */
export function messageBytes(message: Message): number {
  const body = message.Body === undefined ? 0 : Buffer.byteLength(message.Body);
  return body + attributesSize(message.MessageAttributes);
}
