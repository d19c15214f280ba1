/**
 * The periodic INFO summary (fake timers): one line per interval with what happened since the
 * last, nothing when it is off, and no timer left once the listener returns.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyStats, type StreamStats } from '../../src/core/stats.js';
import { demandOf, withDemand } from '../../src/listeners/demand.js';
import type { Listener } from '../../src/listeners/per-message.js';
import { HandlerTimer } from '../../src/runner/handler-stats.js';
import { LOG_SUMMARY_SPEC, startLogSummary, withLogSummary } from '../../src/runner/log-summary.js';
import { resolveNumber } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function source() {
  let stats: StreamStats = emptyStats();
  const info = vi.fn();
  const timer = new HandlerTimer();
  return {
    info,
    timer,
    set(patch: Partial<StreamStats>) {
      stats = { ...stats, ...patch };
    },
    summary: { logger: { ...silentLogger, info }, stream: { stats: () => stats }, timer },
  };
}

describe('log summary', () => {
  it('logs the differences since the last line, every N seconds', async () => {
    const s = source();
    const stop = startLogSummary(s.summary, 60);
    s.set({ received: 10, acked: 8, nacked: 2, inFlight: 3 });
    await s.timer
      .wrap(async () => {
        throw new Error('x');
      })(undefined)
      .catch(() => {});
    vi.advanceTimersByTime(59_999);
    expect(s.info).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(s.info).toHaveBeenCalledWith(
      'summary',
      expect.objectContaining({
        everySecs: 60,
        received: 10,
        acked: 8,
        nacked: 2,
        inFlight: 3,
        handlerCalls: 1,
        handlerErrors: 1,
      }),
    );
    s.set({ received: 15, acked: 14 });
    vi.advanceTimersByTime(60_000);
    expect(s.info).toHaveBeenLastCalledWith(
      'summary',
      expect.objectContaining({ received: 5, acked: 6, nacked: 0, handlerCalls: 0 }),
    );
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('0 turns it off', () => {
    const s = source();
    startLogSummary(s.summary, 0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('withLogSummary runs it while the listener runs, keeps its demand, clears it on return or throw', async () => {
    const s = source();
    let finish!: () => void;
    let fail!: (e: Error) => void;
    const inner: Listener = () =>
      new Promise((resolve, reject) => {
        finish = () =>
          resolve({ processed: 0, succeeded: 0, failed: 0, gaveUp: 0, filtered: 0, released: 0 });
        fail = reject;
      });
    withDemand(inner, 8);
    const wrapped = withLogSummary(inner, s.summary, 1);
    expect(demandOf(wrapped)).toBe(8);
    const done = wrapped([] as never);
    vi.advanceTimersByTime(2_000);
    expect(s.info).toHaveBeenCalledTimes(2);
    finish();
    await done;
    expect(vi.getTimerCount()).toBe(0);

    const failing = wrapped([] as never);
    expect(vi.getTimerCount()).toBe(1);
    fail(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('LOG_SUMMARY_SECS must be a whole number of seconds from 0', () => {
    expect(resolveNumber(LOG_SUMMARY_SPEC, undefined, {})).toBe(60);
    expect(resolveNumber(LOG_SUMMARY_SPEC, undefined, { LOG_SUMMARY_SECS: '0' })).toBe(0);
    expect(() => resolveNumber(LOG_SUMMARY_SPEC, undefined, { LOG_SUMMARY_SECS: '-5' })).toThrow(
      /LOG_SUMMARY_SECS \(option logSummaryEverySecs\): got "-5"; allowed: an integer from 0 to 86400/,
    );
    expect(() => resolveNumber(LOG_SUMMARY_SPEC, 1.5, {})).toThrow(ConfigError);
  });
});
