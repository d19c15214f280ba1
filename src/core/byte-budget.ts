/**
 * `maxInFlightBytes`: the bytes of a session's leased, unsettled messages. A message counts its
 * body and message attributes (as SQS counts them) from its receive, plus an S3 payload once the
 * large-payload decoder fetched it, until its lease ends. A receive is sent only if each message
 * it may return fits at SQS's largest size, so the budget holds however large the messages are.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { attributesSize } from '../shared/message-attributes.js';
import { SQS_MAX_MESSAGE_BYTES } from '../shared/sqs-limits.js';
import type { Lease } from './lease.js';

export class ByteBudget {
  /** Bytes counted per active lease; deleted when the lease ends. */
  private readonly sizes = new Map<Lease, number>();
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Bytes of leased, unsettled messages now. */
  get inUse(): number {
    return this.used;
  }

  /**
   * How many more messages receives may ask for, `reserved` being what receives in flight
   * asked for already: each may come back at SQS's 1 MiB maximum.
   */
  messagesThatFit(reserved: number): number {
    return Math.floor((this.limit - this.used) / SQS_MAX_MESSAGE_BYTES) - reserved;
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
