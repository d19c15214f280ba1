/**
 * One iteration of `sqsMessages()`: leases what its receiver gets, hands messages to the
 * consumer on demand, settles them in batches and, when the iteration ends, gives back what was
 * never handed out. Its lifecycle is one state value (see session-state.ts).
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { ReceiveError } from '../shared/errors.js';
import { monotonicNow, Wakeup } from '../shared/timing.js';
import { messageBytes } from './byte-budget.js';
import { DropWatch, logDropped } from './drop-watch.js';
import type { EventHub, ReleaseReason } from './events.js';
import { Lease } from './lease.js';
import { LeaseManager } from './lease-manager.js';
import { LeasedMessage, type MessageOrigin } from './leased-message.js';
import type { QueueAttributes } from './queue-info.js';
import { Receiver } from './receiver.js';
import {
  checkSessionTransition,
  expectState,
  type SessionState,
  type SessionStateKind,
} from './session-state.js';
import { SessionSettler } from './settler.js';
import { unwrapSnsEnvelope } from './sns-envelope.js';
import type { StreamStats } from './stats.js';
import type { StreamConfig } from './stream-config.js';

export interface SessionDeps {
  client: SQSClient;
  /** Destroy the client when the session is over (it was built by us). */
  ownsClient: boolean;
  signals: AbortSignal[];
  /** The stream's events, shared by every iteration. */
  events: EventHub;
  /** The stream's counters (read only here: what was counted so far). */
  stats: Readonly<StreamStats>;
  /** The queue's FIFO flag and redrive policy, shared by every iteration of the stream. */
  queue: QueueAttributes;
  onClosed: () => void;
}

const DONE: Promise<void> = Promise.resolve();

export class ReceiveSession implements AsyncIterableIterator<LeasedMessage> {
  private state: SessionState = { kind: 'receiving' };
  /** Resolves once the session is closed: everything it handed out settled and flushed. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  /** A fatal receive error, reported once by `next()`. */
  private failure: ReceiveError | undefined;
  private readonly buffer: Buffered[] = [];
  /** Leases handed out and not yet settled. */
  private readonly held = new Set<Lease>();
  /** Handed-out messages, to release the lease of one collected unsettled. */
  private readonly dropped = new DropWatch((lease) => this.releaseDropped(lease));
  private readonly receiver: Receiver;
  private readonly leases: LeaseManager;
  private readonly settler: SessionSettler;
  /** Aborts retry sleeps of settle requests when the session is closed for good. */
  private readonly teardown = new AbortController();
  private readonly messageReady = new Wakeup();
  // Abort starts the stop at once (release the buffer, arm the shutdown deadline), even when
  // the consumer is busy and does not call next() again.
  private readonly onAbort = () => {
    void this.stop();
  };

