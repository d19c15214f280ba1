/**
 * Handler timing for the runner's stats and `/metrics`: how many handler calls, how many threw,
 * and a duration summary. Percentiles come from the most recent calls (a fixed-size ring), so
 * memory stays constant and the numbers follow what the handler does now, not an hour ago.
 */

import {
  countersOf,
  emptyListenerCounts,
  type ListenerCounters,
  type ListenerCounts,
} from '../listeners/listener-counters.js';
import { isThenable } from '../shared/thenable.js';

/** Durations kept for percentiles: enough for a stable p99, small enough to sort per scrape. */
const RECENT_SAMPLES = 1024;

/** A summary of handler durations, in milliseconds. */
export interface DurationSummary {
  /** Handler calls finished since start. */
  count: number;
  /** Sum of every call's duration. */
  sumMs: number;
  /** Mean over every call; 0 before the first. */
  meanMs: number;
  /** Median of the most recent 1,024 calls. */
  p50Ms: number;
  /** 90th percentile of the most recent 1,024 calls. */
  p90Ms: number;
  /** 99th percentile of the most recent 1,024 calls. */
  p99Ms: number;
  /** Longest call since start. */
  maxMs: number;
}

/** What the runner knows about one listener's handler. */
export interface HandlerStats {
  /** Calls that threw (or rejected). A `false` result or a partial batch failure is not counted. */
  errors: number;
  /** Handler call durations (one call per message, or per batch in batch mode). */
  duration: DurationSummary;
  /**
   * What became of the messages: failures by kind (threw, returned false, timed out, invalid…),
   * messages given up on and filtered out, and their age when the handler got them.
   */
  outcomes: ListenerCounts;
}

/** A handler call that has not returned (or settled its promise) yet. */
export interface RunningHandlerCall {
  /** The message it got, or the messages of its batch. */
  messageIds: string[];
  /** Since the call started, on a monotonic clock. */
  runningForMs: number;
}

interface Running {
  messageIds: string[];
  startedMs: number;
}

/** Records handler durations, and which calls are still running; see {@link HandlerStats}. */
export class HandlerTimer {
  private readonly recent = new Float64Array(RECENT_SAMPLES);
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;
  private errors = 0;
  private readonly inFlight = new Set<Running>();
  private outcomes: ListenerCounters | undefined;

  /**
   * Reports the outcomes `listener` counts (one made by `perMessageListener()` or
   * `batchListener()`) in {@link HandlerStats.outcomes}; zeros for any other listener.
   */
  readOutcomesOf(listener: object): void {
    this.outcomes = countersOf(listener);
  }

  /** Wraps `handler` so each call is timed; `this` and the result pass through unchanged. */
  wrap<A, R>(handler: (arg: A) => R): (arg: A) => R {
    const timer = this;
    return function timed(this: unknown, arg: A): R {
      const started = performance.now();
      let result: R;
      try {
        result = handler.call(this, arg);
      } catch (error) {
        timer.record(performance.now() - started, true);
        throw error;
      }
      if (isThenable(result)) {
        // Ids, not the messages: holding a message would keep it from being garbage-collected.
        const call: Running = { messageIds: messageIdsOf(arg), startedMs: started };
        timer.inFlight.add(call);
        const done = (failed: boolean) => {
          timer.inFlight.delete(call);
          timer.record(performance.now() - started, failed);
        };
        result.then(
          () => done(false),
          () => done(true),
        );
      } else {
        timer.record(performance.now() - started, false);
      }
      return result;
    };
  }

  record(durationMs: number, failed: boolean): void {
    this.recent[this.count % RECENT_SAMPLES] = durationMs;
    this.count++;
    this.sumMs += durationMs;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
    if (failed) this.errors++;
  }

  /** Handler calls that have not finished, oldest first. */
  running(): RunningHandlerCall[] {
    const now = performance.now();
    return [...this.inFlight].map((c) => ({
      messageIds: [...c.messageIds],
      runningForMs: now - c.startedMs,
    }));
  }

  snapshot(): HandlerStats {
    const kept = this.recent.slice(0, Math.min(this.count, RECENT_SAMPLES)).sort();
    return {
      errors: this.errors,
      duration: {
        count: this.count,
        sumMs: this.sumMs,
        meanMs: this.count === 0 ? 0 : this.sumMs / this.count,
        p50Ms: quantile(kept, 0.5),
        p90Ms: quantile(kept, 0.9),
        p99Ms: quantile(kept, 0.99),
        maxMs: this.maxMs,
      },
      outcomes: this.outcomes?.snapshot() ?? emptyListenerCounts(),
    };
  }
}

/** Nearest-rank quantile of sorted values; 0 when there are none. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** The message ids of a handler's argument: one leased message, or a batch of them. */
function messageIdsOf(arg: unknown): string[] {
  const items: unknown[] = Array.isArray(arg) ? arg : [arg];
  const ids: string[] = [];
  for (const item of items) {
    const id =
      typeof item === 'object' && item !== null
        ? (item as { messageId?: unknown }).messageId
        : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}
