/**
 * The `maxPerSecond` limit of a redrive. Messages are paced before they are received, never
 * while held: a received batch is sent at once, so its visibility timeout never runs out while
 * it waits for the limiter, and no heartbeat is needed.
 */
import { monotonicNow, sleep } from '../shared/timing.js';

export class Pace {
  /** When the next receive may go out (monotonic ms). */
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond: number) {}

  /**
   * Waits for the next slot; returns how many messages may be received now (at most `max`, at
   * least 1), or 0 when `signal` aborted. Bursts are at most one batch: below 10 per second the
   * batch shrinks, so 2 per second moves 2 messages every second, not 10 every 5 seconds.
   */
  async acquire(max: number, signal?: AbortSignal): Promise<number> {
    const wait = this.nextAt - monotonicNow();
    if (wait > 0 && !(await sleep(wait, signal))) return 0;
    if (signal?.aborted) return 0;
    return Math.max(1, Math.min(max, Math.floor(this.perSecond)));
  }

  /** Books `count` received messages: the next receive waits `count / perSecond` seconds. */
  consumed(count: number): void {
    // From now or the previous slot, whichever is later: an idle pause earns no burst.
    this.nextAt = Math.max(this.nextAt, monotonicNow()) + (count * 1000) / this.perSecond;
  }
}