  constructor(
    private readonly config: StreamConfig,
    private readonly deps: SessionDeps,
  ) {
    const { queueUrl, logger } = config;
    const { events } = deps;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.settler = new SessionSettler(
      config,
      deps.client,
      events,
      {
        leaseEnded: (lease) => this.leaseEnded(lease),
        nothingHeld: () => this.held.size === 0,
        lastUseMs: (lease) => this.leases.lastUseMs(lease),
        loseIfExpired: (lease) => this.leases.loseIfExpired(lease),
      },
      this.teardown.signal,
    );
    this.leases = new LeaseManager({
      queueUrl,
      visibilitySecs: config.visibilitySecs,
      maxExtendSecs: config.maxExtend,
      visibilityQueue: this.settler.visibility,
      logger,
      onLost: (lease, error) => {
        events.lost(lease, error);
        this.leaseEnded(lease);
      },
      onExtended: (lease, timeoutSecs) => events.extended(lease, timeoutSecs),
      onExtendFailed: (lease, error) => events.settleFailed(lease, 'extend', error),
    });
    this.receiver = new Receiver(config, {
      client: deps.client,
      queue: deps.queue,
      events,
      host: {
        accept: (messages, receivedAtMs, origin) => this.accept(messages, receivedAtMs, origin),
        bufferEmpty: () => this.buffer.length === 0,
        buffered: () => this.buffer.length,
        failed: (error) => this.failed(error),
      },
    });
    let aborted = false;
    for (const signal of deps.signals) {
      if (signal.aborted) aborted = true;
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
    if (aborted) void this.stop();
    else this.receiver.start();
  }

  /** Leased, unsettled messages of this iteration (buffered or handed out). */
  get inFlight(): number {
    return this.receiver.inFlight;
  }

  /** Their bytes, as maxInFlightBytes counts them. */
  get bytesInFlight(): number {
    return this.receiver.bytes.inUse;
  }

  /** Received and not handed out yet (a lease lost while buffered waits here to be skipped). */
  get buffered(): number {
    let n = 0;
    for (const { lease } of this.buffer) if (lease.state === 'buffered') n++;
    return n;
  }

  // ---- AsyncIterator -------------------------------------------------------------------------

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<LeasedMessage>> {
    for (;;) {
      // Once the session stops, what no consumer got yet is released, not handed out.
      if (this.state.kind !== 'receiving') {
        await this.stop();
        const failure = this.failure;
        if (failure) {
          // Report a fatal error once; later calls see a plain end.
          this.failure = undefined;
          throw failure;
        }
        return { value: undefined, done: true };
      }
      const next = this.takeBuffered();
      if (next) {
        next.lease.handOut();
        this.held.add(next.lease);
        this.dropped.watch(next.message, next.lease);
        this.deps.events.handedOut(next.lease);
        return { value: next.message, done: false };
      }
      // A waiting consumer may start a receive for fewer than batchSize free slots.
      this.receiver.setConsumerWaiting(true);
      await this.messageReady.wait();
      this.receiver.setConsumerWaiting(false);
    }
  }

  async return(): Promise<IteratorResult<LeasedMessage>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  // ---- receiving ----------------------------------------------------------------------------

  private accept(messages: Message[], receivedAtMs: number, origin: MessageOrigin): number {
    let count = 0;
    let largest = 0;
    for (const raw of messages) {
      if (!raw.ReceiptHandle || !raw.MessageId) continue;
      const { visibilitySecs } = this.config;
      const lease = new Lease(raw.MessageId, raw.ReceiptHandle, receivedAtMs, visibilitySecs);
      const message = new LeasedMessage(raw, lease, this.settler, origin);
      // Synchronous JSON work, so a `for await` consumer gets the published message.
      if (this.config.envelope) unwrapSnsEnvelope(message, this.config.envelope);
      this.buffer.push({ lease, message });
      this.leases.track(lease);
      const bytes = messageBytes(raw);
      if (bytes > largest) largest = bytes;
      this.receiver.bytes.add(lease, bytes);
      count++;
    }
    this.receiver.bytes.observe(largest);
    if (messages.length > 0) this.messageReady.wake();
    return count;
  }

  private takeBuffered(): Buffered | undefined {
    for (;;) {
      const next = this.buffer.shift();
      if (!next) return undefined;
      // A buffered lease can be lost (its visibility ran out while nobody asked for it): skip it.
      if (next.lease.state === 'buffered') return next;
    }
  }

  private failed(error: ReceiveError): void {
    this.failure = error;
    void this.stop();
  }

  // ---- lease endings ------------------------------------------------------------------------

  /**
   * Bookkeeping when a lease stops being the stream's responsibility: settled by the consumer,
   * lost (its signal aborted already), or released by the stream.
   */
  private leaseEnded(lease: Lease): void {
    this.leases.untrack(lease);
    this.held.delete(lease);
    this.dropped.unwatch(lease);
    this.receiver.slotFreed(lease);
    if (this.state.kind === 'awaitingHeld' && this.held.size === 0) void this.flushAndClose();
  }

  private release(lease: Lease, why: ReleaseReason): void {
    this.settler.release(lease, why, this.receiver.releaseVisibilitySecs());
  }

  /** A handed-out message was garbage-collected unsettled (see DropWatch). */
  private releaseDropped(lease: Lease): void {
    // A finalizer can run late: after the lease ended some other way, or the session is over.
    if (this.state.kind === 'closed' || lease.state !== 'held') return;
    const { logger, queueUrl } = this.config;
    logDropped(logger, this.deps.stats.dropped === 0, { messageId: lease.messageId, queueUrl });
    this.release(lease, 'dropped');
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /**
   * Stops receiving and starts the hand-off; idempotent. Resolves when the hand-off is done
   * (buffer released, settles flushed) and, when nothing was held then, the session closed.
   */
  private stop(): Promise<void> {
    const { state } = this;
    if (state.kind === 'receiving') {
      const stoppedAtMs = monotonicNow();
      this.removeAbortListeners();
      this.receiver.stop(stoppedAtMs);
      this.messageReady.wake();
      // handOff() awaits before it reads the state: the state below is set before it goes on.
      const handoff = this.handOff();
      this.moveTo({ kind: 'stopping', stoppedAtMs, handoff });
      return handoff;
    }
    return state.kind === 'closed' ? DONE : state.handoff;
  }

  private async handOff(): Promise<void> {
    // Receives already answered may still add to the buffer: wait for every loop to end first.
    await this.receiver.stopped();
    // Give back what was received but never handed out, so another consumer gets it at once.
    for (const { lease } of this.buffer.splice(0)) {
      if (lease.state === 'buffered') this.release(lease, 'neverHandedOut');
    }
    await this.settler.flush();
    const { handoff, stoppedAtMs } = this.stateAs('stopping');
    const holding = this.held.size > 0;
    const deadline = holding ? this.armDeadline(stoppedAtMs) : undefined;
    this.moveTo({ kind: 'awaitingHeld', handoff, deadline });
    if (!holding) await this.flushAndClose();
  }

  /** Releases what is still held once shutdownTimeout has passed since the stop, if finite. */
  private armDeadline(stoppedAtMs: number): NodeJS.Timeout | undefined {
    if (!Number.isFinite(this.config.shutdownTimeout)) return undefined;
    // Counted from the stop, not from here: with openPollsOnStop 'finish' the polls took part
    // of the budget already.
    const leftMs = stoppedAtMs + this.config.shutdownTimeout * 1000 - monotonicNow();
    return setTimeout(() => this.releaseHeld(), Math.max(0, leftMs));
  }

  /** The shutdown deadline passed: abort the handed-out leases and give their messages back. */
  private releaseHeld(): void {
    for (const lease of [...this.held]) this.release(lease, 'shutdownDeadline');
    this.settler.sendNow();
  }

  private async flushAndClose(): Promise<void> {
    const { handoff, deadline } = this.stateAs('awaitingHeld');
    clearTimeout(deadline);
    this.moveTo({ kind: 'flushing', handoff });
    await this.settler.flush();
    this.moveTo({ kind: 'closed' });
    this.leases.stop();
    this.teardown.abort();
    if (this.deps.ownsClient) this.deps.client.destroy();
    this.resolveClosed();
    this.deps.onClosed();
  }

  /** The one place the state changes: an illegal move throws an internal error. */
  private moveTo(next: SessionState): void {
    checkSessionTransition(this.state.kind, next.kind);
    this.state = next;
  }

  private stateAs<K extends SessionStateKind>(kind: K): Extract<SessionState, { kind: K }> {
    return expectState(this.state, kind);
  }

  private removeAbortListeners(): void {
    for (const signal of this.deps.signals) signal.removeEventListener('abort', this.onAbort);
  }
}

interface Buffered {
  lease: Lease;
  message: LeasedMessage;
}
