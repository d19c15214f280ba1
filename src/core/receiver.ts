/**
 * The receiving half of a receive session: parallel ReceiveMessage loops that ask only for the
 * free `maxInFlight` slots (and what fits in `maxInFlightBytes`), back off on errors, stop at
 * once when the session stops, and remember how long an aborted long poll may stay open on the
 * server (see releaseVisibilitySecs).
 *
 * How many loops run adapts (unless `concurrentReceives` fixes it): one long poll while the
 * queue is idle; each full answer adds a loop, up to ceil(free slots / batchSize) and
 * `maxConcurrentReceives`, so a busy queue on a distant endpoint gets enough requests in flight;
 * each empty answer ends a loop, down to one.
 */
import { setMaxListeners } from 'node:events';
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  CREDENTIALS_ATTEMPTS,
  classifyReceiveFailure,
  isAbortError,
  ReceiveError,
  toError,
} from '../shared/errors.js';
import { backoffMs, monotonicNow, sleep, Wakeup } from '../shared/timing.js';
import { ByteBudget } from './byte-budget.js';
import type { CoreEventSink } from './events.js';
import type { Lease } from './lease.js';
import type { MessageOrigin } from './leased-message.js';
import type { QueueAttributes } from './queue-info.js';
import type { StreamConfig } from './stream-config.js';

/** What the receiver needs from the session it fills. */
export interface ReceiverHost {
  /** Leases and buffers what a receive returned; returns how many messages it took. */
  accept(messages: Message[], receivedAtMs: number, origin: MessageOrigin): number;
  /** True when nothing waits in the buffer for the consumer. */
  bufferEmpty(): boolean;
  /** How many received messages wait in the buffer for the consumer. */
  buffered(): number;
  /** A receive failed in a way retrying cannot fix: the session must stop. */
  failed(error: ReceiveError): void;
}

export interface ReceiverDeps {
  client: SQSClient;
  queue: QueueAttributes;
  events: CoreEventSink;
  host: ReceiverHost;
}

const RECEIVE_BACKOFF_BASE_MS = 250;
const RECEIVE_BACKOFF_CAP_MS = 20_000;
/** A receive younger than this when the session stops is left to finish (see receiveAbort). */
const RECEIVE_ABORT_GRACE_MS = 300;

export class Receiver {
  /** Aborts in-flight receives and sleeps when the session stops. */
  private readonly receiving = new AbortController();
  private readonly slotsChanged = new Wakeup();
  private readonly loops = new Set<Promise<void>>();
  /** What each receive in flight does when the session stops (see receiveAbort). */
  private readonly onStopOfReceives = new Set<() => void>();
  /** Loops running; changed synchronously when one is added or decides to end. */
  private polls = 0;
  /** What maxInFlightBytes counts; the session adds each message's bytes on receive. */
  readonly bytes: ByteBudget;
  /** Leases buffered or held: what maxInFlight counts. */
  private unsettled = 0;
  /** Slots promised to receives in flight. */
  private reserved = 0;
  private consumerWaiting = false;
  /** When (monotonic ms) the session stopped: a finite shutdownTimeout counts from here. */
  private stoppedAtMs: number | undefined;
  /**
   * Until when (ms) a long poll we aborted may still be open on the server: SQS does not cancel
   * it when the client goes away, and it would receive (and lose for a visibility timeout) any
   * message that becomes visible, including the ones this session releases.
   */
  private abortedPollsOpenUntilMs = 0;

  constructor(
    private readonly config: StreamConfig,
    private readonly deps: ReceiverDeps,
  ) {
    this.bytes = new ByteBudget(config.maxInFlightBytes);
    // Each loop's back-off or idle sleep listens on this signal: up to maxConcurrentReceives at
    // once, past Node's default of ten (which would warn of a leak that is not one).
    setMaxListeners(config.maxConcurrentReceives + 10, this.receiving.signal);
  }

