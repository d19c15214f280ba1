/**
 * One iteration of `sqsMessages()`: polls SQS, leases what it receives, hands messages to the
 * consumer on demand, settles them in batches and, when the iteration ends, gives back what was
 * never handed out.
 */
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  CREDENTIALS_ATTEMPTS,
  classifyReceiveFailure,
  isAbortError,
  ReceiveError,
  toError,
} from '../shared/errors.js';
import { backoffMs, monotonicNow, sleep, Wakeup } from '../shared/timing.js';
import { Lease } from './lease.js';
import { LeaseManager } from './lease-manager.js';
import { LeasedMessage, type MessageOrigin } from './leased-message.js';
import type { QueueAttributes } from './queue-info.js';
import { SessionSettler } from './settler.js';
import type { StreamStats } from './stats.js';
import type { StreamConfig } from './stream-config.js';

export interface SessionDeps {
  client: SQSClient;
  /** Destroy the client when the session is over (it was built by us). */
  ownsClient: boolean;
  signals: AbortSignal[];
  stats: StreamStats;
  /** The queue's FIFO flag and redrive policy, shared by every iteration of the stream. */
  queue: QueueAttributes;
  onDisposed: () => void;
}

const RECEIVE_BACKOFF_BASE_MS = 250;
const RECEIVE_BACKOFF_CAP_MS = 20_000;
/** A receive younger than this when the iteration ends is left to finish (see receiveAbort). */
const RECEIVE_ABORT_GRACE_MS = 300;

export class ReceiveSession implements AsyncIterableIterator<LeasedMessage> {
  private readonly buffer: Buffered[] = [];
  /** Leases handed out and not yet settled. */
  private readonly held = new Set<Lease>();
  /** Handed-out messages, to release the lease of one collected unsettled (see releaseDropped). */
  private readonly dropped = new FinalizationRegistry<Lease>((lease) => this.releaseDropped(lease));
  private readonly leases: LeaseManager;
  private readonly settler: SessionSettler;
  /** Aborts in-flight receives and poller sleeps when the iteration ends. */
  private readonly receiving = new AbortController();
  /** Aborts retry sleeps of settle requests when the session is disposed for good. */
  private readonly teardown = new AbortController();
  private readonly messageReady = new Wakeup();
  private readonly slotsChanged = new Wakeup();
  // Abort starts the drain at once (release the buffer, arm the shutdown deadline), even when
  // the consumer is busy and does not call next() again.
  private readonly onAbort = () => {
    this.end();
    void this.finish();
  };
  private pollers: Promise<void>[] = [];
  /** Leases buffered or held: what maxInFlight counts. */
  private unsettled = 0;
  /** Slots promised to receives in flight. */
  private reserved = 0;
  private consumerWaiting = false;
  private ending = false;
  private fatal: ReceiveError | undefined;
  /**
   * Until when (ms) a long poll we aborted may still be open on the server: SQS does not cancel
   * it when the client goes away, and it would receive (and lose for a visibility timeout) any
   * message that becomes visible, including the ones this session releases.
   */
  private abortedPollsOpenUntilMs = 0;
  /** When (monotonic ms) the iteration began to end: shutdownTimeout counts from here. */
  private endedAtMs: number | undefined;
  private finished: Promise<void> | undefined;
  private drainDeadline: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Set once the iteration ended and the buffer was given back. */
  private handedOff = false;
  private draining: Promise<void> | undefined;
  private readonly drainedPromise: Promise<void>;
  private resolveDrained!: () => void;

