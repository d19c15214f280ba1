/**
 * Runs messages with bounded concurrency, keeping FIFO semantics: messages of one
 * `MessageGroupId` run one at a time in the order they arrived, different groups in parallel.
 * When one fails, the later messages of its group already in hand are not run but released, so
 * that SQS redelivers the group in order. Messages without a group run freely.
 */
import type { LeasedMessage } from '../leased-message.js';
import { Wakeup } from '../timing.js';

export class GroupScheduler {
  private running = 0;
  /** Groups with a message running; the array holds the group's messages waiting their turn. */
  private readonly lanes = new Map<string, LeasedMessage[]>();
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
    const group = message.groupId;
    if (group === undefined) {
      this.start(message, undefined);
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
      this.tasks.delete(task);
      this.changed.wake();
    });
    this.tasks.add(task);
  }

  private async runLane(first: LeasedMessage, group: string | undefined): Promise<void> {
    let message: LeasedMessage | undefined = first;
    while (message) {
      const ok = await this.work(message);
      if (group === undefined) return;
      const lane = this.lanes.get(group) ?? [];
      if (!ok || this.closing) {
        this.lanes.delete(group);
        for (const rest of lane.splice(0)) await this.release(rest);
        return;
      }
      message = lane.shift();
      if (!message) this.lanes.delete(group);
    }
  }
}
