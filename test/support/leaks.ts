/**
 * Leak detectors for unit tests: timers left running, abort listeners left on a signal, and
 * promise rejections nobody handled. Use them with real timers.
 */
import { getEventListeners } from 'node:events';

// Captured at import, before any test installs fake timers.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Ref'd timers alive in this process, as Node reports them (unref'd timers are not listed). */
export function activeTimeoutCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Abort listeners currently registered on a signal. */
export function abortListenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** Resolves after pending I/O callbacks and rejection tracking ran (a real macrotask turn). */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Several macrotask turns: lets promise chains and `unhandledRejection` events play out. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await nextMacrotask();
}

export interface TimerTracker {
  /** Timers created since `trackTimers()` that have neither fired nor been cleared, ref'd or not. */
  pending(): Array<{ delayMs: number; unref: boolean; stack: string }>;
  restore(): void;
}

/**
 * Wraps the global setTimeout/clearTimeout so that every timer created from now on is accounted
 * for, including unref'd ones that `getActiveResourcesInfo()` does not show. Library code calls
 * the globals at call time, so it is covered; call `restore()` in `finally`.
 */
export function trackTimers(): TimerTracker {
  const live = new Map<NodeJS.Timeout, { delayMs: number; unref: boolean; stack: string }>();
  const original = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const wrappedSet = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer: NodeJS.Timeout = realSetTimeout(
      (...a: unknown[]) => {
        live.delete(timer);
        callback(...a);
      },
      ms,
      ...args,
    );
    const info = { delayMs: ms ?? 0, unref: false, stack: new Error().stack ?? '' };
    live.set(timer, info);
    const unref = timer.unref.bind(timer);
    timer.unref = () => {
      info.unref = true;
      return unref();
    };
    return timer;
  };
  const wrappedClear = (timer: NodeJS.Timeout | string | number | undefined) => {
    if (timer !== undefined && typeof timer === 'object') live.delete(timer);
    realClearTimeout(timer);
  };
  globalThis.setTimeout = wrappedSet as unknown as typeof globalThis.setTimeout;
  globalThis.clearTimeout = wrappedClear as typeof globalThis.clearTimeout;
  return {
    pending: () => [...live.values()],
    restore: () => {
      globalThis.setTimeout = original.setTimeout;
      globalThis.clearTimeout = original.clearTimeout;
    },
  };
}

export interface RejectionRecorder {
  /** Reasons of rejections that went unhandled while recording. */
  readonly reasons: unknown[];
  stop(): void;
}

/**
 * Records `unhandledRejection` events until `stop()`. With `exclusive`, the other listeners
 * (vitest's) are detached meanwhile, so a sanity test can provoke one on purpose without failing
 * the run; they are put back by `stop()`.
 */
export function recordUnhandledRejections(
  options: { exclusive?: boolean } = {},
): RejectionRecorder {
  const reasons: unknown[] = [];
  const others = options.exclusive ? process.listeners('unhandledRejection') : [];
  for (const listener of others) process.off('unhandledRejection', listener);
  const onRejection = (reason: unknown) => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return {
    reasons,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      for (const listener of others) process.on('unhandledRejection', listener);
    },
  };
}