  constructor(
    private readonly config: StreamConfig,
    private readonly deps: SessionDeps,
  ) {
    const { queueUrl, logger } = config;
    this.drainedPromise = new Promise((resolve) => {
      this.resolveDrained = resolve;
    });
    this.settler = new SessionSettler(
      config,
      deps.client,
      deps.stats,
      {
        leaseEnded: (lease, how) => this.leaseEnded(lease, how),
        isIdle: () => this.held.size === 0 && this.buffer.length === 0,
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
      onLost: (lease) => this.leaseEnded(lease, 'lost'),
      onExtended: (n) => {
        deps.stats.extended += n;
      },
    });
    for (const signal of deps.signals) {
      if (signal.aborted) this.ending = true;
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
    if (!this.ending) {
      for (let i = 0; i < config.concurrentReceives; i++) this.pollers.push(this.poll());
    }
  }

  /** Resolves when the iteration has ended and every message it handed out is settled and flushed. */
  drained(): Promise<void> {
    return this.drainedPromise;
  }

  // ---- AsyncIterator -------------------------------------------------------------------------

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<LeasedMessage>> {
    for (;;) {
      // Once the iteration is ending, what no consumer got yet is released, not handed out.
      const next = this.ending ? undefined : this.takeBuffered();
      if (next) {
        next.lease.state = 'held';
        this.held.add(next.lease);
        // Held value and token are the lease, which never points back at the message (or the
        // message could not be collected); the token is held weakly.
        this.dropped.register(next.message, next.lease, next.lease);
        return { value: next.message, done: false };
      }
      if (this.ending) {
        await this.finish();
        if (this.fatal) {
          const error = this.fatal;
          // Report a fatal error once; later calls see a plain end.
          this.fatal = undefined;
          throw error;
        }
        return { value: undefined, done: true };
      }
      this.consumerWaiting = true;
      // A waiting consumer may start a receive for fewer than batchSize free slots.
      this.slotsChanged.wake();
      await this.messageReady.wait();
      this.consumerWaiting = false;
    }
  }

  async return(): Promise<IteratorResult<LeasedMessage>> {
    this.end();
    await this.finish();
    return { value: undefined, done: true };
  }

  // ---- receiving ----------------------------------------------------------------------------

  private async poll(): Promise<void> {
    const { client } = this.deps;
    const { queueUrl, waitTime, visibilitySecs, idleSleepMax, logger } = this.config;
    const signal = this.receiving.signal;
    let failures = 0;
    // Whether message groups mean order (FIFO) must be known before the first message is handed
    // out; every poller shares the one request.
    if (this.deps.queue.fifoUnknown) await this.deps.queue.load(client, signal);
    while (!signal.aborted) {
      const want = this.slotsToRequest();
      if (want === 0) {
        // end() wakes this too, so an abort never waits here.
        await this.slotsChanged.wait();
        continue;
      }
      this.reserved += want;
      // Let the handlers this turn is starting go first: the SDK's synchronous work for the
      // request (serialising, signing) would otherwise delay them. nextTick, queued from a
      // promise job, runs once the queued promise jobs are done; fake timers leave it alone.
      await new Promise<void>((resolve) => process.nextTick(resolve));
      if (signal.aborted) {
        this.reserved -= want;
        break;
      }
      let messages: Message[];
      const sentAtMs = monotonicNow();
      const request = this.receiveAbort(sentAtMs);
      const origin: MessageOrigin = {
        queue: this.deps.queue,
        client,
        receiveSentAtMs: sentAtMs,
      };
      try {
        this.deps.stats.receives++;
        const response = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: want,
            WaitTimeSeconds: waitTime,
            VisibilityTimeout: visibilitySecs,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: request.signal },
        );
        messages = response.Messages ?? [];
        failures = 0;
        this.deps.stats.lastReceiveAt = new Date();
      } catch (error) {
        this.reserved -= want;
        if (signal.aborted || isAbortError(error)) {
          this.abortedPollsOpenUntilMs = Math.max(
            this.abortedPollsOpenUntilMs,
            sentAtMs + waitTime * 1000,
          );
          break;
        }
        const failure = classifyReceiveFailure(error);
        const { code } = failure;
        // Credentials get a few attempts (the container's credentials endpoint may not be up
        // yet at start-up); `failures` counts every failed receive in a row, this one not yet.
        if (
          failure.kind === 'fatal' ||
          (failure.kind === 'credentials' && failures + 1 >= CREDENTIALS_ATTEMPTS)
        ) {
          this.fatal = new ReceiveError(
            `Cannot receive from ${queueUrl}: ${code}: ${failure.message}`,
            { cause: error, code, retryable: false, queueUrl },
          );
          logger.error('receive failed; the stream ends', { queueUrl, code, error: this.fatal });
          this.end();
          break;
        }
        failures++;
        this.deps.stats.receiveErrors++;
        this.deps.stats.lastReceiveErrorAt = new Date();
        const delay = backoffMs(failures, RECEIVE_BACKOFF_BASE_MS, RECEIVE_BACKOFF_CAP_MS);
        logger.warn('receive failed; retrying', {
          code,
          attempt: failures,
          delayMs: delay,
          error: toError(error),
        });
        await sleep(delay, signal);
        continue;
      } finally {
        request.dispose();
      }
      this.reserved -= want;
      this.accept(messages, monotonicNow(), origin);
      logger.debug('received', { count: messages.length, requested: want });
      if (messages.length === 0 && idleSleepMax > 0) {
        await sleep(Math.random() * idleSleepMax * 1000, signal);
      }
    }
  }

  /**
   * The abort signal of one receive. When the iteration ends, a receive sent less than
   * RECEIVE_ABORT_GRACE_MS ago is left to finish: SQS answers at once when messages are there,
   * so its answer is probably on its way, and aborting it would hide those messages for a whole
   * visibility timeout (and count a receive against them). What it returns is buffered, then
   * released with the rest. An older receive is an idle long poll: aborted at once.
   *
   * With `openPollsOnStop: 'finish'` every receive is left to finish (the server keeps an aborted
   * poll open anyway, see abortedPollsOpenUntilMs), unless a finite shutdownTimeout ends first.
   */
  private receiveAbort(sentAtMs: number): { signal: AbortSignal; dispose: () => void } {
    const ending = this.receiving.signal;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const abortIn = (waitMs: number) => {
      if (waitMs <= 0) controller.abort(ending.reason);
      else timer = setTimeout(() => controller.abort(ending.reason), waitMs);
    };
    const onEnd = () => {
      if (this.config.openPollsOnStop === 'abort') {
        abortIn(sentAtMs + RECEIVE_ABORT_GRACE_MS - monotonicNow());
        return;
      }
      const budgetMs = this.config.shutdownTimeout * 1000;
      const endedAtMs = this.endedAtMs ?? monotonicNow();
      if (Number.isFinite(budgetMs)) abortIn(endedAtMs + budgetMs - monotonicNow());
    };
    if (ending.aborted) onEnd();
    else ending.addEventListener('abort', onEnd, { once: true });
    return {
      signal: controller.signal,
      dispose: () => {
        ending.removeEventListener('abort', onEnd);
        clearTimeout(timer);
      },
    };
  }

  /** How many messages the next receive should ask for; 0 = do not receive now. */
  private slotsToRequest(): number {
    const free = this.config.maxInFlight - this.unsettled - this.reserved;
    if (free <= 0) return 0;
    const full = Math.min(this.config.batchSize, this.config.maxInFlight);
    if (free >= full) return full;
    // Fewer than a full batch is free: only worth a request when the consumer would starve.
    if (this.consumerWaiting && this.buffer.length === 0 && this.reserved === 0) return free;
    return 0;
  }

  private accept(messages: Message[], receivedAtMs: number, origin: MessageOrigin): void {
    for (const raw of messages) {
      if (!raw.ReceiptHandle || !raw.MessageId) continue;
      const lease = new Lease(
        raw.MessageId,
        raw.ReceiptHandle,
        receivedAtMs,
        this.config.visibilitySecs,
      );
      this.unsettled++;
      this.deps.stats.received++;
      this.deps.stats.inFlight++;
      this.buffer.push({ lease, message: new LeasedMessage(raw, lease, this.settler, origin) });
      this.leases.track(lease);
    }
    if (messages.length > 0) this.messageReady.wake();
  }

  private takeBuffered(): Buffered | undefined {
    for (;;) {
      const next = this.buffer.shift();
      if (!next) return undefined;
      // A buffered lease can be lost (expired while nobody asked for it): skip it.
      if (next.lease.state === 'buffered') return next;
    }
  }

  // ---- settling -----------------------------------------------------------------------------

  /**
   * Bookkeeping when a lease stops being the stream's responsibility: settled by the consumer,
   * lost (the lease manager already aborted its signal), or released by the stream.
   */
  private leaseEnded(lease: Lease, how: 'settled' | 'lost' | 'released' | 'expired'): void {
    if (how === 'settled') lease.state = 'settled';
    // The lease manager drops a lease it lost by itself; every other ending must untrack it.
    if (how !== 'lost') this.leases.untrack(lease);
    if (how === 'lost') this.deps.stats.lost++;
    if (how === 'released') this.deps.stats.released++;
    this.held.delete(lease);
    this.dropped.unregister(lease);
    this.unsettled--;
    this.deps.stats.inFlight--;
    this.slotsChanged.wake();
    this.maybeDrained();
  }

  // ---- ending -------------------------------------------------------------------------------

  /** Stops receiving; idempotent. */
  private end(): void {
    if (!this.ending) {
      this.ending = true;
    }
    this.endedAtMs ??= monotonicNow();
    this.receiving.abort();
    this.messageReady.wake();
    this.slotsChanged.wake();
  }

  private finish(): Promise<void> {
    this.finished ??= this.runFinish();
    return this.finished;
  }

  private async runFinish(): Promise<void> {
    this.removeAbortListeners();
    // Receives already answered may still add to the buffer: wait for every poller to stop first.
    await Promise.all(this.pollers);
    // Give back what was received but never handed out, so another consumer gets it at once.
    for (const { lease } of this.buffer.splice(0)) {
      if (lease.state === 'buffered') this.release(lease, 'never handed out');
    }
    await this.settler.flush();
    this.handedOff = true;
    if (this.held.size === 0) {
      await this.drainComplete();
    } else if (Number.isFinite(this.config.shutdownTimeout)) {
      // Counted from the stop, not from here: with openPollsOnStop 'finish' the polls took part
      // of the budget already.
      const endedAtMs = this.endedAtMs ?? monotonicNow();
      const leftMs = endedAtMs + this.config.shutdownTimeout * 1000 - monotonicNow();
      this.drainDeadline = setTimeout(() => this.releaseHeld(), Math.max(0, leftMs));
    }
  }

  /** The shutdown deadline passed: abort the handed-out leases and give their messages back. */
  private releaseHeld(): void {
    this.drainDeadline = undefined;
    for (const lease of [...this.held]) this.release(lease, 'the shutdown deadline passed');
    this.settler.sendNow();
  }

  private release(lease: Lease, why: string): void {
    this.settler.release(lease, why, this.releaseVisibilitySecs());
  }

  /**
   * A handed-out message was garbage-collected unsettled: nobody can ack or nack it any more, and
   * its lease would otherwise be extended until maxExtend while holding a maxInFlight slot.
   */
  private releaseDropped(lease: Lease): void {
    // A finalizer can run late: after the lease ended some other way, or the session is over.
    if (this.disposed || lease.state !== 'held') return;
    const { stats } = this.deps;
    const { logger, queueUrl } = this.config;
    const details = { messageId: lease.messageId, queueUrl };
    if (stats.dropped === 0) {
      logger.warn(
        'message dropped without ack() or nack(); released. Settle every message you take from ' +
          'the stream, e.g. nack() the ones an ix filter() leaves out (later ones log at DEBUG)',
        details,
      );
    } else {
      logger.debug('message dropped without ack() or nack(); released', details);
    }
    stats.dropped++;
    this.release(lease, 'it was dropped without ack() or nack()');
  }

  /**
   * 0 (visible at once) unless a long poll we aborted may still be open on the server: then just
   * past its end (+1 s for the server starting it after we sent it), so that poll cannot take
   * the message and hide it for a whole visibility timeout (and count a receive against it).
   */
  private releaseVisibilitySecs(): number {
    const openMs = this.abortedPollsOpenUntilMs - monotonicNow();
    return openMs > 0 ? Math.ceil(openMs / 1000) + 1 : 0;
  }

  private maybeDrained(): void {
    if (this.handedOff && this.held.size === 0) void this.drainComplete();
  }

  private drainComplete(): Promise<void> {
    this.draining ??= this.settler.flush().then(() => this.dispose());
    return this.draining;
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.drainDeadline) clearTimeout(this.drainDeadline);
    this.leases.stop();
    this.teardown.abort();
    this.removeAbortListeners();
    if (this.deps.ownsClient) this.deps.client.destroy();
    this.resolveDrained();
    this.deps.onDisposed();
  }

  private removeAbortListeners(): void {
    for (const signal of this.deps.signals) signal.removeEventListener('abort', this.onAbort);
  }
}

interface Buffered {
  lease: Lease;
  message: LeasedMessage;
}
