/**
 * A handle's events: the stream's own events (see `StreamEventMap`) plus `error` and `stopped`.
 * Listeners may subscribe before `start()`, when the stream does not exist yet; the handle
 * subscribes to the stream only for events somebody listens to (an event nobody listens to
 * costs the stream nothing), and every subscription ends when the listener has stopped.
 */

import type { StreamEventMap, StreamEventName, Unsubscribe } from '../core/events.js';
import type { SqsMessageStream } from '../core/sqs-messages.js';
import { toError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ListenerReport } from './listener-run.js';

/** The events of a {@link ListenerHandle}: every stream event, plus the listener's own two. */
export interface ListenerEventMap extends StreamEventMap {
  /** The listener failed for good (a fatal receive error such as bad credentials): it stops. */
  error: Error;
  /** The listener has fully stopped, for whatever reason; the same report `drained` holds. */
  stopped: ListenerReport;
}

/** The name of a listener handle event. */
export type ListenerEventName = keyof ListenerEventMap;

/** A listener of one handle event; it runs synchronously, and a throw is logged, not rethrown. */
export type ListenerEventListener<K extends ListenerEventName> = (
  event: ListenerEventMap[K],
) => void;

type AnyListener = (event: unknown) => void;

const OWN_EVENTS: ReadonlySet<ListenerEventName> = new Set(['error', 'stopped']);

/** The subscriptions of one handle. */
export class HandleEvents {
  private readonly listeners = new Map<ListenerEventName, Set<AnyListener>>();
  /** The handle's subscriptions to its stream, one per stream event somebody listens to. */
  private readonly fromStream = new Map<StreamEventName, Unsubscribe>();
  private stream: SqsMessageStream | undefined;
  private ended = false;

  constructor(private readonly logger: () => Logger) {}

  on<K extends ListenerEventName>(name: K, listener: ListenerEventListener<K>): Unsubscribe {
    if (typeof listener !== 'function') {
      throw new TypeError(`The listener of event ${String(name)} is not a function`);
    }
    const unsubscribe = () => this.off(name, listener);
    // After the end nothing will be emitted: keeping the function would only leak it.
    if (this.ended) return unsubscribe;
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as AnyListener);
    if (this.stream && !OWN_EVENTS.has(name)) this.subscribe(name as StreamEventName);
    return unsubscribe;
  }

  off<K extends ListenerEventName>(name: K, listener: ListenerEventListener<K>): void {
    const set = this.listeners.get(name);
    if (!set?.delete(listener as AnyListener) || set.size > 0) return;
    this.listeners.delete(name);
    // The last listener left: stop paying for the event in the stream.
    const unsubscribe = this.fromStream.get(name as StreamEventName);
    this.fromStream.delete(name as StreamEventName);
    unsubscribe?.();
  }

  /** The stream exists (at `start()`): subscribe to it for the events listened to so far. */
  attach(stream: SqsMessageStream): void {
    this.stream = stream;
    for (const name of this.listeners.keys()) {
      if (!OWN_EVENTS.has(name)) this.subscribe(name as StreamEventName);
    }
  }

  emit<K extends ListenerEventName>(name: K, event: ListenerEventMap[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    // A copy: a listener that unsubscribes itself must not make the loop skip the next one.
    for (const listener of [...set]) {
      try {
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch((error) => this.failed(name, error));
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  /** The listener has stopped: every subscription ends, to the stream and of the user's. */
  end(): void {
    this.ended = true;
    for (const unsubscribe of this.fromStream.values()) unsubscribe();
    this.fromStream.clear();
    this.listeners.clear();
    this.stream = undefined;
  }

  /** How many listeners are subscribed (tests check that none is left after stop). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n + this.fromStream.size;
  }

  private subscribe(name: StreamEventName): void {
    if (!this.stream || this.fromStream.has(name)) return;
    this.fromStream.set(
      name,
      this.stream.on(name, (event) => this.emit(name, event)),
    );
  }

  private failed(name: ListenerEventName, error: unknown): void {
    this.logger().error('a listener event handler threw; the listener goes on', {
      event: name,
      error: toError(error),
    });
  }
}
