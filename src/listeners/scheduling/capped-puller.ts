/**
 * Batch mode's `maxConcurrentPerGroup`: the gatherer pulls through this instead of the plain
 * Puller. A message of a group at its cap is kept out of the batch (parked or deferred by the
 * GroupCap); when a batch ends, its groups' parked messages become ready and go into the next
 * batch before anything new is pulled.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { Wakeup } from '../../shared/timing.js';
import type { GroupCap } from './group-cap.js';
import type { Puller } from './puller.js';

/** What the batch gatherer pulls from: a Puller, or a CappedPuller around one. */
export type MessagePuller = Pick<Puller<LeasedMessage>, 'done' | 'next' | 'nextBefore'>;

const END: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class CappedPuller implements MessagePuller {
  /** Parked messages whose group has room again, counted as running by the cap. */
  private readonly ready: LeasedMessage[] = [];
  private readonly readied = new Wakeup();
  private ended = false;

  constructor(
    private readonly puller: Puller<LeasedMessage>,
    private readonly cap: GroupCap,
  ) {}

  get done(): boolean {
    return this.ended;
  }

  next(): Promise<IteratorResult<LeasedMessage>> {
    return this.pull(undefined) as Promise<IteratorResult<LeasedMessage>>;
  }

  nextBefore(deadline: Promise<void>): Promise<IteratorResult<LeasedMessage> | undefined> {
    return this.pull(deadline);
  }

  /** A batch ended: its messages leave the cap, and their groups' parked messages are ready. */
  finished(messages: readonly LeasedMessage[]): void {
    for (const message of messages) {
      const next = this.cap.finished(message);
      if (next === undefined) continue;
      if (this.ended) this.cap.giveBack(next);
      else this.ready.push(next);
    }
    if (this.ready.length > 0) this.readied.wake();
  }

  /**
   * The source ended (or the listener failed): what waits here is given back unhandled, visible
   * at once, instead of holding its lease until a shutdown deadline.
   */
  end(): void {
    this.ended = true;
    this.cap.releaseParked();
    for (const message of this.ready.splice(0)) this.cap.giveBack(message);
  }

  private async pull(
    deadline: Promise<void> | undefined,
  ): Promise<IteratorResult<LeasedMessage> | undefined> {
    let passed = false;
    // Registered before the race below, so the flag is set by the time the race settles.
    deadline?.then(() => {
      passed = true;
    });
    for (;;) {
      const ready = this.ready.shift();
      if (ready !== undefined) return { done: false, value: ready };
      if (this.ended || this.puller.done) return this.finish();
      const wake = this.readied.wait();
      const result = await this.puller.nextBefore(
        deadline === undefined ? wake : Promise.race([deadline, wake]),
      );
      if (result === undefined) {
        if (passed) return undefined;
        continue; // a parked message became ready
      }
      if (result.done) return this.finish();
      if (this.cap.admit(result.value) === 'run') return result;
    }
  }

  private finish(): IteratorReturnResult<undefined> {
    if (!this.ended) this.end();
    return END;
  }
}