  /** Leased, unsettled messages of this session (buffered or handed out). */
  get inFlight(): number {
    return this.unsettled;
  }

  start(): void {
    const loops = this.config.concurrentReceives ?? 1;
    for (let i = 0; i < loops; i++) this.addLoop();
  }

  /** Stops receiving: in-flight receives are aborted (see receiveAbort), loops end. */
  stop(atMs: number): void {
    this.stoppedAtMs = atMs;
    this.receiving.abort();
    for (const onStop of this.onStopOfReceives) onStop();
    this.onStopOfReceives.clear();
    this.slotsChanged.wake();
  }

  /** Resolves once every loop has ended: no receive can add to the buffer any more. */
  async stopped(): Promise<void> {
    while (this.loops.size > 0) await Promise.all(this.loops);
  }

  /** A lease of this session ended: its slot and its bytes are free. */
  slotFreed(lease: Lease): void {
    this.unsettled--;
    this.bytes.release(lease);
    this.slotsChanged.wake();
  }

  /** Whether the consumer waits for a message (it may then take a receive of fewer slots). */
  setConsumerWaiting(waiting: boolean): void {
    this.consumerWaiting = waiting;
    if (waiting) this.slotsChanged.wake();
  }

  /**
   * The visibility for a message the session gives back: 0 (visible at once) unless a long poll
   * we aborted may still be open on the server; then just past its end (+1 s for the server
   * starting it after we sent it), so that poll cannot take the message and hide it for a whole
   * visibility timeout (and count a receive against it).
   */
  releaseVisibilitySecs(): number {
    const openMs = this.abortedPollsOpenUntilMs - monotonicNow();
    return openMs > 0 ? Math.ceil(openMs / 1000) + 1 : 0;
  }

