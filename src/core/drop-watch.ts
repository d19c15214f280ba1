/**
 * Watches handed-out messages for one garbage-collected unsettled: nobody can ack or nack it any
 * more, and its lease would otherwise be extended until maxExtend while holding a maxInFlight
 * slot. The session releases such a lease (reason `dropped`).
 */
import type { Logger } from '../shared/logger.js';
import type { Lease } from './lease.js';
import type { LeasedMessage } from './leased-message.js';

export class DropWatch {
  private readonly registry: FinalizationRegistry<Lease>;

  /** `onDropped` may run late: after the lease ended some other way, or the session is over. */
  constructor(onDropped: (lease: Lease) => void) {
    this.registry = new FinalizationRegistry(onDropped);
  }

  watch(message: LeasedMessage, lease: Lease): void {
    // Held value and token are the lease, which never points back at the message (or the
    // message could not be collected); the token is held weakly.
    this.registry.register(message, lease, lease);
  }

  unwatch(lease: Lease): void {
    this.registry.unregister(lease);
  }
}

/** The first drop of a stream warns with the likely cause; later ones log at DEBUG. */
export function logDropped(logger: Logger, first: boolean, fields: Record<string, unknown>): void {
  if (first) {
    logger.warn(
      'message dropped without ack() or nack(); released. Settle every message you take from ' +
        'the stream, e.g. nack() the ones an ix filter() leaves out (later ones log at DEBUG)',
      fields,
    );
  } else {
    logger.debug('message dropped without ack() or nack(); released', fields);
  }
}
