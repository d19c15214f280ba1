/**
 * Per-message mode's scheduler: the worker pool and the FIFO group lanes that feed the pipeline.
 * Runs messages with bounded concurrency, keeping FIFO semantics: messages of one FIFO group run
 * one at a time in the order they arrived, different groups in parallel. When one fails, the
 * later messages of its group already received are not run but given back (see BrokenGroups),
 * so that SQS redelivers the group in order. Other messages (standard queues, fair queues'
 * groups included) run freely.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { Wakeup } from '../../shared/timing.js';
import { BrokenGroups, fifoGroupOf } from './fifo.js';

export class GroupLanes {
  private running = 0;
  /** Groups with a message running; the array holds the group's messages waiting their turn. */
  private readonly lanes = new Map<string, LeasedMessage[]>();
  private readonly broken = new BrokenGroups();
  private readonly tasks = new Set<Promise<void>>();
  private readonly changed = new Wakeup();
  private closing = false;

  constructor(
    private readonly concurrency: number,
    /** Handles one message; resolves whether it succeeded. Must not reject. */
    private readonly work: (message: LeasedMessage) => Promise<boolean>,
    /** Gives back a message that will not be run. Must not reject. */
    private readonly release: (message: LeasedMessage) => Promise<void>,
  ) {}

  /** Resolves when a worker is free to take another message. */
  async capacity(): Promise<void> {
    while (this.running >= this.concurrency) await this.changed.wait();
  }

  submit(message: LeasedMessage): void {
    const group = fifoGroupOf(message);
    if (group === undefined) {
      this.start(message, undefined);
      return;
    }
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
    while (this.tasks.size > 0) await Promise.all(this.tasks);
  }

  private start(first: LeasedMessage, group: string | undefined): void {
    this.running++;
    const task: Promise<void> = this.runLane(first, group).finally(() => {
      this.running--;
      this.changed.wake();
    });
    this.track(task);
  }

  private async runLane(first: LeasedMessage, group: string | undefined): Promise<void> {
    let message: LeasedMessage | undefined = first;
    while (message) {
      // `work` must not reject; if it does anyway, the message counts as failed so its group
      // keeps its order, and the rejection stops here instead of escaping as unhandled.
      const ok = await this.work(message).catch(() => false);
      if (group === undefined) return;
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
    for (const message of messages) this.track(this.release(message));
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    const forget = () => this.tasks.delete(task);
    task.then(forget, forget);
  }
}