  private addLoop(): void {
    this.polls++;
    const loop: Promise<void> = this.poll().finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  /**
   * After an answer of `got` messages to a request for `asked`: whether this loop goes on.
   * A full answer that found the consumer starved (nothing buffered) adds a loop while fewer
   * run than the free slots can use; an empty one ends this loop unless it is the last.
   */
  private adapt(got: number, asked: number, starved: boolean): boolean {
    if (this.config.concurrentReceives !== undefined) return true;
    if (got === 0) {
      if (this.polls === 1) return true;
      this.polls--;
      return false;
    }
    if (starved && got >= asked && this.polls < this.loopsWanted()) this.addLoop();
    return true;
  }

  /**
   * ceil(free slots / batchSize), capped by maxConcurrentReceives and by how many receives the
   * byte budget lets run at once (large messages: one); at least 1. Buffered
   * messages count as free: the consumer is about to take them (a full answer just filled the
   * buffer), and a loop that finds no free slot sends nothing until one frees up.
   */
  private loopsWanted(): number {
    const { maxInFlight, batchSize, maxConcurrentReceives } = this.config;
    const handedOut = this.unsettled - this.deps.host.buffered();
    const free = Math.min(maxInFlight - handedOut, this.bytes.messagesThatFit(0));
    const byBytes = this.bytes.receivesAtOnce(batchSize);
    return Math.max(1, Math.min(maxConcurrentReceives, byBytes, Math.ceil(free / batchSize)));
  }

  private async poll(): Promise<void> {
    const { client, events, host } = this.deps;
    const { queueUrl, waitTime, visibilitySecs, idleSleepMax, logger } = this.config;
    const signal = this.receiving.signal;
    let failures = 0;
    // Whether message groups mean order (FIFO) must be known before the first message is handed
    // out; every loop shares the one request.
    if (this.deps.queue.fifoUnknown) await this.deps.queue.load(client, signal);
    while (!signal.aborted) {
      const want = this.slotsToRequest();
      if (want === 0) {
        // stop() wakes this too, so stopping never waits here.
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
        bytes: this.bytes,
      };
      try {
        events.receiveSent(want);
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
          const fatal = new ReceiveError(
            `Cannot receive from ${queueUrl}: ${code}: ${failure.message}`,
            { cause: error, code, retryable: false, queueUrl },
          );
          logger.error('receive failed; the stream ends', { queueUrl, code, error: fatal });
          events.receiveFailed(code, failures + 1, false, fatal);
          host.failed(fatal);
          break;
        }
        failures++;
        const delay = backoffMs(failures, RECEIVE_BACKOFF_BASE_MS, RECEIVE_BACKOFF_CAP_MS);
        events.receiveFailed(code, failures, true, toError(error));
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
      const starved = host.bufferEmpty();
      const count = host.accept(messages, monotonicNow(), origin);
      this.unsettled += count;
      events.received(want, messages, count);
      logger.debug('received', { count: messages.length, requested: want });
      if (!this.adapt(messages.length, want, starved)) return;
      if (messages.length === 0 && idleSleepMax > 0) {
        await sleep(Math.random() * idleSleepMax * 1000, signal);
      }
    }
    this.polls--;
  }

  /**
   * The abort signal of one receive. When the session stops, a receive sent less than
   * RECEIVE_ABORT_GRACE_MS ago is left to finish: SQS answers at once when messages are there,
   * so its answer is probably on its way, and aborting it would hide those messages for a whole
   * visibility timeout (and count a receive against them). What it returns is buffered, then
   * released with the rest. An older receive is an idle long poll: aborted at once.
   *
   * With `openPollsOnStop: 'finish'` every receive is left to finish (the server keeps an aborted
   * poll open anyway, see abortedPollsOpenUntilMs), unless a finite shutdownTimeout ends first.
   */
  private receiveAbort(sentAtMs: number): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const abortIn = (waitMs: number) => {
      const abort = () => controller.abort(this.receiving.signal.reason);
      if (waitMs <= 0) abort();
      else timer = setTimeout(abort, waitMs);
    };
    const onStop = () => {
      if (this.config.openPollsOnStop === 'abort') {
        abortIn(sentAtMs + RECEIVE_ABORT_GRACE_MS - monotonicNow());
        return;
      }
      const budgetMs = this.config.shutdownTimeout * 1000;
      const stoppedAtMs = this.stoppedAtMs ?? monotonicNow();
      if (Number.isFinite(budgetMs)) abortIn(stoppedAtMs + budgetMs - monotonicNow());
    };
    // stop() calls these itself: one abort listener per receive on the shared signal would pass
    // Node's limit of ten (and warn) with more receives in flight.
    if (this.receiving.signal.aborted) onStop();
    else this.onStopOfReceives.add(onStop);
    return {
      signal: controller.signal,
      dispose: () => {
        this.onStopOfReceives.delete(onStop);
        clearTimeout(timer);
      },
    };
  }

  /**
   * maxInFlight; under a listener whose maxInFlight was left to its default (which makes room
   * for every receive that may be in flight), the handlers' demand plus a batch per running
   * loop: slow handlers then neither hoard leases nor keep a long poll open that a stop would
   * have to wait out, and the room grows with the loops when the handlers keep up.
   */
  private slotLimit(): number {
    const { maxInFlight, heldDemand, batchSize } = this.config;
    if (heldDemand === undefined || this.config.concurrentReceives !== undefined)
      return maxInFlight;
    return Math.min(maxInFlight, heldDemand + batchSize * this.polls);
  }

  /** How many messages the next receive should ask for; 0 = do not receive now. */
  private slotsToRequest(): number {
    const free = Math.min(
      this.slotLimit() - this.unsettled - this.reserved,
      this.bytes.messagesThatFit(this.reserved),
    );
    if (free <= 0) return 0;
    const full = Math.min(this.config.batchSize, this.config.maxInFlight);

    if (free >= full) return full;
    // Fewer than a full batch is free: only worth a request when the consumer would starve.
    if (this.consumerWaiting && this.deps.host.bufferEmpty() && this.reserved === 0) return free;
    return 0;
  }
}
