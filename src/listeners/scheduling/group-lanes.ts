/**
 * Per-message mode's scheduler: the worker pool and the FIFO group lanes that feed the pipeline.
 * Runs messages with bounded concurrency, keeping FIFO semantics: messages of one FIFO group run
 * one at a time in the order they arrived, different groups in parallel. When one fails, the
 * later messages of its group already received are not run but given back (see BrokenGroups),
 * so that SQS redelivers the group in order. Other messages (standard queues, fair queues'
 * groups included) run freely, up to `maxConcurrentPerGroup` per fair group (see GroupCap).
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { Wakeup } from '../../shared/timing.js';
import { BrokenGroups, fifoGroupOf } from './fifo.js';
import type { GroupCap } from './group-cap.js';

export class GroupLanes {
  /** Workers busy: lanes running (a message without a group is a lane of one). */
  private running = 0;
  /** Groups with a message running; the array holds the group's messages waiting their turn. */
  private readonly lanes = new Map<string, LeasedMessage[]>();
  private readonly broken = new BrokenGroups();
  /** Releases of messages that will not run, until they are answered. */
  private readonly releases = new Set<Promise<void>>();
  private readonly changed = new Wakeup();
  private closing = false;
  /**
   * Ends a lane: one function for every lane, passed to `then` (no closure or `finally` per
   * message: a no-op handler's whole cost is this bookkeeping and the SDK's).
   */
  private readonly laneEnded = (): void => {
    this.running--;
    this.changed.wake();
  };

  constructor(
    private readonly concurrency: number,
    /** Handles one message; resolves whether it succeeded. Must not reject. */
    private readonly work: (message: LeasedMessage) => Promise<boolean>,
    /** Gives back a message that will not be run. Must not reject. */
    private readonly release: (message: LeasedMessage) => Promise<void>,
    /** `maxConcurrentPerGroup` for fair queues' groups, when set. */
    private readonly cap?: GroupCap,
  ) {}

  /**
   * Resolves when a worker is free to take another message; `undefined` when one is free now,
   * so that the caller's loop costs no promise per message then.
   */
  capacity(): Promise<void> | undefined {
    return this.running < this.concurrency ? undefined : this.whenFree();
  }

  private async whenFree(): Promise<void> {
    while (this.running >= this.concurrency) await this.changed.wait();
  }

  submit(message: LeasedMessage): void {
    const group = fifoGroupOf(message);
    if (group === undefined) {
      if (this.cap === undefined) this.start(message, undefined);
      // A capped group's message over its cap waits in the cap (or is deferred): no worker.
      else if (this.cap.admit(message) === 'run') this.startCapped(message, this.cap);
      return;
    }
    // A FIFO queue ignores maxConcurrentPerGroup; the cap notes that once (debug).
    this.cap?.groupOf(message);
    if (this.broken.mustRelease(message, group)) {
      this.releaseAll([message]);
      return;
    }
    const lane = this.lanes.get(group);
    if (lane) {
      // Its group is busy: wait in line without taking a worker.
      lane.push(message);
      return;
    }
    this.lanes.set(group, []);
    this.start(message, group);
  }

  /**
   * The source ended (a shutdown): messages still waiting in a lane are released rather than
   * started, then every running message finishes.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.cap?.releaseParked();
    // Lanes release what waits in them when they see `closing`: wait for the lanes first.
    while (this.running > 0) await this.changed.wait();
    while (this.releases.size > 0) await Promise.all(this.releases);
  }

  private start(first: LeasedMessage, group: string | undefined): void {
    this.running++;
    // Without a group nothing follows the message: no lane loop. `work` must not reject; if it
    // does anyway, the rejection stops here instead of escaping as unhandled.
    if (group === undefined) this.work(first).then(this.laneEnded, this.laneEnded);
    else this.runLane(first, group).then(this.laneEnded, this.laneEnded);
  }

  /**
   * Runs a message counted by the cap; when it ends, the next parked message of its group takes
   * its worker (the group stays at its cap while it has a backlog in hand).
   */
  private startCapped(first: LeasedMessage, cap: GroupCap): void {
    this.running++;
    this.runCapped(first, cap).then(this.laneEnded, this.laneEnded);
  }

  private async runCapped(first: LeasedMessage, cap: GroupCap): Promise<void> {
    let message: LeasedMessage | undefined = first;
    while (message) {
      await this.work(message).catch(() => false);
      // At a shutdown the parked messages were given back already: nothing follows.
      message = cap.finished(message);
    }
  }

  private async runLane(first: LeasedMessage, group: string): Promise<void> {
    let message: LeasedMessage | undefined = first;
    while (message) {
      let ok: boolean;
      try {
        ok = await this.work(message);
      } catch {
        // `work` must not reject; if it does anyway, the message counts as failed so its group
        // keeps its order.
        ok = false;
      }
      const lane = this.lanes.get(group) ?? [];
      if (this.closing) {
        this.lanes.delete(group);
        this.releaseAll(lane.splice(0));
        return;
      }
      if (!ok) {
        this.broken.failed(message, group);
        // The failed message itself may be back in line already (a retry with no delay): it
        // and what follows it stay; what was received before it went wrong is given back.
        for (const waiting of lane.splice(0)) {
          if (this.broken.mustRelease(waiting, group)) this.releaseAll([waiting]);
          else lane.push(waiting);
        }
      }
      message = lane.shift();
      if (!message) this.lanes.delete(group);
    }
  }

  /** Gives messages back together: their releases share one batched request. */
  private releaseAll(messages: LeasedMessage[]): void {
    for (const message of messages) {
      const release = this.release(message);
      this.releases.add(release);
      const forget = () => this.releases.delete(release);
      release.then(forget, forget);
    }
  }
}
