/** HandlerTimer.running(): the handler calls that have not finished, for the runner's report. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandlerTimer } from '../../src/runner/handler-stats.js';

const message = (messageId: string) => ({ messageId });

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HandlerTimer.running', () => {
  it('lists unfinished calls, oldest first, with their message ids and time on a monotonic clock', async () => {
    const timer = new HandlerTimer();
    const calls = [deferred(), deferred()];
    let i = 0;
    const perMessage = timer.wrap((_m: { messageId: string }) => calls[i++]!.promise);
    const batch = timer.wrap((_b: Array<{ messageId: string }>) => calls[i++]!.promise);

    void perMessage(message('a'));
    vi.advanceTimersByTime(300);
    void batch([message('b'), message('c')]);
    vi.advanceTimersByTime(200);
    expect(timer.running()).toEqual([
      { messageIds: ['a'], runningForMs: 500 },
      { messageIds: ['b', 'c'], runningForMs: 200 },
    ]);

    calls[0]!.resolve();
    calls[1]!.reject(new Error('boom'));
    await Promise.allSettled(calls.map((c) => c.promise));
    await Promise.resolve();
    expect(timer.running()).toEqual([]);
    expect(timer.snapshot()).toMatchObject({ errors: 1, duration: { count: 2 } });
  });

  it('does not list synchronous calls, whether they return or throw', () => {
    const timer = new HandlerTimer();
    const ok = timer.wrap((_m: { messageId: string }) => true);
    const fails = timer.wrap((_m: { messageId: string }): boolean => {
      throw new Error('boom');
    });
    ok(message('a'));
    expect(() => fails(message('b'))).toThrow('boom');
    expect(timer.running()).toEqual([]);
    expect(timer.snapshot()).toMatchObject({ errors: 1, duration: { count: 2 } });
  });
});
